"""Recording and reading the audit log. Every administrative operation records itself, in its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from forms.codes import REGIONS

from ..accounts.models import User
from ..extensions import db
from ..rules import operations as rules
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


#: how the values recorded before and after read on the page
FIELD_LABELS = {"role": "角色", "region_code": "地区", "active": "状态", "name": "名称", "uscc": "统一社会信用代码",
                "key": "标识", "version": "版本", "definition": "表单定义", "instance": "流程实例",
                "from_version": "原版本", "to_version": "新版本"}
#: fingerprints people do not read: a version number says the same
HIDDEN_FIELDS = frozenset({"sha256"})


def _shown(field: str, value: Any, role_names: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if field == "active":
        return "启用" if value else "停用"
    if field == "role":
        return role_names.get(value, value)
    if field == "region_code":
        return REGIONS.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "（已修改）" if field == "definition" else "，".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def changes(entry: AuditEntry, role_names: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, before, after) of each value the entry changed, as people read them."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    rule_labels = {key: rule.label for key, rule in rules.definitions().items()}
    out = []
    for field in dict.fromkeys([*before, *after]):
        if field in HIDDEN_FIELDS or before.get(field) == after.get(field):
            continue
        label = rule_labels.get(field) or FIELD_LABELS.get(field, field)
        out.append((label, _shown(field, before.get(field), role_names), _shown(field, after.get(field), role_names)))
    return out


def entry_out(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor.username if entry.actor else None,
            "action": entry.action, "action_label": ACTION_LABELS.get(entry.action, entry.action),
            "target": entry.target, "before": entry.before, "after": entry.after, "note": entry.note}
