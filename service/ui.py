"""Template helpers: local time, action labels, the menu."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.codes import PARAMETER_CODES
from forms.definitions import FieldDef

from .extensions import db
from .filings.chains import chains
from .filings.exports import referenced_records
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
    named = referenced_records(fdef, value)
    kind = chains().get(fdef.ref)
    openable: set[int] = set()
    if linked and kind is not None and named:
        # a link only where the viewer may open the record (a 施工单位 sees the owner's notice named, not linked)
        openable = set(db.session.scalars(visible(kind, current_user).with_only_columns(kind.model.id)
                                          .where(kind.model.id.in_([i for _, i, _ in named]))))
    return [(url_for("filings.view", kind_path=kind.path, record_id=i) if kind and i in openable else None, label)
            for _, i, label in named]


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
