"""The ministry exchange through the simulator running as its own process (``crane ministry-sim``):
the national interface's token, AcceptData and QueryResult over HTTP, a refusal with reasons, the
company's fix and a second 制证; plus the simulator's rules one by one."""

import datetime as dt
import json
import os
import time
import urllib.request

import pytest
from sqlalchemy import select, update
from stdnum.iso7064 import mod_37_36

from service.certificates.gateway import Answer, GatewayError, HttpGateway, forget_gateways
from service.certificates.models import MinistryExchange
from service.certificates.simulator import Simulator, license_code
from service.extensions import db
from service.process.worker import run_once
from service.workers.models import Worker
from tests import factories
from tests.support.documents import NUMBER
from tests.support.live import simulator
from tests.support.records import person, registration_data


@pytest.fixture(scope="module")
def ministry(tmp_path_factory):
    """The simulator as a separate server process, answering after 0.3 s."""
    with simulator(tmp_path_factory.mktemp("sim"), delay=0.3) as url:
        yield url


@pytest.fixture
def remote(app, ministry):
    app.config.update(MINISTRY_URL=ministry, MINISTRY_POLL_SECONDS=0.1)  # ask again after 0.1 s
    forget_gateways()
    yield ministry
    app.config.update(MINISTRY_URL="", MINISTRY_POLL_SECONDS=0.0)
    forget_gateways()


