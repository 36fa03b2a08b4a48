"""产权备案 as a chain."""

from __future__ import annotations

from typing import Any

from ..filings.chains import Chain
from ..filings.rules import unit_region
from . import operations
from .models import PropertyFiling


class PropertyFilingChain(Chain):
    key, path, label, form_key = "property_filing", "property-filings", "产权备案", "property_filing"
    model = PropertyFiling
    filers = ("owner",)
    sla_days = 7  # the regulation's seven working days
    list_columns = ("category", "model", "factory_number", "manufacturer")
    issued_fields = (("filing_number", "备案编号"),)
    prefix_search_columns = ("factory_number", "filing_number")

    def check_values(self, actor: Any, record: Any, values: Any) -> None:
        operations.check_values(actor, record, values)

    def check_submit(self, actor: Any, record: Any) -> None:
        operations.check_submit(actor, record)

    def on_review(self, actor: Any, record: Any, data: Any) -> None:
        operations.on_review(actor, record, data)

    def review_defaults(self, record: Any) -> dict[str, Any]:
        return operations.review_defaults(record)

    def on_approved(self, actor: Any, record: Any) -> None:
        operations.on_approved(actor, record)

    def derived_columns(self, actor: Any, record: Any, values: Any) -> dict[str, Any]:
        return unit_region(actor)

    def display(self, record: PropertyFiling) -> str:
        return f"{record.filing_number or '（未备案）'} {record.model}（出厂编号 {record.factory_number}）"
