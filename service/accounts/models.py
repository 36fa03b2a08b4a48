"""Accounts, roles, regions and bureaus."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forms.codes import UNIT_TYPES

from ..extensions import db
from ..types import UTCDateTime, utcnow


class RoleKey(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    CHIEF = "chief"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def is_staff_role(role: str) -> bool:
    """Bureau staff: the built-in reviewer, chief and supervisor, and every role the administrator adds."""
    return role not in (RoleKey.APPLICANT, RoleKey.ADMIN)


ROLE_LABELS = {
    RoleKey.APPLICANT: "申请单位",
    RoleKey.REVIEWER: "地方住建局审批人员",
    RoleKey.CHIEF: "地方住建局负责人",
    RoleKey.SUPERVISOR: "监督员",
    RoleKey.ADMIN: "自治区住建厅管理员",
}


class Region(db.Model):
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Bureau(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the issuer's code on certificates and in the ministry exchange (issuAuthCode)
    uscc: Mapped[str | None] = mapped_column(String(18))


class Role(db.Model):
    """Role keys a diagram's lanes may name."""

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(120), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: part of every page session's id: signing out changes it, so a copied session cookie signs in no more
    session_nonce: Mapped[str] = mapped_column(String(32), default="", server_default="")
    role: Mapped[str] = mapped_column(ForeignKey("role.key"), index=True)
    unit_type: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", use_alter=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization = relationship("Organization", foreign_keys=[organization_id])

    def get_id(self) -> str:
        # The session names the password too: changing it signs every other browser session out.
        return f"{self.id}:{self.password_hash[-16:]}{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return is_staff_role(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == RoleKey.ADMIN

    @property
    def is_applicant(self) -> bool:
        return self.role == RoleKey.APPLICANT

    @property
    def nature(self) -> str:
        """账号所属性质, shown on the home page."""
        if self.is_applicant:
            return UNIT_TYPES.get(self.unit_type or "", "企业用户")
        return ROLE_LABELS.get(self.role, self.role)


class ApiToken(db.Model):
    """Bearer tokens; only the hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship(User)


class LoginFailure(db.Model):
    """Failed logins, counted per username and per address to throttle guessing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),
                      Index("ix_login_failure_address_at", "address", "at"))
