"""Account pages: 登录, 注册, the open-redirect guard, 个人资料 and 修改密码."""


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
