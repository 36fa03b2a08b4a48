"""拆卸告知 as a chain: two review levels, the chief assigns a 监督员 who then sees it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from ..filings.chains import Chain, chain_for
from ..workers.queries import worker_details
from . import operations
from .models import DismantlingNotice


class DismantlingNoticeChain(Chain):
    key, path, label, form_key = "dismantling_notice", "dismantling-notices", "拆卸告知", "dismantling_notice"
    model = DismantlingNotice
    filers = ("owner",)
    sla_days = 2  # the notice period itself is two working days
    issued_fields = (("supervisor_id", "监督员"),)
    list_columns = ("use_registration_id", "planned_date")

    check_values = staticmethod(operations.check_values)
    check_submit = staticmethod(operations.check_submit)
    draft_defaults = staticmethod(operations.draft_defaults)
    on_review = staticmethod(operations.on_review)
    on_approved = staticmethod(operations.on_approved)
    derived_columns = staticmethod(operations.registration_region)
    choices = staticmethod(operations.choices)
    choice_details = staticmethod(worker_details)
    review_choices = staticmethod(operations.review_choices)

    def display(self, record: DismantlingNotice) -> str:
        registration = record.use_registration
        return chain_for("use_registration").display(registration) if registration else f"#{record.id}"

    def show_issued(self, record: DismantlingNotice, name: str) -> str:
        if name == "supervisor_id":
            return record.supervisor.username if record.supervisor else "（复审通过时分配）"
        return super().show_issued(record, name)

    def supervisor_filter(self, actor: Any) -> ColumnElement[bool]:
        return DismantlingNotice.supervisor_id == actor.id
