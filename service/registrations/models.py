from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..filings.models import FilingMixin, filing_indexes
from ..types import UTCDateTime


class UseRegistration(FilingMixin, db.Model):
    __table_args__ = filing_indexes("use_registration", "registration_number")

    installation_notice_id: Mapped[int | None] = mapped_column(ForeignKey("installation_notice.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    supervision_unit_uscc: Mapped[str | None] = mapped_column(String(18))
    using_unit_uscc: Mapped[str | None] = mapped_column(String(18))
    manager_name: Mapped[str | None] = mapped_column(String(50))
    manager_id_number: Mapped[str | None] = mapped_column(String(18))
    manager_phone: Mapped[str | None] = mapped_column(String(20))
    # As entered (BD-09, from Baidu's picker) and a WGS-84 copy for distance checks and export.
    longitude: Mapped[str | None] = mapped_column(String(12))
    latitude: Mapped[str | None] = mapped_column(String(12))
    wgs_longitude: Mapped[float | None] = mapped_column(Float)
    wgs_latitude: Mapped[float | None] = mapped_column(Float)
    worker_ids: Mapped[list | None] = mapped_column(JSON)
    personnel: Mapped[list | None] = mapped_column(JSON)
    #: set when the machine's 拆卸告知 is approved: the installation / registration is no longer in force
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: the ministry refused 制证: the using unit may correct its people and position until the next 制证
    correction_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: when the using unit saved its correction (the bureau then makes the certificate again)
    corrected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def certificate_feedback(self) -> str:
        """制证反馈 in the list: the bureau sees at a glance what waits for whom."""
        if not self.correction_open:
            return ""
        return "已按住建部反馈修改，待再次制证" if self.corrected_at else "住建部退回，待使用单位修改"

    installation_notice = relationship("InstallationNotice")

    @property
    def internal(self) -> str:
        """是否对内: the machine is the using unit's own (registered by its owner for its own project)."""
        notice = self.installation_notice
        owner = notice.machine.account.organization if notice is not None and notice.machine is not None else None
        return "是" if owner is not None and owner.uscc == self.using_unit_uscc else "否"

    @property
    def factory_number(self) -> str | None:
        notice = self.installation_notice
        return notice.machine.factory_number if notice is not None and notice.machine is not None else None
