"""The job outbox and the timer table, driven through the dispatcher's single pass."""

import datetime as dt
import json
import time

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from service.extensions import db
from service.process import jobs as outbox
from service.process.models import Job, JobStatus, Timer
from service.process.operations import deploy_definition
from service.process.worker import run_once
from service.registry import Job as JobHandler
from service.types import utcnow


@pytest.fixture
def recorder(app, monkeypatch):
    calls = []
    monkeypatch.setitem(app.extensions["crane"].jobs, "test.record", JobHandler(calls.append))
    return calls


def test_enqueued_job_runs_once(app, recorder):
    job = outbox.enqueue("test.record", {"n": 1})
    db.session.commit()
    assert run_once("w1") >= 1
    assert run_once("w1") == 0
    assert recorder == [{"n": 1}]
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.locked_by is None


def test_job_waits_for_its_time(app, recorder):
    outbox.enqueue("test.record", {"n": 2}, run_at=utcnow() + dt.timedelta(hours=1))
    db.session.commit()
    assert run_once("w1") == 0 and recorder == []


def test_failing_job_is_retried_with_backoff_then_failed(app, monkeypatch):
    attempts = []

    def boom(payload):
        attempts.append(payload)
        raise RuntimeError("ministry down")

    monkeypatch.setitem(app.extensions["crane"].jobs, "test.boom", JobHandler(boom))
    job = outbox.enqueue("test.boom", {})
    db.session.commit()
    run_once("w1")
    db.session.refresh(job)
    assert job.status == JobStatus.PENDING and job.attempts == 1 and "ministry down" in job.last_error
    assert job.next_run_at > utcnow()
    assert run_once("w1") == 0  # not due yet: backing off
    for _ in range(outbox.MAX_ATTEMPTS):
        job.next_run_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        run_once("w1")
        db.session.refresh(job)
    assert job.status == JobStatus.FAILED and job.attempts == outbox.MAX_ATTEMPTS
    assert len(attempts) == outbox.MAX_ATTEMPTS


def test_leased_job_is_not_taken_by_another_worker(app, recorder):
    job = outbox.enqueue("test.record", {"n": 3})
    job.locked_by, job.locked_until = "other", utcnow() + dt.timedelta(minutes=5)
    db.session.commit()
    assert run_once("w2") == 0 and recorder == []
    job.locked_until = utcnow() - dt.timedelta(seconds=1)  # the other worker died: its lease ran out
    db.session.commit()
    run_once("w2")
    assert recorder == [{"n": 3}]


def test_a_running_job_keeps_its_short_lease_alive(app, monkeypatch):
    """A slow handler is not taken by another worker: the heartbeat renews the lease while it runs; a
    dead worker's lease is short, so its job is free again within seconds."""
    monkeypatch.setattr(outbox, "HEARTBEAT_SECONDS", 0.05)
    seen = []

    def lease_of(job_id):
        with db.engine.connect() as connection:
            return connection.scalar(select(Job.locked_until).where(Job.id == job_id))

    def slow(payload):
        seen.append(lease_of(payload["id"]))
        time.sleep(0.4)
        seen.append(lease_of(payload["id"]))

    monkeypatch.setitem(app.extensions["crane"].jobs, "test.slow", JobHandler(slow))
    job = outbox.enqueue("test.slow", {})
    job.payload = json.dumps({"id": job.id})
    db.session.commit()
    run_once("w1")
    first, last = seen
    assert last > first  # renewed while running
    assert dt.timedelta(seconds=30) >= outbox.LEASE


def test_unknown_job_kind_is_refused(app):
    with pytest.raises(KeyError):
        outbox.enqueue("no.such.kind", {})


def test_backoff_grows_and_is_capped():
    assert outbox.backoff(1) < outbox.backoff(3) < outbox.backoff(6)
    assert outbox.backoff(50) == dt.timedelta(hours=1)
    assert json.loads(json.dumps({"ok": True}))  # payloads are JSON


def _diagram_with_review_deadline(duration: str) -> str:
    """organization.bpmn plus a boundary timer on the review that terminates the filing when it fires."""
    from service.reference import BPMN_DIR

    xml = (BPMN_DIR / "organization.bpmn").read_text(encoding="utf-8")
    timer = f'''
    <bpmn:boundaryEvent id="Timer_deadline" name="审批期限" attachedToRef="Task_review">
      <bpmn:outgoing>Flow_deadline</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_deadline">
        <bpmn:timeDuration>"{duration}"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="End_expired" name="超期终止">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="outcome" value="terminated" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_deadline</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_deadline" sourceRef="Timer_deadline" targetRef="End_expired" />
  </bpmn:process>'''
    xml = xml.replace("</bpmn:process>", timer, 1)
    return xml.replace("<bpmn:flowNodeRef>End_terminated</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>End_terminated</bpmn:flowNodeRef>"
                       "<bpmn:flowNodeRef>Timer_deadline</bpmn:flowNodeRef>"
                       "<bpmn:flowNodeRef>End_expired</bpmn:flowNodeRef>")


def test_due_timer_fires_from_the_timer_table(app, owner, reviewer, submit_organization):
    definition = deploy_definition("organization", _diagram_with_review_deadline("P3D"), actor=None)
    db.session.commit()
    assert definition.version == 2
    before = utcnow()
    record_id = submit_organization(owner)
    timers = db.session.scalars(select(Timer)).all()
    assert len(timers) == 1
    due = timers[0].due_at
    assert before + dt.timedelta(days=3) <= due <= utcnow() + dt.timedelta(days=3)
    assert run_once("w1") == 0  # nothing due yet
    with freeze_time(due - dt.timedelta(seconds=1)):  # the clock, not a sleep, moves on to the deadline
        assert run_once("w1") == 0
    with freeze_time(due + dt.timedelta(seconds=1)):
        assert run_once("w1") == 1
    record = owner.get(f"/organizations/{record_id}").json
    assert record["status"] == "terminated"  # the timer path's end event declares outcome terminated
    assert record["process_version"] == 2
    assert record["history"][-1]["action"] == "timer"
    assert db.session.scalars(select(Timer)).all() == []
    assert reviewer.get("/tasks?scope=all").json["total"] == 0


def test_jobs_table_is_the_outbox(app, recorder):
    outbox.enqueue("test.record", {"n": 4})
    db.session.rollback()  # the step that wanted the job failed: no job either
    assert db.session.scalars(select(Job)).all() == []
