"""One tower crane's life in the browser: 产权备案 → 安装告知 → 使用登记 → 拆卸告知, with every role.

The accounts, units, project and special workers are prepared through the real service operations (that part
has its own browser test); every filing and every review of the crane itself goes through the pages.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from service.accounts.operations import create_staff_user, register
from service.calendar import add_working_days
from service.extensions import db
from service.filings.chains import chain_for
from service.filings.operations import attach_file, create_draft, submit
from service.tasks.operations import complete_task, list_tasks
from tests import factories
from tests.support.api import PASSWORD

pytestmark = pytest.mark.browser

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PROPERTY_SLOTS = ("business_license", "manufacture_license", "conformity_certificate", "purchase_proof", "commitment")
INSTALLATION_SLOTS = tuple(f"s{i}" for i in range(1, 12))
NINE_SLOTS = tuple(f"s{i}" for i in range(1, 10))  # 使用登记 and 拆卸告知


# -- preparation through the service operations ---------------------------------------------------------------

def _approve_all(reviewer: Any) -> None:
    for task in list_tasks(reviewer, "claimable")[0]:
        complete_task(reviewer, task.id, {"decision": "approve", "opinion": "同意"})


def _approved_unit(account: Any, reviewer: Any, org_type: str) -> dict[str, str]:
    data = factories.organization_data(org_type=org_type)
    unit = create_draft(chain_for("organization"), account, data)
    for slot in factories.ORG_SLOTS:
        attach_file(chain_for("organization"), account, unit.id, slot, "scan.pdf", factories.pdf_file()[0])
    submit(chain_for("organization"), account, unit.id)
    _approve_all(reviewer)
    db.session.expire(account)  # the approval links the unit to the account with a plain UPDATE
    return {"name": data["name"], "uscc": data["uscc"]}


def _approved_worker(account: Any, reviewer: Any, category: str, unit: dict[str, str]) -> dict[str, Any]:
    data = factories.worker_data(category=category, employer_name=unit["name"], employer_uscc=unit["uscc"])
    worker = create_draft(chain_for("worker"), account, data)
    attach_file(chain_for("worker"), account, worker.id, "certificate", "certificate.pdf", factories.pdf_file()[0])
    submit(chain_for("worker"), account, worker.id)
    _approve_all(reviewer)
    return {"id": worker.id, "name": data["name"], "id_number": data["id_number"], "category": category}


def prepare(prefix: str) -> dict[str, Any]:
    """Accounts of every role, two approved units, an approved project and three approved special workers."""
    names = {role: f"{prefix}_{role}" for role in ("owner", "builder", "reviewer", "chief", "supervisor")}
    owner = register({"email": f"{names['owner']}@example.cn", "username": names["owner"], "password": PASSWORD,
                      "phone": "13800138000", "unit_type": "owner"})
    builder = register({"email": f"{names['builder']}@example.cn", "username": names["builder"],
                        "password": PASSWORD, "phone": "13800138001", "unit_type": "construction"})
    reviewer = create_staff_user({"username": names["reviewer"], "password": PASSWORD, "role": "reviewer",
                                  "region_code": "650100"})
    for role in ("chief", "supervisor"):
        create_staff_user({"username": names[role], "password": PASSWORD, "role": role, "region_code": "650100"})
    owner_unit = _approved_unit(owner, reviewer, "owner")
    builder_unit = _approved_unit(builder, reviewer, "construction")
    project_data = factories.project_data(installation_unit_uscc=owner_unit["uscc"],
                                          construction_unit_uscc=builder_unit["uscc"])
    project = create_draft(chain_for("project"), owner, project_data)
    submit(chain_for("project"), owner, project.id)
    _approve_all(reviewer)
    workers = {"installer": _approved_worker(owner, reviewer, "08", owner_unit),
               "driver": _approved_worker(builder, reviewer, "05", builder_unit),
               "signaller": _approved_worker(builder, reviewer, "04", builder_unit)}
    db.session.commit()
    return {"names": names, "owner_unit": owner_unit, "builder_unit": builder_unit, "project": project_data,
            **workers}


# -- page helpers ----------------------------------------------------------------------------------------------

def menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()


def open_add_form(page: Page, kind: str) -> None:
    menu(page, kind)
    page.get_by_role("link", name="添加", exact=True).click()
    expect(page.get_by_role("heading", name=f"{kind} · 添加")).to_be_visible()


def pick(page: Page, field: str, text: str) -> None:
    """Choose the option of the ``<select>`` for ``field`` whose label contains ``text``."""
    select = page.locator(f"#f_{field}")
    option = select.locator("option", has_text=text)
    expect(option).to_have_count(1)
    select.select_option(option.get_attribute("value"))


def check_chip(page: Page, worker: dict[str, Any]) -> None:
    """Tick ``worker`` among the 特种工人 chips (labelled 姓名 · 工种 · 证书有效期)."""
    chip = page.locator("label.chip", has_text=f"{worker['name']} · {worker['category']} ")
    expect(chip).to_have_count(1)
    chip.get_by_role("checkbox").check()


def fill_personnel(page: Page, rows: list[dict[str, str]]) -> None:
    """The rows come seeded with the notice's required codes and the own unit; fill in who they are."""
    grid = page.locator("[data-rows=personnel] tbody tr")
    seeded = [grid.nth(i).get_by_label("职务代码").input_value() for i in range(grid.count())]
    assert seeded == [person["code"] for person in rows][:len(seeded)], seeded
    while grid.count() < len(rows):
        page.locator("[data-rows=personnel]").get_by_role("button", name="追加").click()
    expect(grid).to_have_count(len(rows))
    for i, person in enumerate(rows):
        row = grid.nth(i)
        row.get_by_label("职务代码").select_option(person["code"])
        row.get_by_label("姓名").fill(person["name"])
        row.get_by_label("身份证号").fill(person["id_number"])
        row.get_by_label("所在单位全称").fill(person["unit_name"])
        row.get_by_label("统一信用代码").fill(person["unit_uscc"])
        row.get_by_label("是否在职").select_option(label="是")


