"""Template helpers: local time, action labels, the menu."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.codes import PARAMETER_CODES
from forms.definitions import FieldDef

from .accounts.models import User
from .extensions import db
from .filings.chains import chains
from .filings.models import FilingStatus
from .filings.queries import visible
from .organizations.models import Organization
from .types import CHINA

ACTION_LABELS = {"submit": "发起审批", "resubmit": "重新提交", "approve": "通过", "return": "退回",
                 "reject": "不予通过", "timer": "超时处理", "assign": "分配监督员"}


def localtime(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def referenced(fdef: FieldDef, value: Any, linked: bool = True) -> list[tuple[str | None, str]]:
    """(link, label) for each record a ref/refs field names, for 查看 pages."""
    ids = value if isinstance(value, list) else [value] if value is not None else []
    if fdef.ref == "supervisor":
        return [(None, user.username) for user in (db.session.get(User, i) for i in ids) if user]
    kind = chains().get(fdef.ref)
    if kind is None:
        return [(None, f"#{i}") for i in ids]
    if not ids:
        return []
    # a link only where the viewer may open the record (a 施工单位 sees the owner's notice named, not linked)
    openable = set(db.session.scalars(visible(kind, current_user).with_only_columns(kind.model.id)
                                      .where(kind.model.id.in_(ids)))) if linked else set()
    out = []
    for record_id in ids:
        record = db.session.get(kind.model, record_id)
        if record is not None:
            link = url_for("filings.view", kind_path=kind.path, record_id=record.id) if record.id in openable else None
            out.append((link, kind.display(record)))
    return out


def unit_label(uscc: str | None) -> str:
    """A 统一社会信用代码 as people read it: the unit's name where the platform knows the unit."""
    if not uscc:
        return ""
    name = db.session.scalar(select(Organization.name).where(Organization.uscc == uscc,
                                                             Organization.status == FilingStatus.APPROVED).limit(1))
    return f"{name}（{uscc}）" if name else uscc


def _menu() -> dict[str, Any]:
    kinds = []
    if current_user.is_authenticated:  # in the order the chains were registered: the menu's
        kinds = [k for k in chains().values() if not current_user.is_applicant or current_user.unit_type in k.filers]
    return {"menu_kinds": kinds, "action_labels": ACTION_LABELS}


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_global(referenced, "referenced")
    app.add_template_global(unit_label, "unit_label")
    # 基本参数 codes by machine category: the page offers only the chosen category's
    app.add_template_global({code: category for category, codes in PARAMETER_CODES.items() for code in codes},
                            "option_groups")
    app.context_processor(_menu)
