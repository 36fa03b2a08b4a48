"""单位管理 end to end in a real browser: register → 添加 → 发起审批 → 认领 → 通过 → the unit on the home page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from service.accounts.operations import create_staff_user
from service.extensions import db
from service.organizations.models import Organization
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "passw0rd123"
ATTACHMENTS = {  # label on the 添加 page → file to attach
    "营业执照": "business_license.pdf",
    "资质证书": "qualification_certificate.pdf",
    "安全生产许可证": "safety_license.png",
    "授权委托书": "authorization_letter.pdf",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def field(page: Page, label: str) -> Any:
    """The input labelled ``label`` (labels of required fields end in a red *)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def scan_files(directory: Path) -> dict[str, Path]:
    """Small but real scans: PDFs and a PNG, recognised by their signatures."""
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
           b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    files = {}
    for label, name in ATTACHMENTS.items():
        path = directory / name
        path.write_bytes(factories.PNG_BYTES if name.endswith(".png") else pdf)
        files[label] = path
    return files


def wrong_check_digit(code: str) -> str:
    return code[:17] + next(c for c in USCC_ALPHABET if c != code[17])


def fill_organization(page: Page, org: dict[str, str], files: dict[str, Path]) -> None:
    field(page, "单位名称").fill(org["name"])
    field(page, "统一社会信用代码").fill(org["uscc"])
    page.get_by_label("产权单位", exact=True).check()
    field(page, "所属地区").select_option(label="乌鲁木齐市")
    field(page, "单位地址").fill(org["address"])
    field(page, "法定代表人").fill(org["legal_representative"])
    field(page, "联系人").fill(org["contact_name"])
    field(page, "联系电话").fill(org["contact_phone"])
    for label, path in files.items():
        page.get_by_label(label, exact=True).set_input_files(str(path))


def organization_count(live_server: Any) -> int:
    return live_server.run(lambda: db.session.scalar(select(func.count()).select_from(Organization)))


