from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes


class DismantlingNotice(FilingMixin, db.Model):
    __table_args__ = filing_indexes("dismantling_notice")

    use_registration_id: Mapped[int | None] = mapped_column(ForeignKey("use_registration.id"), index=True)
    worker_ids: Mapped[list | None] = mapped_column(JSON)
    planned_date: Mapped[dt.date | None] = mapped_column(Date)
    personnel: Mapped[list | None] = mapped_column(JSON)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    use_registration = relationship("UseRegistration")
    supervisor = relationship("User", foreign_keys=[supervisor_id])
