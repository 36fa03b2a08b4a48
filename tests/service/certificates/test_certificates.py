"""使用登记证: 制证 through the ministry (in-process simulator), files, access, verification, lifecycle."""

import datetime as dt

import ofdkit
import pytest
from sqlalchemy import func, select

from service.certificates.models import MinistryExchange
from service.extensions import db
from service.process.models import Job
from tests.support.documents import NUMBER, ofd_parts, pdf_text, schema_errors
from tests.support.records import registration_data


def test_issue_from_approval_to_files(in_use, reviewer, drain, request_certificate):
    registration = in_use["registration"]
    before = reviewer.get(f"/use-registrations/{registration}/certificate").json
    assert before["status"] == "none" and before["number"] is None
    first = request_certificate(reviewer, registration)
    assert first.status_code == 202 and first.json["status"] == "pending"
    again = request_certificate(reviewer, registration)  # the manual: do not click repeatedly — and nothing is resent
    assert again.status_code == 202 and again.json["status"] == "pending"
    assert db.session.scalar(select(func.count()).select_from(MinistryExchange)) == 1
    drain()
    cert = reviewer.get(f"/use-registrations/{registration}/certificate").json
    assert cert["status"] == "issued" and cert["state"] == "valid" and cert["feedback"] == ["赋码成功"], cert
    match = NUMBER.match(cert["number"])
    assert match and match[1] == "T" and match[3] == "0000001"
    assert cert["license_code"].startswith("1.2.156.3005.2.")
    assert dt.date.fromisoformat(cert["valid_until"]) > dt.date.today()
    assert request_certificate(reviewer, registration).status_code == 409  # one certificate per registration
    history = in_use["builder"].get(f"/use-registrations/{registration}").json
    assert history["status"] == "approved"


