"""Running instances: start, list ready user tasks, complete one, save and load.

State is saved without the spec (the spec lives once per diagram version in the cache), which
makes a saved instance small and cheap to load. We stamp our own format version so that a state
written by an unknown serializer is refused rather than loaded wrongly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from .errors import MessageNotExpected, StateVersionError, TaskNotReady
from .expressions import RestrictedScriptEngine
from .migration import MigrationPlan, plan_and_migrate
from .parser import ParsedDiagram

STATE_FORMAT = "crane-1"


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the spec out of the saved state and takes the cached one back in on load."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = super().to_dict(workflow)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        return dct

    def from_dict(self, dct: dict) -> BpmnWorkflow:
        parsed: ParsedDiagram = dct.pop("parsed")
        dct["spec"], dct["subprocess_specs"] = {}, {}
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)  # copy the table, never mutate SpiffWorkflow's own
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


@dataclass(frozen=True)
class ReadyTask:
    """What the service layer needs to open a human task row."""

    guid: str
    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None


@dataclass(frozen=True)
class Progress:
    completed: list[str]
    active: list[str]


def _definitions(task: Any) -> list[Any]:
    """The event definitions a waiting task listens for: an event-based gateway listens for several."""
    definition = task.task_spec.event_definition
    return list(definition.event_definitions) if isinstance(definition, MultipleEventDefinition) else [definition]


class Engine:
    """Stateless helper around SpiffWorkflow; one per process is enough."""

    def __init__(self, services: Mapping[str, Callable[..., str]] | None = None):
        self.script_engine = RestrictedScriptEngine(services)
        self.serializer = _serializer()

    def start(self, parsed: ParsedDiagram, data: Mapping[str, Any] | None = None) -> BpmnWorkflow:
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=self.script_engine)
        if data:
            wf.task_tree.data.update(data)
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(data)
        wf.do_engine_steps()
        return wf

    def dump(self, wf: BpmnWorkflow) -> str:
        dct = self.serializer.to_dict(wf)
        dct["format"] = STATE_FORMAT
        return json.dumps(dct, cls=self.serializer._encoder_cls, separators=(",", ":"))

    def load(self, parsed: ParsedDiagram, state: str) -> BpmnWorkflow:
        dct = json.loads(state, cls=self.serializer.json_decoder_cls)
        if dct.pop("format", None) != STATE_FORMAT:
            raise StateVersionError("流程实例的保存格式未知，拒绝加载")
        dct["parsed"] = parsed
        wf = self.serializer.from_dict(dct)
        wf.script_engine = self.script_engine  # never saved with the state
        return wf

    def migrate(self, wf: BpmnWorkflow, new: ParsedDiagram) -> MigrationPlan:
        """Move ``wf`` onto ``new`` when safe (in place); the plan says what happened or why not."""
        return plan_and_migrate(wf, new, self.serializer.registry)

    @staticmethod
    def ready_tasks(wf: BpmnWorkflow) -> list[ReadyTask]:
        tasks = []
        for task in wf.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            props = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
            tasks.append(ReadyTask(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                   spec.lane, props.get("formKey")))
        return tasks

    def complete(self, wf: BpmnWorkflow, task_guid: str, data: Mapping[str, Any]) -> None:
        """Replace the task's data with validated values (never spiff's form merge) and run on."""
        try:
            task = wf.get_task_from_id(UUID(task_guid))
        except (ValueError, TypeError, TaskNotFoundException):  # not a guid, or not in this instance
            raise TaskNotReady(task_guid) from None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_guid)
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()

    @staticmethod
    def waiting_messages(wf: BpmnWorkflow) -> set[str]:
        return {d.name for task in wf.event_manager.tasks.values() for d in _definitions(task)
                if isinstance(d, MessageEventDefinition)}

    def send_message(self, wf: BpmnWorkflow, name: str, payload: Any) -> None:
        """Deliver message ``name`` (the catch event stores ``payload`` in its message variable) and run on.

        The event definition must be the spiff parser's own class: another class never matches."""
        if name not in self.waiting_messages(wf):
            raise MessageNotExpected(name)
        wf.send_event(BpmnEvent(MessageEventDefinition(name), payload))
        wf.do_engine_steps()

    def fire_due_timers(self, wf: BpmnWorkflow) -> None:
        wf.refresh_timers()
        wf.do_engine_steps()

    @staticmethod
    def timer_due_times(wf: BpmnWorkflow) -> list[dt.datetime]:
        """Due times of the timers the instance waits for, to be copied into an indexed column."""
        due = []
        for task in wf.event_manager.tasks.values():
            for definition in _definitions(task):
                if not isinstance(definition, TimerEventDefinition):
                    continue
                # A timer behind an event-based gateway gets its due time only when first checked.
                if task._get_internal_data("event_value") is None:
                    definition.has_fired(task)
                value = task._get_internal_data("event_value")
                if isinstance(value, str):
                    due.append(TimerEventDefinition.get_datetime(value))
        return due

    @staticmethod
    def outcome(wf: BpmnWorkflow, parsed: ParsedDiagram) -> str | None:
        """The declared outcome of the end event a completed instance reached (None while running)."""
        if not wf.is_completed():
            return None
        for task in wf.get_tasks(state=TaskState.COMPLETED):
            outcome = parsed.outcomes.get(getattr(task.task_spec, "bpmn_id", None) or "")
            if outcome:
                return outcome
        return None

    @staticmethod
    def progress(wf: BpmnWorkflow) -> Progress:
        completed, active = [], []
        for task in wf.get_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state == TaskState.COMPLETED:
                completed.append(bpmn_id)
            elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                active.append(bpmn_id)
        return Progress(list(dict.fromkeys(completed)), list(dict.fromkeys(active)))
