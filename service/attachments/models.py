from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..types import UTCDateTime, utcnow


class Attachment(db.Model):
    """One file in one slot of one record; uploading again replaces it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    slot: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("record_kind", "record_id", "slot", name="uq_attachment_slot"),)

    def as_dict(self) -> dict:
        return {"id": self.id, "slot": self.slot, "filename": self.filename, "size": self.size, "sha256": self.sha256,
                "mime": self.mime}
