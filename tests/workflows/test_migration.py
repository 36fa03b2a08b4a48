"""Moving a running instance to a newer diagram version: only where no completed step changed or went away."""

from __future__ import annotations

from workflows.lint import validate_diagram
from workflows.parser import ParsedDiagram
from workflows.runner import Engine

from .support import CTX, ORGANIZATION_XML, by_id, edited, ready_ids, reload, remove, replaced, step

APPROVE = {"decision": "approve", "opinion": "同意"}


def _v2(xml: bytes | str) -> ParsedDiagram:
    return validate_diagram(xml, CTX, key="organization")


def _renamed_review() -> ParsedDiagram:
    """Version 2: only the waiting step's name changed."""
    return _v2(replaced('<bpmn:userTask id="Task_review" name="审批">', '<bpmn:userTask id="Task_review" name="初审">'))


def test_an_instance_waiting_at_a_changed_step_moves_and_runs_on(engine: Engine, organization: ParsedDiagram):
    wf = engine.start(organization)
    new = _renamed_review()
    plan = engine.migrate(wf, new)
    assert plan.safe and plan.active_before == ["Task_review"] == plan.active_after
    assert [t.name for t in engine.ready_tasks(wf)] == ["初审"]
    wf = reload(engine, new, wf)  # it saves and loads against the new version
    wf = step(engine, new, wf, "Task_review", APPROVE)
    assert wf.is_completed() and engine.outcome(wf, new) == "approved"


def test_a_completed_step_that_changed_refuses_the_move(engine: Engine, organization: ParsedDiagram):
    wf = engine.start(organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return", "opinion": "补充"})
    state = engine.dump(wf)
    plan = engine.migrate(wf, _renamed_review())
    assert not plan.safe and any("Task_review" in p and "修改" in p for p in plan.problems)
    assert engine.dump(wf) == state  # a refused move leaves the instance as it was
    assert ready_ids(engine, wf) == ["Task_resubmit"]


def test_a_removed_current_step_refuses_the_move(engine: Engine, organization: ParsedDiagram):
    def drop_resubmit(root):
        remove(by_id(root, "Task_resubmit"))
        remove(by_id(root, "Flow_resubmitted"))
        by_id(root, "Flow_return").set("targetRef", "End_terminated")
        for ref in root.xpath("//*[local-name()='flowNodeRef' or local-name()='incoming'][text()='Task_resubmit' "
                              "or text()='Flow_resubmitted']"):
            remove(ref)
        for shape in root.xpath("//*[@bpmnElement='Task_resubmit' or @bpmnElement='Flow_resubmitted']"):
            remove(shape)

    wf = engine.start(organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return", "opinion": "补充"})
    plan = engine.migrate(wf, _v2(edited(drop_resubmit, ORGANIZATION_XML)))
    assert not plan.safe
    assert "实例当前所在的环节 Task_resubmit 在新版本中不存在" in plan.problems
