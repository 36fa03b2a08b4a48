"""Hostile bytes get a 4xx naming what is wrong, never a 500: NUL in a path, a query, a form, JSON or a file
name; JSON nested deeper than any real body; a large body that is not an upload refused before parsing;
ids that cannot exist are 404 for every verb."""

from __future__ import annotations

import io

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests import factories


@pytest.mark.parametrize("path", ["/api/v1/verify/%00", "/api/v1/verify/a%00b", "/verify/a%00b"])
def test_nul_in_a_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/organizations", "/property-filings", "/use-registrations", "/tasks"])
def test_nul_in_a_query_is_named(owner, path):
    response = owner.get(f"{path}?q=%00")
    assert response.status_code == 422
    assert response.json["errors"] == {"q": ["含有不可见的控制字符（NUL），请删除后重试"]}


def test_nul_in_json_is_named_by_its_path(owner, make_api):
    response = owner.post("/organizations", json={**factories.organization_data(), "name": "天山\x00建设"})
    assert response.status_code == 422 and "name" in response.json["errors"]
    nested = make_api("admin").patch("/admin/rules", json={"holidays": ["2027-10-01", "x\x00"]})
    assert nested.status_code == 422 and list(nested.json["errors"]) == ["holidays.1"]


def test_nul_in_a_pages_form_and_in_a_file_name(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    assert browser.get("/organizations?q=%00").status_code == 422
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    response = owner.client.put(f"/api/v1/organizations/{record_id}/attachments/business_license",
                                headers=owner.headers, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(factories.PDF_BYTES), "scan\x00.pdf")})
    assert response.status_code == 201 and response.json["filename"] == "scan.pdf"


def test_json_nested_too_deep_is_malformed_even_anonymously(client):
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/auth/token", data=deep, content_type="application/json")
    assert response.status_code == 400 and response.json["error"] == "malformed_json"


def test_a_large_json_body_is_refused_before_parsing(client):
    response = client.post("/api/v1/auth/token", data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert response.status_code == 413


def test_uploads_keep_their_own_limit(owner):
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    big = factories.PDF_BYTES + b"0" * (3 * 1024 * 1024)  # 3 MB: above the JSON limit, within the upload one
    assert owner.upload(f"/organizations/{record_id}/attachments/business_license", big).status_code == 201


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_id_zero_is_not_found_for_every_verb(owner, method):
    kwargs = {"json": {"name": "x"}} if method == "patch" else {}
    response = getattr(owner, method)("/organizations/0", **kwargs)
    assert response.status_code == 404


def test_signing_out_ends_the_session_on_the_server(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    with browser.session_transaction() as session:
        stolen = dict(session)
    assert browser.post("/logout").status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(stolen)
    assert replay.get("/organizations").status_code == 302  # to the login page: the copied cookie is dead


def test_revoking_a_token(owner):
    assert owner.delete("/auth/token").status_code == 204
    assert owner.get("/me").status_code == 401


def test_deactivation_ends_sessions_and_tokens_at_once(app, owner, make_api, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    assert browser.get("/organizations").status_code == 200
    admin = make_api("admin")
    assert admin.patch(f"/admin/users/{owner.user.id}", json={"active": False}).status_code == 200
    assert browser.get("/organizations").status_code == 302  # signed out on its next request
    assert owner.get("/me").status_code == 401


def test_pages_carry_a_strict_csp_and_no_inline_handler(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    page = browser.get("/organizations")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[3] / "templates"
    handlers = [f"{p.name}: {m}" for p in templates.rglob("*.html") if p.name != "certificate.html"
                for m in re.findall(r"\son[a-z]+=", p.read_text("utf-8"))]
    assert handlers == []  # (certificate.html is the PDF's template, never served as a page)


def test_secure_cookies_and_trusted_proxies_are_settings(tmp_path, monkeypatch):
    from service import create_app

    monkeypatch.setenv("CRANE_SECURE_COOKIES", "1")
    monkeypatch.setenv("CRANE_TRUSTED_PROXIES", "1")
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    seen = {}

    @app.get("/_peer")
    def _peer():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get("/_peer", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}


# -- every route, generated from the URL map: pages and API, every method, as each kind of account ---------------

DEEP_JSON = b"[" * 5000 + b"]" * 5000
LARGE_JSON = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
HOSTILE_QUERY = "?q=%00&status=%00&scope=%00&kind=%00&page=%00&per_page=-1&unread=%00&version=%00&year=%00"


def _hostile_urls(app):
    """Each route (chain routes once per chain) with ids of existing records and every other part hostile."""
    kinds = [chain.path for chain in app.extensions["crane"].chains.values()]
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/vendor"):
            continue
        for kind in kinds if "kind_path" in rule.arguments else [None]:
            values: dict[str, object] = {}
            for name, converter in rule._converters.items():  # werkzeug keeps them per rule, no public accessor
                if name == "kind_path":
                    values[name] = kind
                elif isinstance(converter, IntegerConverter):
                    values[name] = 1
                elif isinstance(converter, AnyConverter):
                    values[name] = sorted(converter.items)[0]
                else:
                    values[name] = "a\x00b"
            path = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path + HOSTILE_QUERY


@pytest.mark.parametrize("kind", ["applicant", "staff", "admin"])
def test_hostile_bytes_on_every_route_are_never_a_server_error(app, in_use, reviewer, make_api, login, kind):
    api = {"applicant": in_use["owner"], "staff": reviewer, "admin": make_api("admin")}[kind]
    browser = app.test_client()
    login(browser, api.user.username)
    hostile = {"name": "a\x00b", "q": "\x00", "decision": "\x00", "file": (io.BytesIO(b"\x00"), "a\x00.pdf")}
    tried = 0
    for method, url in _hostile_urls(app):
        if url.startswith(("/logout", "/api/v1/auth/token")):
            continue  # would sign this client out for the rest of the walk
        if url.startswith("/api/"):
            for body in (b'{"name": "a\\u0000b"}', DEEP_JSON, LARGE_JSON):
                response = api.client.open(url, method=method, headers=api.headers, data=body,
                                           content_type="application/json")
                assert response.status_code < 500, f"{method} {url}: {response.status_code}"
                if body is LARGE_JSON:  # refused: 413 where the route exists, else its 401/403/404/405
                    assert response.status_code in (401, 403, 404, 405, 413), f"{method} {url}"
        else:
            data = {k: (v if k != "file" else (io.BytesIO(b"\x00"), "a\x00.pdf")) for k, v in hostile.items()}
            response = browser.open(url, method=method, data=data, content_type="multipart/form-data")
        tried += 1
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
    print(f"{kind}: {tried} hostile requests")
    assert tried > 200
