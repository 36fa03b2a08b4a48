"""产权备案's 基本参数 rows in the browser: 追加 adds a row, 删除 removes one, the saved rows come back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.accounts.operations import create_staff_user, register
from service.extensions import db
from service.filings.chains import chain_for
from service.filings.operations import attach_file, create_draft, submit
from service.tasks.operations import complete_task, list_tasks
from tests import factories

PASSWORD = "passw0rd123"


def owner_with_unit(username: str) -> None:
    """An owner whose unit is approved, made through the real operations."""
    owner = register({"email": f"{username}@example.cn", "username": username, "password": PASSWORD,
                      "phone": "13800138000", "unit_type": "owner"})
    reviewer = create_staff_user({"username": f"{username}_rev", "password": PASSWORD, "role": "reviewer",
                                  "region_code": "650100"})
    unit = create_draft(chain_for("organization"), owner, factories.organization_data())
    for slot in factories.ORG_SLOTS:
        attach_file(chain_for("organization"), owner, unit.id, slot, "scan.pdf", factories.pdf_file()[0])
    submit(chain_for("organization"), owner, unit.id)
    task = list_tasks(reviewer, "claimable")[0][0]
    complete_task(reviewer, task.id, {"decision": "approve", "opinion": "同意"})
    db.session.commit()


@pytest.mark.browser
def test_parameter_rows(live_server, new_page, shot):
    username = factories.unique_name("rows")
    live_server.run(lambda: owner_with_unit(username))
    page = new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="产权备案").click()
    page.get_by_role("link", name="添加").click()

    machine = factories.property_filing_data("T")
    page.get_by_label("塔式起重机").check()
    for name in ("model", "manufacturer", "manufacture_license", "factory_number", "certificate_of_conformity",
                 "contact_name", "contact_phone"):
        page.locator(f"#f_{name}").fill(str(machine[name]))
    page.locator("#f_manufacture_date").fill(str(machine["manufacture_date"]))
    rows = page.locator("[data-rows=parameters] tbody tr")
    # the category offers its own parameters: one row each, the codes chosen; another category's are not offered
    expect(rows).to_have_count(4)
    codes = [parameter["code"] for parameter in factories.PARAMETERS["T"]]
    assert [rows.nth(i).get_by_label("参数序号").input_value() for i in range(4)] == codes
    assert rows.nth(0).locator("option[value='1005']").evaluate("o => o.hidden")
    page.get_by_label("施工升降机").check()  # changed one's mind before typing: the hoist's two
    expect(rows).to_have_count(2)
    assert [rows.nth(i).get_by_label("参数序号").input_value() for i in range(2)] == ["1005", "1006"]
    page.get_by_label("塔式起重机").check()
    expect(rows).to_have_count(4)
    rows.nth(1).get_by_role("button", name="删除").click()
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="追加").click()
    page.get_by_role("button", name="追加").click()
    expect(rows).to_have_count(4)  # at most four rows for a tower crane's four parameters
    for i, parameter in enumerate(factories.PARAMETERS["T"]):
        rows.nth(i).get_by_label("参数序号").select_option(parameter["code"])
        rows.nth(i).get_by_label("参数值").fill(parameter["value"])
    shot(page, "rows-filled")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status")).to_contain_text("已保存")
    shown = page.locator("dl.facts table.rows tbody tr")
    expect(shown).to_have_count(4)
    expect(shown.nth(3)).to_contain_text("塔式起重机最大幅度起重重量")
    expect(page.locator("dl.facts")).to_contain_text("审批通过后由住建局填写")
    shot(page, "saved")
