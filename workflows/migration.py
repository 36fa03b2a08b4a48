"""Moving a running instance onto a newer version of its diagram, only where that is safe.

SpiffWorkflow's diff aligns the old version's task specs with the new one's (by BPMN id first).
A migration is refused when a step the instance already completed was changed or removed — its
recorded history would no longer match the diagram, and the state may never load again — and when
a step the instance stands on no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .parser import ParsedDiagram

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class MigrationPlan:
    """What moving one instance would do; ``problems`` is empty exactly when it is safe."""

    problems: list[str] = field(default_factory=list)
    #: element ids the instance stands on now, and would stand on after the move
    active_before: list[str] = field(default_factory=list)
    active_after: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.problems


def _bpmn_id(task: object) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)  # type: ignore[attr-defined]


def _active_ids(wf: BpmnWorkflow) -> list[str]:
    return list(dict.fromkeys(i for t in wf.get_tasks(state=_ACTIVE) if (i := _bpmn_id(t))))


def plan_and_migrate(wf: BpmnWorkflow, new: ParsedDiagram, registry: object) -> MigrationPlan:
    """Check ``wf`` against ``new`` and, when safe, move it there (in place; the caller saves or discards).

    ``registry`` is the serializer's registry, which the diff uses to compare task specs.
    """
    top, sub_diffs = diff_workflow(registry, wf, new.spec, new.subprocess_specs)
    problems: list[str] = []
    for task in top.changed:
        if task.state == TaskState.COMPLETED and _bpmn_id(task):
            problems.append(f"已完成的环节 {_bpmn_id(task)} 在新版本中被修改")
    for task in top.removed:
        if not _bpmn_id(task):
            continue
        if task.state == TaskState.COMPLETED:
            problems.append(f"已完成的环节 {_bpmn_id(task)} 在新版本中被删除")
        elif task.state & _ACTIVE:
            problems.append(f"实例当前所在的环节 {_bpmn_id(task)} 在新版本中不存在")
    if any(diff is None for diff in sub_diffs.values()):
        problems.append("实例正在执行的子流程在新版本中不存在")
    before = _active_ids(wf)
    if problems:
        return MigrationPlan(list(dict.fromkeys(problems)), before, before)
    migrate_workflow(top, wf, new.spec)
    for sp_id, sub in wf.subprocesses.items():
        migrate_workflow(sub_diffs[sp_id], sub, new.subprocess_specs[sub.spec.name])
    wf.subprocess_specs = new.subprocess_specs
    wf.do_engine_steps()
    return MigrationPlan([], before, _active_ids(wf))
