"""Firing due timers: the timer table says which instances to load, so nothing scans instance state."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..process.engine import TIMER_HANDLERS
from ..process.models import ProcessInstance, Timer
from ..process.operations import advance_timers, derive_status, diagram_for, lock_instance
from ..types import utcnow
from .kinds import KINDS
from .operations import apply_status, ref_of

log = logging.getLogger(__name__)


def fire_due_timers(limit: int = 50) -> int:
    """Advance every instance with a due timer, one transaction each. Returns how many."""
    now = utcnow()
    instance_ids = list(dict.fromkeys(db.session.scalars(
        select(Timer.instance_id).where(Timer.due_at <= now).order_by(Timer.due_at).limit(limit))))
    for instance_id in instance_ids:
        try:
            instance = lock_instance(instance_id)
            # A filing's chain sets the filing's status; other processes (the certificate) handle their own.
            handler = TIMER_HANDLERS.get(instance.record_kind, _fire_filing_timer)
            handler(instance)
            db.session.commit()
        except Exception:  # one broken instance must not hold up the others' timers
            db.session.rollback()
            log.exception("timer of instance %s failed", instance_id)
    return len(instance_ids)


def _fire_filing_timer(instance: ProcessInstance) -> None:
    kind = KINDS[instance.record_kind]
    record = db.session.get(kind.model, instance.record_id)
    wf = advance_timers(instance, ref_of(kind, record))
    apply_status(kind, record, derive_status(wf, diagram_for(instance.definition_id)), actor=None)
