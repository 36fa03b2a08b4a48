"""特种工人 as a chain."""

from __future__ import annotations

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

    check_values = staticmethod(operations.check_values)
    check_submit = staticmethod(operations.check_submit)
    draft_defaults = staticmethod(operations.unit_defaults)
    derived_columns = staticmethod(unit_region)

    def display(self, record: Worker) -> str:
        return f"{record.name}（{record.category} 证书至 {record.valid_until:%Y-%m-%d}）" if record.valid_until \
            else record.name
