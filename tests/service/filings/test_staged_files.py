"""Files chosen on a page survive a failed save: shown as chosen, removable, attached with the next save —
never picked twice; a token is the chooser's alone."""

from __future__ import annotations

import io
import re

from tests import factories


def _form(data, files):
    return {**data, **{f"file_{slot}": (io.BytesIO(factories.PDF_BYTES), f"{slot}.pdf") for slot in files}}


def _tokens(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="staged_(\w+)" value="([^"]+)"', page))


def test_files_survive_a_failed_save_and_are_attached_with_the_next(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    data = factories.organization_data()
    wrong = {**data, "uscc": data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")}
    failed = browser.post("/organizations/new", data=_form(wrong, factories.ORG_SLOTS),
                          content_type="multipart/form-data")
    assert failed.status_code == 422 and "第18位校验码有误" in failed.text
    assert all(f"已选择：{slot}.pdf" in failed.text for slot in factories.ORG_SLOTS)
    tokens = _tokens(failed.text)
    assert set(tokens) == set(factories.ORG_SLOTS)
    assert owner.get("/organizations").json["total"] == 0  # nothing half-saved

    kept = {**data, **{f"staged_{slot}": token for slot, token in tokens.items()},
            "remove_authorization_letter": "1"}  # one removed on the page
    saved = browser.post("/organizations/new", data=kept)
    assert saved.status_code == 302
    record_id = owner.get("/organizations").json["items"][0]["id"]
    slots = {a["slot"]: a["filename"] for a in owner.get(f"/organizations/{record_id}").json["attachments"]}
    assert slots == {s: f"{s}.pdf" for s in factories.ORG_SLOTS if s != "authorization_letter"}


def test_a_token_is_the_choosers_alone(app, owner, make_api, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    data = factories.organization_data()
    failed = browser.post("/organizations/new", data=_form({**data, "contact_phone": "1"}, ["business_license"]),
                          content_type="multipart/form-data")
    token = _tokens(failed.text)["business_license"]
    other = make_api("owner")
    thief = app.test_client()
    login(thief, other.user.username)
    assert thief.post("/organizations/new", data={**factories.organization_data(),
                                                  "staged_business_license": token}).status_code == 302
    record_id = other.get("/organizations").json["items"][0]["id"]
    assert other.get(f"/organizations/{record_id}").json["attachments"] == []
    forged = browser.post("/organizations/new", data={**data, "staged_business_license": token + "x"})
    assert forged.status_code == 302
    record_id = owner.get("/organizations").json["items"][0]["id"]
    assert owner.get(f"/organizations/{record_id}").json["attachments"] == []


def test_a_refused_file_is_named_with_the_other_problems(app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    form = {**factories.organization_data(), "contact_phone": "1",
            "file_business_license": (io.BytesIO(b"GIF89a not a pdf"), "logo.gif")}
    failed = browser.post("/organizations/new", data=form, content_type="multipart/form-data")
    assert failed.status_code == 422
    assert "只接受 PDF、JPEG 或 PNG 文件" in failed.text and "手机号格式不正确" in failed.text
