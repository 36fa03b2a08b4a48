"""单位管理 as a chain."""

from __future__ import annotations

from typing import Any

from ..filings.chains import Chain
from . import operations
from .models import Organization


class OrganizationChain(Chain):
    key, path, label, form_key = "organization", "organizations", "单位管理", "organization"
    model = Organization
    filers = ("owner", "construction")
    menu = "settings"
    list_columns = ("name", "uscc", "org_type", "region_code")
    search_columns, prefix_search_columns = ("name",), ("uscc",)

    check_values = staticmethod(operations.check_values)
    on_approved = staticmethod(operations.on_approved)

    def display(self, record: Organization) -> str:
        return record.name or f"#{record.id}"

    def draft_defaults(self, actor: Any) -> dict[str, Any]:
        return {"org_type": actor.unit_type}
