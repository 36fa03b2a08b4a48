"""Starting and moving instances: one step function, instance row locked, tasks synced.

The caller commits. Every way an instance moves — a task completed (a review, a resubmission), due
timers, a message — is one call of :func:`step`: lock the instance row (``FOR UPDATE`` on
PostgreSQL, and a state-version check everywhere) → load → run → save → close/open human-task rows →
history. A step answers with a neutral :class:`StepResult`; what it means for a record (a filing's
status, a certificate's state) is for the caller to decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Select, func, select

from workflows.errors import MessageNotExpected, WorkflowError
from workflows.lint import LintContext, form_domains, validate_diagram
from workflows.migration import MigrationPlan
from workflows.parser import NS, ParsedDiagram, parse_xml
from workflows.registry import diagram_sha256

from ..accounts.models import Role, RoleKey, User
from ..errors import Conflict, NotFound
from ..extensions import db
from ..registry import registry
from ..rules import operations as rules
from ..types import CHINA, china_today, utcnow
from .engine import engine, spec_cache
from .forms import form_keys, task_form
from .models import History, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus, Timer

#: event emitted with each new review task row (not yet flushed), in the step's transaction
TASK_OPENED = "task.opened"


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
    plugged = registry()
    extra = {"outcomes": plugged.outcomes[key]} if key in plugged.outcomes else {}
    keys = form_keys()
    domains = form_domains({k: form for k in keys if (form := task_form(k)) is not None})
    return LintContext(roles=roles, form_keys=keys, services=frozenset(plugged.services), form_fields=domains,
                       **extra)


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


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision that moved an instance: the task's name, the decision and the opinion."""

    task_name: str
    decision: str
    opinion: str | None


@dataclass(frozen=True)
class StepResult:
    """Where an instance stands after a step, in the engine's terms."""

    finished: bool
    #: the declared outcome of the end event a finished instance reached (None while it runs)
    outcome: str | None
    #: the lanes (roles) of the user tasks now waiting
    waiting_lanes: frozenset[str]
    #: the decision that made the step; None when nobody decided (a start, a resubmission, a timer, a message).
    #: Carried here so that those told of the step need not read back the history row it queued.
    decision: Decision | None = None


@dataclass(frozen=True)
class CompleteTask:
    """A person completed a human task with validated ``data`` (a review's decision, a resubmission)."""

    task: HumanTask
    data: Mapping[str, Any]


@dataclass(frozen=True)
class FireTimers:
    """Due timers fire and the instance runs on."""


@dataclass(frozen=True)
class SendMessage:
    """Message ``name`` reaches the waiting instance; ``label`` and ``opinion`` go to its history."""

    name: str
    label: str
    payload: Any = None
    opinion: str | None = None


Move = CompleteTask | FireTimers | SendMessage


def _result(wf: BpmnWorkflow, diagram: ParsedDiagram, decision: Decision | None = None) -> StepResult:
    return StepResult(wf.is_completed(), engine().outcome(wf, diagram),
                      frozenset(t.lane or RoleKey.REVIEWER for t in engine().ready_tasks(wf)), decision)


def start_instance(ref: RecordRef, actor: User, data: dict | None = None) -> tuple[ProcessInstance, StepResult]:
    """Start the latest version of ``ref.kind``'s chain; ``data`` is what its routing and services read."""
    definition = latest_definition(ref.kind)
    diagram = parsed(definition)
    wf = engine().start(diagram, data)
    instance = ProcessInstance(definition_id=definition.id, state=engine().dump(wf), record_kind=ref.kind,
                               record_id=ref.id, region_code=ref.region_code, started_by_id=actor.id,
                               status=InstanceStatus.COMPLETED if wf.is_completed() else InstanceStatus.RUNNING)
    db.session.add(instance)
    db.session.flush()
    _record_timers(instance, wf, diagram)
    _sync_tasks(instance, wf, ref)
    add_history(instance.id, ref, "发起审批", actor, "submit")
    return instance, _result(wf, diagram)


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


def step(instance: ProcessInstance, ref: RecordRef, move: Move, actor: User | None) -> StepResult:
    """Move a locked instance on, save it, sync its task rows and write its history — the one way an
    instance moves. Reads come first and writes are only queued, so the step is written by one flush."""
    diagram = diagram_for(instance.definition_id)
    wf = engine().load(diagram, instance.state)
    if isinstance(move, CompleteTask):
        task = move.task
        # Rows exist exactly for the ready tasks, so when this task was the only one no query is needed.
        only_this = [t.guid for t in engine().ready_tasks(wf)] == [task.task_guid]
        open_rows = [] if only_this else [row for row in _open_rows(instance.id) if row.id != task.id]
        engine().complete(wf, task.task_guid, move.data)
        decision = move.data.get("decision")
        task.status, task.completed_at, task.completed_by_id = TaskStatus.COMPLETED, utcnow(), actor.id
        task.assignee_id = task.assignee_id or actor.id
        task.decision = decision
        history = (task.name, decision or "resubmit", decision, move.data.get("opinion"))
    elif isinstance(move, FireTimers):
        open_rows = _open_rows(instance.id)
        engine().fire_due_timers(wf)
        history = ("定时器", "timer", None, None)
    else:
        open_rows = _open_rows(instance.id)
        try:
            engine().send_message(wf, move.name, move.payload)
        except MessageNotExpected:
            raise Conflict("该流程当前不在等待此操作，请刷新后重试") from None
        history = (move.label, move.name, None, move.opinion)
    _save(instance, wf, diagram)
    _sync_tasks(instance, wf, ref, open_rows)
    task_name, action, decision, opinion = history
    add_history(instance.id, ref, task_name, actor, action, decision, opinion)
    return _result(wf, diagram, Decision(task_name, decision, opinion) if decision else None)


