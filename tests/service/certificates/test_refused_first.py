"""Every reason the ministry refuses a certificate for, that data in this platform can decide, the platform
refuses first — at entry, at 发起审批 or just before sending — naming the field or row, in the ministry's
words (``filings.national``, the catalogue the simulator answers from). The table below must cover every
reason of the catalogue; only what the national register knows is left to the ministry."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import pytest
from sqlalchemy import update

from service.certificates.gateway import Answer
from service.certificates.simulator import NationalRegister, Simulator
from service.extensions import db
from service.filings import national
from service.machines.models import PropertyFiling
from service.workers.models import Worker
from tests import factories
from tests.support.records import REGISTRATION_SLOTS, person, registration_data

ELSEWHERE = {"longitude": "87.640733", "latitude": "43.812818"}  # far from the default position


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def _messages(response) -> list[str]:
    assert response.status_code == 422, response.json
    return [m for messages in response.json["errors"].values() for m in messages]


def _draft(site, **overrides):
    return site["builder"].post("/use-registrations", json=registration_data(site, **overrides))


def _submit(site, **overrides):
    builder = site["builder"]
    response = _draft(site, **overrides)
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in REGISTRATION_SLOTS:
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    return builder.post(f"/use-registrations/{record_id}/submit")


def _rows(site):
    return registration_data(site)["personnel"]


# -- each case: what the platform answers, and what the ministry would have said -----------------------------
def use_unit_uscc(ctx):
    bad = _wrong_check_digit(ctx.site["uscc"])
    messages = _messages(_draft(ctx.site, using_unit_uscc=bad))
    detail = national.uscc_problem(bad)
    assert detail in national.reason("use_unit_uscc", detail=detail)
    return messages, detail


def id_number(ctx):
    """The form's own ID rule, the one the ministry judges by: the same words inside the ministry's reason."""
    rows = _rows(ctx.site)
    rows[0]["id_number"] = bad = _wrong_check_digit(rows[0]["id_number"])
    messages = _messages(_draft(ctx.site, personnel=rows))
    detail = national.id_problem(bad)
    assert detail in national.reason("id_number", name=rows[0]["name"], detail=detail)
    return messages, "第1行 身份证号：" + detail


def no_position(ctx):
    """A required field: 发起审批 names it before anything is sent."""
    response = _submit(ctx.site, longitude=None, latitude=None)
    assert response.status_code == 422 and {"longitude", "latitude"} <= set(response.json["errors"])
    return response.json["errors"]["longitude"], "必填"


def missing_duty(ctx):
    rows = [r for r in _rows(ctx.site) if r["code"] != "1107"]
    return _messages(_submit(ctx.site, personnel=rows)), national.reason("missing_duty", duty="安全员", code="1107")


def duplicate_duty(ctx):
    rows = _rows(ctx.site)
    rows.append(person("1106", ctx.site["uscc"]))
    return (_messages(_submit(ctx.site, personnel=rows)),
            national.reason("duplicate_duty", duty="项目负责人", code="1106"))


def expired_certificate(ctx):
    """At entry an expired worker cannot be picked; what expires after approval is checked just before sending."""
    site = ctx.in_use
    db.session.execute(update(Worker).where(Worker.id_number == site["driver"]["id_number"])
                       .values(valid_until=dt.date(2020, 1, 1)))
    db.session.commit()
    return _refused_before_sending(ctx, site), national.reason(
        "expired_certificate", name=site["driver"]["name"], until="2020-01-01")


def no_property_filing(ctx):
    site = ctx.in_use
    db.session.execute(update(PropertyFiling).values(status="terminated"))  # as if the filing lost its force
    db.session.commit()
    return _refused_before_sending(ctx, site), national.reason("no_property_filing")


def person_in_use(ctx):
    """The driver of a machine in use, named as the driver of another: refused at entry, naming the row."""
    first, second = ctx.in_use, ctx.second_site()
    builder = second["builder"]
    again = ctx.approved_record(builder, ctx.reviewer, "workers", factories.worker_data(
        category="05", name=first["driver"]["name"], id_number=first["driver"]["id_number"]), ("certificate",))
    rows = _rows(second)
    rows[3] = person("1109", second["uscc"], name=first["driver"]["name"], id_number=first["driver"]["id_number"])
    messages = _messages(_draft(second, personnel=rows, worker_ids=[again, second["workers"][1]], **ELSEWHERE))
    return messages, "第4行 " + national.reason("person_in_use", duty="司机", name=first["driver"]["name"])


def position_in_use(ctx):
    first, second = ctx.in_use, ctx.second_site()
    messages = _messages(_draft(second))  # the same position as the machine in use
    number = first["builder"].get(f"/use-registrations/{first['registration']}").json["registration_number"]
    return messages, national.reason("position_in_use", other=f"使用登记 {number}", distance=5)


def _refused_before_sending(ctx, site) -> list[str]:
    assert ctx.reviewer.post(f"/use-registrations/{site['registration']}/certificate").status_code == 202
    ctx.drain()
    answer = ctx.reviewer.get(f"/use-registrations/{site['registration']}/certificate").json
    assert answer["status"] == "failed" and answer["correctable"]
    return answer["feedback"]


CASES: dict[str, Callable] = {f.__name__: f for f in (
    use_unit_uscc, id_number, no_position, missing_duty, duplicate_duty, expired_certificate, no_property_filing,
    person_in_use, position_in_use)}


def test_the_table_covers_every_reason_of_the_catalogue():
    assert set(CASES) | national.REGISTER_ONLY == set(national.REASONS)


class Context:
    def __init__(self, request):
        self.request = request
        self.reviewer = request.getfixturevalue("reviewer")
        self.drain = request.getfixturevalue("drain")
        self.approved_record = request.getfixturevalue("approved_record")

    @property
    def site(self):
        return self.request.getfixturevalue("site")

    @property
    def in_use(self):
        return self.request.getfixturevalue("in_use")

    def second_site(self):
        return self.request.getfixturevalue("build_site")(self.request.getfixturevalue("make_api"), self.reviewer)


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_platform_refuses_first(app, request, key):
    messages, ministry_words = CASES[key](Context(request))
    assert any(ministry_words in m for m in messages), (messages, ministry_words)


# -- the ministry: the same reasons, and the register's, from the one catalogue ------------------------------
def _record(**overrides):
    people = [{"dutyCode": code, "name": f"人员{code}", "idCard": factories.make_id_number()}
              for code in ("1106", "1107", "1108", "1109")]
    record = {"eCertID": os.urandom(16).hex(), "provinceNum": "650000", "issuAuth": "乌鲁木齐市住房和城乡建设局",
              "issuAuthCode": factories.make_uscc(), "issuDate": "2026-11-24", "operateType": "01",
              "certState": "01", "useUnitCode": factories.make_uscc(), "recordNum": "650100-T-2026-00001",
              "recordState": "01", "equipType": "T", "longitude": 87.6, "latitude": 43.8, "personnel": people}
    record.update(overrides)
    return record


def _answer(simulator: Simulator, record: dict) -> Answer:
    request_id = os.urandom(4).hex()
    simulator.accept([{**record, "requestId": request_id}])
    return Answer.from_return(simulator.query(request_id)["ReturnData"]["Result"])


def test_an_old_county_code_is_no_reason():
    """A 施工单位 worker born in 1979 in 天山区 (650102, a code newer than the birth): the platform and the
    ministry accept the ID alike."""
    record = _record()
    record["personnel"][0]["idCard"] = factories.make_id_number(born=dt.date(1979, 6, 15), county="650102")
    assert national.id_problem(record["personnel"][0]["idCard"]) is None
    assert _answer(Simulator(), record).ok


def test_the_register_refuses_what_no_form_here_can_know(tmp_path):
    record = _record()
    driver = record["personnel"][3]
    register = tmp_path / "register.json"
    register.write_text(f'{{"people": [{{"id_number": "{driver["idCard"]}", "name": "李四", "province": "四川省"}}],'
                        f' "positions": [{{"longitude": 87.60001, "latitude": 43.8, "province": "甘肃省"}}]}}',
                        "utf-8")
    answer = _answer(Simulator(register=NationalRegister.load(register)), record)
    assert not answer.ok
    assert national.reason("register_person", duty="司机", name=driver["name"], province="四川省") in answer.errors
    assert national.reason("register_position", province="甘肃省") in answer.errors
    assert _answer(Simulator(), _record()).ok  # without the register: accepted
