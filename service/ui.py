"""Template helpers: local time, action labels, the menu."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from .filings.kinds import KINDS

CHINA = ZoneInfo("Asia/Shanghai")
ACTION_LABELS = {"submit": "发起审批", "resubmit": "重新提交", "approve": "通过", "return": "退回",
                 "reject": "不予通过", "timer": "超时处理"}
SETTING_KINDS = ("organization", "worker", "project")


def localtime(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _menu() -> dict[str, Any]:
    kinds = []
    if current_user.is_authenticated:
        kinds = [k for k in KINDS.values() if not current_user.is_applicant or current_user.unit_type in k.filers]
    return {"menu_kinds": kinds, "setting_kinds": SETTING_KINDS, "action_labels": ACTION_LABELS}


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.context_processor(_menu)
