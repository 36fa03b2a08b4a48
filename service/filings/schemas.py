"""How records look in the API (and in the pages' data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..extensions import db
from ..process.models import ProcessDefinition, ProcessInstance
from ..types import iso
from .chains import Chain
from .models import STATUS_LABELS, FilingStatus
from .operations import attachments_of, history_of


def record_out(kind: Chain, record: Any, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record.id, "status": record.status,
                           "status_label": STATUS_LABELS[FilingStatus(record.status)],
                           "process_key": kind.key, "account_id": record.account_id,
                           "created_at": iso(record.created_at), "submitted_at": iso(record.submitted_at),
                           "decided_at": iso(record.decided_at)}
    for name in [f.name for f in kind.form.fields] + [name for name, _ in kind.issued_fields]:
        value = getattr(record, name, None)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    if not detail:
        return out
    out["process_version"] = None
    if record.instance_id:
        instance = db.session.get(ProcessInstance, record.instance_id)
        out["process_version"] = db.session.get(ProcessDefinition, instance.definition_id).version
    out["attachments"] = [a.as_dict() for a in attachments_of(kind, record)]
    out["history"] = [{"task": h.task_name, "actor": h.actor.username if h.actor else "系统",
                       "action": h.action, "decision": h.decision, "opinion": h.opinion, "at": iso(h.at)}
                      for h in history_of(kind, record)]
    return out


def choices_out(choices: dict[str, list[tuple[int, str]]]) -> dict[str, list[dict[str, Any]]]:
    return {name: [{"value": value, "label": label} for value, label in options] for name, options in choices.items()}
