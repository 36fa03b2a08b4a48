"""Deploy-time lint: every rule refuses a diagram that breaks it and names the offending element."""

from __future__ import annotations

import time

import pytest
from lxml import etree

import workflows.parser as parser_module
from workflows.errors import DiagramRejected, LintIssue
from workflows.lint import LintContext, validate_diagram
from workflows.parser import ParsedDiagram

from .support import (
    BPMN,
    CTX,
    ORGANIZATION_XML,
    SPIFF,
    by_id,
    diagram,
    edited,
    remove,
    replaced,
)


def rejected(xml: str | bytes, ctx: LintContext = CTX, key: str | None = "organization") -> list[LintIssue]:
    with pytest.raises(DiagramRejected) as exc:
        validate_diagram(xml, ctx, key=key)
    assert exc.value.issues, "a rejection must name at least one issue"
    assert str(exc.value) == "; ".join(str(i) for i in exc.value.issues)
    return exc.value.issues


def messages_for(issues: list[LintIssue], element_id: str) -> list[str]:
    found = [i.message for i in issues if i.element_id == element_id]
    assert found, f"{element_id} not reported; issues: {issues}"
    return found


def assert_reported(issues: list[LintIssue], element_id: str, *fragments: str) -> None:
    found = messages_for(issues, element_id)
    for fragment in fragments:
        assert any(fragment in m for m in found), (fragment, found)


# --- what passes ---------------------------------------------------------------------------------


def test_shipped_diagram_passes():
    parsed = validate_diagram(ORGANIZATION_XML, CTX, key="organization")
    assert isinstance(parsed, ParsedDiagram)
    assert parsed.process_id == "organization"
    assert parsed.outcomes == {"End_approved": "approved", "End_terminated": "terminated"}
    assert parsed.spec.name == "organization"


def test_shipped_diagram_passes_without_key_and_as_bytes():
    assert validate_diagram(ORGANIZATION_XML.encode("utf-8"), CTX).process_id == "organization"


def test_second_review_level_variant_passes():
    parsed = validate_diagram(diagram("organization_two_level.bpmn"), CTX, key="organization")
    assert set(parsed.outcomes) == {"End_approved", "End_terminated"}
    lanes = {spec.bpmn_id: spec.lane for spec in parsed.spec.task_specs.values()
             if getattr(spec, "bpmn_id", None) in ("Task_review", "Task_chief_review")}
    assert lanes == {"Task_review": "reviewer", "Task_chief_review": "chief"}


def test_second_review_level_needs_the_chief_role():
    ctx = LintContext(roles=frozenset({"applicant", "reviewer"}), form_keys=CTX.form_keys)
    assert_reported(rejected(diagram("organization_two_level.bpmn"), ctx), "Lane_chief", "chief")


def test_timer_and_service_diagrams_pass():
    assert validate_diagram(diagram("timer.bpmn"), CTX, key="timer").process_id == "timer"
    assert validate_diagram(diagram("service.bpmn"), CTX, key="service").process_id == "service"


# --- XML -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("xml", [
    ORGANIZATION_XML[: len(ORGANIZATION_XML) // 2],
    "not xml at all",
    "",
    b"\xff\xfe\x00garbage",
], ids=["truncated", "text", "empty", "binary"])
def test_xml_that_does_not_parse(xml):
    assert_reported(rejected(xml), "definitions", "XML")


def test_root_must_be_bpmn_definitions():
    xml = '<definitions xmlns="urn:not-bpmn" id="d"><process id="organization"/></definitions>'
    assert_reported(rejected(xml), "definitions", "definitions")


def test_exactly_one_executable_process():
    second = ('<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="S2"/></bpmn:process>\n'
              '  <bpmndi:BPMNDiagram ')
    assert_reported(rejected(replaced("<bpmndi:BPMNDiagram ", second)), "definitions", "可执行流程")


XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="organization" name="&xxe;" isExecutable="true"><bpmn:documentation>&xxe;</bpmn:documentation>
  </bpmn:process>
