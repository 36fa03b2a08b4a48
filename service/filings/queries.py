"""Who sees which records, and the paged lists. Lists read domain tables only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, false, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload

from ..accounts.models import RoleKey, User
from ..extensions import db
from ..process.models import History, HumanTask, TaskStatus
from ..types import utcnow
from .chains import Chain
from .models import TABS, FilingStatus

SUBMITTED = tuple(s for s in FilingStatus if s != FilingStatus.DRAFT)


def visible(kind: Chain, actor: User, statuses: tuple[str, ...] | None = None) -> Select:
    """Applicants see their own unit's records; bureau staff their region's submitted ones; admin all.
    ``statuses`` narrows to a list tab."""
    model = kind.model
    query = select(model)
    if actor.role == RoleKey.APPLICANT:
        query = query.where(model.account_id == actor.id)
        return query.where(model.status.in_(statuses)) if statuses else query
    # One IN list (never != 'draft' beside a tab's list), so the (region, status, id) index serves every tab.
    query = query.where(model.status.in_([s for s in statuses or SUBMITTED if s in SUBMITTED]))
    if actor.role == RoleKey.ADMIN:
        return query
    if actor.role == RoleKey.SUPERVISOR:  # supervisors see only what is assigned to them
        return query.where(kind.supervisor_filter(actor) if kind.supervisor_filter else false())
    return query.where(model.region_code == actor.region_code)


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    #: 流程进度: record id → the step it waits at (the open task's name)
    steps: dict[int, str] = field(default_factory=dict)
    #: records whose open review step is past its 办理时限
    overdue: set[int] = field(default_factory=set)
    #: returned records: why (the reviewer's step and opinion)
    returned: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


#: Bureau staff's filters over a list (manual 3.1): 待审批 (waiting for me), 我发起的 (I acted on), 显示全部.
STAFF_SCOPES = {"todo": "待审批", "mine": "我发起的", "": "显示全部"}


def _scoped(query: Select, kind: Chain, actor: User, scope: str) -> Select:
    if scope == "todo":
        waiting = select(HumanTask.record_id).where(
            HumanTask.record_kind == kind.key, HumanTask.status == TaskStatus.OPEN, HumanTask.role == actor.role,
            HumanTask.region_code == actor.region_code,
            or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.id))
        return query.where(kind.model.id.in_(waiting.scalar_subquery()))
    if scope == "mine":
        acted = select(History.record_id).where(History.record_kind == kind.key, History.actor_id == actor.id)
        return query.where(kind.model.id.in_(acted.scalar_subquery()))
    return query


def list_query(kind: Chain, actor: User, tab: str = "", search: str = "", scope: str = "") -> Select:
    """What a list holds with its tab, scope and search — the one place that decides it (page, API, 导出)."""
    query = _scoped(visible(kind, actor, TABS.get(tab, TABS[""])[1]), kind, actor, scope)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # The account's unit is the 单位管理 chain's table, reached through the account, not imported.
        unit = User.organization.property.mapper.class_
        by_unit = select(User.id).join(User.organization).where(unit.name.like(f"%{escaped}%", escape="\\"))
        query = query.where(or_(
            _in_subquery(kind.model.account_id, by_unit),  # the filing unit's name
            *(getattr(kind.model, c).like(f"%{escaped}%", escape="\\") for c in kind.search_columns),
            *(getattr(kind.model, c).like(f"{escaped}%", escape="\\") for c in kind.prefix_search_columns)))
    return query


#: up to this many matches a page is sorted from its filter's index, beyond it read in id order (see below)
FEW_MATCHES = 5_000


def list_records(kind: Chain, actor: User, tab: str = "", page: int = 1, per_page: int = 20,
                 search: str = "", scope: str = "") -> Page:
    query = list_query(kind, actor, tab, search, scope)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if (page - 1) * per_page >= total:
        return Page([], total, page, per_page)
    # Newest first. PostgreSQL's planner takes the matches to be spread evenly over the table, so for a filter
    # that matches little (an empty tab, a search) it may walk the primary key backwards through every row.
    # The count says how many there are: few are fetched through the filter's index and sorted (ordering by
    # an expression, which the primary key cannot serve); many are dense enough to walk in id order.
    newest_first = (kind.model.id + 0 if total <= FEW_MATCHES else kind.model.id).desc()
    items = db.session.scalars(query.options(joinedload(kind.model.account), *kind.list_loaders())
                               .order_by(newest_first)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return _annotated(kind, Page(list(items), total, page, per_page))


def iter_records(kind: Chain, actor: User, tab: str = "", search: str = "", scope: str = "",
                 chunk: int = 1000) -> Iterator[Page]:
    """The whole list in list order, ``chunk`` records at a time (keyset on id, so every chunk is one index
    range, never an OFFSET), each chunk annotated like a page: 100,000 records take the memory of one chunk."""
    query = list_query(kind, actor, tab, search, scope).options(
        joinedload(kind.model.account), *kind.list_loaders()).order_by(kind.model.id.desc()).limit(chunk)
    after: int | None = None
    while True:
        items = db.session.scalars(query if after is None else query.where(kind.model.id < after)).all()
        if not items:
            return
        yield _annotated(kind, Page(list(items), len(items), 1, chunk))
        after = items[-1].id  # the session's identity map is weak: a chunk no one holds is freed


def _in_subquery(column: Any, subquery: Select) -> ColumnElement[bool]:
    """``column IN (subquery)``; on PostgreSQL ``= ANY(ARRAY(subquery))``, which an index on ``column`` serves even
    inside an OR (a search across several columns), where IN becomes a filter on every row."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(func.array(subquery.scalar_subquery()))
    return column.in_(subquery.scalar_subquery())


def _among(column: Any, ids: list[int]) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL ``= ANY(array)``: one parameter, so a chunk of 1,000 ids is not a statement of
    1,000 placeholders that psycopg parses anew each time."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))  # anonymous: usable twice in a statement
    return column.in_(ids)


def _annotated(kind: Chain, page: Page) -> Page:
    """流程进度, 已超期 and 退回 reasons of the page's records: three small queries, whatever the page size."""
    ids = [r.id for r in page.items]
    open_steps = db.session.execute(select(HumanTask.record_id, HumanTask.name, HumanTask.due_at).where(
        HumanTask.record_kind == kind.key, HumanTask.status == TaskStatus.OPEN,
        _among(HumanTask.record_id, ids))).all() if ids else []
    now = utcnow()
    page.steps = {record_id: name for record_id, name, _ in open_steps}
    page.overdue = {record_id for record_id, _, due in open_steps if due is not None and due < now}
    page.returned = return_reasons(kind, [r.id for r in page.items if r.status == FilingStatus.RETURNED])
    return page


def return_reasons(kind: Chain, record_ids: list[int]) -> dict[int, str]:
    """Each returned record's latest 退回 with its reviewer's opinion, as one line (for the page and the list)."""
    if not record_ids:
        return {}
    rows = db.session.execute(select(History.record_id, History.task_name, History.opinion).where(
        History.record_kind == kind.key, _among(History.record_id, record_ids), History.decision == "return")
        .order_by(History.id)).all()
    return {record_id: f"{task}：{opinion or '（未填写意见）'}" for record_id, task, opinion in rows}
