"""A day's work in the browser, driven by the pages' labels as a person would, each step shot at 1366 px and
390 px: every error at once, chosen files kept, a run-out sign-in that loses nothing, no error page on back or
reload, the return reason where it is needed, visible limits, the menu search, and what only some may open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.support.api import PASSWORD
from tests.support.live import api_maker

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("files") / "scan.pdf"
    path.write_bytes(factories.PDF_BYTES)
    return str(path)


def _register_page(page: Page) -> None:
    page.goto("/register")
    expect(page.get_by_role("heading", name=re.compile("注册"))).to_be_visible()


def test_registration_shows_every_problem_at_once(new_page, shots):
    page = new_page()
    _register_page(page)
    page.get_by_label("用户名").fill("a")
    page.get_by_label("邮箱").fill("not-an-email")
    page.get_by_label(re.compile(r"^密码")).fill("short")
    page.get_by_label("确认密码").fill("other")
    page.get_by_label("手机号").fill("123")
    expect(page.get_by_role("radiogroup", name="单位类型")).to_be_visible()  # the group has its name
    page.get_by_role("button", name="注册").click()
    for message in ("用户名为3–40位", "邮箱格式不正确", "手机号格式不正确", "密码长度应为8–128位",
                    "两次输入的密码不一致", "请选择单位类型"):
        expect(page.locator(".field-error", has_text=message)).to_be_visible()
    expect(page.get_by_label("邮箱")).to_have_value("not-an-email")  # what was typed stays
    shots(page, "register-errors")


def _owner(live_server) -> tuple[str, object]:
    make = api_maker(live_server)
    api = make("owner")
    return api.user, api


def _open_unit_form(page: Page) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理").click()
    page.get_by_role("link", name="添加").click()
    expect(page.get_by_role("heading", name="单位管理 · 添加")).to_be_visible()


def _fill_unit(page: Page, data: dict) -> None:
    for label, key in (("单位名称", "name"), ("统一社会信用代码", "uscc"), ("单位地址", "address"),
                       ("法定代表人", "legal_representative"), ("联系人", "contact_name"),
                       ("联系电话", "contact_phone")):
        page.get_by_label(label).fill(data[key])
    page.get_by_label("所属地区").select_option(data["region_code"])


def test_chosen_files_survive_a_failed_save(live_server, new_page, shots, login, scan):
    username, _api = _owner(live_server)
    page = new_page()
    login(page, username)
    _open_unit_form(page)
    data = factories.organization_data()
    _fill_unit(page, {**data, "uscc": data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")})
    for label in ("营业执照", "资质证书", "安全生产许可证", "授权委托书"):
        page.get_by_label(label).set_input_files(scan)
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".field-error", has_text="第18位校验码有误")).to_be_visible()
    expect(page.locator(".staged")).to_have_count(4)  # the four scans, kept as chosen
    expect(page.get_by_text("已选择的文件已保留")).to_be_visible()
    shots(page, "files-kept")
    page.get_by_label("统一社会信用代码").fill(data["uscc"])
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".flash.success")).to_contain_text("已保存")
    expect(page.get_by_role("link", name="scan.pdf")).to_have_count(4)  # attached without choosing again
    shots(page, "files-attached")


def test_a_run_out_sign_in_loses_nothing(live_server, new_page, shots, login):
    username, _api = _owner(live_server)
    page = new_page()
    login(page, username)
    _open_unit_form(page)
    data = factories.organization_data()
    _fill_unit(page, data)
    page.context.clear_cookies()  # the sign-in ran out while the form was open
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("heading", name=re.compile("登录"))).to_be_visible()
    expect(page.get_by_text("您填写的内容已保留")).to_be_visible()
    shots(page, "signed-out")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="单位管理 · 添加")).to_be_visible()
    expect(page.get_by_label("单位名称")).to_have_value(data["name"])
    expect(page.get_by_label("法定代表人")).to_have_value(data["legal_representative"])
    shots(page, "form-restored")


def test_no_error_page_after_submitting_and_the_return_reason_on_top(live_server, new_page, shots, login, scan):
    username, api = _owner(live_server)
    reviewer = api_maker(live_server)("reviewer")
    record_id = api.post("/organizations", json=factories.organization_data()).json["id"]
    for slot in factories.ORG_SLOTS:
        api.upload(f"/organizations/{record_id}/attachments/{slot}")
    page = new_page()
    login(page, username)
    page.goto(f"/organizations/{record_id}/submit")
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".flash.success")).to_contain_text("已发起审批")
    page.go_back()
    page.reload()  # back, then reload: the record's page, never "409"
    expect(page.get_by_role("heading", name=re.compile("单位管理 · 查看"))).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("409")
    shots(page, "back-after-submit")

    task = next(t for t in reviewer.get("/tasks?scope=all").json["items"] if t["record_id"] == record_id)
    reviewer.post(f"/tasks/{task['id']}/complete", json={"decision": "return", "opinion": "营业执照已过期，请更新"})
    page.goto(f"/organizations/{record_id}")
    notice = page.locator(".record-notice")
    expect(notice).to_contain_text("审批退回")
    expect(notice).to_contain_text("营业执照已过期，请更新")
    shots(page, "returned-record")
    page.goto("/organizations")
    expect(page.locator("tr", has_text=str(record_id)).locator(".returned")).to_contain_text("营业执照已过期")
    shots(page, "returned-list")
    page.goto(f"/organizations/{record_id}")
    page.locator(".record-notice").get_by_role("link", name="按意见修改").click()
    expect(page.get_by_role("heading", name="单位管理 · 编辑")).to_be_visible()
    expect(page.locator(".record-notice")).to_contain_text("营业执照已过期，请更新")  # on the edit page too
    shots(page, "returned-edit")


def test_limits_are_visible_and_nothing_is_cut(live_server, new_page, shots, login):
    username, _api = _owner(live_server)
    page = new_page()
    login(page, username)
    _open_unit_form(page)
    long_name = "新疆" + "天山建设" * 30  # 122 characters
    field = page.get_by_label("单位名称")
    field.fill(long_name)
    expect(field).to_have_value(long_name)  # nothing cut while typing or pasting
    expect(page.locator("#n_name")).to_have_text("122 / 100 字")
    expect(page.locator("#n_name")).to_have_class(re.compile("over"))
    page.get_by_role("button", name="确定").click()
    expect(page.locator(".field-error", has_text="最多 100 个字符")).to_be_visible()
    expect(page.get_by_label("单位名称")).to_have_value(long_name)
    shots(page, "limit")


def test_menu_search_and_favicon(live_server, new_page, shots, login):
    username, _api = _owner(live_server)
    page = new_page()
    login(page, username)
    page.get_by_label("搜索菜单").fill("特种")
    menu = page.get_by_role("navigation", name="主菜单")
    expect(menu.get_by_role("link", name="特种工人")).to_be_visible()
    expect(menu.get_by_role("link", name="单位管理")).to_be_hidden()
    shots(page, "menu-search")
    assert page.request.get("/favicon.ico").ok
    assert page.locator("link[rel=icon]").count() == 1


def test_the_audit_log_reads_as_changes(live_server, new_page, shots, login):
    make = api_maker(live_server)
    admin, enterprise = make("admin"), make("owner")
    enterprise_id = enterprise.get("/me").json["id"]
    assert admin.patch(f"/admin/users/{enterprise_id}", json={"active": False}).status_code == 200
    assert admin.patch("/admin/rules", json={"position_distance_m": 8}).status_code == 200
    page = new_page()
    login(page, admin.user)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="操作日志").click()
    log = page.locator("table.audit")
    expect(log.locator("tr", has_text="停用账号")).to_contain_text("状态：启用 → 停用")
    expect(log.locator("tr", has_text="修改企业规则").locator(".change")).to_have_text("安装位置最小间距：5 → 8")
    expect(log).not_to_contain_text("{")  # no raw JSON
    shots(page, "audit-log")


def test_the_strict_content_security_policy_breaks_nothing(live_server, new_page, login):
    """No inline script or handler is left: the pages, the progress diagram and the modeler run under the CSP."""
    make = api_maker(live_server)
    admin, owner = make("admin"), make("owner")
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    violations: list[str] = []
    page = new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, owner.user)
    response = page.goto(f"/organizations/{record_id}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#progress-diagram svg").first).to_be_visible()  # bpmn-js drew the chain
    page.get_by_label("搜索菜单").fill("项目")
    expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理")).to_be_hidden()
    modeler = new_page()
    modeler.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    login(modeler, admin.user)
    modeler.goto("/admin/processes/organization/edit")
    expect(modeler.locator('#modeler[data-ready="true"]')).to_be_attached()
    assert violations == []