def test_organization_filing_and_approval(live_server, new_page, shot, tmp_path):
    files = scan_files(tmp_path)
    username = factories.unique_name("tianshan")
    org = factories.organization_data(uscc=factories.make_uscc(seed=20240615))
    opinion = "资料齐全，同意备案。"

    # -- the applicant registers as 产权单位 ---------------------------------------------------------------
    applicant = new_page()
    applicant.goto("/register")
    expect(applicant.get_by_role("heading", name="注册")).to_be_visible()
    shot(applicant, "register")
    field(applicant, "邮箱").fill(f"{username}@example.cn")
    field(applicant, "用户名").fill(username)
    field(applicant, "密码").fill(PASSWORD)
    field(applicant, "确认密码").fill(PASSWORD)
    field(applicant, "手机号").fill("13800138000")
    applicant.get_by_label("产权单位", exact=True).check()
    applicant.get_by_role("button", name="注册").click()

    expect(applicant).to_have_url(re.compile(r"/$"))
    expect(applicant.get_by_role("status")).to_contain_text("注册成功")
    expect(applicant.locator(".nature")).to_contain_text("账号所属性质：产权单位")
    shot(applicant, "home-new-account")

    # -- 单位管理 → 添加, first with a mistyped 统一社会信用代码 -------------------------------------------------
    applicant.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理").click()
    expect(applicant.get_by_role("heading", name="单位管理")).to_be_visible()
    for tab in ("全部", "待发起", "流程中", "通过", "终止"):
        expect(applicant.locator(".tabs").get_by_role("link", name=tab, exact=True)).to_be_visible()
    expect(applicant.get_by_text("暂无记录")).to_be_visible()
    shot(applicant, "organizations-empty")
    applicant.get_by_role("link", name="添加", exact=True).click()
    expect(applicant.get_by_role("heading", name="单位管理 · 添加")).to_be_visible()
    expect(applicant.get_by_role("button", name="重置")).to_be_visible()

    fill_organization(applicant, {**org, "uscc": wrong_check_digit(org["uscc"])}, files)
    shot(applicant, "add-form-filled")
    with applicant.expect_response(lambda r: r.request.method == "POST"
                                   and r.url.endswith("/organizations/new")) as posted:
        applicant.get_by_role("button", name="确定").click()
    assert posted.value.status == 422
    applicant.wait_for_load_state()
    uscc_field = applicant.locator(".field.has-error", has=applicant.locator("#f_uscc"))
    expect(uscc_field.locator(".field-error")).to_contain_text("第18位")
    expect(applicant.get_by_role("alert")).to_contain_text("填写的内容有误")
    expect(field(applicant, "单位名称")).to_have_value(org["name"])  # what was typed is kept
    shot(applicant, "add-form-wrong-uscc")
    assert organization_count(live_server) == 0

    # -- corrected and saved: 待发起 ---------------------------------------------------------------------------
    fill_organization(applicant, org, files)  # the browser does not keep chosen files across a reload
    applicant.get_by_role("button", name="确定").click()
    expect(applicant.get_by_role("heading", name=re.compile("单位管理 · 查看"))).to_be_visible()
    expect(applicant.get_by_role("status")).to_contain_text("已保存")
    expect(applicant.locator("dl.facts .status")).to_have_text("待发起")
    for label, path in files.items():
        expect(applicant.get_by_role("row", name=re.compile(label))).to_contain_text(path.name)
    shot(applicant, "view-draft")
    assert organization_count(live_server) == 1

    applicant.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理").click()
    row = applicant.get_by_role("row").filter(has_text=org["uscc"])
    expect(row.locator(".status")).to_have_text("待发起")
    shot(applicant, "organizations-draft")

    # -- 发起审批 → 确定: 流程中 ------------------------------------------------------------------------------
    row.get_by_role("link", name="发起审批").click()
    expect(applicant.get_by_role("heading", name="发起审批")).to_be_visible()
    expect(applicant.locator("dl.facts")).to_contain_text("乌鲁木齐市住房和城乡建设局")
    shot(applicant, "submit-confirm")
    applicant.get_by_role("button", name="确定").click()
    expect(applicant.get_by_role("status")).to_contain_text("已发起审批")
    expect(applicant.locator("dl.facts .status")).to_have_text("流程中")
    expect(applicant.locator("table.history")).to_contain_text("发起审批")
    diagram = applicant.locator("#progress-diagram[data-ready=true]")
    expect(diagram.locator('[data-element-id="Task_review"].active')).to_have_count(1)
    expect(diagram.locator('[data-element-id="StartEvent_submit"].done')).to_have_count(1)
    expect(diagram).to_contain_text("地方住建局审批人员")  # lanes show role names, not keys
    shot(applicant, "view-in-review")
    applicant.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理").click()
    applicant.locator(".tabs").get_by_role("link", name="流程中", exact=True).click()
    row = applicant.get_by_role("row").filter(has_text=org["uscc"])
    expect(row.locator(".status")).to_have_text("流程中")
    expect(row.get_by_role("link", name="发起审批")).to_have_count(0)

    # -- the 乌鲁木齐市 reviewer claims the task and approves -----------------------------------------------
    reviewer_name = factories.unique_name("reviewer")

    def add_reviewer() -> None:
        create_staff_user({"username": reviewer_name, "password": PASSWORD, "role": "reviewer",
                           "region_code": "650100"})
        db.session.commit()

    live_server.run(add_reviewer)
    reviewer = new_page()
    reviewer.goto("/")
    expect(reviewer).to_have_url(re.compile(r"/login"))
    field(reviewer, "用户名").fill(reviewer_name)
    field(reviewer, "密码").fill(PASSWORD)
    shot(reviewer, "reviewer-login")
    reviewer.get_by_role("button", name="登录").click()
    reviewer.get_by_role("navigation", name="主菜单").get_by_role("link", name="待审批").click()
    expect(reviewer.get_by_role("heading", name="待审批")).to_be_visible()
    task_row = reviewer.get_by_role("row").filter(has_text="单位管理")
    expect(task_row).to_have_count(1)
    shot(reviewer, "tasks")
    task_row.get_by_role("link").click()
    expect(reviewer.locator("dl.facts")).to_contain_text(org["uscc"])
    shot(reviewer, "task-unclaimed")
    reviewer.get_by_role("button", name="认领").click()
    expect(reviewer.get_by_role("status")).to_contain_text("已认领")
    reviewer.get_by_label("通过", exact=True).check()
    field(reviewer, "审批意见").fill(opinion)
    shot(reviewer, "task-review-form")
    reviewer.get_by_role("button", name="确定").click()
    expect(reviewer.get_by_role("status")).to_contain_text("已办结")
    expect(reviewer.get_by_text("暂无待审批任务")).to_be_visible()
    shot(reviewer, "tasks-done")

    # -- back to the applicant: 通过, with the history and the unit on the home page ----------------------
    applicant.goto("/organizations?status=approved")
    row = applicant.get_by_role("row").filter(has_text=org["uscc"])
    expect(row.locator(".status")).to_have_text("通过")
    shot(applicant, "organizations-approved")
    row.get_by_role("link", name="查看").click()
    expect(applicant.locator("dl.facts .status")).to_have_text("通过")
    history = applicant.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("发起审批")
    expect(history.nth(0)).to_contain_text(username)
    expect(history.nth(1)).to_contain_text("通过")
    expect(history.nth(1)).to_contain_text(reviewer_name)
    expect(history.nth(1)).to_contain_text(opinion)
    diagram = applicant.locator("#progress-diagram[data-ready=true]")
    for element in ("Task_review", "Gateway_decision", "End_approved"):
        expect(diagram.locator(f'[data-element-id="{element}"].done')).to_have_count(1)
    expect(diagram.locator(".active")).to_have_count(0)
    shot(applicant, "view-approved")

    applicant.get_by_role("navigation", name="主菜单").get_by_role("link", name="首页").click()
    expect(applicant.locator(".nature")).to_contain_text("产权单位")
    expect(applicant.get_by_text(f"所属单位：{org['name']}")).to_be_visible()
    expect(applicant.get_by_text(org["uscc"])).to_be_visible()
    shot(applicant, "home-with-unit")
