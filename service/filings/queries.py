"""Who sees which records, and the paged lists. Lists read domain tables only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, or_, select

from ..accounts.models import RoleKey, User
from ..extensions import db
from .kinds import RecordKind
from .models import TABS, FilingStatus


def visible(kind: RecordKind, actor: User) -> Select:
    """Applicants see their own unit's records; bureau staff their region's submitted ones; admin all."""
    model = kind.model
    query = select(model)
    if actor.role == RoleKey.APPLICANT:
        return query.where(model.account_id == actor.id)
    query = query.where(model.status != FilingStatus.DRAFT)
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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_records(kind: RecordKind, actor: User, tab: str = "", page: int = 1, per_page: int = 20,
                 search: str = "") -> Page:
    query = visible(kind, actor)
    statuses = TABS.get(tab, TABS[""])[1]
    if statuses:
        query = query.where(kind.model.status.in_(statuses))
    if search and kind.search_columns:
        like = f"%{search}%"
        query = query.where(or_(*(getattr(kind.model, c).like(like) for c in kind.search_columns)))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(kind.model.id.desc()).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    return Page(list(items), total or 0, page, per_page)
