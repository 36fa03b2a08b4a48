"""Pages answer errors in Chinese: an unknown page is a 404, an expired form (CSRF) a 400."""


def test_unknown_page_is_a_chinese_404(owner_page):
    response = owner_page.get("/no-such-kind")
    assert response.status_code == 404 and "不存在" in response.text


def test_csrf_is_enforced_on_pages(app, owner):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": owner.user.username, "password": "passw0rd123"},
                               headers={"Referer": "http://localhost/login"})
        assert response.status_code == 303 and response.headers["Location"] == "/login"  # back to the form, not in
        page = client.get("/login").text
        assert "页面已过期" in page and owner.user.username in page  # what was typed is there again
        with client.session_transaction() as session:
            assert "_user_id" not in session
        # the API uses bearer tokens and is exempt
        assert owner.get("/me").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
