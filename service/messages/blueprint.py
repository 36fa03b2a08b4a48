"""消息中心 pages: the list (全部 / 未读), mark read, 全部已读, and opening a message's record."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import operations
from .api import unread_only

bp = Blueprint("messages", __name__)
FILTERS = {"": "全部", "1": "未读"}


def _back():
    return redirect(url_for("messages.index", unread=request.args.get("unread") or None), 303)


@bp.get("/messages")
@login_required
def index():
    unread = unread_only()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    rows, total = operations.list_messages(current_user, unread, page)
    return render_template("messages/list.html", rows=rows, total=total, page=page, per_page=20,
                           unread="1" if unread else "", filters=FILTERS, labels=operations.EVENT_LABELS)


@bp.get("/messages/<id:message_id>")
@login_required
def open_message(message_id: int):
    """Opening a message reads it and goes to what it is about."""
    message = operations.mark_read(current_user, message_id)
    endpoint, values = operations.target(message, current_user)
    return redirect(url_for(endpoint, **values))


@bp.post("/messages/<id:message_id>/read")
@login_required
def read(message_id: int):
    operations.mark_read(current_user, message_id)
    return _back()


@bp.post("/messages/read-all")
@login_required
def read_all():
    operations.mark_all_read(current_user)
    return _back()