def _wait_for_answer(drain, reviewer, registration_id, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        drain()
        cert = reviewer.get(f"/use-registrations/{registration_id}/certificate").json
        if cert["status"] != "pending":
            return cert
        time.sleep(0.1)
    raise AssertionError("no answer from the ministry")


def test_refused_then_fixed_then_issued_through_the_separate_simulator(in_use, reviewer, remote, approved_record, drain,
                                                                       request_certificate):
    builder, registration = in_use["builder"], in_use["registration"]
    # time passes: the driver's special-worker certificate has run out since the registration was approved
    db.session.execute(update(Worker).where(Worker.id_number == in_use["driver"]["id_number"])
                       .values(valid_until=dt.date(2020, 1, 1)))
    db.session.commit()
    assert request_certificate(reviewer, registration).json["status"] == "pending"
    drain()  # the send job checks again just before sending: refused here, in the ministry's words, never sent
    refused = reviewer.get(f"/use-registrations/{registration}/certificate").json
    assert refused["status"] == "failed" and refused["number"] is None
    assert any("资格证书已过期" in reason and in_use["driver"]["name"] in reason for reason in refused["feedback"])
    assert "personnel" in refused["correctable"] and "installation_notice_id" not in refused["correctable"]
    assert db.session.scalars(select(MinistryExchange.sent_at)).all() == [None]
    # the using unit may now fix its people, and only those fields
    assert builder.patch(f"/use-registrations/{registration}", json={"registration_number": "X"}).status_code == 422
    new_driver = factories.worker_data(category="05")
    driver_id = approved_record(builder, reviewer, "workers", new_driver, ("certificate",))
    rows = registration_data(in_use)["personnel"]
    rows[3] = person("1109", in_use["uscc"], name=new_driver["name"], id_number=new_driver["id_number"])
    fixed = builder.patch(f"/use-registrations/{registration}",
                          json={"personnel": rows, "worker_ids": [driver_id, in_use["workers"][1]]})
    assert fixed.status_code == 200, fixed.json
    assert request_certificate(reviewer, registration).json["status"] == "pending"
    issued = _wait_for_answer(drain, reviewer, registration)
    assert issued["status"] == "issued" and issued["feedback"] == ["赋码成功"] and NUMBER.match(issued["number"])
    # once issued, the registration is closed to changes again
    assert builder.patch(f"/use-registrations/{registration}", json={"manager_phone": "13900001111"}).status_code == 409


def test_the_http_client_speaks_the_national_interface(remote):
    client = HttpGateway(remote, "crane", "crane-simulator")
    record = _good_record()
    assert client.submit("req-1", record).ok
    assert client.submit("req-1", record).ok  # a resend is the same request, not a second one
    assert client.result("req-1") is None  # still being processed
    time.sleep(0.35)
    answer = client.result("req-1")
    assert answer.ok and answer.license_code.startswith("1.2.156.3005.2.")
    with pytest.raises(KeyError):
        client.result("never-sent")
    with pytest.raises(GatewayError):
        HttpGateway(remote, "crane", "wrong-secret").submit("req-2", record)
    with pytest.raises(GatewayError):
        HttpGateway("http://127.0.0.1:9", "a", "b", timeout=0.5).submit("req-3", record)


def _good_record(**overrides):
    uscc = factories.make_uscc()
    people = [{"dutyCode": code, "name": f"人员{code}", "idCard": factories.make_id_number()}
              for code in ("1106", "1107", "1108", "1109")]
    record = {"eCertID": os.urandom(16).hex(), "provinceNum": "650000", "issuAuth": "乌鲁木齐市住房和城乡建设局",
              "issuAuthCode": factories.make_uscc(), "issuDate": "2026-11-24", "operateType": "01",
              "certState": "01", "useUnitCode": uscc, "recordNum": "650100-T-2026-00001", "recordState": "01",
              "equipType": "T", "longitude": 87.6, "latitude": 43.8, "personnel": people}
    record.update(overrides)
    return record


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def _answer(simulator: Simulator, record: dict) -> Answer:
    request_id = os.urandom(4).hex()
    simulator.accept([{**record, "requestId": request_id}])
    return Answer.from_return(simulator.query(request_id)["ReturnData"]["Result"])


@pytest.mark.parametrize(("change", "reason"), [
    (lambda r: r.update(useUnitCode=_wrong_check_digit(r["useUnitCode"])), "使用单位统一社会信用代码"),
    (lambda r: r["personnel"][0].update(idCard=_wrong_check_digit(r["personnel"][0]["idCard"])), "第18位校验码有误"),
    (lambda r: r["personnel"].pop(), "缺少必填人员：司机（1109）"),
    (lambda r: r["personnel"].append(dict(r["personnel"][0])), "必填人员重复：项目负责人（1106）"),
    (lambda r: r["personnel"][3].update(certValidUntil="2020-01-01"), "资格证书已过期"),
    (lambda r: r.update(recordState="02"), "设备无有效的产权备案"),
    (lambda r: r.update(issuAuthCode="123"), "issuAuthCode"),
])
def test_simulator_refuses_what_the_ministry_refuses(change, reason):
    simulator = Simulator()
    record = _good_record()
    change(record)
    answer = _answer(simulator, record)
    assert not answer.ok and any(reason in e for e in answer.errors), answer.errors


def test_simulator_knows_positions_and_operators_in_use_nationally():
    simulator = Simulator()
    first = _good_record()
    assert _answer(simulator, first).ok
    same_spot = _good_record(longitude=first["longitude"] + 0.00001)
    answer = _answer(simulator, same_spot)
    assert not answer.ok and any("安装位置" in e for e in answer.errors)
    same_driver = _good_record(longitude=88.0)
    same_driver["personnel"][3] = dict(first["personnel"][3])
    assert any("已在其他在用设备" in e for e in _answer(simulator, same_driver).errors)
    # once the first is cancelled (05 注销), the spot is free again
    assert _answer(simulator, {**first, "operateType": "05", "certState": "05"}).ok
    assert _answer(simulator, same_spot).ok


def test_license_code_check_digit():
    code = license_code(factories.make_uscc(), 42)
    body, check = code[len("1.2.156.3005.2."):].rsplit(".", 1)
    assert mod_37_36.is_valid(body.replace(".", "") + check)


def test_simulator_server_answers_garbage_with_a_refusal(remote):
    for path, body in (("/token", b"[1]"), ("/token", b"not json")):
        request = urllib.request.Request(remote + path, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["ReturnCode"] == "0"


def test_an_unreachable_ministry_is_retried_then_reported(in_use, reviewer, app, request_certificate):
    from service.process import jobs as outbox
    from service.process.models import Job

    app.config.update(MINISTRY_URL="http://127.0.0.1:9", MINISTRY_TIMEOUT_SECONDS=0.5)
    forget_gateways()
    try:
        assert request_certificate(reviewer, in_use["registration"]).status_code == 202
        for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
            db.session.execute(update(Job).values(next_run_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
            db.session.commit()
            with app.app_context():
                run_once("test-worker")
            job = db.session.scalars(select(Job).where(Job.kind == "ministry.send")
                                     .execution_options(populate_existing=True)).one()
            assert job.attempts == attempt
        cert = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
        assert job.status == "failed" and cert["status"] == "failed"
        assert "与住建部接口通信失败" in cert["feedback"][0]
    finally:
        app.config.update(MINISTRY_URL="", MINISTRY_TIMEOUT_SECONDS=10.0)
        forget_gateways()
