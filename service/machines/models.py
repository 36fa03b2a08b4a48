from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes


class PropertyFiling(FilingMixin, db.Model):
    __table_args__ = filing_indexes("property_filing", "factory_number", "filing_number")

    category: Mapped[str | None] = mapped_column(String(1))
    model: Mapped[str | None] = mapped_column(String(50))
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    manufacture_license: Mapped[str | None] = mapped_column(String(50))
    factory_number: Mapped[str | None] = mapped_column(String(50))
    manufacture_date: Mapped[dt.date | None] = mapped_column(Date)
    certificate_of_conformity: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    parameters: Mapped[list | None] = mapped_column(JSON)
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True)
