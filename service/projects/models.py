from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes


class Project(FilingMixin, db.Model):
    __table_args__ = filing_indexes("project", "permit_number")

    name: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    developer_name: Mapped[str | None] = mapped_column(String(100))
    construction_unit_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    supervision_unit_uscc: Mapped[str | None] = mapped_column(String(18))
    installation_unit_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    permit_number: Mapped[str | None] = mapped_column(String(50))
    longitude: Mapped[str | None] = mapped_column(String(12))
    latitude: Mapped[str | None] = mapped_column(String(12))
    manager_name: Mapped[str | None] = mapped_column(String(50))
    manager_phone: Mapped[str | None] = mapped_column(String(20))
