"""Rules specific to 单位管理."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.operations import set_unit
from ..errors import Invalid
from ..extensions import db
from ..filings.models import FilingStatus
from .models import Organization


def check_values(actor: User, record: Organization | None, values: Mapping[str, Any]) -> None:
    """A USCC already approved or under review for another account cannot be filed again."""
    uscc = values.get("uscc")
    if not uscc:
        return
    clash = db.session.scalar(select(Organization.id).where(
        Organization.uscc == uscc, Organization.account_id != actor.id,
        Organization.status.in_((FilingStatus.APPROVED, FilingStatus.IN_REVIEW, FilingStatus.RETURNED))))
    if clash is not None:
        raise Invalid.field("uscc", "该统一社会信用代码已由其他账号登记，请核对或联系该单位管理员")


def on_approved(actor: User, record: Organization) -> None:
    """An approved unit becomes its account's unit (the latest approved one wins)."""
    set_unit(record.account_id, record.id)
