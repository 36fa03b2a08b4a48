"""导出 of the 待审批 list: its columns, every task of its scope and kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forms.codes import REGIONS

from ..accounts.models import User
from ..filings.chains import chains
from ..types import china_today
from ..web.xlsx import Sheet
from .operations import SCOPES, iter_tasks

HEADERS = ("任务", "业务", "记录", "地区", "认领人", "到达时间", "办理时限", "已超期")


def _rows(actor: User, scope: str, kind: str | None) -> Iterator[list[Any]]:
    labels = {key: c.label for key, c in chains().items()}
    for t in iter_tasks(actor, scope, kind):
        yield [t.name, labels.get(t.record_kind, t.record_kind), t.record_id,
               REGIONS.get(t.region_code, t.region_code), t.assignee.username if t.assignee else "",
               t.created_at, t.due_at, "是" if t.overdue else "否"]


def tasks_sheet(actor: User, scope: str, kind: str | None) -> Sheet:
    return Sheet("待审批", HEADERS, _rows(actor, scope, kind))


def tasks_filename(scope: str, kind: str | None) -> str:
    parts = ["待审批", SCOPES[scope], chains()[kind].label if kind else ""]
    return "-".join([p for p in parts if p] + [f"{china_today():%Y%m%d}"]) + ".xlsx"
