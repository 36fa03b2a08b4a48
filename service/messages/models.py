"""Messages to accounts, and which overdue review tasks were already reminded of."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, utcnow


class Message(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: returned, approved, terminated, task, certificate_issued, certificate_failed, certificate_ended, overdue
    event: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: the record it is about (a chain's key and id): where the message links to
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    #: the review task it is about, if any: staff open the task rather than the record
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    task = relationship("HumanTask")

    __table_args__ = (
        # the 消息中心 list, newest first
        Index("ix_message_user", "user_id", "id"),
        # the unread count in every page's header: only unread rows are in it, so it stays small
        Index("ix_message_unread", "user_id", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
    )


class OverdueReminder(db.Model):
    """A review task whose overdue reminder went out: once per task, however many workers look."""

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
