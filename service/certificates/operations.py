"""The rules of 使用登记证 in one place: who makes, sees and ends a certificate, and the certificate
process's service tasks, jobs and timer. Pages, API and CLI call these.

The process (bpmn_models/certificate.bpmn): 制证 → a service task queues the request (job outbox) →
the answer comes back as the message ``ministry_answer`` → issued: number, files; failed: wait for
``reissue`` → valid until the message ``complete`` (拆卸告知 approved) or ``revoke``, or the timer at
``valid_until`` → each end is reported to the ministry.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, url_for
from prometheus_client import Counter, Histogram
from sqlalchemy import select

from ..accounts.models import RoleKey, User
from ..calendar import months_after
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..filings.chains import chain_for
from ..filings.models import FilingStatus
from ..filings.national import reason
from ..filings.operations import Notice
from ..filings.queries import visible
from ..process.jobs import Reschedule, enqueue
from ..process.models import ProcessInstance
from ..process.operations import FireTimers, RecordRef, SendMessage, lock_instance, start_instance, step
from ..registrations.models import UseRegistration
from ..registrations.operations import ENDED, open_correction
from ..registry import Job, registry
from ..rules import operations as rules
from ..types import CHINA, china_today, utcnow
from . import files
from .content import personnel_of
from .gateway import Answer, gateway
from .models import Certificate, CertificateState, CertificateStatus, MinistryExchange
from .numbering import allocate, normalize
from .records import NEW, OPERATE_LABELS, build_record

KIND = "certificate"
MAKERS = (RoleKey.REVIEWER, RoleKey.CHIEF, RoleKey.ADMIN)
SEND_JOB, POLL_JOB, RENDER_JOB = "ministry.send", "ministry.poll", "certificate.render"
MAX_REASON = 500
#: events emitted (certificate) in the transaction that recorded them: the ministry answered 制证 (issued or
#: failed), and a valid certificate ended (完工注销, 撤销, 失效)
ANSWERED, CERTIFICATE_ENDED = "certificate.answered", "certificate.ended"

MINISTRY_EXCHANGES = Counter("crane_ministry_exchanges", "Calls to the ministry's interface, by outcome",
                             ["call", "outcome"])
MINISTRY_LATENCY = Histogram("crane_ministry_exchange_duration_seconds", "Time the ministry's interface took",
                             ["call"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
CERTIFICATES_ISSUED = Counter("crane_certificates_issued", "Certificates issued (赋码成功, number taken)")
Answered = TypeVar("Answered", bound=Answer | None)


def _ref(cert: Certificate) -> RecordRef:
    return RecordRef(KIND, cert.id, cert.region_code, cert.registration.account_id)


# -- who sees what -----------------------------------------------------------------------------------------
def _staff_registration(actor: User, registration_id: int, lock: bool = False) -> UseRegistration:
    """The bureau's view of a registration: staff who make certificates, of its region (admin: all)."""
    if actor.role not in MAKERS:
        raise NotFound("使用登记记录不存在")
    query = visible(chain_for("use_registration"), actor).where(UseRegistration.id == registration_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    registration = db.session.scalar(query)
    if registration is None:
        raise NotFound("使用登记记录不存在")
    return registration


def may_see(actor: User, cert: Certificate) -> bool:
    """The using unit, the machine's owner, and the bureau (its region's staff, the administrator)."""
    registration = cert.registration
    if actor.role == RoleKey.ADMIN:
        return True
    if actor.role in (RoleKey.REVIEWER, RoleKey.CHIEF):
        return actor.region_code == cert.region_code
    return actor.id in (registration.account_id, registration.installation_notice.machine.account_id)


def window(actor: User, registration_id: int) -> tuple[UseRegistration, Certificate | None]:
    """The certificate window of a registration the actor may see (404 otherwise)."""
    if actor.role in MAKERS:
        return _staff_registration(actor, registration_id), _certificate_of(registration_id)
    registration = db.session.get(UseRegistration, registration_id)
    cert = _certificate_of(registration_id) if registration is not None else None
    if registration is None or not (actor.id == registration.account_id or (cert and may_see(actor, cert))):
        raise NotFound("使用登记记录不存在")
    return registration, cert


def correctable(registration: UseRegistration) -> tuple[str, ...]:
    """What the using unit may change after the ministry refused 制证 (the chain's rule)."""
    return chain_for("use_registration").correctable(registration)


def by_number(actor: User, number: str, *, staff: bool = False, lock: bool = False) -> Certificate:
    printed = normalize(number)
    query = select(Certificate).where(Certificate.number == printed)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    cert = db.session.scalar(query) if printed else None
    if cert is None or not may_see(actor, cert) or (staff and actor.role not in MAKERS):
        raise NotFound("证书不存在")
    return cert


def issued_by_number(actor: User, number: str) -> Certificate:
    cert = by_number(actor, number)
    if cert.status != CertificateStatus.ISSUED:
        raise NotFound("证书不存在")
    return cert


def by_verify_code(code: str) -> Certificate:
    if not code or len(code) > 64:
        raise NotFound("未查询到该证书")
    cert = db.session.scalar(select(Certificate).where(Certificate.verify_code == code,
                                                       Certificate.status == CertificateStatus.ISSUED))
    if cert is None:
        raise NotFound("未查询到该证书")
    return cert


def _certificate_of(registration_id: int, lock: bool = False) -> Certificate | None:
    query = select(Certificate).where(Certificate.registration_id == registration_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _instance_of(cert: Certificate) -> ProcessInstance:
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.record_kind == KIND,
                                                                     ProcessInstance.record_id == cert.id))
    return lock_instance(instance_id)


