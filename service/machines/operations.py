"""Rules specific to 产权备案."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from forms.codes import MACHINE_CATEGORIES, PARAMETER_CODES

from ..accounts.models import User
from ..errors import Invalid, Problems
from ..extensions import db
from ..filings.models import ACTIVE
from ..filings.numbering import assign_on_approval, next_number, number_if_missing
from ..rules import operations as rules
from .models import PropertyFiling


def _parameter_errors(category: str | None, rows: list[dict] | None, *, complete: bool) -> str | None:
    if not category or rows is None:
        return None
    wanted = PARAMETER_CODES[category]
    codes = [row["code"] for row in rows]
    name = MACHINE_CATEGORIES[category]
    allowed = "、".join(wanted)
    if extra := [c for c in codes if c not in wanted]:
        return f"{name}只填写{allowed}参数，请删除{'、'.join(extra)}"
    if len(set(codes)) != len(codes):
        return "参数序号不能重复"
    if complete and (missing := [c for c in wanted if c not in codes]):
        return f"{name}须填写{allowed}参数，还缺{'、'.join(missing)}"
    return None


def check_values(actor: User, record: PropertyFiling | None, values: Mapping[str, Any]) -> None:
    problems = Problems()
    category = values.get("category", record.category if record else None)
    rows = values.get("parameters", record.parameters if record else None)
    if message := _parameter_errors(category, rows, complete=False):
        problems.add("parameters", message)
    factory_number = values.get("factory_number", record.factory_number if record else None)
    manufacturer = values.get("manufacturer", record.manufacturer if record else None)
    if factory_number and manufacturer:
        clash = db.session.scalar(select(PropertyFiling.id).where(
            PropertyFiling.factory_number == factory_number, PropertyFiling.manufacturer == manufacturer,
            PropertyFiling.status.in_(ACTIVE), PropertyFiling.id != (record.id if record else None)))
        if clash is not None:
            problems.add("factory_number", "该生产厂家、出厂编号的设备已经备案或正在审批，不能重复备案")
    problems.raise_any()


def check_submit(actor: User, record: PropertyFiling) -> None:
    if message := _parameter_errors(record.category, record.parameters or [], complete=True):
        raise Invalid.field("parameters", message)


def on_review(actor: User, record: PropertyFiling, data: Mapping[str, Any]) -> None:
    assign_on_approval(record, "filing_number", "备案编号", data)


def review_defaults(record: PropertyFiling) -> dict[str, Any]:
    return {"filing_number": next_number(PropertyFiling.filing_number, rules.value("filing_number_pattern"),
                                         region=record.region_code or "", category=record.category or "")}


def on_approved(actor: User, record: PropertyFiling) -> None:
    number_if_missing(record, "filing_number", review_defaults)
