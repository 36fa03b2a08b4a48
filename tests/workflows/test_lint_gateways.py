"""Deploy-time lint of exclusive gateways (overlapping conditions, gaps) and of user tasks with no way out."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from forms import FORMS
from service import create_app
from service.reference import BPMN_DIR
from workflows.errors import DiagramRejected, LintIssue
from workflows.lint import MAX_ASSIGNMENTS, LintContext, form_domains, validate_diagram

from .support import BPMN, CTX, by_id, diagram, edited, remove, replaced

#: The organization diagram's lint context with the real form domains: ``decision`` of the review form
#: is one of approve / return / reject.
GATES = dataclasses.replace(CTX, form_fields=form_domains(FORMS))
APPROVE = 'decision == "approve"'
REJECT = 'decision == "reject"'
RETURN = 'decision == "return"'
GAP_AT_REJECT = LintIssue("Gateway_decision",
                          '条件存在遗漏：当 decision="reject" 时没有任何出口连线的条件成立（可设置默认连线）')


def issues_of(xml: str | bytes, ctx: LintContext = GATES) -> list[LintIssue]:
    with pytest.raises(DiagramRejected) as exc:
        validate_diagram(xml, ctx, key="organization")
    return exc.value.issues


def conditions(approve: str = APPROVE, reject: str = REJECT, return_: str = RETURN) -> str:
    """The organization diagram with its three gateway conditions replaced."""
    xml = replaced(APPROVE, approve)
    xml = replaced(REJECT, reject, xml)
    return replaced(RETURN, return_, xml)


# --- form domains --------------------------------------------------------------------------------


def test_form_domains_from_the_real_forms():
    domains = form_domains(FORMS)
    assert set(domains) == set(FORMS)
    assert domains["review"] == {"decision": ("approve", "return", "reject")}
    assert domains["resubmit"] == {}


def test_form_domains_keep_finite_fields_only_and_let_optional_ones_be_empty():
    form = SimpleNamespace(fields=(
        SimpleNamespace(name="decision", type="choice", required=True, options=(("yes", "是"), ("no", "否"))),
        SimpleNamespace(name="urgent", type="boolean", required=False, options=()),
        SimpleNamespace(name="opinion", type="text", required=True, options=()),
    ))
    assert form_domains({"f": form}) == {"f": {"decision": ("yes", "no"), "urgent": (True, False, None)}}


def test_context_with_form_fields_stays_hashable():
    assert hash(GATES) == hash(CTX)
    assert GATES != CTX
    assert LintContext(roles=CTX.roles, form_keys=CTX.form_keys).form_fields == {}


# --- the shipped diagrams ------------------------------------------------------------------------

SHIPPED = sorted(BPMN_DIR.glob("*.bpmn"))


@pytest.fixture(scope="module")
def plugged(tmp_path_factory):
    """What the app registers: the services the shipped diagrams call and each chain's outcomes."""
    return create_app({"DATA_DIR": str(tmp_path_factory.mktemp("lint"))}).extensions["crane"]


def shipped_context(plugged, key: str) -> LintContext:
    """As ``service.process.operations.lint_context`` builds it, plus the real form domains."""
    extra = {"outcomes": plugged.outcomes[key]} if key in plugged.outcomes else {}
    return LintContext(roles=frozenset({"applicant", "reviewer", "chief", "supervisor", "admin"}),
                       form_keys=frozenset(FORMS), services=frozenset(plugged.services),
                       form_fields=form_domains(FORMS), **extra)


def test_every_shipped_diagram_is_linted():
    assert len(SHIPPED) >= 8
    assert {"certificate", "organization", "dismantling_notice"} <= {p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_diagram_passes_with_real_domains(plugged, path: Path):
    assert validate_diagram(path.read_bytes(), shipped_context(plugged, path.stem), key=path.stem).process_id \
        == path.stem


def test_test_diagrams_with_gateways_pass_with_real_domains():
    assert validate_diagram(diagram("organization_two_level.bpmn"), GATES, key="organization")


# --- overlap -------------------------------------------------------------------------------------


def test_two_flows_with_the_same_condition_overlap():
    issues = issues_of(conditions(reject=APPROVE))
    assert issues == [
        LintIssue("Gateway_decision",
                  '条件重叠：当 decision="approve" 时，连线 Flow_approve 与 Flow_reject 的条件同时成立'),
        GAP_AT_REJECT,
    ]


def test_a_wider_condition_overlaps_a_narrower_one():
    issues = issues_of(conditions(approve='decision in ["approve", "return"]'))
    assert issues == [LintIssue(
        "Gateway_decision", '条件重叠：当 decision="return" 时，连线 Flow_approve 与 Flow_return 的条件同时成立')]


def test_overlap_is_reported_once_naming_every_flow_that_holds():
    always = 'decision != "none"'
    issues = issues_of(conditions(always, always, always))
    assert issues == [LintIssue("Gateway_decision", '条件重叠：当 decision="approve" 时，'
                                                    "连线 Flow_approve、Flow_reject 与 Flow_return 的条件同时成立")]


# --- gap -----------------------------------------------------------------------------------------


def test_a_value_no_condition_covers_is_a_gap():
    assert issues_of(conditions(reject='decision == "rejected"')) == [GAP_AT_REJECT]


def test_a_condition_that_fails_to_evaluate_does_not_cover_its_value():
    assert issues_of(conditions(reject='decision == "reject" and int(decision) > 0')) == [GAP_AT_REJECT]


def test_a_default_flow_covers_the_gap():
    def edit(root: etree._Element) -> None:
        by_id(root, "Gateway_decision").set("default", "Flow_reject")
        remove(by_id(root, "Flow_reject").find(f"{BPMN}conditionExpression"))

    assert validate_diagram(edited(edit), GATES, key="organization").process_id == "organization"


def test_the_domain_is_the_product_of_every_name_in_the_conditions():
    review = {**GATES.form_fields["review"], "urgent": (True, False)}
    ctx = dataclasses.replace(GATES, form_fields={**GATES.form_fields, "review": review})
    issues = issues_of(conditions(approve='decision == "approve" and urgent'), ctx)
    assert issues == [LintIssue("Gateway_decision", '条件存在遗漏：当 decision="approve"、urgent=False 时'
                                                    "没有任何出口连线的条件成立（可设置默认连线）")]


def test_the_domain_is_found_through_nodes_between_the_user_task_and_the_gateway():
    def edit(root: etree._Element) -> None:
        process = by_id(root, "organization")
        etree.SubElement(process, f"{BPMN}exclusiveGateway", id="Gateway_merge")
        by_id(root, "Flow_reviewed").set("targetRef", "Gateway_merge")
        etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_merged",
                         sourceRef="Gateway_merge", targetRef="Gateway_decision")

    assert issues_of(edited(edit, conditions(reject='decision == "rejected"'))) == [GAP_AT_REJECT]


