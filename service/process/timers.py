"""Firing due timers: the timer table says which instances to load, so nothing scans instance state.

What a due timer means for its record is the business of the package that registered a timer handler
for the instance's process key (a filing's chain, the certificate)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..registry import registry
from ..types import utcnow
from .models import Timer
from .operations import lock_instance

log = logging.getLogger(__name__)


def fire_due_timers(limit: int = 50) -> int:
    """Advance every instance with a due timer, one transaction each. Returns how many."""
    now = utcnow()
    instance_ids = list(dict.fromkeys(db.session.scalars(
        select(Timer.instance_id).where(Timer.due_at <= now).order_by(Timer.due_at).limit(limit))))
    handlers = registry().timer_handlers
    for instance_id in instance_ids:
        try:
            instance = lock_instance(instance_id)
            handlers[instance.record_kind](instance)
            db.session.commit()
        except Exception:  # one broken instance must not hold up the others' timers
            db.session.rollback()
            log.exception("timer of instance %s failed", instance_id)
    return len(instance_ids)
