from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes
from ..types import UTCDateTime


class InstallationNotice(FilingMixin, db.Model):
    __table_args__ = filing_indexes("installation_notice")

    property_filing_id: Mapped[int | None] = mapped_column(ForeignKey("property_filing.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    worker_ids: Mapped[list | None] = mapped_column(JSON)
    planned_date: Mapped[dt.date | None] = mapped_column(Date)
    personnel: Mapped[list | None] = mapped_column(JSON)
    #: set when the machine's 拆卸告知 is approved: the installation / registration is no longer in force
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    machine = relationship("PropertyFiling")
    project = relationship("Project")