def test_a_gap_in_a_subprocess_names_its_gateway():
    xml = diagram("subprocess_gateway.bpmn")
    with pytest.raises(DiagramRejected) as exc:
        validate_diagram(xml, GATES)
    assert exc.value.issues == [dataclasses.replace(GAP_AT_REJECT, element_id="Gateway_sub")]
    covered = xml.replace('decision == "return"', 'decision != "approve"')
    assert validate_diagram(covered, GATES).process_id == "subprocess_gateway"


# --- missing conditions --------------------------------------------------------------------------


def test_a_non_default_flow_without_condition():
    def edit(root: etree._Element) -> None:
        remove(by_id(root, "Flow_return").find(f"{BPMN}conditionExpression"))

    issues = issues_of(edited(edit))
    assert LintIssue("Flow_return", "排他网关的出口连线缺少条件（或设为默认连线）") in issues
    assert {i.element_id for i in issues} == {"Flow_return", "Gateway_decision"}  # and "return" is a gap


def test_a_gateway_without_any_condition_or_default():
    def edit(root: etree._Element) -> None:
        for flow in ("Flow_approve", "Flow_reject", "Flow_return"):
            remove(by_id(root, flow).find(f"{BPMN}conditionExpression"))

    issues = issues_of(edited(edit))
    assert {i.element_id for i in issues if "缺少条件" in i.message} == {"Flow_approve", "Flow_reject", "Flow_return"}
    assert LintIssue("Gateway_decision", "条件存在遗漏：没有任何出口连线设置条件，也没有默认连线") in issues


# --- names without a known domain ----------------------------------------------------------------


def test_unknown_domain_identical_conditions_overlap():
    issues = issues_of(conditions('grade == "A"', ' grade  ==   "A" ', 'grade == "B"'))
    assert issues == [LintIssue("Gateway_decision",
                                '条件重叠：连线 Flow_approve 与 Flow_reject 的条件相同（grade == "A"）')]


def test_unknown_domain_leaves_gaps_undecided():
    xml = conditions('grade == "A"', 'grade == "B"', 'grade == "C"')
    assert validate_diagram(xml, GATES, key="organization").process_id == "organization"


def test_without_form_fields_only_identical_conditions_are_caught():
    assert validate_diagram(conditions(reject='decision == "rejected"'), CTX, key="organization")
    assert [i.message for i in issues_of(conditions(reject=APPROVE), CTX)] == [
        '条件重叠：连线 Flow_approve 与 Flow_reject 的条件相同（decision == "approve"）']


def test_too_many_assignments_fall_back_to_identical_conditions():
    huge = {"review": {"decision": ("approve", "return", "reject", *map(str, range(MAX_ASSIGNMENTS)))}}
    ctx = dataclasses.replace(GATES, form_fields=huge)
    assert validate_diagram(conditions(reject='decision == "rejected"'), ctx, key="organization")


# --- user tasks with no way out ------------------------------------------------------------------


def test_user_task_looping_without_a_way_out():
    def edit(root: etree._Element) -> None:
        process = by_id(root, "organization")
        etree.SubElement(process, f"{BPMN}exclusiveGateway", id="Gateway_again")
        by_id(root, "Flow_resubmitted").set("targetRef", "Gateway_again")
        etree.SubElement(process, f"{BPMN}sequenceFlow", id="Flow_again",
                         sourceRef="Gateway_again", targetRef="Task_resubmit")

    issues = issues_of(edited(edit))
    assert issues == [
        LintIssue("Task_resubmit", "用户任务没有出路：从此任务出发无法到达结束事件"),
        LintIssue("Gateway_again", "从此处无法到达结束事件"),
    ]