def test_pdf_and_ofd_carry_the_number_and_the_using_unit(in_use, reviewer, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    unit = in_use["builder"].get(f"/organizations/{in_use['builder'].get('/me').json['organization_id']}").json["name"]
    pdf = in_use["builder"].get(f"/certificates/{cert['number']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(pdf_text(pdf.data).split())  # the title is letter-spaced
    assert cert["number"] in text and unit in text and "建筑起重机械使用登记证" in text
    ofd = in_use["builder"].get(f"/certificates/{cert['number']}/ofd")
    assert ofd.status_code == 200 and ofd.mimetype == "application/ofd"
    parts = ofd_parts(ofd.data)
    assert schema_errors(parts) == {}
    assert "Doc_0/Res/font_2.ttf" in parts
    with ofdkit.open(ofd.data) as document:
        text = document.text()
        runs = document.pages[0].runs
    assert cert["number"] in text and unit in text
    title = next(r for r in runs if r.text == "建筑起重机械使用登记证")
    assert 60 < title.x < 150  # centred on the 297 mm page with the font's real advances


def test_who_may_download_what(in_use, reviewer, make_api, request_certificate, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    path = f"/certificates/{cert['number']}/pdf"
    assert in_use["builder"].get(path).status_code == 200  # the using unit
    assert in_use["owner"].get(path).status_code == 200  # the machine's owner
    assert reviewer.get(path).status_code == 200  # the region's bureau
    assert make_api("construction").get(path).status_code == 404  # another unit
    assert make_api("reviewer", "652300").get(path).status_code == 404  # another region's bureau
    assert in_use["supervisor"].get(path).status_code == 404
    assert make_api("admin").get(path).status_code == 200
    full_width = cert["number"].replace("(", "（").replace(")", "）")
    assert in_use["builder"].get(f"/certificates/{full_width}/ofd").status_code == 200
    assert in_use["builder"].get("/certificates/650100T(2026)9999999/pdf").status_code == 404
    # only the bureau makes and revokes
    assert request_certificate(in_use["builder"], in_use["registration"]).status_code == 404
    assert in_use["builder"].post(f"/certificates/{cert['number']}/revoke", json={"reason": "x"}).status_code == 404


def test_verify_public_and_unguessable(in_use, reviewer, client, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    code = cert["verify_code"]
    assert len(code) >= 32 and cert["number"] not in code
    answer = client.get(f"/api/v1/verify/{code}")
    assert answer.status_code == 200
    assert answer.json["number"] == cert["number"] and answer.json["state"] == "valid"
    assert answer.json["category"] == "塔式起重机" and answer.json["factory_number"]
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and "有效" in page.text and cert["number"] in page.text
    assert client.get("/api/v1/verify/" + code[:-1] + ("A" if code[-1] != "A" else "B")).status_code == 404
    assert client.get("/verify/nothing-here").status_code == 404


def test_revoke_needs_a_reason_and_reports_to_the_ministry(in_use, reviewer, drain, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    url = f"/certificates/{cert['number']}/revoke"
    missing = reviewer.post(url, json={"reason": "  "})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    done = reviewer.post(url, json={"reason": "提供虚假材料"})
    assert done.status_code == 200 and done.json["state"] == "revoked"
    assert reviewer.post(url, json={"reason": "again"}).status_code == 409
    drain()
    exchanges = db.session.scalars(select(MinistryExchange).order_by(MinistryExchange.id)).all()
    assert [(e.operate_type, e.return_code) for e in exchanges] == [("01", "1"), ("05", "1")]
    assert exchanges[1].record["certState"] == "04" and exchanges[1].record["reason"] == "提供虚假材料"
    after = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
    assert after["feedback"][-1] == "注销报送成功"
    verify = reviewer.get(f"/verify/{cert['verify_code']}")
    assert verify.json["state"] == "revoked"


def test_dismantling_approval_completes_the_certificate(in_use, reviewer, open_task_for, drain, submit_dismantling,
                                                        issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete",
                  json={"decision": "approve", "opinion": "同意"})
    chief = in_use["chief"]
    task = chief.get("/tasks").json["items"][0]["id"]
    chief.post(f"/tasks/{task}/complete",
               json={"decision": "approve", "opinion": "同意", "supervisor_id": in_use["supervisor"].user.id})
    after = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
    assert after["state"] == "completed" and after["end_reason"] == "拆卸告知审批通过"
    drain()
    last = db.session.scalars(select(MinistryExchange).order_by(MinistryExchange.id.desc())).first()
    assert last.operate_type == "05" and last.record["certState"] == "05" and last.return_code == "1"
    assert reviewer.get(f"/verify/{cert['verify_code']}").json["state"] == "completed"


def test_expiry_by_timer_with_a_controlled_clock(in_use, reviewer, drain, request_certificate):
    from freezegun import freeze_time

    valid_until = dt.date.today() + dt.timedelta(days=30)
    assert request_certificate(reviewer, in_use["registration"], valid_until=valid_until.isoformat()).status_code == 202
    drain()
    cert = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
    assert cert["valid_until"] == valid_until.isoformat()
    with freeze_time(dt.datetime.combine(valid_until, dt.time(12))):
        drain()  # the last valid day: nothing happens
    assert reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json["state"] == "valid"
    with freeze_time(dt.datetime.combine(valid_until + dt.timedelta(days=1), dt.time(1))):
        drain()
    after = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
    assert after["state"] == "expired"
    last = db.session.scalars(select(MinistryExchange).order_by(MinistryExchange.id.desc())).first()
    assert last.operate_type == "04" and last.record["certState"] == "06"


def test_bad_valid_until_is_refused_and_nothing_starts(in_use, reviewer, request_certificate):
    past = request_certificate(reviewer, in_use["registration"], valid_until="2001-01-01")
    assert past.status_code == 422 and "valid_until" in past.json["errors"]
    garbage = request_certificate(reviewer, in_use["registration"], valid_until="明年")
    assert garbage.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


@pytest.mark.parametrize("status", ["draft"])
def test_no_certificate_before_approval(site, reviewer, status, request_certificate):
    record_id = site["builder"].post("/use-registrations", json=registration_data(site)).json["id"]
    assert request_certificate(reviewer, record_id).status_code == 404  # a draft is not the bureau's to see


def test_the_window_is_reached_from_the_registration(in_use, reviewer, client, login):
    login(client, reviewer.user.username)
    page = client.get(f"/use-registrations/{in_use['registration']}")
    assert "打印证书" in page.text and f"/use-registrations/{in_use['registration']}/certificate" in page.text
    window = client.get(f"/use-registrations/{in_use['registration']}/certificate")
    assert window.status_code == 200 and "无登记证，点击制证" in window.text and "制证注意事项" in window.text


def test_default_validity_follows_the_platform_rule(in_use, reviewer, make_api, drain, request_certificate):
    from service.calendar import months_after
    from service.types import china_today

    assert make_api("admin").patch("/admin/rules", json={"certificate_validity_months": 6}).status_code == 200
    registration = in_use["registration"]
    assert request_certificate(reviewer, registration).status_code == 202
    drain()
    cert = reviewer.get(f"/use-registrations/{registration}/certificate").json
    assert dt.date.fromisoformat(cert["valid_until"]) == months_after(china_today(), 6)
