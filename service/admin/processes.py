"""Process definitions: versions, deployment (lint first, then the next version) and per-instance migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from ..accounts.models import User
from ..audit import operations as audit
from ..errors import Conflict, Invalid, NotFound, TooLarge
from ..extensions import db
from ..process import operations as process
from ..process.models import InstanceStatus, ProcessDefinition, ProcessInstance
from ..types import iso

#: A diagram is a few dozen KB; anything far larger is not one.
MAX_BPMN_BYTES = 2 * 1024 * 1024


def overview() -> list[dict[str, Any]]:
    """Every version of every chain, newest first per chain, with how many instances run on it."""
    counts = {row.definition_id: (row.running, row.total) for row in db.session.execute(
        select(ProcessInstance.definition_id,
               func.sum(case((ProcessInstance.status == InstanceStatus.RUNNING, 1), else_=0)).label("running"),
               func.count().label("total")).group_by(ProcessInstance.definition_id))}
    latest = dict(db.session.execute(select(ProcessDefinition.key, func.max(ProcessDefinition.version))
                                     .group_by(ProcessDefinition.key)).all())
    rows = db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                 ProcessDefinition.version.desc()))
    return [definition_out(d, latest[d.key] == d.version, *counts.get(d.id, (0, 0))) for d in rows]


def definition_out(d: ProcessDefinition, latest: bool, running: int = 0, total: int = 0) -> dict[str, Any]:
    return {"key": d.key, "version": d.version, "deployed_at": iso(d.deployed_at),
            "deployed_by": d.deployed_by.username if d.deployed_by else None, "latest": latest,
            "running": int(running or 0), "instances": int(total or 0), "sha256": d.sha256}


def known_keys() -> list[str]:
    return list(db.session.scalars(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)))


def parse_version(raw: str | None) -> int | None:
    """A requested version number (``?version=N``); none means the latest."""
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise Invalid.field("version", "版本号应为正整数")
    return int(raw)


def version_of(key: str, version: int | None = None) -> ProcessDefinition:
    if version is None:
        return process.latest_definition(key)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                                   ProcessDefinition.version == version))
    if definition is None:
        raise NotFound(f"流程 {key} 没有版本 {version}")
    return definition


def deploy(actor: User, key: str, xml: bytes) -> ProcessDefinition:
    """Only chains the platform runs can get new versions; the lint's refusal names each element."""
    if key not in known_keys():
        raise NotFound(f"流程 {key} 不存在")
    if len(xml) > MAX_BPMN_BYTES:
        raise TooLarge("流程图文件过大（最大 2 MB）")
    if not xml.strip():
        raise Invalid.field("bpmn", "请提交 BPMN 流程图（XML）")
    previous = process.latest_definition(key)
    definition = process.deploy_definition(key, process.with_role_keys(xml), actor)
    audit.record(actor, "process.deploy", f"流程 {key}", {"version": previous.version, "sha256": previous.sha256},
                 {"version": definition.version, "sha256": definition.sha256})
    return definition


def running_instances(key: str, version: int) -> list[ProcessInstance]:
    definition = version_of(key, version)
    return list(db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.definition_id == definition.id, ProcessInstance.status == InstanceStatus.RUNNING)
        .order_by(ProcessInstance.id).limit(500)))


def migration(actor: User, instance_id: int, version: int | None, apply: bool) -> dict[str, Any]:
    """Preview (or carry out) moving one running instance to ``version`` (default: the latest)."""
    instance = process.lock_instance(instance_id) if apply else db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在")
    source = db.session.get(ProcessDefinition, instance.definition_id)
    target = version_of(source.key, version)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict("流程实例已结束，无需迁移")
    if target.version <= source.version:
        raise Invalid.field("version", f"只能迁移到更新的版本（当前为版本 {source.version}）")
    plan = process.migrate_instance(instance, target, actor, apply)
    out = {"instance_id": instance.id, "record_kind": instance.record_kind, "record_id": instance.record_id,
           "key": source.key, "from_version": source.version, "to_version": target.version, "safe": plan.safe,
           "problems": plan.problems, "active_before": plan.active_before, "active_after": plan.active_after}
    if apply:
        if not plan.safe:
            raise Conflict("该实例不能安全迁移：" + "；".join(plan.problems), {"problems": plan.problems})
        target_name = f"流程实例 {instance.id}（{instance.record_kind} #{instance.record_id}）"
        audit.record(actor, "process.migrate", target_name,
                     {"version": source.version, "active": plan.active_before},
                     {"version": target.version, "active": plan.active_after})
    return out
