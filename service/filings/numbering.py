"""Proposed numbers for reviewers: the next one of an editable pattern (no national format is mandated)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from ..errors import Invalid
from ..extensions import db
from ..types import china_today


def next_number(column: InstrumentedAttribute, pattern: str, **parts: str) -> str:
    """``pattern`` (企业规则: {region} 地区代码, {category} T/S/W, {year}, {seq}) with {seq} one past the
    highest number already issued under the same prefix; the reviewer may always type another number."""
    prefix = pattern.split("{seq", 1)[0].format(year=china_today().year, **parts)
    taken = db.session.scalars(select(column).where(column.like(f"{prefix}%"))).all()
    numbers = [int(m.group(1)) for value in taken if (m := re.search(r"(\d+)$", value[len(prefix):]))]
    return pattern.format(year=china_today().year, seq=max(numbers, default=0) + 1, **parts)


def assign_on_approval(record: Any, field: str, label: str, data: Mapping[str, Any]) -> None:
    """An approving reviewer's number (备案编号, 使用登记编号), where the form asks for one, is stored on the
    record; it must be unique."""
    if data.get("decision") != "approve" or not data.get(field):
        return
    column = getattr(type(record), field)
    number = data[field]
    if db.session.scalar(select(type(record).id).where(column == number, type(record).id != record.id)):
        raise Invalid.field(field, f"{label} {number} 已被使用，请换一个")
    setattr(record, field, number)


def number_if_missing(record: Any, field: str, proposal: Callable[[Any], Mapping[str, str]]) -> None:
    """A chain may end approved without any level asking for the number (the administrator's diagram):
    the record then takes the next one by the rule."""
    if not getattr(record, field):
        setattr(record, field, proposal(record)[field])
