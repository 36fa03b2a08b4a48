"""Review-task endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..api.blueprint import actor, body, bp, page_json, paging
from ..errors import Invalid
from ..extensions import db
from ..filings.kinds import KINDS
from . import operations
from .schemas import task_out


@bp.get("/tasks")
def list_tasks():
    scope = request.args.get("scope", "claimable")
    if scope not in ("claimable", "mine", "all"):
        raise Invalid.field("scope", "scope 应为 claimable、mine 或 all")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise Invalid.field("kind", "kind 应为业务流程键，如 organization、property_filing")
    page, per_page = paging()
    rows, total = operations.list_tasks(actor(), scope, kind, page, per_page)
    return page_json([task_out(t) for t in rows], total, page, per_page)


@bp.get("/tasks/<id:task_id>")
def get_task(task_id: int):
    task = operations.get_task(actor(), task_id)
    return jsonify(task_out(task, with_form=True, defaults=operations.review_defaults(task)))


@bp.post("/tasks/<id:task_id>/claim")
def claim(task_id: int):
    task = operations.claim_task(actor(), task_id)
    db.session.commit()
    return jsonify(task_out(task))


@bp.post("/tasks/<id:task_id>/unclaim")
def unclaim(task_id: int):
    task = operations.unclaim_task(actor(), task_id)
    db.session.commit()
    return jsonify(task_out(task))


@bp.post("/tasks/<id:task_id>/complete")
def complete(task_id: int):
    task = operations.complete_task(actor(), task_id, body())
    db.session.commit()
    return jsonify(task_out(task))
