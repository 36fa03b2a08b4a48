"""Starting and advancing instances: one transaction per step, instance row locked, tasks synced.

The caller commits. Every step: lock the instance row (``FOR UPDATE`` on PostgreSQL, and a
state-version check everywhere) → load → run → save → close/open human-task rows → history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Select, func, select

from workflows.errors import MessageNotExpected
from workflows.lint import LintContext, form_domains, validate_diagram
from workflows.migration import MigrationPlan
from workflows.parser import NS, ParsedDiagram, parse_xml
from workflows.registry import diagram_sha256

from ..accounts.models import Role, RoleKey, User
from ..errors import Conflict, NotFound
from ..extensions import db
from ..filings.calendar import add_working_days
from ..filings.models import FilingStatus
from ..rules import operations as rules
from ..types import CHINA, china_today, utcnow
from .engine import OUTCOMES, SERVICES, engine, spec_cache
from .forms import form_keys, task_form
from .models import History, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus, Timer


@dataclass(frozen=True)
class RecordRef:
    """What the engine layer needs to know about the record a process is about."""

    kind: str
    id: int
    region_code: str | None
    applicant_id: int


def lint_context(key: str) -> LintContext:
    """What a diagram of ``key`` may name: roles, forms (with their choice fields' values, against which
    gateway conditions are checked for overlaps and gaps), services and end outcomes."""
    roles = frozenset(db.session.scalars(select(Role.key)))
    extra = {"outcomes": OUTCOMES[key]} if key in OUTCOMES else {}
    keys = form_keys()
    domains = form_domains({k: form for k in keys if (form := task_form(k)) is not None})
    return LintContext(roles=roles, form_keys=keys, services=frozenset(SERVICES), form_fields=domains, **extra)


def deploy_definition(key: str, xml: str | bytes, actor: User | None) -> ProcessDefinition:
    """Lint, then store as the next version. Running instances keep theirs."""
    validate_diagram(xml, lint_context(key), key=key)
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    current = db.session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))
    definition = ProcessDefinition(key=key, version=(current or 0) + 1, bpmn_xml=text,
                                   sha256=diagram_sha256(text), deployed_by_id=actor.id if actor else None)
    db.session.add(definition)
    db.session.flush()
    return definition


def latest_definition(key: str) -> ProcessDefinition:
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        raise NotFound(f"流程 {key} 尚未部署")
    return definition


def parsed(definition: ProcessDefinition) -> ParsedDiagram:
    return spec_cache.get(definition.sha256, definition.bpmn_xml)


_DIAGRAMS_BY_DEFINITION: dict[int, ParsedDiagram] = {}


def diagram_for(definition_id: int) -> ParsedDiagram:
    """Definitions never change once deployed, so a step needs no query to find its diagram."""
    diagram = _DIAGRAMS_BY_DEFINITION.get(definition_id)
    if diagram is None:
        diagram = _DIAGRAMS_BY_DEFINITION[definition_id] = parsed(db.session.get(ProcessDefinition, definition_id))
    return diagram


def forget_diagrams() -> None:
    """For tests that recreate the database (ids are reused)."""
    _DIAGRAMS_BY_DEFINITION.clear()
    spec_cache.clear()


def derive_status(wf: BpmnWorkflow, diagram: ParsedDiagram) -> FilingStatus:
    """The record's status follows the instance: the declared outcome of its end event, else who acts next."""
    if wf.is_completed():
        return FilingStatus(engine.outcome(wf, diagram) or FilingStatus.TERMINATED)
    if any(t.lane == RoleKey.APPLICANT for t in engine.ready_tasks(wf)):
        return FilingStatus.RETURNED
    return FilingStatus.IN_REVIEW


def start_instance(ref: RecordRef, actor: User, data: dict | None = None) -> tuple[ProcessInstance, FilingStatus]:
    """Start the latest version of ``ref.kind``'s chain; ``data`` is what its routing and services read."""
    definition = latest_definition(ref.kind)
    diagram = parsed(definition)
    wf = engine.start(diagram, data)
    instance = ProcessInstance(definition_id=definition.id, state=engine.dump(wf), record_kind=ref.kind,
                               record_id=ref.id, region_code=ref.region_code, started_by_id=actor.id,
                               status=InstanceStatus.COMPLETED if wf.is_completed() else InstanceStatus.RUNNING)
    db.session.add(instance)
    db.session.flush()
    _record_timers(instance, wf, diagram)
    _sync_tasks(instance, wf, ref)
    add_history(instance.id, ref, "发起审批", actor, "submit")
    return instance, derive_status(wf, diagram)


