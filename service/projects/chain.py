"""项目管理 as a chain: no rules of its own beyond the form."""

from __future__ import annotations

from ..filings.chains import Chain
from .models import Project


class ProjectChain(Chain):
    key, path, label, form_key = "project", "projects", "项目管理", "project"
    model = Project
    filers = ("owner", "construction")
    menu = "settings"
    list_columns = ("name", "region_code", "permit_number", "manager_name")
    search_columns, prefix_search_columns = ("name",), ("permit_number",)

    def display(self, record: Project) -> str:
        return record.name or f"#{record.id}"
