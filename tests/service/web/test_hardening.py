"""Inputs and situations found in review: each answers a clear 4xx and changes nothing."""

import pytest


@pytest.mark.parametrize("path", ["/organizations/2147483648", "/organizations/99999999999999999999",
                                  "/tasks/2147483648/claim", "/organizations/0"])
def test_ids_out_of_range_are_404(owner, reviewer, path):
    api = reviewer if path.startswith("/tasks") else owner
    response = api.post(path) if path.endswith("claim") else api.get(path)
    assert response.status_code == 404


def test_page_numbers_out_of_range(owner, app, login):
    assert owner.get("/organizations?page=99999999999999999999").status_code == 422
    client = app.test_client()
    login(client, owner.user.username)
    assert client.get("/organizations?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize("value", ["\u0000abc", "新疆\u200b建工", "\ud800"])
def test_control_and_invisible_characters_are_refused(owner, value):
    response = owner.post("/organizations", json={"name": value})
    assert response.status_code == 422 and "控制字符" in response.json["errors"]["name"][0]


@pytest.mark.parametrize("body", [{"unit_type": ["owner"]}, {"email": ["a@b.cn"]}, {"username": {"x": 1}},
                                  {"email": "a" * 120 + "@b.cn"}, {"username": "bad\u0000name"}])
def test_account_fields_of_the_wrong_type(client, body):
    data = {"email": "zhao@example.cn", "username": "zhaoliu", "password": "abc12345", "phone": "13912345678",
            "unit_type": "owner", **body}
    response = client.post("/api/v1/auth/register", json=data)
    assert response.status_code == 422 and set(body) <= set(response.json["errors"])


def test_admin_user_with_list_role_is_422(make_api):
    admin = make_api("admin")
    response = admin.post("/admin/users", json={"username": "x_rev", "password": "abc12345", "role": ["reviewer"]})
    assert response.status_code == 422 and "role" in response.json["errors"]


def test_login_with_odd_username_is_a_clear_4xx(client):
    response = client.post("/api/v1/auth/token", json={"username": "a\u0000" * 100, "password": "x"})
    assert response.status_code == 422 and list(response.json["errors"]) == ["username"]  # the NUL, named
    odd = client.post("/api/v1/auth/token", json={"username": "a\u200b" * 100, "password": "x"})
    assert odd.status_code == 401


def test_resubmit_opinion_is_validated(owner, reviewer, submit_organization, decide):
    record_id = submit_organization(owner)
    decide(reviewer, record_id, "return", "补充")
    for opinion in (["x"], {"a": 1}, "长" * 501):
        response = owner.post(f"/organizations/{record_id}/submit", json={"opinion": opinion})
        assert response.status_code == 422 and "opinion" in response.json["errors"]
    assert owner.get(f"/organizations/{record_id}").json["status"] == "returned"


def test_region_cannot_change_after_submit(owner, reviewer, submit_organization, decide):
    record_id = submit_organization(owner)
    decide(reviewer, record_id, "return", "补充")
    response = owner.patch(f"/organizations/{record_id}", json={"region_code": "652300"})
    assert response.status_code == 422 and "region_code" in response.json["errors"]
    assert owner.patch(f"/organizations/{record_id}", json={"address": "新地址"}).status_code == 200


def test_task_kind_filter_is_validated(reviewer):
    assert reviewer.get("/tasks?kind=bogus").status_code == 422
    assert reviewer.get("/tasks?kind=organization").status_code == 200


def test_supervisors_do_not_see_filings(owner, make_api, submit_organization):
    submit_organization(owner)
    assert make_api("supervisor", "650100").get("/organizations").json["total"] == 0


def test_security_headers_and_stored_file_names(owner, app, login):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    stored = owner.upload(f"/organizations/{record_id}/attachments/business_license",
                          filename="../../../etc/passwd.pdf")
    assert stored.json["filename"] == "passwd.pdf"
    client = app.test_client()
    login(client, owner.user.username)
    download = client.get(f"/organizations/{record_id}/files/business_license")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["X-Frame-Options"] == "DENY"


def test_password_change_signs_other_sessions_out(app, owner, login):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, owner.user.username)
    login(elsewhere, owner.user.username)
    assert elsewhere.get("/").status_code == 200
    assert here.post("/account/password", data={"old_password": "passw0rd123", "new_password": "newpass123",
                                                "confirm_password": "newpass123"}).status_code == 302
    assert here.get("/").status_code == 200  # the session that changed it stays signed in
    assert elsewhere.get("/").status_code == 302  # the other one is sent to 登录


def test_pages_not_offered_to_those_who_cannot_use_them(app, owner, reviewer, submit_organization, login):
    record_id = submit_organization(owner)
    staff = app.test_client()
    login(staff, reviewer.user.username)
    assert staff.get("/organizations/new").status_code == 403
    view = f"/organizations/{record_id}"
    assert staff.get(f"{view}/edit").headers["Location"] == view  # the record, not a form that is not theirs
    applicant = app.test_client()
    login(applicant, owner.user.username)
    for page in ("edit", "submit"):  # back or reload after 发起审批: the record's page, told why, no error
        response = applicant.get(f"{view}/{page}")
        assert response.status_code == 303 and response.headers["Location"] == view
    assert "不能修改或再次发起审批" in applicant.get(view).text
    resubmitted = applicant.post(f"{view}/submit", data={})
    assert resubmitted.status_code == 303 and resubmitted.headers["Location"] == view


def test_search_hint_follows_the_kind(app, owner, login):
    client = app.test_client()
    login(client, owner.user.username)
    assert 'placeholder="单位名称、统一社会信用代码"' in client.get("/organizations").text


def test_login_throttle_is_per_account_and_address(client, owner, make_api, app):
    """The guesser is slowed (doubling waits), the owner elsewhere is not; an address that guesses a lot has
    its wrong passwords refused, never a correct one (an office behind one proxy keeps working)."""
    from freezegun import freeze_time

    from service.accounts.operations import FREE_TRIES_PER_PAIR, MAX_FAILURES_PER_ADDRESS

    def token(username, password, address):
        return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})

    with freeze_time("2026-12-01 03:00:00") as clock:
        for _ in range(FREE_TRIES_PER_PAIR + 2):
            token(owner.user.username, "wrong0000", "10.0.0.9")
            clock.tick(60)
        blocked = token(owner.user.username, "wrong0000", "10.0.0.9")
        assert blocked.status_code == 401  # the waits so far were short and have passed
        blocked = token(owner.user.username, "passw0rd123", "10.0.0.9")
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 16  # 2, 4, 8, 16 s …
        assert token(owner.user.username, "passw0rd123", "10.0.0.10").status_code == 200  # the owner elsewhere

        for i in range(MAX_FAILURES_PER_ADDRESS - 1):  # one guess each at many names: no account back-off
            assert token(f"guess{i}", "wrong0000", "10.0.0.77").status_code == 401
        refused = token("guess-more", "wrong0000", "10.0.0.77")
        assert refused.status_code == 429 and "此地址" in refused.json["message"]  # the address guesses a lot
        assert refused.headers["Retry-After"] == "900"
        assert token(make_api("owner").user.username, "passw0rd123", "10.0.0.77").status_code == 200  # not this
