"""The job outbox. Jobs are rows written in the step's own transaction; a dispatcher runs them.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL plus a conditional lease update that works
everywhere, so any number of workers share the table and no job runs twice at once. A job is claimed one
at a time with a short lease that a heartbeat renews while it runs: a worker killed mid-job frees its job
within seconds, however long a live one takes. Handlers must be idempotent: a crash after the effect but
before ``done`` means the job runs again. Handlers are registered on the app's registry by the packages
that own them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import and_, func, not_, or_, select, update

from ..extensions import db
from ..registry import registry
from ..types import utcnow
from .models import Job, JobStatus

log = logging.getLogger(__name__)

#: how long a claim holds without a heartbeat: a dead worker's job is taken again after this
LEASE = dt.timedelta(seconds=15)
HEARTBEAT_SECONDS = 5.0
MAX_ATTEMPTS = 8


class Reschedule(Exception):
    """Raised by a handler that found nothing to do yet (e.g. an answer not in): run again ``after``,
    without counting an attempt."""

    def __init__(self, after: dt.timedelta):
        super().__init__(after)
        self.after = after


def enqueue(kind: str, payload: dict[str, Any], run_at: dt.datetime | None = None) -> Job:
    if kind not in registry().jobs:
        raise KeyError(f"no handler for job kind {kind}")
    job = Job(kind=kind, payload=json.dumps(payload, ensure_ascii=False), next_run_at=run_at or utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(2 ** attempts, 3600))


def _claim_one(worker_id: str) -> int | None:
    now = utcnow()
    due = (select(Job.id).where(Job.status == JobStatus.PENDING, Job.next_run_at <= now,
                                or_(Job.locked_until.is_(None), Job.locked_until < now))
           .order_by(Job.next_run_at).limit(1))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    job_id = db.session.scalar(due)
    claimed = job_id is not None and db.session.execute(
        update(Job).where(Job.id == job_id, or_(Job.locked_until.is_(None), Job.locked_until < now))
        .values(locked_by=worker_id, locked_until=now + LEASE)).rowcount == 1
    db.session.commit()
    return job_id if claimed else None


@contextmanager
def _heartbeat(job_id: int, worker_id: str) -> Iterator[None]:
    """Renew the job's lease on its own connection while the handler runs (a slow ministry, say)."""
    engine, stop = db.engine, threading.Event()

    def renew() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker_id)
                                       .values(locked_until=utcnow() + LEASE))
            except Exception:  # the handler's own outcome decides; a missed beat only risks a rerun
                log.warning("could not renew the lease of job %s", job_id, exc_info=True)

    beat = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def run_due_jobs(worker_id: str, limit: int = 20) -> int:
    """Run up to ``limit`` due jobs, each claimed and run in its own transaction. Returns how many ran."""
    ran = 0
    while ran < limit and (job_id := _claim_one(worker_id)) is not None:
        with _heartbeat(job_id, worker_id):
            _run(job_id)
        ran += 1
    return ran


def _run(job_id: int) -> None:
    handlers = registry().jobs
    job = db.session.get(Job, job_id)
    payload = json.loads(job.payload)
    try:
        handlers[job.kind].run(payload)
    except Reschedule as again:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.next_run_at = utcnow() + again.after
    except Exception:  # a failing handler must never kill the dispatcher
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.attempts += 1
        job.last_error = traceback.format_exc()[-4000:]
        job.status = JobStatus.FAILED if job.attempts >= MAX_ATTEMPTS else JobStatus.PENDING
        job.next_run_at = utcnow() + backoff(job.attempts)
        log.warning("job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts)
        give_up = handlers[job.kind].give_up
        if job.status == JobStatus.FAILED and give_up is not None:
            give_up(payload, job.last_error)
    else:
        job.status = JobStatus.DONE
        job.attempts += 1
    job.locked_by, job.locked_until = None, None
    db.session.commit()


def gauges() -> Iterator[GaugeMetricFamily]:
    """Jobs waiting, leased by a worker now, and given up — counted from the table when /metrics is scraped."""
    now = utcnow()
    leased = and_(Job.locked_until.is_not(None), Job.locked_until >= now)
    pending = Job.status == JobStatus.PENDING
    queued, running, failed = db.session.execute(select(
        func.count().filter(and_(pending, not_(leased))), func.count().filter(and_(pending, leased)),
        func.count().filter(Job.status == JobStatus.FAILED))).one()
    family = GaugeMetricFamily("crane_jobs", "Background jobs by state (read from the job table)", labels=["state"])
    for state, count in (("queued", queued), ("running", running), ("failed", failed)):
        family.add_metric([state], count)
    yield family
