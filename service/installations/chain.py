"""安装告知 as a chain."""

from __future__ import annotations

from ..filings.chains import Chain
from ..workers.queries import worker_details
from . import operations
from .models import InstallationNotice


class InstallationNoticeChain(Chain):
    key, path, label, form_key = "installation_notice", "installation-notices", "安装告知", "installation_notice"
    model = InstallationNotice
    filers = ("owner",)
    sla_days = 2  # the notice period itself is two working days
    list_columns = ("property_filing_id", "project_id", "planned_date")

    check_values = staticmethod(operations.check_values)
    check_submit = staticmethod(operations.check_submit)
    draft_defaults = staticmethod(operations.draft_defaults)
    derived_columns = staticmethod(operations.project_region)
    choices = staticmethod(operations.choices)
    choice_details = staticmethod(worker_details)

    def display(self, record: InstallationNotice) -> str:
        machine = record.machine
        return f"{machine.filing_number} {machine.model}（出厂编号 {machine.factory_number}）" if machine \
            else f"#{record.id}"
