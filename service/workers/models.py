from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes


class Worker(FilingMixin, db.Model):
    __table_args__ = filing_indexes("worker", "id_number", "certificate_number")

    name: Mapped[str | None] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18))
    category: Mapped[str | None] = mapped_column(String(2))
    certificate_number: Mapped[str | None] = mapped_column(String(50))
    issuing_authority: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    employer_name: Mapped[str | None] = mapped_column(String(100))
    employer_uscc: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