# -- 制证 and the lifecycle -------------------------------------------------------------------------------
def make(actor: User, registration_id: int, valid_until: dt.date | None = None) -> Certificate:
    """制证: start the certificate process, or after a refusal send the fixed data again. While a request
    is pending this returns it and sends nothing (the manual: do not click repeatedly)."""
    registration = _staff_registration(actor, registration_id, lock=True)
    if registration.status != FilingStatus.APPROVED:
        raise Conflict("使用登记审批通过后才能制证")
    if registration.ended_at is not None:
        raise Conflict("该设备已拆卸，使用登记已终止，不能制证")
    if valid_until is not None and valid_until <= china_today():
        raise Invalid.field("valid_until", "有效期至须晚于今天")
    cert = _certificate_of(registration_id, lock=True)
    if cert is not None and cert.status == CertificateStatus.PENDING:
        return cert
    if cert is not None and cert.status == CertificateStatus.ISSUED:
        raise Conflict("已有使用登记证，无需再次制证")
    if cert is None:
        cert = Certificate(registration=registration, region_code=registration.region_code,
                           category=registration.installation_notice.machine.category,
                           verify_code=secrets.token_urlsafe(24), ecert_id=uuid.uuid4().hex,
                           requested_by_id=actor.id, feedback=[], valid_until=valid_until)
        db.session.add(cert)
        db.session.flush()
        start_instance(_ref(cert), actor, data={"certificate_id": cert.id})
        return cert
    cert.valid_until = valid_until or cert.valid_until
    cert.requested_by_id = actor.id
    open_correction(registration, False)  # what goes to the ministry now is what it judges
    step(_instance_of(cert), _ref(cert), SendMessage("reissue", "再次制证"), actor)
    return cert


#: how the bureau ends a certificate by hand: the message the certificate process waits for, and its name
ENDINGS = {"revoke": "撤销证件", "complete": "完工注销", "expire": "到期失效"}


def end(actor: User, number: str, how: str, reason: Any) -> Certificate:
    """撤销证件, 完工注销 or 到期失效 by the bureau, with a reason; reported to the ministry like the automatic ones."""
    cert = by_number(actor, number, staff=True, lock=True)
    label = ENDINGS[how]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid.field("reason", f"请填写{label}原因")
    if len(reason) > MAX_REASON or any(ord(c) < 32 and c not in "\n\t" for c in reason):
        raise Invalid.field("reason", f"{label}原因不超过{MAX_REASON}字，且不能含控制字符")
    _end(cert, how, actor, label, reason)
    return cert


def complete_for(registration: UseRegistration, actor: User | None) -> None:
    """完工注销: the machine's 拆卸告知 was approved, so its certificate, if valid, ends."""
    cert = _certificate_of(registration.id, lock=True)
    if cert is not None and cert.state == CertificateState.VALID:
        _end(cert, "complete", actor, "完工注销", "拆卸告知审批通过")


def _end(cert: Certificate, message: str, actor: User | None, label: str, reason: str) -> None:
    if cert.state != CertificateState.VALID:
        raise Conflict("证书当前不是有效状态")
    cert.end_reason = reason
    result = step(_instance_of(cert), _ref(cert), SendMessage(message, label, opinion=reason), actor)
    _apply_outcome(cert, result.outcome)


