"""Running instances. As in SpiffWorkflow's own tests, every step is saved and loaded again, and the
reloaded instance must look exactly like the one that was saved (see ``support.reload``)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from freezegun import freeze_time
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.errors import StateVersionError, TaskNotReady, UnsafeExpression
from workflows.lint import validate_diagram
from workflows.parser import build_spec, parse_xml
from workflows.runner import STATE_FORMAT, Engine, Progress, ReadyTask

from .support import CTX, diagram, ready_ids, reload, replaced, step, task_data


@pytest.fixture(scope="module")
def two_level():
    return validate_diagram(diagram("organization_two_level.bpmn"), CTX, key="organization")


@pytest.fixture(scope="module")
def timer_diagram():
    return validate_diagram(diagram("timer.bpmn"), CTX, key="timer")


@pytest.fixture(scope="module")
def service_diagram():
    return validate_diagram(diagram("service.bpmn"), CTX, key="service")


def start(engine, parsed, data=None):
    return reload(engine, parsed, engine.start(parsed, data))


# --- the shipped chain ---------------------------------------------------------------------------


def test_start_waits_for_the_reviewer(engine, organization):
    wf = start(engine, organization, {"record_id": 7})
    [task] = engine.ready_tasks(wf)
    assert task == ReadyTask(task.guid, "Task_review", "审批", "reviewer", "review")
    uuid.UUID(task.guid)
    assert task_data(wf, task.guid) == {"record_id": 7}
    assert not wf.is_completed() and engine.outcome(wf, organization) is None


def test_approve_path(engine, organization):
    wf = start(engine, organization, {"record_id": 7})
    wf = step(engine, organization, wf, "Task_review", {"decision": "approve", "opinion": "同意"})
    assert wf.is_completed()
    assert engine.ready_tasks(wf) == []
    assert engine.outcome(wf, organization) == "approved"
    assert engine.progress(wf) == Progress(
        ["StartEvent_submit", "Task_review", "Gateway_decision", "End_approved"], [])
    assert wf.last_task.data == {"record_id": 7, "decision": "approve", "opinion": "同意"}


def test_return_resubmit_approve_path(engine, organization):
    wf = start(engine, organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return", "opinion": "营业执照不清晰"})
    [task] = engine.ready_tasks(wf)
    assert (task.bpmn_id, task.lane, task.form_key) == ("Task_resubmit", "applicant", "resubmit")
    assert engine.outcome(wf, organization) is None
    wf = step(engine, organization, wf, "Task_resubmit", {"opinion": "已重新上传"})
    [task] = engine.ready_tasks(wf)
    assert (task.bpmn_id, task.lane, task.form_key) == ("Task_review", "reviewer", "review")
    wf = step(engine, organization, wf, "Task_review", {"decision": "approve", "opinion": "同意"})
    assert wf.is_completed() and engine.outcome(wf, organization) == "approved"


def test_reject_path(engine, organization):
    wf = start(engine, organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "reject", "opinion": "不符合条件"})
    assert wf.is_completed() and engine.ready_tasks(wf) == []
    assert engine.outcome(wf, organization) == "terminated"
    assert engine.progress(wf) == Progress(
        ["StartEvent_submit", "Task_review", "Gateway_decision", "End_terminated"], [])


def test_second_review_level(engine, two_level):
    wf = start(engine, two_level)
    wf = step(engine, two_level, wf, "Task_review", {"decision": "approve", "opinion": "初审同意"})
    [task] = engine.ready_tasks(wf)
    assert (task.bpmn_id, task.lane, task.form_key) == ("Task_chief_review", "chief", "review")
    wf = step(engine, two_level, wf, "Task_chief_review", {"decision": "return", "opinion": "补充材料"})
    assert ready_ids(engine, wf) == ["Task_resubmit"]
    wf = step(engine, two_level, wf, "Task_resubmit", {"opinion": "已补充"})
    wf = step(engine, two_level, wf, "Task_review", {"decision": "approve", "opinion": "同意"})
    wf = step(engine, two_level, wf, "Task_chief_review", {"decision": "approve", "opinion": "同意"})
    assert engine.outcome(wf, two_level) == "approved"


# --- progress ------------------------------------------------------------------------------------


def test_progress_lists_completed_and_active_elements(engine, organization):
    wf = start(engine, organization)
    assert engine.progress(wf) == Progress(["StartEvent_submit"], ["Task_review"])
    wf = step(engine, organization, wf, "Task_review", {"decision": "return"})
    assert engine.progress(wf) == Progress(["StartEvent_submit", "Task_review", "Gateway_decision"],
                                           ["Task_resubmit"])
    wf = step(engine, organization, wf, "Task_resubmit", {})
    progress = engine.progress(wf)
    assert progress.completed == ["StartEvent_submit", "Task_review", "Gateway_decision", "Task_resubmit"]
    assert progress.active == ["Task_review"]  # the second round; the first one stays completed
    assert "End_approved" not in progress.completed and "End_terminated" not in progress.completed


# --- saved state ---------------------------------------------------------------------------------


def test_saved_state_leaves_the_spec_out(engine, organization):
    wf = engine.start(organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return"})
    state = engine.dump(wf)
    dct = json.loads(state)
    assert dct["format"] == STATE_FORMAT
    assert "spec" not in dct and "subprocess_specs" not in dct
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(wf)
    assert "spec" in json.loads(full)
    assert len(state) < 0.6 * len(full), (len(state), len(full))
    again = engine.load(organization, state)
    assert ready_ids(engine, again) == ["Task_resubmit"]
    assert engine.dump(again) == state


def test_loaded_instance_gets_the_restricted_script_engine(organization):
    first, second = Engine(), Engine()
    wf = second.load(organization, first.dump(first.start(organization)))
    assert wf.script_engine is second.script_engine


@pytest.mark.parametrize("marker", ["crane-0", "crane-2", None, 1, ""], ids=repr)
def test_unknown_or_missing_format_marker_is_refused(engine, organization, marker):
    dct = json.loads(engine.dump(engine.start(organization)))
    if marker is None:
        del dct["format"]
    else:
        dct["format"] = marker
    with pytest.raises(StateVersionError):
        engine.load(organization, json.dumps(dct))


def test_plain_spiffworkflow_serialization_is_refused(engine, organization):
    wf = engine.start(organization)
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(wf)
    with pytest.raises(StateVersionError):
        engine.load(organization, full)


# --- completing ----------------------------------------------------------------------------------


def test_completing_a_task_that_is_not_ready(engine, organization):
    wf = start(engine, organization)
    [task] = engine.ready_tasks(wf)
    engine.complete(wf, task.guid, {"decision": "return"})
    before = engine.dump(wf)
    start_event = next(t for t in wf.get_tasks() if getattr(t.task_spec, "bpmn_id", None) == "StartEvent_submit")
    for guid in (task.guid, str(uuid.uuid4()), "not-a-guid", "", str(start_event.id)):
        with pytest.raises(TaskNotReady):
            engine.complete(wf, guid, {"decision": "approve"})
    assert engine.dump(wf) == before  # a refused completion changes nothing
    assert ready_ids(engine, wf) == ["Task_resubmit"]


def test_a_guid_from_another_instance_is_not_ready(engine, organization):
    other = engine.start(organization)
    wf = engine.start(organization)
    with pytest.raises(TaskNotReady):
        engine.complete(wf, engine.ready_tasks(other)[0].guid, {"decision": "approve"})


def test_gateway_routes_by_the_latest_decision(engine, organization):
    wf = start(engine, organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return", "attachments": ["a", "b", "c"]})
    wf = step(engine, organization, wf, "Task_resubmit", {"attachments": ["b"]})
    [review] = engine.ready_tasks(wf)
    # values are replaced, never deep-merged the way spiff's add_data_from_form merges lists
    assert task_data(wf, review.guid)["attachments"] == ["b"]
    wf = step(engine, organization, wf, "Task_review", {"decision": "return"})
    wf = step(engine, organization, wf, "Task_resubmit", {})
    wf = step(engine, organization, wf, "Task_review", {"decision": "reject"})
    assert engine.outcome(wf, organization) == "terminated"
    assert wf.last_task.data["decision"] == "reject"


def test_the_returned_decision_does_not_stick(engine, organization):
    wf = start(engine, organization)
    wf = step(engine, organization, wf, "Task_review", {"decision": "return"})
    wf = step(engine, organization, wf, "Task_resubmit", {})
    wf = step(engine, organization, wf, "Task_review", {"decision": "approve"})
    assert engine.outcome(wf, organization) == "approved"


def test_condition_that_skipped_lint_is_refused_at_run_time(engine, tmp_path):
    """Even a diagram that never went through the lint cannot run code through a condition."""
    target = tmp_path / "pwned"
    xml = replaced('decision == "approve"', f"__import__('os').system('touch {target}')")
    parsed = build_spec(parse_xml(xml))
    wf = engine.start(parsed)
    with pytest.raises(WorkflowTaskException) as exc:  # spiff wraps the refusal, naming the task
        engine.complete(wf, engine.ready_tasks(wf)[0].guid, {"decision": "approve"})
    assert exc.value.error_type == "UnsafeExpression"
    assert isinstance(exc.value.__context__, UnsafeExpression)
    assert not target.exists()


# --- timers --------------------------------------------------------------------------------------


def test_boundary_timer_fires_after_its_due_time(engine, timer_diagram):
    before = dt.datetime.now(dt.UTC)
    wf = start(engine, timer_diagram)
    [due] = engine.timer_due_times(wf)
    assert due.tzinfo is not None
    assert before + dt.timedelta(seconds=0.9) <= due <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.1)
    assert engine.progress(wf).active == ["Task_review", "Timer_expired"]

    engine.fire_due_timers(wf)  # not due yet: nothing moves
    wf = reload(engine, timer_diagram, wf)
    assert ready_ids(engine, wf) == ["Task_review"] and engine.timer_due_times(wf) == [due]

    with freeze_time(due - dt.timedelta(milliseconds=100)):  # just before: still nothing
        engine.fire_due_timers(wf)
    wf = reload(engine, timer_diagram, wf)
    assert ready_ids(engine, wf) == ["Task_review"] and engine.timer_due_times(wf) == [due]

    with freeze_time(due + dt.timedelta(milliseconds=200)):  # the clock moves past the due time, no sleep
        engine.fire_due_timers(wf)
    wf = reload(engine, timer_diagram, wf)
    assert wf.is_completed() and engine.ready_tasks(wf) == []
    assert engine.outcome(wf, timer_diagram) == "terminated"
    assert engine.timer_due_times(wf) == []
    progress = engine.progress(wf)
    assert progress.completed == ["StartEvent_submit", "Timer_expired", "End_expired"]
    assert progress.active == []


def test_completing_before_the_timer_cancels_it(engine, timer_diagram):
    wf = start(engine, timer_diagram)
    assert len(engine.timer_due_times(wf)) == 1
    wf = step(engine, timer_diagram, wf, "Task_review", {"decision": "approve"})
    assert engine.timer_due_times(wf) == []
    assert engine.outcome(wf, timer_diagram) == "approved"


# --- service tasks -------------------------------------------------------------------------------


def test_service_task_calls_the_registered_service(service_diagram):
    calls = []

    def lookup(context, **params):
        calls.append((dict(context), params))
        return json.dumps({"found": True, "code": params["code"], "limit": params["limit"]})

    engine = Engine(services={"registry_lookup": lookup})
    wf = start(engine, service_diagram, {"code": "新A-0001", "amount": 2})
    assert calls == [({"code": "新A-0001", "amount": 2}, {"code": "新A-0001", "limit": 3})]
    [task] = engine.ready_tasks(wf)
    assert task.bpmn_id == "Task_review"
    assert task_data(wf, task.guid)["lookup"] == {"found": True, "code": "新A-0001", "limit": 3}
    wf = step(engine, service_diagram, wf, "Task_review", {"decision": "approve"})
    assert engine.outcome(wf, service_diagram) == "approved"
    assert len(calls) == 1  # saving and loading never calls the service again


def test_services_registered_after_the_engine_was_built_are_called(service_diagram):
    services = {}
    engine = Engine(services)  # the service layer builds its engine before chains register services
    services["registry_lookup"] = lambda context, **params: json.dumps({"ok": True})
    wf = engine.start(service_diagram, {"code": "X", "amount": 1})
    assert task_data(wf, engine.ready_tasks(wf)[0].guid)["lookup"] == {"ok": True}


def test_unregistered_service_raises(service_diagram):
    engine = Engine(services={"other": lambda context, **params: "{}"})
    with pytest.raises(WorkflowTaskException, match="registry_lookup") as exc:
        engine.start(service_diagram, {"code": "X", "amount": 1})
    assert exc.value.error_type == "UnsafeExpression"  # not spiff's own NameError about ``script``
    assert isinstance(exc.value.__cause__, UnsafeExpression)
    assert exc.value.task.task_spec.bpmn_id == "Service_lookup"


def test_failing_service_keeps_its_real_cause(service_diagram):
    def broken(context, **params):
        raise ConnectionError("registry down")

    engine = Engine(services={"registry_lookup": broken})
    with pytest.raises(WorkflowTaskException, match="registry down") as exc:
        engine.start(service_diagram, {"code": "X", "amount": 1})
    assert exc.value.error_type == "ConnectionError"
    assert isinstance(exc.value.__cause__, ConnectionError)


def test_service_parameters_are_evaluated_restricted(tmp_path):
    target = tmp_path / "pwned"
    xml = replaced('value="amount + 1"', f"value=\"open('{target}', 'w')\"", diagram("service.bpmn"))
    parsed = build_spec(parse_xml(xml))  # skipping the lint on purpose
    engine = Engine(services={"registry_lookup": lambda context, **params: "{}"})
    with pytest.raises(WorkflowTaskException) as exc:
        engine.start(parsed, {"code": "X", "amount": 1, "open": open})
    assert exc.value.error_type == "UnsafeExpression"
    assert exc.value.task.task_spec.bpmn_id == "Service_lookup"
    assert not target.exists()

