"""Claiming and completing review tasks.

Claim is one conditional UPDATE, so of two reviewers exactly one wins. Completing locks the task
row and the instance row and checks the instance's state version, so a task is completed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Select, and_, false, func, or_, select, update
from sqlalchemy.orm import joinedload

from ..accounts.models import RoleKey, User
from ..errors import Conflict, Forbidden, NotFound
from ..extensions import db
from ..filings.chains import chain_for
from ..filings.operations import complete_review
from ..process import operations as process
from ..process.forms import task_form
from ..process.models import HumanTask, TaskStatus
from ..types import utcnow

REVIEW_STEPS = Counter("crane_review_steps", "Review steps completed", ["kind", "decision"])

#: the review-task lists: 待认领, 我的待办, 全部待审批
SCOPES = {"claimable": "待认领", "mine": "我的待办", "all": "全部待审批"}


def is_candidate(actor: User, task: HumanTask) -> bool:
    if task.role == RoleKey.APPLICANT:
        return task.applicant_id == actor.id
    return actor.role == task.role and (task.region_code is None or actor.region_code == task.region_code)


def _visible_tasks(actor: User) -> Select:
    """Reviewers and chiefs see their region's review tasks (any level); a 监督员 only the supervision
    tasks, as he sees only the filings assigned to him; the administrator sees all."""
    query = select(HumanTask).where(HumanTask.role != RoleKey.APPLICANT)
    if actor.role == RoleKey.ADMIN:
        return query
    if actor.role == RoleKey.APPLICANT:
        return query.where(false())
    if actor.role == RoleKey.SUPERVISOR:
        query = query.where(or_(HumanTask.role == RoleKey.SUPERVISOR, HumanTask.assignee_id == actor.id))
    return query.where(HumanTask.region_code == actor.region_code)


def get_task(actor: User, task_id: int) -> HumanTask:
    task = db.session.scalar(_visible_tasks(actor).where(HumanTask.id == task_id))
    if task is None:
        raise NotFound("任务不存在")
    return task


def record_of(task: HumanTask) -> Any:
    kind = chain_for(task.record_kind)
    return db.session.get(kind.model, task.record_id)


def review_defaults(task: HumanTask) -> dict[str, Any]:
    """What the task's form proposes (e.g. the next 备案编号)."""
    return chain_for(task.record_kind).review_defaults(record_of(task))


def review_choices(actor: User, task: HumanTask) -> dict[str, list[tuple[int, str]]]:
    """What the task's form offers for its reference fields (e.g. the region's 监督员 for the chief)."""
    form = task_form(task.form_key)
    kind, record = chain_for(task.record_kind), record_of(task)
    return {f.name: kind.review_choices(actor, record, f.name)
            for f in (form.fields if form else ()) if f.type in ("ref", "refs")}


def tasks_query(actor: User, scope: str = "claimable", kind: str | None = None) -> Select:
    """What the 待审批 list holds with its scope and kind — for the page, the API and 导出."""
    query = _visible_tasks(actor).where(HumanTask.status == TaskStatus.OPEN)
    if scope == "claimable":
        query = query.where(HumanTask.assignee_id.is_(None), HumanTask.role == actor.role)
    elif scope == "mine":
        query = query.where(HumanTask.assignee_id == actor.id)
    if kind:
        query = query.where(HumanTask.record_kind == kind)
    return query


def list_tasks(actor: User, scope: str = "claimable", kind: str | None = None, page: int = 1,
               per_page: int = 20) -> tuple[list[HumanTask], int]:
    query = tasks_query(actor, scope, kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(HumanTask.created_at, HumanTask.id).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    return list(rows), total


def iter_tasks(actor: User, scope: str = "claimable", kind: str | None = None,
               chunk: int = 1000) -> Iterator[HumanTask]:
    """The whole list in list order, read ``chunk`` rows at a time (keyset on (created_at, id))."""
    query = tasks_query(actor, scope, kind).options(joinedload(HumanTask.assignee)).order_by(
        HumanTask.created_at, HumanTask.id).limit(chunk)
    last: HumanTask | None = None
    while True:
        rows = db.session.scalars(query if last is None else query.where(or_(
            HumanTask.created_at > last.created_at,
            and_(HumanTask.created_at == last.created_at, HumanTask.id > last.id)))).all()
        if not rows:
            return
        yield from rows
        last = rows[-1]


def claim_task(actor: User, task_id: int) -> HumanTask:
    """One conditional UPDATE: it succeeds for exactly one candidate; the rest learn why not."""
    claimed = db.session.scalar(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == TaskStatus.OPEN, HumanTask.assignee_id.is_(None),
               HumanTask.role == actor.role,
               or_(HumanTask.region_code == actor.region_code, HumanTask.region_code.is_(None)))
        .values(assignee_id=actor.id, claimed_at=utcnow())
        .returning(HumanTask)
        .execution_options(populate_existing=True))
    if claimed is not None:
        return claimed
    task = get_task(actor, task_id)
    if not is_candidate(actor, task):
        raise Forbidden("您不是该任务的审批人")
    if task.status != TaskStatus.OPEN:
        raise Conflict("该任务已办结")
    if task.assignee_id != actor.id:
        raise Conflict("该任务已被其他审批人认领")
    return task


def unclaim_task(actor: User, task_id: int) -> HumanTask:
    task = get_task(actor, task_id)
    if task.status != TaskStatus.OPEN:
        raise Conflict("该任务已办结")
    if task.assignee_id != actor.id and actor.role != RoleKey.ADMIN:
        raise Forbidden("只有认领人或管理员可以退回认领")
    task.assignee_id, task.claimed_at = None, None
    db.session.flush()
    return task


def complete_task(actor: User, task_id: int, data: dict[str, Any]) -> HumanTask:
    """Validate the task's form, advance the instance and update the record — all in one transaction."""
    locked = process.lock_task_and_instance(_visible_tasks(actor).where(HumanTask.id == task_id))
    if locked is None:
        raise NotFound("任务不存在")
    task, instance = locked
    if not is_candidate(actor, task):
        raise Forbidden("您不是该任务的审批人")
    if task.status != TaskStatus.OPEN:
        raise Conflict("该任务已办结")
    if task.assignee_id not in (None, actor.id):
        raise Conflict("该任务已被其他审批人认领")
    form = task_form(task.form_key)
    complete_review(actor, task, instance, form.load(data) if form else {})
    REVIEW_STEPS.labels(task.record_kind, task.decision or "done").inc()
    return task
