"""Rules specific to 项目管理."""

from __future__ import annotations

from ..filings.kinds import RecordKind, register
from .models import Project

PROJECT = register(RecordKind(
    key="project", path="projects", label="项目管理", model=Project, form_key="project",
    filers=("owner", "construction"),
    list_columns=("name", "region_code", "permit_number", "manager_name"),
    search_columns=("name",), prefix_search_columns=("permit_number",),
    display=lambda r: r.name or f"#{r.id}",
))