</bpmn:definitions>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="organization" name="&lol9;" isExecutable="true"/>
</bpmn:definitions>"""


@pytest.mark.parametrize("xml", [
    XXE,
    BILLION_LAUGHS,
    XXE.replace("<!DOCTYPE", "<!doctype"),
    # an entity declaration hidden in an otherwise valid diagram
    replaced("<bpmn:definitions ", '<!DOCTYPE x [<!ENTITY e "e">]>\n<bpmn:definitions '),
], ids=["xxe-file", "billion-laughs", "lowercase-doctype", "entity-in-shipped-diagram"])
def test_doctype_and_entities_are_refused_before_parsing(xml, monkeypatch):
    def must_not_parse(*_args, **_kwargs):
        raise AssertionError("a diagram with a DOCTYPE reached the XML parser")

    monkeypatch.setattr(parser_module.etree, "fromstring", must_not_parse)
    for data in (xml, xml.encode("utf-8")):
        issues = rejected(data)
        assert issues == [LintIssue("definitions", "流程图不允许包含 DOCTYPE 或实体声明")]


@pytest.mark.parametrize("xml", [XXE, BILLION_LAUGHS], ids=["xxe-file", "billion-laughs"])
def test_utf16_doctype_slips_past_the_byte_check_but_nothing_is_expanded(xml):
    """In UTF-16 the ``<!DOCTYPE`` bytes are interleaved with zeros; the hardened parser still holds."""
    data = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert b"<!DOCTYPE" not in data.upper()
    started = time.monotonic()
    issues = rejected(data)
    assert time.monotonic() - started < 2
    assert [i.element_id for i in issues] == ["definitions"]
    text = str(issues)
    assert "root:" not in text and "lollollol" not in text


# --- expressions ---------------------------------------------------------------------------------

APPROVE_CONDITION = '<bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>'


@pytest.mark.parametrize("condition", [
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "decision ==",
    "decision = &quot;approve&quot;",
    "x.__class__",
    "[c for c in range(3)]",
    " ",
], ids=["import-os", "subclasses-walk", "syntax-error", "assignment", "dunder", "comprehension", "blank"])
def test_unsafe_or_broken_condition_names_the_flow(condition):
    xml = replaced(APPROVE_CONDITION, f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>")
    issues = rejected(xml)
    assert_reported(issues, "Flow_approve", "表达式不安全或有误")
    assert {i.element_id for i in issues} == {"Flow_approve"}


def test_every_bad_condition_is_reported_at_once():
    xml = replaced(APPROVE_CONDITION, "<bpmn:conditionExpression>open('/etc/passwd')</bpmn:conditionExpression>")
    xml = replaced('decision == "reject"', "decision ==", xml)
    assert {i.element_id for i in rejected(xml)} == {"Flow_approve", "Flow_reject"}


@pytest.mark.parametrize("expression", [
    "__import__('os').system('id')",
    "PT1S)",
    "().__class__.__base__.__subclasses__()",
], ids=["import-os", "syntax-error", "subclasses-walk"])
def test_unsafe_timer_expression_names_the_timer_event(expression):
    xml = replaced('<bpmn:timeDuration>"PT1S"</bpmn:timeDuration>',
                   f"<bpmn:timeDuration>{expression}</bpmn:timeDuration>", diagram("timer.bpmn"))
    issues = rejected(xml, key="timer")
    assert_reported(issues, "Timer_expired", "表达式不安全或有误")
    assert {i.element_id for i in issues} == {"Timer_expired"}


@pytest.mark.parametrize("tag", ["timeDate", "timeCycle"])
def test_other_timer_kinds_are_checked_too(tag):
    xml = replaced('<bpmn:timeDuration>"PT1S"</bpmn:timeDuration>',
                   f"<bpmn:{tag}>__import__('os').system('id')</bpmn:{tag}>", diagram("timer.bpmn"))
    assert_reported(rejected(xml, key="timer"), "Timer_expired", "表达式不安全或有误")


def test_unsafe_service_parameter_names_the_service_task():
    xml = replaced('value="amount + 1"', "value=\"__import__('os').system('id')\"", diagram("service.bpmn"))
    issues = rejected(xml, key="service")
    assert_reported(issues, "Service_lookup", "服务参数 limit")
    assert {i.element_id for i in issues} == {"Service_lookup"}


# --- tasks ---------------------------------------------------------------------------------------


def test_service_task_naming_an_unregistered_service():
    ctx = LintContext(roles=CTX.roles, form_keys=CTX.form_keys, services=frozenset({"something_else"}))
    issues = rejected(diagram("service.bpmn"), ctx, key="service")
    assert_reported(issues, "Service_lookup", "未注册的服务 registry_lookup")
    assert {i.element_id for i in issues} == {"Service_lookup"}


def _to_script_task(root: etree._Element) -> None:
    task = by_id(root, "Task_resubmit")
    task.tag = f"{BPMN}scriptTask"
    etree.SubElement(task, f"{BPMN}script").text = "decision = 'approve'"


def test_script_task_is_refused():
    assert_reported(rejected(edited(_to_script_task)), "Task_resubmit", "脚本任务")


def test_script_task_with_harmless_expression_is_refused_too():
    def edit(root: etree._Element) -> None:
        _to_script_task(root)
        by_id(root, "Task_resubmit").find(f"{BPMN}script").text = "1"

    assert_reported(rejected(edited(edit)), "Task_resubmit", "脚本任务")


@pytest.mark.parametrize("tag", ["preScript", "postScript"])
def test_pre_and_post_scripts_are_refused(tag):
    def edit(root: etree._Element) -> None:
        extensions = by_id(root, "Task_review").find(f"{BPMN}extensionElements")
        etree.SubElement(extensions, f"{SPIFF}{tag}").text = "decision = 'approve'"

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_review", tag)
    assert {i.element_id for i in issues} == {"Task_review"}


def test_plain_task_is_refused():
    def edit(root: etree._Element) -> None:
        by_id(root, "Task_resubmit").tag = f"{BPMN}task"

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_resubmit", "普通任务")
    assert {i.element_id for i in issues} == {"Task_resubmit"}


def test_user_task_without_form_key():
    def edit(root: etree._Element) -> None:
        remove(by_id(root, "Task_review").find(f"{BPMN}extensionElements"))

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_review", "缺少表单")
    assert {i.element_id for i in issues} == {"Task_review"}


def test_user_task_with_unknown_form_key():
    issues = rejected(replaced('value="resubmit"', 'value="no_such_form"'))
    assert_reported(issues, "Task_resubmit", "no_such_form")
    assert {i.element_id for i in issues} == {"Task_resubmit"}


def test_form_keys_come_from_the_context():
    ctx = LintContext(roles=CTX.roles, form_keys=frozenset({"review"}))
    assert_reported(rejected(ORGANIZATION_XML, ctx), "Task_resubmit", "resubmit")


# --- lanes ---------------------------------------------------------------------------------------


def test_lane_name_must_be_a_known_role():
    issues = rejected(replaced('name="applicant"', 'name="hacker"'))
    assert_reported(issues, "Lane_applicant", "hacker")
    assert {i.element_id for i in issues} == {"Lane_applicant"}


def test_user_task_outside_any_lane():
    issues = rejected(replaced("<bpmn:flowNodeRef>Task_resubmit</bpmn:flowNodeRef>", ""))
    assert_reported(issues, "Task_resubmit", "泳道")
    assert {i.element_id for i in issues} == {"Task_resubmit"}


# --- paths ---------------------------------------------------------------------------------------


def test_node_with_no_path_to_an_end_event():
    def edit(root: etree._Element) -> None:
        process = by_id(root, "organization")
        etree.SubElement(process, f"{BPMN}exclusiveGateway", id="Gateway_dead_end")
        flow = etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_hold",
                                sourceRef="Gateway_decision", targetRef="Gateway_dead_end")
        etree.SubElement(flow, f"{BPMN}conditionExpression").text = 'decision == "hold"'
        lane = by_id(root, "Lane_reviewer")
        etree.SubElement(lane, f"{BPMN}flowNodeRef").text = "Gateway_dead_end"

    issues = rejected(edited(edit))
    assert_reported(issues, "Gateway_dead_end", "无法到达结束事件")
    assert {i.element_id for i in issues} == {"Gateway_dead_end"}


def test_loop_without_exit_cannot_reach_an_end_event():
    def edit(root: etree._Element) -> None:
        process = by_id(root, "organization")
        loop = etree.fromstring(etree.tostring(by_id(root, "Task_resubmit")))
        loop.set("id", "Task_loop")
        process.append(loop)
        etree.SubElement(by_id(root, "Lane_applicant"), f"{BPMN}flowNodeRef").text = "Task_loop"
        by_id(root, "Flow_resubmitted").set("targetRef", "Task_loop")
        etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_loop_back",
                         sourceRef="Task_loop", targetRef="Task_resubmit")

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_resubmit", "无法到达结束事件")
    assert_reported(issues, "Task_loop", "无法到达结束事件")


def test_user_task_with_no_outgoing_flow():
    def edit(root: etree._Element) -> None:
        remove(by_id(root, "Flow_resubmitted"))

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_resubmit", "没有出口")
    assert {i.element_id for i in issues} == {"Task_resubmit"}


def test_service_task_with_no_outgoing_flow():
    xml = replaced('<bpmn:sequenceFlow id="Flow_looked_up" sourceRef="Service_lookup" targetRef="Task_review" />',
                   "", diagram("service.bpmn"))
    assert_reported(rejected(xml, key="service"), "Service_lookup", "没有出口")


def test_missing_end_event():
    def edit(root: etree._Element) -> None:
        for end in ("End_approved", "End_terminated"):
            by_id(root, end).tag = f"{BPMN}intermediateThrowEvent"

    issues = rejected(edited(edit))
    assert_reported(issues, "organization", "缺少结束事件")


def test_missing_start_event():
    def edit(root: etree._Element) -> None:
        remove(by_id(root, "StartEvent_submit"))
        remove(by_id(root, "Flow_start"))

    assert_reported(rejected(edited(edit)), "organization", "缺少开始事件")


def test_node_unreachable_from_the_start():
    def edit(root: etree._Element) -> None:
        process = by_id(root, "organization")
        orphan = etree.fromstring(etree.tostring(by_id(root, "Task_review")))
        orphan.set("id", "Task_orphan")
        process.append(orphan)
        etree.SubElement(by_id(root, "Lane_reviewer"), f"{BPMN}flowNodeRef").text = "Task_orphan"
        etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_orphan",
                         sourceRef="Task_orphan", targetRef="End_approved")

    issues = rejected(edited(edit))
    assert_reported(issues, "Task_orphan", "开始事件到达")
    assert {i.element_id for i in issues} == {"Task_orphan"}


def test_end_event_must_declare_its_outcome():
    issues = rejected(replaced('value="terminated"', 'value="maybe"'))
    assert_reported(issues, "End_terminated", "outcome")
    assert {i.element_id for i in issues} == {"End_terminated"}


# --- process id ----------------------------------------------------------------------------------


def test_process_id_must_match_the_deployed_key():
    issues = rejected(ORGANIZATION_XML, key="machine_filing")
    assert_reported(issues, "organization", "machine_filing")
    assert {i.element_id for i in issues} == {"organization"}


def test_many_problems_are_reported_together_once_each():
    xml = replaced('name="applicant"', 'name="hacker"')
    xml = replaced('value="resubmit"', 'value="no_such_form"', xml)
    xml = replaced(APPROVE_CONDITION, "<bpmn:conditionExpression>x.__class__</bpmn:conditionExpression>", xml)
    issues = rejected(xml, key="other")
    assert {i.element_id for i in issues} == {"organization", "Lane_applicant", "Task_resubmit", "Flow_approve"}
    assert len(issues) == len(set(issues))
    assert all(set(i.as_dict()) == {"element_id", "message"} for i in issues)


def test_unquoted_timer_is_refused_at_lint():
    xml = diagram("timer.bpmn")
    duration = etree.fromstring(xml.encode()).find(f".//{BPMN}timeDuration").text
    unquoted = xml.replace(f">{duration}<", f">{duration.strip(chr(34))}<", 1)
    assert unquoted != xml
    with pytest.raises(DiagramRejected) as exc:
        validate_diagram(unquoted, CTX)
    assert any("加引号" in i.message for i in exc.value.issues)


def test_timer_on_a_data_name_is_a_due_date_not_a_quoting_mistake():
    xml = replaced('<bpmn:timeDuration>"PT1S"</bpmn:timeDuration>', "<bpmn:timeDate>expires_at</bpmn:timeDate>",
                   diagram("timer.bpmn"))
    assert validate_diagram(xml, CTX, key="timer").has_timers


def test_the_certificate_diagram_declares_its_own_outcomes():
    from service.reference import BPMN_DIR

    xml = (BPMN_DIR / "certificate.bpmn").read_text(encoding="utf-8")
    services = frozenset({"ministry_request", "certificate_issue"})
    filing_rules = LintContext(roles=CTX.roles, form_keys=CTX.form_keys, services=services)
    assert {i.element_id for i in rejected(xml, filing_rules, key="certificate")} == {
        "End_completed", "End_revoked", "End_expired"}
    certificate_rules = LintContext(roles=CTX.roles, form_keys=CTX.form_keys, services=services,
                                    outcomes=frozenset({"completed", "revoked", "expired"}))
    assert validate_diagram(xml, certificate_rules, key="certificate").outcomes["End_expired"] == "expired"
    payload = xml.replace('<spiffworkflow:messageVariable>ministry_result</spiffworkflow:messageVariable>',
                          "<spiffworkflow:messagePayload>__import__('os')</spiffworkflow:messagePayload>", 1)
    assert_reported(rejected(payload, certificate_rules, key="certificate"), "Catch_answer", "消息内容表达式不安全")


def test_an_approval_no_review_passes_is_refused():
    """A flow straight from the start to the approved end (or round the review) lets a filing approve itself."""
    start = 'sourceRef="StartEvent_submit" targetRef="{}"'
    issues = rejected(replaced(start.format("Task_review"), start.format("End_approved")))
    assert [i.element_id for i in issues if "不经住建局审批" in i.message] == ["End_approved"]
    assert validate_diagram(ORGANIZATION_XML, CTX, key="organization").process_id == "organization"  # reviewed
