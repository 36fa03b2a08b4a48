"""E-mail of the messages through a real SMTP server (aiosmtpd, started here): the recipient, the Chinese
subject and body, the link to the record; a step that succeeds while the server is down, and the mail that
arrives once it is back, sent by the job outbox's retry."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from service.extensions import db
from service.messages.operations import EMAIL_JOB
from service.process.jobs import run_due_jobs
from service.process.models import Job
from service.types import utcnow
from tests.support.live import free_port


class Inbox:
    """aiosmtpd's handler: keeps every message it is handed."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:  # aiosmtpd calls it by this name
        self.raw.append(envelope.original_content)
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _serve(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_port(app) -> Iterator[int]:
    """SMTP configured at a port of this machine; the test decides whether a server listens there."""
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="crane@example.cn", SMTP_TIMEOUT_SECONDS=2.0)
    yield port
    app.config.update(SMTP_HOST="", SMTP_PORT=25, SMTP_FROM="noreply@crane.local", SMTP_TIMEOUT_SECONDS=10.0)


@pytest.fixture
def smtp_server(smtp_port) -> Iterator[Inbox]:
    controller, inbox = _serve(smtp_port)
    yield inbox
    controller.stop()


def _mail_jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == EMAIL_JOB).order_by(Job.id)))


def test_the_message_is_mailed_with_its_record_link(owner, reviewer, submit_organization, decide, drain, smtp_server):
    record_id = submit_organization(owner, name="伊犁起重设备有限公司")
    assert decide(reviewer, record_id, "return", "营业执照已过期").status_code == 200
    assert smtp_server.received == []  # written with the step, sent by the worker
    drain()
    [(recipients, mail)] = smtp_server.received  # the reviewers have no address: their task messages stay inside
    assert recipients == [owner.user.email] and mail["To"] == owner.user.email
    assert mail["From"] == "crane@example.cn"
    assert mail["Subject"] == "【退回】单位管理被退回：伊犁起重设备有限公司"
    assert b"Subject: =?utf-8?" in smtp_server.raw[0]  # sent as RFC 2047 encoded UTF-8, decoded above
    body = mail.get_content()
    assert mail.get_content_charset() == "utf-8"
    assert "伊犁起重设备有限公司" in body and "营业执照已过期" in body and owner.user.username in body
    assert f"http://127.0.0.1:5000/organizations/{record_id}" in body
    assert [job.status for job in _mail_jobs()] == ["done"]


def test_staff_with_an_address_get_the_task_link(owner, make_api, submit_organization, drain, smtp_server):
    reviewer = make_api("reviewer", "650100")
    reviewer.user.email = "shenhe@example.cn"
    db.session.commit()
    submit_organization(owner, name="哈密吊装有限公司")
    drain()
    [(recipients, mail)] = smtp_server.received
    task_id = reviewer.get("/tasks").json["items"][0]["id"]
    assert recipients == ["shenhe@example.cn"] and "新的待审批任务" in mail["Subject"]
    assert f"http://127.0.0.1:5000/tasks/{task_id}" in mail.get_content()


def test_no_smtp_host_no_mail(owner, reviewer, submit_organization, decide):
    decide(reviewer, submit_organization(owner), "approve", "同意")
    assert _mail_jobs() == []


def test_a_step_succeeds_while_smtp_is_down_and_the_mail_follows(app, owner, reviewer, submit_organization, decide,
                                                                 smtp_port):
    record_id = submit_organization(owner, name="塔城起重有限公司")
    # nothing listens at the port: the step does not even try to connect, its job row waits for the worker
    assert decide(reviewer, record_id, "approve", "同意").status_code == 200
    assert owner.get(f"/organizations/{record_id}").json["status"] == "approved"
    assert [m["event"] for m in owner.get("/messages").json["items"]] == ["approved"]
    assert run_due_jobs("test-worker") == 1  # the attempt fails: connection refused
    [job] = _mail_jobs()
    assert job.status == "pending" and job.attempts == 1 and "Connection refused" in job.last_error
    assert job.next_run_at > utcnow()  # retried after the back-off, not at once
    assert run_due_jobs("test-worker") == 0

    controller, inbox = _serve(smtp_port)  # the server comes back
    try:
        db.session.execute(update(Job).where(Job.id == job.id).values(next_run_at=utcnow()))  # the back-off passed
        db.session.commit()
        assert run_due_jobs("test-worker") == 1
    finally:
        controller.stop()
    [(recipients, mail)] = inbox.received
    assert recipients == [owner.user.email] and mail["Subject"] == "【通过】单位管理审批通过：塔城起重有限公司"
    assert f"/organizations/{record_id}" in mail.get_content()
    db.session.expire_all()
    assert [(j.status, j.attempts) for j in _mail_jobs()] == [("done", 2)]
