"""What the home page shows for an account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..accounts.models import RoleKey, User
from ..extensions import db
from ..filings.chains import chains
from ..process.models import HumanTask, TaskStatus


def home_summary(user: User) -> dict[str, Any]:
    summary: dict[str, Any] = {"nature": user.nature, "organization": user.organization}
    if user.role == RoleKey.APPLICANT:
        counts = {}
        for kind in chains().values():
            if user.unit_type in kind.filers:
                rows = db.session.execute(select(kind.model.status, func.count()).where(
                    kind.model.account_id == user.id).group_by(kind.model.status)).all()
                counts[kind] = dict(rows)
        summary["counts"] = counts
    elif user.role != RoleKey.ADMIN:
        summary["open_tasks"] = db.session.scalar(select(func.count()).where(
            HumanTask.status == TaskStatus.OPEN, HumanTask.role == user.role,
            HumanTask.region_code == user.region_code)) or 0
    return summary
