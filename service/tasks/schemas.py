from __future__ import annotations

from typing import Any

from ..process.forms import task_form
from ..process.models import HumanTask
from ..types import iso


def task_out(task: HumanTask, *, with_form: bool = False, defaults: dict[str, Any] | None = None,
             choices: dict[str, list[tuple[int, str]]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": task.id, "name": task.name, "process_key": task.record_kind,
                           "record_kind": task.record_kind, "record_id": task.record_id, "role": task.role,
                           "region_code": task.region_code, "status": task.status,
                           "assignee": task.assignee.username if task.assignee else None,
                           "assignee_id": task.assignee_id, "created_at": iso(task.created_at),
                           "due_at": iso(task.due_at), "overdue": task.overdue, "form_key": task.form_key}
    form = task_form(task.form_key) if with_form else None
    if form is not None:
        out["form"] = {"schema": form.json_schema(), "ui": form.ui(), "defaults": defaults or {},
                       "choices": {name: [{"value": value, "label": label} for value, label in options]
                                   for name, options in (choices or {}).items()}}
    return out
