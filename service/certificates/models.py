"""The certificate, its number sequences and the log of what was exchanged with the ministry."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, utcnow


class CertificateStatus(StrEnum):
    """Where 制证 stands (the window's 住建部反馈)."""

    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


class CertificateState(StrEnum):
    """The issued certificate's legal state (证书注销 column); the certificate process's end events."""

    VALID = "valid"
    COMPLETED = "completed"
    REVOKED = "revoked"
    EXPIRED = "expired"


STATE_LABELS = {CertificateState.VALID: "有效", CertificateState.COMPLETED: "完工注销",
                CertificateState.REVOKED: "撤销证件", CertificateState.EXPIRED: "到期失效"}
#: what an ended certificate says on its face (PDF, OFD, the verify page)
ENDED_MARKS = {CertificateState.COMPLETED: "已注销", CertificateState.REVOKED: "已撤销",
               CertificateState.EXPIRED: "已失效"}
STATUS_LABELS = {CertificateStatus.PENDING: "制证中", CertificateStatus.ISSUED: "赋码成功",
                 CertificateStatus.FAILED: "制证失败"}


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("use_registration.id"), unique=True)
    region_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.PENDING)
    state: Mapped[str | None] = mapped_column(String(20))
    #: 652300T(2024)0000003, set when the ministry has coded the certificate
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    #: the public check's key (QR code): random, never derived from the number or the id
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    #: our 32-character eCertID for the ministry; every request carries it
    ecert_id: Mapped[str] = mapped_column(String(32), unique=True)
    license_code: Mapped[str | None] = mapped_column(String(120))
    request_id: Mapped[str | None] = mapped_column(String(40))
    request_count: Mapped[int] = mapped_column(default=0)
    #: 住建部反馈 of the latest 制证: "赋码成功" or each reason it was refused
    feedback: Mapped[list] = mapped_column(JSON, default=list)
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration = relationship("UseRegistration")


class NumberSequence(db.Model):
    """The last certificate number per (region, category, year). Incremented in the issuing transaction,
    under the row's lock, so numbers come without gaps or duplicates however many are issued at once."""

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    category: Mapped[str] = mapped_column(String(1), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class MinistryExchange(db.Model):
    """One request to the ministry and its answer. ``request_id`` makes a resend after a timeout the same
    request, which the ministry recognises, so nothing is processed twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(40), unique=True)
    operate_type: Mapped[str] = mapped_column(String(2))
    record: Mapped[dict | None] = mapped_column(JSON)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    return_code: Mapped[str | None] = mapped_column(String(2))
    errors: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