def _apply_outcome(cert: Certificate, outcome: str | None) -> None:
    if outcome is not None:
        cert.state, cert.ended_at = outcome, utcnow()
        registry().emit(CERTIFICATE_ENDED, cert)


def _fire_expiry(instance: ProcessInstance) -> None:
    cert = db.session.get(Certificate, instance.record_id)
    cert.end_reason = cert.end_reason or "有效期届满"
    _apply_outcome(cert, step(instance, _ref(cert), FireTimers(), None).outcome)


# -- the process's service tasks --------------------------------------------------------------------------
def _ministry_request(context: dict[str, Any], operate_type: str) -> str:
    """Queue a request to the ministry in the step's own transaction (sent by the ``ministry.send`` job)."""
    cert = db.session.get(Certificate, context["certificate_id"])
    cert.request_count += 1
    request_id = f"{cert.ecert_id}-{cert.request_count:03d}"
    exchange = MinistryExchange(certificate_id=cert.id, request_id=request_id, operate_type=operate_type)
    db.session.add(exchange)
    db.session.flush()
    if operate_type == NEW:
        cert.status, cert.request_id, cert.feedback = CertificateStatus.PENDING, request_id, []
    enqueue(SEND_JOB, {"exchange_id": exchange.id})
    return json.dumps({"request_id": request_id})


def _certificate_issue(context: dict[str, Any]) -> str:
    """赋码成功: take the next number, date the certificate, have its files made. Returns when it expires
    (the timer's due time): the start of the day after ``valid_until``, Beijing time."""
    cert = db.session.get(Certificate, context["certificate_id"])
    today = china_today()
    cert.number = allocate(cert.region_code, cert.category, today.year)
    cert.status, cert.state = CertificateStatus.ISSUED, CertificateState.VALID
    cert.issue_date, cert.issued_at = today, utcnow()
    if cert.valid_until is None or cert.valid_until <= today:
        cert.valid_until = months_after(today, int(rules.value("certificate_validity_months")))
    enqueue(RENDER_JOB, {"certificate_id": cert.id})
    CERTIFICATES_ISSUED.inc()
    expires = dt.datetime.combine(cert.valid_until + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)
    return json.dumps(expires.isoformat())


# -- jobs: the exchange with the ministry, and the files ---------------------------------------------------
def refusals_before_sending(registration: UseRegistration) -> list[str]:
    """What the ministry would refuse that may have changed since the registration was approved, checked
    again just before sending: the machine's 产权备案, and each special worker's certificate."""
    problems = []
    if registration.installation_notice.machine.status != FilingStatus.APPROVED:
        problems.append(reason("no_property_filing"))
    today = china_today()
    for person in personnel_of(registration):
        until = person["certValidUntil"]
        if until and dt.date.fromisoformat(until) < today:
            problems.append(reason("expired_certificate", name=person["name"], until=until))
    return problems


def _poll_after() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["MINISTRY_POLL_SECONDS"])


def _exchange(call: str, ask: Callable[[], Answered]) -> Answered:
    """One call to the ministry, counted (answered, refused, not yet, failed) and timed."""
    started = time.perf_counter()
    outcome = "error"
    try:
        answer = ask()
        outcome = "pending" if answer is None else "ok" if answer.ok else "refused"
        return answer
    finally:
        MINISTRY_EXCHANGES.labels(call, outcome).inc()
        MINISTRY_LATENCY.labels(call).observe(time.perf_counter() - started)


def _gave_up(payload: dict[str, Any], _error: str) -> None:
    exchange = db.session.get(MinistryExchange, payload["exchange_id"])
    if exchange.answered_at is None:
        _answered(exchange, Answer(ok=False, errors=["与住建部接口通信失败（已多次重试），请稍后再次点击制证"]))


def _send(payload: dict[str, Any]) -> None:
    """Send once: a network error leaves ``sent_at`` empty and the job is retried with back-off; the
    ministry recognises the request id should an earlier attempt have arrived after all."""
    exchange = db.session.get(MinistryExchange, payload["exchange_id"])
    if exchange.answered_at is not None:
        return
    if exchange.sent_at is None:
        cert = db.session.get(Certificate, exchange.certificate_id)
        if exchange.operate_type == NEW and (problems := refusals_before_sending(cert.registration)):
            _answered(exchange, Answer(ok=False, errors=problems))  # refused here, in the ministry's words
            return
        exchange.record = build_record(cert, exchange.operate_type,
                                       (cert.issue_date or china_today()).isoformat())
        ack = _exchange("submit", lambda: gateway().submit(exchange.request_id, exchange.record))
        exchange.sent_at = utcnow()
        if not ack.ok:
            _answered(exchange, ack)
            return
    enqueue(POLL_JOB, {"exchange_id": exchange.id}, run_at=utcnow() + _poll_after())


