"""安装告知 as a chain."""

from __future__ import annotations

from typing import Any

from ..filings.chains import Chain
from . import operations
from .models import InstallationNotice


class InstallationNoticeChain(Chain):
    key, path, label, form_key = "installation_notice", "installation-notices", "安装告知", "installation_notice"
    model = InstallationNotice
    filers = ("owner",)
    sla_days = 2  # the notice period itself is two working days
    list_columns = ("property_filing_id", "project_id", "planned_date")

    def check_values(self, actor: Any, record: Any, values: Any) -> None:
        operations.check_values(actor, record, values)

    def check_submit(self, actor: Any, record: Any) -> None:
        operations.check_submit(actor, record)

    def derived_columns(self, actor: Any, record: Any, values: Any) -> dict[str, Any]:
        return operations.project_region(actor, record, values)

    def choices(self, actor: Any, field: str) -> list[tuple[int, str]]:
        return operations.choices(actor, field)

    def display(self, record: InstallationNotice) -> str:
        machine = record.machine
        return f"{machine.filing_number} {machine.model}（出厂编号 {machine.factory_number}）" if machine \
            else f"#{record.id}"