def people(codes: tuple[str, ...], unit: dict[str, str], **known: dict[str, Any]) -> list[dict[str, str]]:
    """重点人员 rows of ``unit``; ``known`` names the codes held by particular (certified) people."""
    rows = []
    for code in codes:
        person = known.get(f"p{code}") or {"name": factories.unique_name("张"), "id_number": factories.make_id_number()}
        rows.append({"code": code, "name": person["name"], "id_number": person["id_number"],
                     "unit_name": unit["name"], "unit_uscc": unit["uscc"]})
    return rows


def attach(page: Page, slots: tuple[str, ...], scan: Path) -> None:
    for slot in slots:
        page.locator(f"#file_{slot}").set_input_files(str(scan))


def save_and_submit(page: Page, kind: str) -> str:
    """确定 on the 添加 page, then 发起审批 › 确定; returns the record's view URL."""
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status")).to_contain_text("已保存")
    expect(page.get_by_role("heading", name=re.compile(f"{kind} · 查看"))).to_be_visible()
    view_url = page.url
    page.locator(".toolbar").get_by_role("link", name="发起审批").click()
    expect(page.get_by_role("heading", name="发起审批")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("乌鲁木齐市住房和城乡建设局")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status")).to_contain_text("已发起审批")
    expect(page.locator("dl.facts .status").first).to_have_text("流程中")
    return view_url


def open_task(page: Page, kind: str, task: str) -> None:
    menu(page, "待审批")
    row = page.get_by_role("row").filter(has_text=kind).filter(has_text=task)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(f"{kind} · {task}"))).to_be_visible()
    page.get_by_role("button", name="认领").click()
    expect(page.get_by_role("status")).to_contain_text("已认领")
    page.get_by_label("通过", exact=True).check()