def lock_instance(instance_id: int) -> ProcessInstance:
    instance = db.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance


def lock_task_and_instance(task_query: Select) -> tuple[HumanTask, ProcessInstance] | None:
    """Lock a human task and its instance in one statement: completing a task changes both."""
    row = db.session.execute(
        task_query.add_columns(ProcessInstance).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .with_for_update().execution_options(populate_existing=True)).first()
    return (row[0], row[1]) if row else None


def advance(instance: ProcessInstance, task: HumanTask, data: dict, actor: User,
            ref: RecordRef) -> FilingStatus:
    """Complete ``task`` with validated ``data`` and save; the instance must be locked by the caller.

    Reads come first and writes are only queued, so the whole step is written by one flush at commit.
    """
    diagram = diagram_for(instance.definition_id)
    wf = engine.load(diagram, instance.state)
    # Rows exist exactly for the ready tasks, so when this task was the only one no query is needed.
    only_this = [t.guid for t in engine.ready_tasks(wf)] == [task.task_guid]
    open_rows = [task] if only_this else _open_rows(instance.id)
    engine.complete(wf, task.task_guid, data)
    decision = data.get("decision")
    _save(instance, wf, diagram)
    now = utcnow()
    task.status, task.completed_at, task.completed_by_id = TaskStatus.COMPLETED, now, actor.id
    task.assignee_id = task.assignee_id or actor.id
    task.decision = decision
    _sync_tasks(instance, wf, ref, [row for row in open_rows if row.id != task.id])
    action = decision or "resubmit"
    add_history(instance.id, ref, task.name, actor, action, decision, data.get("opinion"))
    return derive_status(wf, diagram)


def _save(instance: ProcessInstance, wf: BpmnWorkflow, diagram: ParsedDiagram) -> None:
    """Queue the new state. Its UPDATE carries ``WHERE state_version = <loaded>`` (the mapper's version
    column), so a concurrent save makes the flush fail with StaleDataError — answered as 409."""
    instance.state = engine.dump(wf)
    instance.status = InstanceStatus.COMPLETED if wf.is_completed() else InstanceStatus.RUNNING
    instance.updated_at = utcnow()
    _record_timers(instance, wf, diagram)


def _record_timers(instance: ProcessInstance, wf: BpmnWorkflow, diagram: ParsedDiagram) -> None:
    """Copy the instance's timer due times into the indexed timer table the poller reads."""
    if not diagram.has_timers:
        return
    db.session.execute(Timer.__table__.delete().where(Timer.instance_id == instance.id))
    for due in engine.timer_due_times(wf):
        db.session.add(Timer(instance_id=instance.id, due_at=_aware(due)))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _open_rows(instance_id: int) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.status == TaskStatus.OPEN)))


def _sync_tasks(instance: ProcessInstance, wf: BpmnWorkflow, ref: RecordRef,
                open_rows: list[HumanTask] | None = None) -> None:
    """Close rows whose task is no longer ready and open rows for newly ready tasks (queued, not flushed)."""
    ready = {t.guid: t for t in engine.ready_tasks(wf)}
    open_rows = _open_rows(instance.id) if open_rows is None else open_rows
    known = {row.task_guid for row in open_rows}
    for row in open_rows:
        if row.task_guid not in ready:
            row.status = TaskStatus.CANCELLED
    due = None
    for guid, task in ready.items():
        if guid in known:
            continue
        if task.lane != RoleKey.APPLICANT:
            due = due or review_due_at(ref.kind)
        db.session.add(HumanTask(
            instance_id=instance.id, task_guid=guid, bpmn_id=task.bpmn_id, name=task.name,
            role=task.lane or RoleKey.REVIEWER, region_code=ref.region_code, form_key=task.form_key,
            record_kind=ref.kind, record_id=ref.id,
            applicant_id=ref.applicant_id if task.lane == RoleKey.APPLICANT else None,
            due_at=None if task.lane == RoleKey.APPLICANT else due))


def review_due_at(kind: str) -> dt.datetime | None:
    """办理时限 (企业规则): the end of the last of the kind's working days, counted from today in Beijing."""
    days = rules.sla_days(kind)
    if days is None:
        return None
    last = add_working_days(china_today(), days)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)


def add_history(instance_id: int | None, ref: RecordRef, task_name: str, actor: User | None, action: str,
                decision: str | None = None, opinion: str | None = None) -> None:
    db.session.add(History(instance_id=instance_id, record_kind=ref.kind, record_id=ref.id, task_name=task_name,
                           actor_id=actor.id if actor else None, action=action, decision=decision,
                           opinion=opinion))


