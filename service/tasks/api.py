"""Review-task endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..errors import Invalid
from ..filings.chains import chains
from ..web.api import actor, body, bp, choice_arg, page_json, paging
from ..web.docs import ANY_OBJECT, BINARY, PAGING, STRING, choice, documented, page_of, ref
from ..web.xlsx import XLSX_MIME, xlsx_response
from . import operations
from .exports import tasks_filename, tasks_sheet
from .schemas import task_out


def _filters() -> tuple[str, str | None]:
    scope = choice_arg("scope", operations.SCOPES, "scope 应为 claimable、mine 或 all", "claimable")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in chains():
        raise Invalid.field("kind", "kind 应为业务流程键，如 organization、property_filing")
    return scope, kind


@bp.get("/tasks")
@documented("待审批任务（claimable 待认领、mine 我的待办、all 全部）", response=page_of("Task"),
            query={"scope": choice(*operations.SCOPES), "kind": STRING, **PAGING}, errors=(422,))
def list_tasks():
    scope, kind = _filters()
    page, per_page = paging()
    rows, total = operations.list_tasks(actor(), scope, kind, page, per_page)
    return page_json([task_out(t) for t in rows], total, page, per_page)


@bp.get("/tasks/export")
@documented("待审批任务：导出（.xlsx，筛选同列表，全部页）",
            query={"scope": choice(*operations.SCOPES), "kind": STRING}, response=BINARY,
            produces=XLSX_MIME, errors=(422,))
def export_tasks():
    scope, kind = _filters()
    return xlsx_response(tasks_filename(scope, kind), [tasks_sheet(actor(), scope, kind)])


@bp.get("/tasks/<id:task_id>")
@documented("任务详情：表单（schema、ui、defaults、choices）", response=ref("TaskWithForm"))
def get_task(task_id: int):
    task = operations.get_task(actor(), task_id)
    return jsonify(task_out(task, with_form=True, defaults=operations.review_defaults(task),
                            choices=operations.review_choices(actor(), task)))


@bp.post("/tasks/<id:task_id>/claim")
@documented("认领", response=ref("Task"), errors=(403, 409))
def claim(task_id: int):
    return jsonify(task_out(operations.claim_task(actor(), task_id)))


@bp.post("/tasks/<id:task_id>/unclaim")
@documented("取消认领（认领人或管理员）", response=ref("Task"), errors=(403, 409))
def unclaim(task_id: int):
    return jsonify(task_out(operations.unclaim_task(actor(), task_id)))


@bp.post("/tasks/<id:task_id>/complete")
@documented("办理：通过、退回或不予通过，并填写该环节的字段", body=ANY_OBJECT, response=ref("Task"),
            errors=(403, 409))
def complete(task_id: int):
    return jsonify(task_out(operations.complete_task(actor(), task_id, body())))
