"""Review-task endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..errors import Invalid
from ..filings.chains import chains
from ..web.api import actor, body, bp, choice_arg, page_json, paging
from . import operations
from .schemas import task_out


@bp.get("/tasks")
def list_tasks():
    scope = choice_arg("scope", operations.SCOPES, "scope 应为 claimable、mine 或 all", "claimable")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in chains():
        raise Invalid.field("kind", "kind 应为业务流程键，如 organization、property_filing")
    page, per_page = paging()
    rows, total = operations.list_tasks(actor(), scope, kind, page, per_page)
    return page_json([task_out(t) for t in rows], total, page, per_page)


@bp.get("/tasks/<id:task_id>")
def get_task(task_id: int):
    task = operations.get_task(actor(), task_id)
    return jsonify(task_out(task, with_form=True, defaults=operations.review_defaults(task),
                            choices=operations.review_choices(actor(), task)))


@bp.post("/tasks/<id:task_id>/claim")
def claim(task_id: int):
    return jsonify(task_out(operations.claim_task(actor(), task_id)))


@bp.post("/tasks/<id:task_id>/unclaim")
def unclaim(task_id: int):
    return jsonify(task_out(operations.unclaim_task(actor(), task_id)))


@bp.post("/tasks/<id:task_id>/complete")
def complete(task_id: int):
    return jsonify(task_out(operations.complete_task(actor(), task_id, body())))