def progress(instance: ProcessInstance | None, key: str) -> dict:
    """The diagram with its finished and current elements; a record not yet submitted shows the latest."""
    if instance is None:
        definition, completed, active = latest_definition(key), [], []
    else:
        definition = db.session.get(ProcessDefinition, instance.definition_id)
        prog = engine.progress(engine.load(diagram_for(definition.id), instance.state))
        completed, active = prog.completed, prog.active
    return {"bpmn_xml": definition.bpmn_xml, "completed": completed, "active": active,
            "process_key": definition.key, "process_version": definition.version}


def with_role_names(bpmn_xml: str) -> str:
    """The diagram as people read it: lanes carry role keys (reviewer …); show their Chinese names."""
    names = {key: name for key, name in db.session.execute(select(Role.key, Role.name))}
    root = parse_xml(bpmn_xml)
    for lane in root.iter(f"{{{NS['bpmn']}}}lane"):
        lane.set("name", names.get(lane.get("name", ""), lane.get("name", "")))
    return etree.tostring(root, encoding="unicode")


def open_applicant_task(instance_id: int) -> HumanTask:
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.status == TaskStatus.OPEN,
                                                    HumanTask.role == RoleKey.APPLICANT).with_for_update())
    if task is None:
        raise Conflict("该记录当前不在退回修改状态")
    return task


def advance_timers(instance: ProcessInstance, ref: RecordRef) -> BpmnWorkflow:
    """Let due timers fire and run on; the instance must be locked by the caller."""
    diagram = diagram_for(instance.definition_id)
    open_rows = _open_rows(instance.id)
    wf = engine.load(diagram, instance.state)
    engine.fire_due_timers(wf)
    _save(instance, wf, diagram)
    _sync_tasks(instance, wf, ref, open_rows)
    add_history(instance.id, ref, "定时器", None, "timer")
    return wf


def deliver_message(instance: ProcessInstance, ref: RecordRef, name: str, payload: Any, actor: User | None,
                    label: str, opinion: str | None = None) -> BpmnWorkflow:
    """Hand message ``name`` to the waiting instance and run on; the instance must be locked by the caller.
    A message the instance does not wait for is a conflict (a second click, an answer already in)."""
    diagram = diagram_for(instance.definition_id)
    open_rows = _open_rows(instance.id)
    wf = engine.load(diagram, instance.state)
    try:
        engine.send_message(wf, name, payload)
    except MessageNotExpected:
        raise Conflict("该流程当前不在等待此操作，请刷新后重试") from None
    _save(instance, wf, diagram)
    _sync_tasks(instance, wf, ref, open_rows)
    add_history(instance.id, ref, label, actor, name, opinion=opinion)
    return wf


def migrate_instance(instance: ProcessInstance, target: ProcessDefinition, actor: User | None,
                     apply: bool) -> MigrationPlan:
    """Preview (``apply`` false) or carry out moving a locked instance onto ``target``; refused unless safe.

    Open task rows follow the instance: a task still waiting keeps its row (and claim) with the new
    version's name, role and form; tasks that went away are cancelled, new ones opened."""
    source = db.session.get(ProcessDefinition, instance.definition_id)
    wf = engine.load(diagram_for(source.id), instance.state)
    new = diagram_for(target.id)
    plan = engine.migrate(wf, new)
    if not (apply and plan.safe):
        return plan
    instance.definition_id = target.id
    _save(instance, wf, new)
    open_rows = _open_rows(instance.id)
    ready = {t.guid: t for t in engine.ready_tasks(wf)}
    for row in open_rows:
        if (task := ready.get(row.task_guid)) is not None:
            role = task.lane or RoleKey.REVIEWER
            if role != row.role:  # whoever claimed it may not hold the new role
                row.role, row.assignee_id, row.claimed_at = role, None, None
            row.bpmn_id, row.name, row.form_key = task.bpmn_id, task.name, task.form_key
    ref = RecordRef(instance.record_kind, instance.record_id, instance.region_code, instance.started_by_id)
    _sync_tasks(instance, wf, ref, open_rows)
    add_history(instance.id, ref, f"流程迁移：版本 {source.version} → {target.version}", actor, "migrate")
    return plan


def outcome_of(instance: ProcessInstance, wf: BpmnWorkflow) -> str | None:
    """The declared outcome of the end event a finished instance reached (None while it runs)."""
    return engine.outcome(wf, diagram_for(instance.definition_id))
