"""Server-rendered pages: labels from the manual, CSRF, errors as 4xx pages, atomic saves."""

import io

from sqlalchemy import func, select

from service.extensions import db
from service.organizations.models import Organization
from tests import factories


def test_anonymous_is_sent_to_login(client):
    response = client.get("/organizations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录" in client.get("/login").text


def test_register_page_flow(client):
    page = client.get("/register").text
    for label in ("邮箱", "用户名", "密码", "手机号", "单位类型", "产权单位", "施工单位"):
        assert label in page
    bad = client.post("/register", data={"email": "x@example.cn", "username": "wangwu", "password": "abc12345",
                                         "confirm_password": "abc12345", "phone": "123", "unit_type": "owner"})
    assert bad.status_code == 422 and "手机号格式不正确" in bad.text
    ok = client.post("/register", data={"email": "x@example.cn", "username": "wangwu", "password": "abc12345",
                                        "confirm_password": "abc12345", "phone": "13912345678",
                                        "unit_type": "construction"}, follow_redirects=True)
    assert ok.status_code == 200 and "账号所属性质" in ok.text and "施工单位" in ok.text


def test_wrong_login_is_401_with_message(client, owner, login):
    response = login(client, owner.user.username, "wrong-pass1")
    assert response.status_code == 401 and "用户名或密码错误" in response.text


def test_open_redirect_is_refused(client, owner):
    response = client.post("/login?next=//evil.example/x",
                           data={"username": owner.user.username, "password": "passw0rd123"})
    assert response.headers["Location"] == "/"


def test_list_page_has_the_manuals_tabs_and_actions(owner_page, owner):
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    page = owner_page.get("/organizations").text
    for label in ("全部", "待发起", "流程中", "通过", "终止", "添加", "查看", "发起审批"):
        assert label in page
    assert f"/organizations/{record_id}" in page


def test_add_with_bad_uscc_saves_nothing(owner_page):
    data = factories.organization_data()
    data["uscc"] = data["uscc"][:17] + ("0" if data["uscc"][17] != "0" else "1")
    response = owner_page.post("/organizations/new", data=data)
    assert response.status_code == 422 and "第18位" in response.text
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_add_with_a_bad_file_saves_nothing(owner_page):
    data = factories.organization_data()
    data["file_business_license"] = (io.BytesIO(b"GIF89a not allowed"), "licence.gif")
    response = owner_page.post("/organizations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 415 and "营业执照" in response.text
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_add_with_files_then_submit(owner_page, owner):
    data = factories.organization_data()
    for slot in factories.ORG_SLOTS:
        data[f"file_{slot}"] = (io.BytesIO(factories.PDF_BYTES), f"{slot}.pdf")
    response = owner_page.post("/organizations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    record_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    view = owner_page.get(f"/organizations/{record_id}").text
    assert "待发起" in view and "business_license.pdf" in view
    confirm = owner_page.get(f"/organizations/{record_id}/submit").text
    assert "乌鲁木齐市住房和城乡建设局" in confirm and "确定" in confirm
    assert owner_page.post(f"/organizations/{record_id}/submit").status_code == 302
    assert owner.get(f"/organizations/{record_id}").json["status"] == "in_review"
    download = owner_page.get(f"/organizations/{record_id}/files/business_license")
    assert download.status_code == 200 and download.data == factories.PDF_BYTES


def test_submit_incomplete_shows_what_is_missing(owner_page, owner):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    response = owner_page.post(f"/organizations/{record_id}/submit")
    assert response.status_code == 422
    assert "统一社会信用代码" in response.text and "请上传营业执照" in response.text


def test_other_units_record_page_is_404(app, owner, make_api, login):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    stranger = make_api("owner")
    client = app.test_client()
    login(client, stranger.user.username)
    assert client.get(f"/organizations/{record_id}").status_code == 404
    assert client.get(f"/organizations/{record_id}/edit").status_code == 404
    assert client.post(f"/organizations/{record_id}/delete").status_code == 404


def test_reviewer_pages_claim_and_approve(app, owner, reviewer, submit_organization, open_task_for, login):
    record_id = submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    listing = client.get("/tasks").text
    assert "待审批" in listing and "单位管理" in listing
    task_id = open_task_for(reviewer, record_id)
    page = client.get(f"/tasks/{task_id}").text
    assert "认领" in page and "营业执照" in page
    client.post(f"/tasks/{task_id}/claim")
    form = client.get(f"/tasks/{task_id}").text
    for label in ("审批结果", "通过", "退回", "不予通过", "审批意见", "确定"):
        assert label in form
    missing = client.post(f"/tasks/{task_id}/complete", data={"decision": "approve"})
    assert missing.status_code == 422 and "此项为必填项" in missing.text
    assert client.post(f"/tasks/{task_id}/complete", data={"decision": "approve", "opinion": "同意"}
                       ).status_code == 302
    history = client.get(f"/organizations/{record_id}").text
    assert "通过" in history and "同意" in history and "流程进展" in history


def test_account_pages(owner_page):
    assert "账号所属性质" in owner_page.get("/").text
    profile = owner_page.get("/account/profile").text
    assert "个人资料" in profile
    page = owner_page.get("/account/password").text
    for label in ("旧密码", "新密码", "确认新密码", "提交", "重置"):
        assert label in page
    mismatch = owner_page.post("/account/password", data={"old_password": "passw0rd123",
                                                          "new_password": "newpass123",
                                                          "confirm_password": "other123"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    ok = owner_page.post("/account/password", data={"old_password": "passw0rd123", "new_password": "newpass123",
                                                    "confirm_password": "newpass123"})
    assert ok.status_code == 302
    bad_profile = owner_page.post("/account/profile", data={"email": "bad", "phone": "13912345678"})
    assert bad_profile.status_code == 422


def test_unknown_page_is_a_chinese_404(owner_page):
    response = owner_page.get("/no-such-kind")
    assert response.status_code == 404 and "不存在" in response.text


def test_csrf_is_enforced_on_pages(app, owner):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": owner.user.username, "password": "passw0rd123"})
        assert response.status_code == 400 and "页面已过期" in response.text
        # the API uses bearer tokens and is exempt
        assert owner.get("/me").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
