"""产权备案 as a chain."""

from __future__ import annotations

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

    check_values = staticmethod(operations.check_values)
    check_submit = staticmethod(operations.check_submit)
    on_review = staticmethod(operations.on_review)
    review_defaults = staticmethod(operations.review_defaults)
    on_approved = staticmethod(operations.on_approved)
    derived_columns = staticmethod(unit_region)

    def display(self, record: PropertyFiling) -> str:
        return f"{record.filing_number or '（未备案）'} {record.model}（出厂编号 {record.factory_number}）"
