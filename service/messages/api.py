"""消息中心 endpoints of the API."""

from __future__ import annotations

from typing import Any

from ..web.api import actor, bp, choice_arg, page_json, paging
from ..web.docs import DATETIME, INTEGER, PAGING, STRING, choice, documented, nullable, obj, page_of
from . import operations
from .models import Message

MESSAGE = obj(("id", "event", "title", "body", "record_kind", "record_id", "created_at", "read_at"),
              id=INTEGER, event=choice(*operations.EVENT_LABELS), title=STRING, body=STRING, record_kind=STRING,
              record_id=INTEGER, task_id=nullable(INTEGER), created_at=DATETIME, read_at=nullable(DATETIME))


def message_out(message: Message) -> dict[str, Any]:
    return {"id": message.id, "event": message.event, "title": message.title, "body": message.body,
            "record_kind": message.record_kind, "record_id": message.record_id, "task_id": message.task_id,
            "created_at": message.created_at.isoformat(),
            "read_at": message.read_at.isoformat() if message.read_at else None}


def unread_only() -> bool:
    return choice_arg("unread", ("", "0", "1"), "unread 应为 1（只看未读）或 0") == "1"


@bp.get("/messages")
@documented("我的消息，最新在前（unread=1 只看未读）", response=page_of(MESSAGE),
            query={"unread": choice("0", "1"), **PAGING}, errors=(422,))
def list_messages():
    unread = unread_only()
    page, per_page = paging()
    rows, total = operations.list_messages(actor(), unread, page, per_page)
    return page_json([message_out(m) for m in rows], total, page, per_page)


@bp.post("/messages/<id:message_id>/read")
@documented("标为已读", status=204)
def read(message_id: int):
    operations.mark_read(actor(), message_id)
    return "", 204


@bp.post("/messages/read-all")
@documented("全部已读", status=204)
def read_all():
    operations.mark_all_read(actor())
    return "", 204