def _save(instance: ProcessInstance, wf: BpmnWorkflow, diagram: ParsedDiagram) -> None:
    """Queue the new state. Its UPDATE carries ``WHERE state_version = <loaded>`` (the mapper's version
    column), so a concurrent save makes the flush fail with StaleDataError — answered as 409."""
    instance.state = engine().dump(wf)
    instance.status = InstanceStatus.COMPLETED if wf.is_completed() else InstanceStatus.RUNNING
    instance.updated_at = utcnow()
    _record_timers(instance, wf, diagram)


def _record_timers(instance: ProcessInstance, wf: BpmnWorkflow, diagram: ParsedDiagram) -> None:
    """Copy the instance's timer due times into the indexed timer table the poller reads."""
    if not diagram.has_timers:
        return
    db.session.execute(Timer.__table__.delete().where(Timer.instance_id == instance.id))
    for due in engine().timer_due_times(wf):
        db.session.add(Timer(instance_id=instance.id, due_at=_aware(due)))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _open_rows(instance_id: int) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.status == TaskStatus.OPEN)))


def _sync_tasks(instance: ProcessInstance, wf: BpmnWorkflow, ref: RecordRef,
                open_rows: list[HumanTask] | None = None) -> None:
    """Close rows whose task is no longer ready and open rows for newly ready tasks (queued, not flushed)."""
    ready = {t.guid: t for t in engine().ready_tasks(wf)}
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
        row = HumanTask(
            instance_id=instance.id, task_guid=guid, bpmn_id=task.bpmn_id, name=task.name,
            role=task.lane or RoleKey.REVIEWER, region_code=ref.region_code, form_key=task.form_key,
            record_kind=ref.kind, record_id=ref.id,
            applicant_id=ref.applicant_id if task.lane == RoleKey.APPLICANT else None,
            due_at=None if task.lane == RoleKey.APPLICANT else due)
        db.session.add(row)
        if task.lane != RoleKey.APPLICANT:
            registry().emit(TASK_OPENED, row)


def review_due_at(kind: str) -> dt.datetime | None:
    """办理时限 (企业规则): the end of the last of the kind's working days, counted from today in Beijing."""
    last = rules.review_deadline(kind, china_today())
    return None if last is None else dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)


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
        prog = engine().progress(engine().load(diagram_for(definition.id), instance.state))
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


def with_role_keys(bpmn_xml: bytes) -> bytes:
    """Back from the modeler: lanes named as people read them (审批人员) carry their role keys again. A diagram
    that does not parse, or names no role by its Chinese name, is returned as it came (the lint judges it)."""
    keys = {name: key for key, name in db.session.execute(select(Role.key, Role.name))}
    try:
        root = parse_xml(bpmn_xml)
    except WorkflowError:
        return bpmn_xml
    lanes = [lane for lane in root.iter(f"{{{NS['bpmn']}}}lane") if lane.get("name") in keys]
    if not lanes:
        return bpmn_xml
    for lane in lanes:
        lane.set("name", keys[lane.get("name")])
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def open_applicant_task(instance_id: int) -> HumanTask:
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.status == TaskStatus.OPEN,
                                                    HumanTask.role == RoleKey.APPLICANT).with_for_update())
    if task is None:
        raise Conflict("该记录当前不在退回修改状态")
    return task


def migrate_instance(instance: ProcessInstance, target: ProcessDefinition, actor: User | None,
                     apply: bool) -> MigrationPlan:
    """Preview (``apply`` false) or carry out moving a locked instance onto ``target``; refused unless safe.

    Open task rows follow the instance: a task still waiting keeps its row (and claim) with the new
    version's name, role and form; tasks that went away are cancelled, new ones opened."""
    source = db.session.get(ProcessDefinition, instance.definition_id)
    wf = engine().load(diagram_for(source.id), instance.state)
    new = diagram_for(target.id)
    plan = engine().migrate(wf, new)
    if not (apply and plan.safe):
        return plan
    instance.definition_id = target.id
    _save(instance, wf, new)
    open_rows = _open_rows(instance.id)
    ready = {t.guid: t for t in engine().ready_tasks(wf)}
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
