"""Recording and reading the audit log. Every administrative operation records itself, in its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from .models import AuditEntry

ACTION_LABELS = {
    "process.deploy": "部署流程", "process.migrate": "迁移流程实例", "role.create": "新增角色",
    "form.save": "保存审批表单", "rules.update": "修改企业规则", "bureau.update": "修改住建局",
    "user.create": "新增账号", "user.update": "修改账号", "user.disable": "停用账号", "user.enable": "启用账号",
    "user.reset_password": "重置密码",
}


def record(actor: User | None, action: str, target: str, before: Any = None, after: Any = None,
           note: str | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, target=target[:120],
                       before=before, after=after, note=note)
    db.session.add(entry)
    return entry


def entries(action: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def entry_out(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor.username if entry.actor else None,
            "action": entry.action, "action_label": ACTION_LABELS.get(entry.action, entry.action),
            "target": entry.target, "before": entry.before, "after": entry.after, "note": entry.note}
