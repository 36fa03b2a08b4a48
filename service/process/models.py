"""Tables that keep the engine's state. Task lists read ``human_task`` only, never instance state."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, utcnow


class ProcessDefinition(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    deployed_by = relationship("User")

    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_definition_key_version"),)


class FormDefinition(db.Model):
    """A review form the administrator defined or edited, in the ``forms/*.json`` format.
    It takes precedence over a shipped form of the same key."""

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    definition: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class ProcessInstance(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    state_version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    region_code: Mapped[str | None] = mapped_column(String(6))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    definition = relationship(ProcessDefinition)

    # One chain per record: a returned record goes on in the same instance, so a second one is a bug or a race.
    __table_args__ = (Index("ix_process_instance_record", "record_kind", "record_id", unique=True),)
    # Every UPDATE checks and bumps state_version: of two concurrent saves only one lands, on any database.
    __mapper_args__: ClassVar[dict] = {"version_id_col": state_version}


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(6))
    form_key: Mapped[str | None] = mapped_column(String(60))
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.OPEN)
    decision: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    instance = relationship(ProcessInstance)
    assignee = relationship("User", foreign_keys=[assignee_id])

    @property
    def overdue(self) -> bool:
        """Open past its 办理时限 (企业规则)."""
        return self.status == TaskStatus.OPEN and self.due_at is not None and self.due_at < utcnow()

    __table_args__ = (
        Index("ix_human_task_queue", "status", "role", "region_code", "assignee_id", "created_at"),
        # The 待审批 queue in its display order, small because it holds only unclaimed open tasks.
        Index("ix_human_task_claimable", "role", "region_code", "created_at", "id",
              postgresql_where=text("status = 'open' AND assignee_id IS NULL"),
              sqlite_where=text("status = 'open' AND assignee_id IS NULL")),
        Index("ix_human_task_instance_status", "instance_id", "status"),
        # The bureau's 待审批 filter over a list: open tasks of one kind for a role and region.
        Index("ix_human_task_open_by_kind", "record_kind", "status", "role", "region_code", "record_id"),
        Index("ix_human_task_assignee", "assignee_id", "status"),
        Index("ix_human_task_record", "record_kind", "record_id"),
    )


class History(db.Model):
    """Append-only: who did what, when, with which opinion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    task_name: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str | None] = mapped_column(String(20))
    opinion: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    __table_args__ = (Index("ix_history_record", "record_kind", "record_id", "id"),)


class Timer(db.Model):
    """Due times copied out of waiting instances so a poller never scans instance state."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """Outbox: written in the same transaction as the step that needs it; the row is the truth."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_job_due", "status", "next_run_at"),)
