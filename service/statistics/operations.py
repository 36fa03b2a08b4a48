"""The counts behind the 统计控制台. Every number is what the caller may see (their region, or all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, extract, func, select

from forms.codes import REGIONS

from ..accounts.models import RoleKey, User
from ..certificates.models import Certificate
from ..errors import Forbidden
from ..extensions import db
from ..filings.chains import Chain, chains
from ..filings.queries import visible
from ..process.models import HumanTask, TaskStatus
from ..rules.operations import working_calendar
from ..types import CHINA, china_today, utcnow


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


def region_of(actor: User, region_code: str | None = None) -> str | None:
    """The region the console counts: a bureau's own; the administrator's choice, or (None) every region."""
    if actor.role not in (RoleKey.REVIEWER, RoleKey.CHIEF, RoleKey.ADMIN):
        raise Forbidden("统计控制台仅对住建局审批人员和管理员开放")
    return region_code if actor.role == RoleKey.ADMIN else actor.region_code


def _since(months: list[str]) -> dt.datetime:
    return dt.datetime.strptime(months[0] + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)


def _per_month(column: Any, *where: Any) -> dict[str, int]:
    """Rows per calendar month of ``column``, counted by the database."""
    year, month = extract("year", column), extract("month", column)
    rows = db.session.execute(select(year, month, func.count()).where(*where).group_by(year, month)).all()
    return {f"{int(y)}-{int(m):02d}": n for y, m, n in rows}


def _records(kind: Chain, actor: User, region_code: str | None) -> Select:
    """The chain's records the caller may see, in the console's region."""
    base = visible(kind, actor)
    return base.where(kind.model.region_code == region_code) if region_code else base


def chain_counts(actor: User, region_code: str | None = None) -> list[ChainCounts]:
    """Bureau staff see their region; the administrator every region, or one."""
    region = region_of(actor, region_code)
    first = _since(last_months(china_today()))
    reviews = _review_counts(region)
    result = []
    for kind in chains().values():
        model = kind.model
        ids = _records(kind, actor, region).with_only_columns(model.id).scalar_subquery()
        statuses = db.session.execute(select(model.status, func.count()).where(model.id.in_(ids))
                                      .group_by(model.status)).all()
        result.append(ChainCounts(kind, dict(statuses),
                                  _per_month(model.submitted_at, model.id.in_(ids), model.submitted_at >= first),
                                  *reviews.get(kind.key, (0, 0))))
    return result


def _open_reviews(region_code: str | None, *group: Any) -> Select:
    """Open review tasks (any level) and how many are past their 办理时限, grouped by ``group``."""
    overdue = func.sum(case((HumanTask.due_at < utcnow(), 1), else_=0))
    query = select(*group, func.count(), overdue).where(
        HumanTask.status == TaskStatus.OPEN, HumanTask.role != RoleKey.APPLICANT).group_by(*group)
    return query.where(HumanTask.region_code == region_code) if region_code else query


def _review_counts(region_code: str | None) -> dict[str, tuple[int, int]]:
    """Open review tasks and how many are overdue, per kind, in one region or (None) all."""
    return {kind: (total, int(late or 0))
            for kind, total, late in db.session.execute(_open_reviews(region_code, HumanTask.record_kind))}


@dataclass
class DecisionTimes:
    """From 发起审批 to the decision (通过 or 终止), in working days, of the decisions of the last 12 months."""

    kind: Chain
    count: int = 0
    median: float | None = None
    p90: float | None = None


def percentile(values: list[int], share: float) -> float:
    """Linear interpolation between the closest ranks (Excel's PERCENTILE.INC): 0.5 is the median."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def decision_times(actor: User, region_code: str | None = None) -> list[DecisionTimes]:
    """Per chain; durations are counted in the rules' working calendar (holidays and 调休 included),
    between Beijing dates. The database gives the two dates; only the calendar is Python's."""
    region = region_of(actor, region_code)
    first = _since(last_months(china_today()))
    calendar = working_calendar()
    result = []
    for kind in chains().values():
        model = kind.model
        pairs = db.session.execute(_records(kind, actor, region).with_only_columns(
            model.submitted_at, model.decided_at).where(model.decided_at >= first,
                                                        model.submitted_at.is_not(None))).all()
        days = [calendar.working_days_between(submitted.astimezone(CHINA).date(), decided.astimezone(CHINA).date())
                for submitted, decided in pairs]
        result.append(DecisionTimes(kind, len(days), percentile(days, 0.5) if days else None,
                                    percentile(days, 0.9) if days else None))
    return result


@dataclass
class BureauReviews:
    region_code: str
    open_reviews: int
    overdue: int

    @property
    def name(self) -> str:
        return REGIONS.get(self.region_code, self.region_code)


def bureau_reviews(actor: User, region_code: str | None = None) -> list[BureauReviews]:
    """Open and overdue reviews per bureau: every bureau side by side for the administrator, else one."""
    region = region_of(actor, region_code)
    counted = {code: (total, int(late or 0))
               for code, total, late in db.session.execute(_open_reviews(region, HumanTask.region_code))}
    codes = [region] if region else list(REGIONS)
    return [BureauReviews(code, *counted.get(code, (0, 0))) for code in codes]


@dataclass
class CertificateCounts:
    issued: dict[str, int]
    ended: dict[str, int]  # 完工注销, 撤销 and 到期失效 together


def certificate_counts(actor: User, region_code: str | None = None) -> CertificateCounts:
    """使用登记证 issued and ended per month (last 12 months)."""
    region = region_of(actor, region_code)
    first = _since(last_months(china_today()))
    where = (Certificate.region_code == region,) if region else ()
    return CertificateCounts(_per_month(Certificate.issued_at, Certificate.issued_at >= first, *where),
                             _per_month(Certificate.ended_at, Certificate.ended_at >= first, *where))


def filings_by_region(actor: User, region_code: str | None = None) -> dict[str, dict[str, int]]:
    """发起审批 in the last 12 months per region and chain: the administrator's regions side by side
    (empty when the console counts one region)."""
    if region_of(actor, region_code) is not None:
        return {}
    first = _since(last_months(china_today()))
    result = {}
    for kind in chains().values():
        model = kind.model
        rows = db.session.execute(_records(kind, actor, None).with_only_columns(model.region_code, func.count())
                                  .where(model.submitted_at >= first).group_by(model.region_code)).all()
        result[kind.key] = {code: n for code, n in rows if code}
    return result
