"""导出 of a chain's list: the list's own columns, every record the list holds with its tab, scope and search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forms.definitions import FieldDef

from ..accounts.models import User
from ..extensions import db
from ..types import china_today
from ..web.xlsx import Sheet
from .chains import Chain, chains
from .models import TABS
from .queries import STAFF_SCOPES, Page, iter_records

#: the columns every list has around the chain's own (templates/filings/list.html)
LEADING = ("ID", "状态", "流程进度", "流程发起人")
TRAILING = ("更新时间",)


def referenced_records(fdef: FieldDef, value: Any) -> list[tuple[Chain | None, int, str]]:
    """(chain, id, label) of each record a ref/refs field names; a 监督员 is an account, of no chain."""
    ids = value if isinstance(value, list) else [value] if value is not None else []
    if fdef.ref == "supervisor":
        return [(None, user.id, user.username) for user in (db.session.get(User, i) for i in ids) if user]
    kind = chains().get(fdef.ref)
    if kind is None:
        return [(None, i, f"#{i}") for i in ids]
    return [(kind, record.id, kind.display(record))
            for record in (db.session.get(kind.model, i) for i in ids) if record is not None]


def cell_value(fdef: FieldDef | None, value: Any) -> Any:
    """A list column's value as the list shows it (``fdef``: its form field, if it is one); dates and numbers
    stay what they are."""
    if fdef is not None and fdef.type in ("ref", "refs"):
        return "、".join(label for _, _, label in referenced_records(fdef, value))
    if fdef is not None and fdef.options:
        return fdef.option_labels.get(value, value)
    return value


def _progress(page: Page, record: Any) -> str:
    text = page.steps.get(record.id, "—")
    if record.id in page.overdue:
        text += "（已超期）"
    if record.id in page.returned:
        text += f"；退回：{page.returned[record.id]}"
    return text


def _rows(kind: Chain, pages: Iterator[Page]) -> Iterator[list[Any]]:
    fields = {f.name: f for f in kind.form.fields}
    columns = [(c, fields.get(c)) for c in kind.list_columns]
    for page in pages:
        for r in page.items:
            yield [r.id, r.status_label, _progress(page, r), r.account.username,
                   *(cell_value(fdef, getattr(r, c)) for c, fdef in columns), r.updated_at]


def list_sheet(kind: Chain, actor: User, tab: str = "", search: str = "", scope: str = "") -> Sheet:
    headers = [*LEADING, *(kind.label_of(c) for c in kind.list_columns), *TRAILING]
    return Sheet(kind.label, headers, _rows(kind, iter_records(kind, actor, tab, search, scope)))


def list_filename(kind: Chain, tab: str = "", scope: str = "") -> str:
    """单位管理-通过-20261201.xlsx: what was exported, and when (Beijing's date)."""
    parts = [kind.label, TABS[tab][0] if tab else "", STAFF_SCOPES[scope] if scope else ""]
    return "-".join([p for p in parts if p] + [f"{china_today():%Y%m%d}"]) + ".xlsx"
