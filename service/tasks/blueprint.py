"""Review pages for bureau staff: 待审批 list, the task page with 认领 and the review form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forms.codes import REGIONS

from ..errors import DomainError
from ..filings.chains import chain_for, chains
from ..filings.operations import attachments_of, history_of
from ..process.forms import task_form
from ..web.pages import shows_errors
from ..web.resume import resumed_form
from ..web.xlsx import xlsx_response
from . import operations
from .exports import tasks_filename, tasks_sheet

bp = Blueprint("tasks", __name__)


def _filters() -> tuple[str, str | None]:
    """The list's scope and kind as the page's address gives them (anything unknown: the default)."""
    scope = request.args.get("scope", "claimable")
    kind = request.args.get("kind") or None
    return scope if scope in operations.SCOPES else "claimable", kind if kind in chains() else None


@bp.get("/tasks")
@login_required
def index():
    scope, kind = _filters()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    rows, total = operations.list_tasks(current_user, scope, kind, page, 20)
    return render_template("tasks/list.html", rows=rows, total=total, page=page, scope=scope,
                           scopes=operations.SCOPES, kinds=chains(), kind=kind, regions=REGIONS)


@bp.get("/tasks/export")
@login_required
def export():
    """导出: the list as the page shows it (scope, kind), every page of it."""
    scope, kind = _filters()
    return xlsx_response(tasks_filename(scope, kind), [tasks_sheet(current_user, scope, kind)])


def _task_page(task_id: int, exc: DomainError | None = None) -> str:
    """The task with its record; after a failed attempt, what the reviewer chose and every message."""
    task = operations.get_task(current_user, task_id)
    kind, record = chain_for(task.record_kind), operations.record_of(task)
    typed = request.form if exc else resumed_form()  # after a failed attempt, or a sign-in that ran out
    values: dict[str, Any] = {k: v for k, v in typed.items() if k != "csrf_token"} if typed else {}
    return render_template("tasks/task.html", task=task, kind=kind, record=record,
                           choices=operations.review_choices(current_user, task), form=task_form(task.form_key),
                           values=values or operations.review_defaults(task), errors=exc.errors if exc else {},
                           error=exc.message if exc else None, attachments=attachments_of(kind, record),
                           history=history_of(kind, record), regions=REGIONS,
                           candidate=operations.is_candidate(current_user, task),
                           completing=exc is not None and request.endpoint == "tasks.complete")


def _shown_on_task_page(exc: DomainError, task_id: int) -> str:
    return _task_page(task_id, exc)


@bp.get("/tasks/<id:task_id>")
@login_required
def show(task_id: int):
    return _task_page(task_id)


@bp.post("/tasks/<id:task_id>/claim")
@login_required
@shows_errors(_shown_on_task_page)
def claim(task_id: int):
    operations.claim_task(current_user, task_id)
    flash("已认领，请审批", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<id:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    operations.unclaim_task(current_user, task_id)
    flash("已取消认领", "info")
    return redirect(url_for("tasks.index"))


@bp.post("/tasks/<id:task_id>/complete")
@login_required
@shows_errors(_shown_on_task_page)
def complete(task_id: int):
    data = {k: v for k, v in request.form.items() if k != "csrf_token"}
    task = operations.complete_task(current_user, task_id, data)
    flash(f"已办结：{task.name}", "success")
    return redirect(url_for("tasks.index"))
