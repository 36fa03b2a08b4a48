"""Review pages for bureau staff: 待审批 list, the task page with 认领 and the review form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from forms.codes import REGIONS

from ..errors import DomainError
from ..extensions import db
from ..filings.kinds import KINDS
from ..filings.operations import attachments_of, history_of
from ..process.forms import task_form
from . import operations

bp = Blueprint("tasks", __name__)
SCOPES = {"claimable": "待认领", "mine": "我的待办", "all": "全部待审批"}


@bp.get("/tasks")
@login_required
def index():
    scope = request.args.get("scope", "claimable")
    scope = scope if scope in SCOPES else "claimable"
    kind = request.args.get("kind") or None
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    rows, total = operations.list_tasks(current_user, scope, kind if kind in KINDS else None, page, 20)
    return render_template("tasks/list.html", rows=rows, total=total, page=page, scope=scope, scopes=SCOPES,
                           kinds=KINDS, kind=kind, regions=REGIONS)


def _task_page(task_id: int, values=None, errors=None, message=None, status=200):
    task = operations.get_task(current_user, task_id)
    kind = KINDS[task.record_kind]
    record = db.session.get(kind.model, task.record_id)
    form = task_form(task.form_key)
    choices = {f.name: kind.review_choices(current_user, record, f.name)
               for f in (form.fields if form else ()) if f.type in ("ref", "refs")}
    return render_template("tasks/task.html", task=task, kind=kind, record=record, choices=choices,
                           form=form, values=values or kind.review_defaults(record),
                           errors=errors or {},
                           error=message, attachments=attachments_of(kind, record),
                           history=history_of(kind, record), regions=REGIONS,
                           candidate=operations.is_candidate(current_user, task)), status


@bp.get("/tasks/<id:task_id>")
@login_required
def show(task_id: int):
    return _task_page(task_id)


@bp.post("/tasks/<id:task_id>/claim")
@login_required
def claim(task_id: int):
    try:
        operations.claim_task(current_user, task_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return _task_page(task_id, message=exc.message, status=exc.status)
    db.session.commit()
    flash("已认领，请审批", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<id:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    operations.unclaim_task(current_user, task_id)
    db.session.commit()
    flash("已取消认领", "info")
    return redirect(url_for("tasks.index"))


@bp.post("/tasks/<id:task_id>/complete")
@login_required
def complete(task_id: int):
    data = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        task = operations.complete_task(current_user, task_id, data)
    except ValidationError as exc:
        db.session.rollback()
        return _task_page(task_id, data, exc.messages, "请填写审批结果和审批意见", 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return _task_page(task_id, data, exc.errors, exc.message, exc.status)
    db.session.commit()
    flash(f"已办结：{task.name}", "success")
    return redirect(url_for("tasks.index"))
