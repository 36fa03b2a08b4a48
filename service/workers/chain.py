"""特种工人 as a chain."""

from __future__ import annotations

from typing import Any

from ..filings.chains import Chain
from ..filings.rules import unit_region
from . import operations
from .models import Worker


class WorkerChain(Chain):
    key, path, label, form_key = "worker", "workers", "特种工人", "worker"
    model = Worker
    filers = ("owner", "construction")
    menu = "settings"
    list_columns = ("name", "category", "certificate_number", "valid_until")
    search_columns, prefix_search_columns = ("name",), ("id_number", "certificate_number")

    def check_values(self, actor: Any, record: Any, values: Any) -> None:
        operations.check_values(actor, record, values)

    def check_submit(self, actor: Any, record: Any) -> None:
        operations.check_submit(actor, record)

    def draft_defaults(self, actor: Any) -> dict[str, Any]:
        return operations.unit_defaults(actor)

    def derived_columns(self, actor: Any, record: Any, values: Any) -> dict[str, Any]:
        return unit_region(actor)

    def display(self, record: Worker) -> str:
        return f"{record.name}（{record.category} 证书至 {record.valid_until:%Y-%m-%d}）" if record.valid_until \
            else record.name
