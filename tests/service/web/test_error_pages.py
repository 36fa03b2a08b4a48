"""Pages answer errors in Chinese: an unknown page is a 404, an expired form (CSRF) a 400."""


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
