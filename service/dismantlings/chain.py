"""拆卸告知 as a chain: two review levels, the chief assigns a 监督员 who then sees it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from ..filings.chains import Chain
from . import operations
from .models import DismantlingNotice


class DismantlingNoticeChain(Chain):
    key, path, label, form_key = "dismantling_notice", "dismantling-notices", "拆卸告知", "dismantling_notice"
    model = DismantlingNotice
    filers = ("owner",)
    sla_days = 2  # the notice period itself is two working days
    issued_fields = (("supervisor_id", "监督员"),)
    list_columns = ("use_registration_id", "planned_date")

    def check_values(self, actor: Any, record: Any, values: Any) -> None:
        operations.check_values(actor, record, values)

    def check_submit(self, actor: Any, record: Any) -> None:
        operations.check_submit(actor, record)

    def on_review(self, actor: Any, record: Any, data: Any) -> None:
        operations.on_review(actor, record, data)

    def on_approved(self, actor: Any, record: Any) -> None:
        operations.on_approved(actor, record)

    def derived_columns(self, actor: Any, record: Any, values: Any) -> dict[str, Any]:
        return operations.registration_region(actor, record, values)

    def choices(self, actor: Any, field: str) -> list[tuple[int, str]]:
        return operations.choices(actor, field)

    def review_choices(self, actor: Any, record: Any, field: str) -> list[tuple[int, str]]:
        return operations.review_choices(actor, record, field)

    def show_issued(self, record: DismantlingNotice, name: str) -> str:
        if name == "supervisor_id":
            return record.supervisor.username if record.supervisor else "（复审通过时分配）"
        return super().show_issued(record, name)

    def supervisor_filter(self, actor: Any) -> ColumnElement[bool]:
        return DismantlingNotice.supervisor_id == actor.id
