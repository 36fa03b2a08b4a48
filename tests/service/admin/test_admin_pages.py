"""平台管理 pages: administrator only; accounts, roles, review forms, bureaus, 企业规则 and the audit log."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import delete, func, select, update
from stdnum.cn import uscc

from service.accounts.models import Bureau, Role, User
from service.audit.models import AuditEntry
from service.extensions import db
from service.process import forms as review_forms
from service.process.models import FormDefinition
from service.rules import operations as rules
from tests.support.api import PASSWORD

PAGES = ("/admin", "/admin/enterprises", "/admin/enterprises?q=x&page=2", "/admin/staff", "/admin/staff?q=abc",
         "/admin/roles", "/admin/forms", "/admin/forms/new", "/admin/forms/review", "/admin/bureaus",
         "/admin/rules", "/admin/audit", "/admin/audit?action=user.disable&page=3")


@pytest.fixture
def admin_page(app, admin, login):
    client = app.test_client()
    assert login(client, admin.user.username).status_code == 302
    return client


def _page_client(app, login, api):
    client = app.test_client()
    assert login(client, api.user.username).status_code == 302
    return client


def _textarea(page: str) -> str:
    match = re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the definition textarea is on the page"
    return html.unescape(match.group(1))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ access


def test_every_admin_page_answers_the_administrator(admin_page, admin):
    for path in (*PAGES, f"/admin/staff/{admin.user.id}"):
        response = admin_page.get(path)
        assert response.status_code == 200, path
    home = admin_page.get("/admin").text
    for label in ("流程管理", "企业账号", "工作人员", "角色", "审批表单", "住建局", "企业规则", "操作日志"):
        assert label in home
    assert 'href="/admin/processes"' in home


@pytest.mark.parametrize("kind", ["reviewer", "owner", "chief"])
def test_other_roles_get_403(app, make_api, kind, owner, login):
    client = _page_client(app, login, make_api(kind))
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    before = db.session.get(User, owner.user.id).active
    assert client.post(f"/admin/users/{owner.user.id}/active", data={"active": "0"}).status_code == 403
    assert client.post(f"/admin/users/{owner.user.id}/reset-password").status_code == 403
    assert client.post("/admin/rules", data={"position_distance_m": "10"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, owner.user.id).active == before
    assert rules.value("position_distance_m") == rules.definitions()["position_distance_m"].default
    assert _count(AuditEntry) == 0


def test_anonymous_is_sent_to_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post("/admin/rules", data={"position_distance_m": "10"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ------------------------------------------------------------------ 企业账号


def test_enterprise_list_and_search(admin_page, make_api):
    first, second = make_api("owner"), make_api("construction")
    page = admin_page.get("/admin/enterprises").text
    for label in ("用户名", "单位类型", "单位名称", "邮箱", "手机号", "状态", "注册时间", "停用", "重置密码", "搜索"):
        assert label in page
    assert first.user.username in page and second.user.username in page
    assert "产权单位" in page and "施工单位" in page
    found = admin_page.get(f"/admin/enterprises?q={second.user.username}").text
    assert second.user.username in found and first.user.username not in found


def test_enterprise_list_pages_by_twenty(admin_page, make_api):
    for _ in range(21):
        make_api("owner")
    first = admin_page.get("/admin/enterprises").text
    assert "共 21 条" in first and "第 1/2 页" in first and "下一页" in first
    second = admin_page.get("/admin/enterprises?page=2").text
    assert "第 2/2 页" in second and second.count('name="active"') == 1
    assert admin_page.get("/admin/enterprises?page=abc").status_code == 200


def test_disabling_an_enterprise_stops_its_login_and_is_logged(app, admin_page, owner, login):
    response = admin_page.post(f"/admin/users/{owner.user.id}/active",
                               data={"active": "0", "next": "/admin/enterprises?q=" + owner.user.username})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/enterprises?q=" + owner.user.username
    db.session.expire_all()
    assert db.session.get(User, owner.user.id).active is False

    refused = login(app.test_client(), owner.user.username)
    assert refused.status_code == 401 and "该账号已停用" in refused.text

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.disable"))
    assert entry is not None and owner.user.username in entry.target
    log = admin_page.get("/admin/audit?action=user.disable").text
    assert "停用账号" in log and f"账号 {owner.user.username}" in log
    assert '<span class="what">状态</span>：<del>启用</del> → <ins>停用</ins>' in log  # readable, not JSON
    assert "停用账号" not in admin_page.get("/admin/audit?action=user.enable").text.split("<tbody>")[1]

    listing = admin_page.get("/admin/enterprises").text
    assert 'name="active" value="1"' in listing and "启用" in listing
    assert admin_page.post(f"/admin/users/{owner.user.id}/active", data={"active": "1"}).status_code == 302
    assert login(app.test_client(), owner.user.username).status_code == 302


def test_active_switch_refuses_bad_input_and_foreign_next(admin_page, admin, owner):
    assert admin_page.post(f"/admin/users/{owner.user.id}/active", data={"active": "maybe"}).status_code == 422
    assert admin_page.post("/admin/users/999999/active", data={"active": "0"}).status_code == 404
    own = admin_page.post(f"/admin/users/{admin.user.id}/active", data={"active": "0"})
    assert own.status_code == 422 and "不能停用自己的账号" in own.text
    db.session.expire_all()
    assert db.session.get(User, admin.user.id).active is True
    outside = admin_page.post(f"/admin/users/{owner.user.id}/active", data={"active": "0", "next": "//evil.example/x"})
    assert outside.headers["Location"] == "/admin/enterprises"
    again = admin_page.post(f"/admin/users/{owner.user.id}/active", data={"active": "1", "next": "/login"})
    assert again.headers["Location"] == "/admin/enterprises"


def test_reset_password_shows_a_working_password_once(app, admin_page, owner, login):
    response = admin_page.post(f"/admin/users/{owner.user.id}/reset-password", data={"next": "/admin/enterprises"})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "安全渠道" in response.text and "只显示这一次" in response.text
    password = html.unescape(re.search(r'class="temp-password"><code>([^<]+)</code>', response.text).group(1))
    assert login(app.test_client(), owner.user.username, password).status_code == 302
    assert login(app.test_client(), owner.user.username, PASSWORD).status_code == 401
    assert db.session.scalar(select(AuditEntry.action)) == "user.reset_password"
    assert admin_page.post("/admin/users/999999/reset-password").status_code == 404


# ------------------------------------------------------------------ 工作人员


def _staff(**overrides):
    data = {"username": "zhangsan_sp", "password": PASSWORD, "role": "reviewer", "region_code": "650200",
            "email": "zhangsan@example.cn", "phone": "13912345678"}
    data.update(overrides)
    return data


def test_creating_staff_with_a_bad_region_is_422(admin_page):
    response = admin_page.post("/admin/staff", data=_staff(region_code="999999"))
    assert response.status_code == 422
    assert "住建局工作人员必须指定所属地区" in response.text
    assert 'value="zhangsan_sp"' in response.text  # what was typed stays
    assert db.session.scalar(select(User).where(User.username == "zhangsan_sp")) is None
    assert _count(AuditEntry) == 0


def test_creating_and_editing_staff(app, admin_page, login):
    response = admin_page.post("/admin/staff", data=_staff())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/staff"
    user = db.session.scalar(select(User).where(User.username == "zhangsan_sp"))
    assert user.role == "reviewer" and user.region_code == "650200"
    listing = admin_page.get("/admin/staff").text
    assert "zhangsan_sp" in listing and "克拉玛依市" in listing and "地方住建局审批人员" in listing
    assert login(app.test_client(), "zhangsan_sp").status_code == 302

    taken = admin_page.post("/admin/staff", data=_staff(email="other@example.cn"))
    assert taken.status_code == 409 and "已被注册" in taken.text

    edit = admin_page.get(f"/admin/staff/{user.id}").text
    assert "编辑工作人员" in edit and "保存" in edit
    changed = admin_page.post(f"/admin/staff/{user.id}", data={"role": "chief", "region_code": "650100"})
    assert changed.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.region_code) == ("chief", "650100")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "user.update")) == "user.update"

    bad = admin_page.post(f"/admin/staff/{user.id}", data={"role": "chief", "region_code": ""})
    assert bad.status_code == 422 and "必须指定所属地区" in bad.text
    db.session.expire_all()
    assert db.session.get(User, user.id).region_code == "650100"


def test_staff_edit_page_is_not_for_enterprise_accounts(admin_page, owner):
    assert admin_page.get(f"/admin/staff/{owner.user.id}").status_code == 404
    assert admin_page.get("/admin/staff/999999").status_code == 404


# ------------------------------------------------------------------ 角色


ROLE = "fuju_pages"  # not a key another test creates: the role table is kept between tests


@pytest.fixture
def forget_role():
    yield
    db.session.rollback()
    db.session.execute(delete(Role).where(Role.key == ROLE))
    db.session.commit()


def test_creating_a_role_lists_it(admin_page, forget_role):
    page = admin_page.get("/admin/roles").text
    for label in ("标识", "名称", "是否工作人员角色", "账号数", "新增角色", "泳道"):
        assert label in page
    assert ROLE not in page
    response = admin_page.post("/admin/roles", data={"key": ROLE, "name": "分管副局长"})
    assert response.status_code == 302
    listing = admin_page.get("/admin/roles").text
    assert f"<code>{ROLE}</code>" in listing and "分管副局长" in listing
    assert f"分管副局长（{ROLE}）" in admin_page.get("/admin/staff").text  # now assignable
    again = admin_page.post("/admin/roles", data={"key": ROLE, "name": "副局长"})
    assert again.status_code == 409 and "角色标识已存在" in again.text
    bad = admin_page.post("/admin/roles", data={"key": "Bad Key", "name": ""})
    assert bad.status_code == 422 and "角色标识为2–40位小写字母" in bad.text and "请填写角色名称" in bad.text


# ------------------------------------------------------------------ 审批表单


def test_editing_a_review_form_changes_the_task_form(admin_page):
    listing = admin_page.get("/admin/forms").text
    assert "review" in listing and "审批意见" in listing and "系统" in listing
    definition = json.loads(_textarea(admin_page.get("/admin/forms/review").text))
    assert definition["title"] == "审批"
    assert ["approve", "通过"] in definition["fields"][0]["options"]
    next(f for f in definition["fields"] if f["name"] == "opinion")["label"] = "审批意见（经办人）"

    response = admin_page.post("/admin/forms/review", data={"definition": json.dumps(definition, ensure_ascii=False)})
    assert response.status_code == 302
    assert review_forms.task_form("review").field("opinion").label == "审批意见（经办人）"
    assert "已修改" in admin_page.get("/admin/forms").text
    again = json.loads(_textarea(admin_page.get("/admin/forms/review").text))
    assert again["fields"][1]["label"] == "审批意见（经办人）"
    assert db.session.scalar(select(AuditEntry.action)) == "form.save"


def test_bad_form_json_is_422_and_saves_nothing(admin_page):
    broken = admin_page.post("/admin/forms/review", data={"definition": '{"title": "审批", "fields": [}'})
    assert broken.status_code == 422 and "JSON 格式有误" in broken.text
    assert '[}' in html.unescape(broken.text)  # the text stays to be corrected
    refused = admin_page.post("/admin/forms/review", data={"definition": '{"title": "审批", "fields": []}'})
    assert refused.status_code == 422 and "须包含审批结果字段 decision" in refused.text
    not_object = admin_page.post("/admin/forms/review", data={"definition": "[1, 2]"})
    assert not_object.status_code == 422 and "表单定义应为 JSON 对象" in not_object.text
    assert _count(FormDefinition) == 0 and _count(AuditEntry) == 0
    assert review_forms.task_form("review").field("opinion").label == "审批意见"
    assert admin_page.get("/admin/forms/organization").status_code == 404
    assert admin_page.post("/admin/forms/nope", data={"definition": "{}"}).status_code == 404


def test_adding_a_review_form(admin_page):
    text = _textarea(admin_page.get("/admin/forms/new").text)
    definition = {**json.loads(text), "title": "副局长审批"}
    taken = admin_page.post("/admin/forms/new", data={"key": "review", "definition": json.dumps(definition)})
    assert taken.status_code == 422 and "该表单标识已存在" in taken.text
    bad_key = admin_page.post("/admin/forms/new", data={"key": "Bad-Key", "definition": json.dumps(definition)})
    assert bad_key.status_code == 422 and "表单标识只能由小写字母" in bad_key.text
    response = admin_page.post("/admin/forms/new", data={"key": "review_deputy", "definition": json.dumps(definition)})
    assert response.status_code == 302
    assert review_forms.task_form("review_deputy").title == "副局长审批"
    listing = admin_page.get("/admin/forms").text
    assert "review_deputy" in listing and "副局长审批" in listing
    assert admin_page.get("/admin/forms/review_deputy").status_code == 200


# ------------------------------------------------------------------ 住建局


@pytest.fixture
def urumqi_bureau():
    kept = db.session.execute(select(Bureau.name, Bureau.uscc).where(Bureau.region_code == "650100")).one()
    yield
    db.session.rollback()  # the bureau table is kept between tests: put it back
    db.session.execute(update(Bureau).where(Bureau.region_code == "650100").values(name=kept.name, uscc=kept.uscc))
    db.session.commit()


def test_bureau_uscc_is_checked_then_stored(admin_page, urumqi_bureau):
    first17 = "11650100MB0000001"
    valid = first17 + uscc.calc_check_digit(first17)
    wrong = first17 + next(c for c in "0123456789" if c != valid[-1])
    page = admin_page.get("/admin/bureaus").text
    assert "乌鲁木齐市" in page and "统一社会信用代码" in page

    bad = admin_page.post("/admin/bureaus/650100", data={"name": "乌鲁木齐市住房和城乡建设局", "uscc": wrong})
    assert bad.status_code == 422 and "统一社会信用代码无效" in bad.text and wrong in bad.text
    db.session.expire_all()
    assert db.session.scalar(select(Bureau.uscc).where(Bureau.region_code == "650100")) != wrong

    good = admin_page.post("/admin/bureaus/650100", data={"name": "乌鲁木齐市住房和城乡建设局", "uscc": valid.lower()})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Bureau.uscc).where(Bureau.region_code == "650100")) == valid
    assert valid in admin_page.get("/admin/bureaus").text
    assert db.session.scalar(select(AuditEntry.action)) == "bureau.update"
    assert admin_page.post("/admin/bureaus/000000", data={"name": "x", "uscc": valid}).status_code == 404


# ------------------------------------------------------------------ 企业规则


def test_changing_a_rule_is_stored_and_shown(admin_page):
    page = admin_page.get("/admin/rules").text
    for label in ("安装位置最小间距", "米", "默认值", "备案编号规则", "保存"):
        assert label in page
    response = admin_page.post("/admin/rules", data={"position_distance_m": "10"})
    assert response.status_code == 302
    assert rules.value("position_distance_m") == 10
    assert 'name="position_distance_m" value="10"' in admin_page.get("/admin/rules").text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rules.update"))
    assert entry.after == {"position_distance_m": 10}


def test_a_bad_rule_is_422_and_stores_nothing(admin_page):
    response = admin_page.post("/admin/rules", data={"position_distance_m": "0", "certificate_validity_months": "24"})
    assert response.status_code == 422
    assert "安装位置最小间距：取值范围" in response.text
    assert 'name="position_distance_m" value="0"' in response.text
    assert rules.value("position_distance_m") == 5 and rules.value("certificate_validity_months") == 12
    words = admin_page.post("/admin/rules", data={"certificate_validity_months": "十二"})
    assert words.status_code == 422 and "应为整数" in words.text
    assert _count(AuditEntry) == 0


def test_saving_the_whole_rules_form_unchanged_logs_nothing(admin_page):
    page = admin_page.get("/admin/rules").text
    values = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
    assert "filing_number_pattern" in values and "sla_days_worker" in values
    values = {k: html.unescape(v) for k, v in values.items() if k in rules.definitions()}
    assert admin_page.post("/admin/rules", data=values).status_code == 302
    assert _count(AuditEntry) == 0


def test_every_review_form_edit_page_holds_its_definition_and_saves_back(admin_page):
    from forms.definitions import form_from_json

    for key, (form, custom) in review_forms.review_forms().items():
        assert not custom
        definition = json.loads(_textarea(admin_page.get(f"/admin/forms/{key}").text))
        assert form_from_json(definition, key) == form, key
        saved = admin_page.post(f"/admin/forms/{key}", data={"definition": json.dumps(definition)})
        assert saved.status_code == 302, (key, saved.text)
        assert review_forms.task_form(key) == form
