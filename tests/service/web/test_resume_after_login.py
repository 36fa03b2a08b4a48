"""A sign-in that ran out while a form was open: the person signs in again and finds the same form with what
they typed (passwords never kept)."""

from __future__ import annotations

from tests.support.api import PASSWORD


def test_typed_values_come_back_after_signing_in_again(app, owner):
    browser = app.test_client()
    typed = {"name": "新疆天山建设有限公司", "address": "乌鲁木齐市天山区", "contact_name": "王建华"}
    posted = browser.post("/organizations/new", data=typed,
                          headers={"Referer": "http://localhost/organizations/new"})
    assert posted.status_code == 302 and posted.headers["Location"].startswith("/login?next=/organizations/new")
    signed_in = browser.post(posted.headers["Location"], data={"username": owner.user.username,
                                                              "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/organizations/new"
    page = browser.get("/organizations/new").text
    assert "您填写的内容已保留" in page
    for value in typed.values():
        assert f'value="{value}"' in page
    assert 'value="新疆天山建设有限公司"' not in browser.get("/organizations/new").text  # once


def test_a_stale_page_returns_to_the_form_with_what_was_typed(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = browser.post("/organizations/new", data={"name": "天山吊装", "csrf_token": "stale"},
                                headers={"Referer": "http://localhost/organizations/new"})
        assert response.status_code == 303 and response.headers["Location"] == "/organizations/new"
        page = browser.get("/organizations/new").text
        assert "页面已过期，已为您恢复填写的内容" in page and 'value="天山吊装"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_passwords_are_never_kept(app):
    browser = app.test_client()
    browser.post("/account/password", data={"old_password": "x", "new_password": "secret123", "csrf_token": "t"},
                 headers={"Referer": "http://localhost/account/password"})
    with browser.session_transaction() as session:
        assert "secret123" not in str(dict(session))
