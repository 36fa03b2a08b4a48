"""The counts behind the 统计控制台. Every number is what the caller may see (their region, or all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, extract, func, select

from ..accounts.models import RoleKey, User
from ..errors import Forbidden
from ..extensions import db
from ..filings.chains import Chain, chains
from ..filings.queries import visible
from ..process.models import HumanTask, TaskStatus
from ..types import china_today, utcnow


@dataclass
class ChainCounts:
    kind: Chain
    by_status: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)  # "2026-11" → filings submitted that month
    open_reviews: int = 0  # review tasks waiting (any level)
    overdue: int = 0  # of which past their 办理时限 (企业规则)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def last_months(today: dt.date, count: int = 12) -> list[str]:
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def chain_counts(actor: User, region_code: str | None = None) -> list[ChainCounts]:
    """Bureau staff see their region; the administrator every region, or one."""
    if actor.role not in (RoleKey.REVIEWER, RoleKey.CHIEF, RoleKey.ADMIN):
        raise Forbidden("统计控制台仅对住建局审批人员和管理员开放")
    months = last_months(china_today())
    first = dt.datetime.strptime(months[0] + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)
    reviews = _review_counts(region_code if actor.role == RoleKey.ADMIN else actor.region_code)
    result = []
    for kind in chains().values():
        model = kind.model
        base = visible(kind, actor)
        if region_code and actor.role == RoleKey.ADMIN:
            base = base.where(model.region_code == region_code)
        ids = base.with_only_columns(model.id).scalar_subquery()
        statuses = db.session.execute(select(model.status, func.count()).where(model.id.in_(ids))
                                      .group_by(model.status)).all()
        year, month = extract("year", model.submitted_at), extract("month", model.submitted_at)
        monthly = db.session.execute(select(year, month, func.count()).where(
            model.id.in_(ids), model.submitted_at >= first).group_by(year, month)).all()
        result.append(ChainCounts(kind, dict(statuses), {f"{int(y)}-{int(m):02d}": n for y, m, n in monthly},
                                  *reviews.get(kind.key, (0, 0))))
    return result


def _review_counts(region_code: str | None) -> dict[str, tuple[int, int]]:
    """Open review tasks and how many are overdue, per kind, in one region or (None) all."""
    overdue = func.sum(case((HumanTask.due_at < utcnow(), 1), else_=0))
    query = select(HumanTask.record_kind, func.count(), overdue).where(
        HumanTask.status == TaskStatus.OPEN, HumanTask.role != RoleKey.APPLICANT).group_by(HumanTask.record_kind)
    if region_code:
        query = query.where(HumanTask.region_code == region_code)
    return {kind: (total, int(late or 0)) for kind, total, late in db.session.execute(query)}
