import pytest
from freezegun import freeze_time

from service.accounts.operations import FREE_TRIES_PER_PAIR


def _register(client, **overrides):
    body = {"email": "zhang@example.cn", "username": "zhangsan", "password": "abc12345", "phone": "13912345678",
            "unit_type": "owner"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_register_then_token_then_me(client):
    response = _register(client)
    assert response.status_code == 201
    assert response.json["unit_type"] == "owner"
    token = client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345"})
    assert token.status_code == 200 and token.json["expires_at"].endswith("+00:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.json["username"] == "zhangsan" and me.json["role"] == "applicant"
    assert me.json["organization_id"] is None and me.json["nature"] == "产权单位"


@pytest.mark.parametrize(("field", "value"), [("email", "not-an-email"), ("username", "a"),
                                              ("password", "short1"), ("password", "onlyletters"),
                                              ("phone", "12345"), ("unit_type", "bureau")])
def test_register_rejects_bad_fields_in_chinese(client, field, value):
    response = _register(client, **{field: value})
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json["errors"][field][0])


def test_register_duplicate_username_and_email(client):
    assert _register(client).status_code == 201
    assert _register(client, email="other@example.cn").status_code == 409
    assert _register(client, username="lisi").status_code == 409
    assert _register(client, username="ZhangSan", email="x@example.cn").status_code == 409


def test_register_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["error"] == "malformed_json"


def test_wrong_password_401_then_a_backoff_with_retry_after(client):
    _register(client)
    with freeze_time("2026-12-01 02:00:00") as clock:
        for _ in range(FREE_TRIES_PER_PAIR):
            assert client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": "wrong1234"}
                               ).status_code == 401
        blocked = client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345"})
        assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "2"
        assert "请 2 秒后再试" in blocked.json["message"]
        clock.tick(3)  # waited as told: the owner gets in
        assert client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345"}
                           ).status_code == 200


def test_missing_or_invalid_token_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json["error"] == "not_authenticated"


def test_change_password(owner, client):
    assert owner.post("/me/password", json={"old_password": "bad", "new_password": "newpass123"}
                      ).status_code == 422
    weak = owner.post("/me/password", json={"old_password": "passw0rd123", "new_password": "weak"})
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]
    assert owner.post("/me/password", json={"old_password": "passw0rd123", "new_password": "newpass123"}
                      ).status_code == 204
    # old tokens are revoked with the old password
    assert owner.get("/me").status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": owner.user.username, "password": "newpass123"}
                       ).status_code == 200


def test_admin_creates_staff(make_api):
    admin = make_api("admin")
    created = admin.post("/admin/users", json={"username": "reviewer_cj", "password": "abc12345",
                                               "role": "reviewer", "region_code": "652300"})
    assert created.status_code == 201 and created.json["region_code"] == "652300"
    missing_region = admin.post("/admin/users", json={"username": "rev2", "password": "abc12345",
                                                      "role": "reviewer"})
    assert missing_region.status_code == 422 and "region_code" in missing_region.json["errors"]
    bad_role = admin.post("/admin/users", json={"username": "rev3", "password": "abc12345", "role": "god"})
    assert bad_role.status_code == 422 and "role" in bad_role.json["errors"]
    assert admin.post("/admin/users", json={"username": "reviewer_cj", "password": "abc12345",
                                            "role": "chief", "region_code": "652300"}).status_code == 409


@pytest.mark.parametrize("role", ["owner", "reviewer", "chief", "supervisor"])
def test_only_admin_creates_staff(make_api, role):
    api = make_api(role)
    response = api.post("/admin/users", json={"username": "x_staff", "password": "abc12345",
                                              "role": "reviewer", "region_code": "650100"})
    assert response.status_code == 403


def test_a_race_lost_at_the_database_is_409_not_500(client, monkeypatch):
    from service.accounts import operations

    assert _register(client).status_code == 201
    monkeypatch.setattr(operations, "_ensure_unique", lambda *_: None)  # as if both checked before either wrote
    response = _register(client)
    assert response.status_code == 409 and response.json["error"] == "conflict"
    assert _register(client, username="lisi", email="lisi@example.cn").status_code == 201