def finish_task(page: Page, opinion: str) -> None:
    page.get_by_label("审批意见").fill(opinion)
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status")).to_contain_text("已办结")


def expect_approved(page: Page, view_url: str) -> None:
    page.goto(view_url)
    expect(page.locator("dl.facts .status").first).to_have_text("通过")
    diagram = page.locator("#progress-diagram[data-ready=true]")
    expect(diagram.locator('[data-element-id="End_approved"].done')).to_have_count(1)
    expect(diagram.locator(".active")).to_have_count(0)


# -- the test --------------------------------------------------------------------------------------------------

def test_tower_crane_lifecycle(live_server, new_page, shot, shots, tmp_path, login):
    setup = live_server.run(lambda: prepare(factories.unique_name("life")))
    names, owner_unit, builder_unit = setup["names"], setup["owner_unit"], setup["builder_unit"]
    project_name = setup["project"]["name"]
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    planned = add_working_days(dt.date.today(), 3).isoformat()

    owner, reviewer = new_page(), new_page()
    login(owner, names["owner"])
    login(reviewer, names["reviewer"])

    # -- 产权备案: the owner files the tower crane ------------------------------------------------------------
    open_add_form(owner, "产权备案")
    machine = factories.property_filing_data("T")
    owner.get_by_label("塔式起重机", exact=True).check()
    for name in ("model", "manufacturer", "manufacture_license", "factory_number", "certificate_of_conformity",
                 "contact_name", "contact_phone", "manufacture_date"):
        owner.locator(f"#f_{name}").fill(str(machine[name]))
    parameters = owner.locator("[data-rows=parameters] tbody tr")
    expect(parameters).to_have_count(4)  # one row for each of the tower crane's parameters
    for i, parameter in enumerate(factories.PARAMETERS["T"]):
        parameters.nth(i).get_by_label("参数序号").select_option(parameter["code"])
        parameters.nth(i).get_by_label("参数值").fill(parameter["value"])
    attach(owner, PROPERTY_SLOTS, scan)
    shots(owner, "property-filing-form")
    machine_url = save_and_submit(owner, "产权备案")
    shot(owner, "property-filing-submitted")

    open_task(reviewer, "产权备案", "审批")
    number = reviewer.locator("#f_filing_number")
    expect(number).to_have_value(re.compile(r"\S+"))
    filing_number = number.input_value()
    shot(reviewer, "property-filing-review")
    finish_task(reviewer, "资料齐全，同意备案。")
    expect_approved(owner, machine_url)
    expect(owner.locator("dl.facts")).to_contain_text(filing_number)

    # -- 安装告知: the owner installs it on the project ---------------------------------------------------------
    open_add_form(owner, "安装告知")
    pick(owner, "property_filing_id", machine["factory_number"])
    owner.locator("#f_project_id").select_option(label=project_name)
    check_chip(owner, setup["installer"])
    owner.locator("#f_planned_date").fill(planned)
    fill_personnel(owner, people(("1103", "1104", "1105"), owner_unit))
    attach(owner, INSTALLATION_SLOTS, scan)
    shots(owner, "installation-form")
    installation_url = save_and_submit(owner, "安装告知")

    open_task(reviewer, "安装告知", "审批")
    shot(reviewer, "installation-review")
    finish_task(reviewer, "同意安装。")
    expect_approved(owner, installation_url)
    shot(owner, "installation-approved")

    # -- 使用登记: the builder registers it for use --------------------------------------------------------------
    builder = new_page()
    login(builder, names["builder"])
    open_add_form(builder, "使用登记")
    pick(builder, "installation_notice_id", filing_number)
    # the project and its units follow from the machine: shown, not typed
    expect(builder.locator(".field.locked", has_text="项目名称")).to_contain_text("由所选设备的安装告知带出")
    expect(builder.locator("input[name=supervision_unit_uscc], input[name=using_unit_uscc]")).to_have_count(0)
    builder.locator("#f_manager_name").fill("王建华")
    builder.locator("#f_manager_id_number").fill(factories.make_id_number())
    builder.locator("#f_manager_phone").fill("13899887766")
    builder.get_by_label("经纬度（经度,纬度）").fill("87.618733,43.792818")  # as the Baidu picker copies it
    expect(builder.locator("#f_longitude")).to_have_value("87.618733")
    expect(builder.locator("#f_latitude")).to_have_value("43.792818")
    check_chip(builder, setup["driver"])
    check_chip(builder, setup["signaller"])
    seeded = builder.locator("[data-rows=personnel] tbody tr")
    expect(seeded.nth(3).get_by_label("姓名")).to_have_value(setup["driver"]["name"])  # ticked, filled in
    expect(seeded.nth(2).get_by_label("身份证号")).to_have_value(setup["signaller"]["id_number"])
    expect(seeded.nth(0).get_by_label("统一信用代码")).to_have_value(builder_unit["uscc"])  # the own unit
    fill_personnel(builder, people(("1106", "1107", "1108", "1109"), builder_unit,
                                   p1108=setup["signaller"], p1109=setup["driver"]))
    attach(builder, NINE_SLOTS, scan)
    shots(builder, "registration-form")
    registration_url = save_and_submit(builder, "使用登记")

    open_task(reviewer, "使用登记", "审批")
    number = reviewer.locator("#f_registration_number")
    expect(number).to_have_value(re.compile(r"^SYDJ-650100-T-"))
    registration_number = number.input_value()
    shot(reviewer, "registration-review")
    finish_task(reviewer, "同意使用登记。")
    expect_approved(builder, registration_url)
    expect(builder.locator("dl.facts")).to_contain_text(registration_number)
    expect(builder.locator("dl.facts")).to_contain_text(filing_number)  # named; the owner's notice is not linked
    expect(builder.locator("dl.facts").get_by_role("link", name=re.compile(re.escape(filing_number)))).to_have_count(0)
    expect(builder.locator("dl.facts")).to_contain_text(project_name)
    shot(builder, "registration-approved")

    # -- 拆卸告知: the owner dismantles it; 初审 by the reviewer, 复审 by the chief with a 监督员 ----------------
    open_add_form(owner, "拆卸告知")
    pick(owner, "use_registration_id", registration_number)
    check_chip(owner, setup["installer"])
    owner.locator("#f_planned_date").fill(planned)
    fill_personnel(owner, people(("1110", "1111", "1112", "1113"), owner_unit, p1113=setup["installer"]))
    attach(owner, NINE_SLOTS, scan)
    shot(owner, "dismantling-form")
    dismantling_url = save_and_submit(owner, "拆卸告知")

    open_task(reviewer, "拆卸告知", "初审")
    shot(reviewer, "dismantling-first-review")
    finish_task(reviewer, "初审同意。")

    chief = new_page()
    login(chief, names["chief"])
    open_task(chief, "拆卸告知", "复审并分配监督员")
    chief.locator("#f_supervisor_id").select_option(label=names["supervisor"])
    shot(chief, "dismantling-chief-review")
    finish_task(chief, "同意拆卸，请监督员到场监督。")

    supervisor = new_page()
    login(supervisor, names["supervisor"])
    menu(supervisor, "拆卸告知")
    rows = supervisor.locator("table.grid tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".status")).to_have_text("通过")
    expect(rows.first).to_contain_text(registration_number)
    shot(supervisor, "supervisor-dismantlings")

    expect_approved(owner, dismantling_url)
    expect(owner.locator("dl.facts")).to_contain_text(names["supervisor"])
    history = owner.locator("table.history tbody tr")
    expect(history).to_have_count(4)
    expect(history.nth(1)).to_contain_text("初审")
    expect(history.nth(2)).to_contain_text(f"监督员：{names['supervisor']}")  # who was assigned, and by whom
    expect(history.nth(3)).to_contain_text("复审并分配监督员")
    shot(owner, "dismantling-approved")