def _poll(payload: dict[str, Any]) -> None:
    exchange = db.session.get(MinistryExchange, payload["exchange_id"])
    if exchange.answered_at is not None:
        return
    try:
        answer = _exchange("result", lambda: gateway().result(exchange.request_id))
    except KeyError:  # the ministry lost the request: send it again, under the same id
        exchange.sent_at = None
        enqueue(SEND_JOB, {"exchange_id": exchange.id})
        return
    if answer is None:
        raise Reschedule(_poll_after())
    _answered(exchange, answer)


def _answered(exchange: MinistryExchange, answer: Answer) -> None:
    """Record the answer; for 制证 hand it to the waiting process as the ``ministry_answer`` message."""
    exchange.answered_at, exchange.return_code, exchange.errors = utcnow(), "1" if answer.ok else "0", answer.errors
    cert = db.session.scalar(select(Certificate).where(Certificate.id == exchange.certificate_id)
                             .with_for_update().execution_options(populate_existing=True))
    if exchange.operate_type != NEW:
        outcome = "成功" if answer.ok else "失败：" + "；".join(answer.errors)
        cert.feedback = [*cert.feedback, f"{OPERATE_LABELS[exchange.operate_type]}报送{outcome}"]
        return
    if cert.status != CertificateStatus.PENDING or cert.request_id != exchange.request_id:
        return  # an answer to a request that is no longer the current one
    cert.feedback = ["赋码成功"] if answer.ok else (answer.errors or ["住建部未说明原因"])
    if answer.ok:
        cert.license_code = answer.license_code
    else:
        cert.status = CertificateStatus.FAILED
        open_correction(cert.registration, True)
    step(_instance_of(cert), _ref(cert), SendMessage("ministry_answer", "住建部反馈",
                                                     "issued" if answer.ok else "failed", "；".join(cert.feedback)),
         None)
    registry().emit(ANSWERED, cert)


def _render(payload: dict[str, Any]) -> None:
    files.ensure(db.session.get(Certificate, payload["certificate_id"]))


def _print_action(viewer: User, registration: UseRegistration) -> list[tuple[str, str]]:
    """打印证书 (the 使用登记证制作下载窗口) on an approved registration, in its list and on its page."""
    if registration.status != FilingStatus.APPROVED:
        return []
    return [("打印证书", url_for("certificates.window", registration_id=registration.id))]


def _refusal_notice(viewer: User, registration: UseRegistration) -> list[Notice]:
    """住建部反馈 on top of a refused registration: the using unit is asked to correct it, the bureau told."""
    if not registration.correction_open:
        return []
    cert = _certificate_of(registration.id)
    feedback = tuple(cert.feedback) if cert is not None else ()
    if registration.corrected_at is not None:
        return [Notice("已按住建部反馈修改", ("使用单位已修改，等待住建局再次制证。", *feedback), tone="info")]
    if viewer.id == registration.account_id:
        return [Notice("住建部反馈：制证未通过，请按以下原因修改", feedback, "按反馈修改",
                       url_for("filings.edit", kind_path="use-registrations", record_id=registration.id))]
    return [Notice("住建部反馈：制证未通过，等待使用单位修改", feedback)]


def init_app(app: Flask) -> None:
    """The certificate process's service tasks, jobs, timer and outcomes; 完工注销 when a registration ends."""
    plugged = app.extensions["crane"]
    plugged.outcomes[KIND] = frozenset(s.value for s in CertificateState if s != CertificateState.VALID)
    plugged.services.update({"ministry_request": _ministry_request, "certificate_issue": _certificate_issue})
    plugged.jobs.update({SEND_JOB: Job(_send, _gave_up), POLL_JOB: Job(_poll, _gave_up), RENDER_JOB: Job(_render)})
    plugged.timer_handlers[KIND] = _fire_expiry
    plugged.listen(ENDED, complete_for)
    plugged.record_actions["use_registration"].append(_print_action)
    plugged.record_notices["use_registration"].append(_refusal_notice)
