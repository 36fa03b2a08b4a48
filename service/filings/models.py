"""Columns every filed record has."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class FilingStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    TERMINATED = "terminated"


STATUS_LABELS = {
    FilingStatus.DRAFT: "待发起",
    FilingStatus.IN_REVIEW: "流程中",
    FilingStatus.RETURNED: "退回修改",
    FilingStatus.APPROVED: "通过",
    FilingStatus.TERMINATED: "终止",
}
#: The list tabs of the manual; 退回修改 shows under 待发起 (the applicant has to act).
TABS = {
    "": ("全部", None),
    "draft": ("待发起", (FilingStatus.DRAFT, FilingStatus.RETURNED)),
    "in_review": ("流程中", (FilingStatus.IN_REVIEW,)),
    "approved": ("通过", (FilingStatus.APPROVED,)),
    "terminated": ("终止", (FilingStatus.TERMINATED,)),
}
EDITABLE = (FilingStatus.DRAFT, FilingStatus.RETURNED)
#: submitted and not refused: a record in force or on its way to it (it holds its machine, number, position …)
ACTIVE = (FilingStatus.IN_REVIEW, FilingStatus.RETURNED, FilingStatus.APPROVED)


def filing_indexes(table: str, *prefix_columns: str) -> tuple[Index, ...]:
    """The list queries' indexes: the bureau's (region, status) and the applicant's (account, status), both in
    list order; plus prefix-search indexes for code columns (出厂编号 …) that LIKE 'x%' can use on PostgreSQL."""
    return (Index(f"ix_{table}_region_status", "region_code", "status", "id"),
            Index(f"ix_{table}_account_status", "account_id", "status", "id"),
            *(Index(f"ix_{table}_{column}_prefix", column, postgresql_ops={column: "varchar_pattern_ops"})
              for column in prefix_columns))


class FilingMixin:
    """Ownership, routing and lifecycle columns; the kind's own fields live on the subclass."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=FilingStatus.DRAFT)
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def account_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("user.id"))

    @declared_attr
    def account(cls) -> Mapped[User]:
        """流程发起人, shown in the bureau's lists."""
        return relationship("User", foreign_keys=[cls.account_id])

    @declared_attr
    def instance_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("process_instance.id"))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[FilingStatus(self.status)]
