"""Rules specific to 特种工人."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..accounts.models import User
from ..errors import Invalid
from ..types import china_today
from .models import Worker


def unit_defaults(actor: User) -> dict[str, Any]:
    unit = actor.organization
    return {"employer_name": unit.name, "employer_uscc": unit.uscc} if unit else {}


def check_values(actor: User, record: Worker | None, values: Mapping[str, Any]) -> None:
    start = values.get("valid_from", record.valid_from if record else None)
    end = values.get("valid_until", record.valid_until if record else None)
    if start and end and end <= start:
        raise Invalid.field("valid_until", "证书有效期至应晚于有效期起")


def check_submit(actor: User, record: Worker) -> None:
    if record.valid_until and record.valid_until < china_today():
        raise Invalid.field("valid_until",
                            f"证书已于 {record.valid_until:%Y-%m-%d} 过期，请先办理延期复核并更新证书信息")
