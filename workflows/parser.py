"""Parsing diagrams: hardened XML first, then SpiffWorkflow's spiff-flavoured parser."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .errors import DiagramRejected, LintIssue

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAX_DIAGRAM_BYTES = 2 * 1024 * 1024


def _hardened_parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, no huge trees: XXE and billion-laughs die here.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse_xml(xml: bytes | str) -> etree._Element:
    """Parse untrusted BPMN XML, refusing any DOCTYPE outright."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_DIAGRAM_BYTES:
        raise DiagramRejected([LintIssue("definitions", "流程图文件过大（最多 2 MB）")])
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise DiagramRejected([LintIssue("definitions", "流程图不允许包含 DOCTYPE 或实体声明")])
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise DiagramRejected([LintIssue("definitions", f"XML 无法解析：第 {exc.lineno} 行 {exc.msg}")]) from None
    if root.getroottree().docinfo.doctype:
        raise DiagramRejected([LintIssue("definitions", "流程图不允许包含 DOCTYPE 或实体声明")])
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise DiagramRejected([LintIssue("definitions", "根元素必须是 BPMN 2.0 的 definitions")])
    return root


@dataclass
class ParsedDiagram:
    """One diagram version, parsed once: the executable spec plus the raw tree for lint/progress."""

    process_id: str
    spec: BpmnProcessSpec
    subprocess_specs: dict = field(default_factory=dict)
    root: etree._Element | None = None
    #: end event id → the filing's outcome there ("approved" | "terminated"), declared in the diagram
    outcomes: dict[str, str] = field(default_factory=dict)
    #: whether any timer exists, so instances of timer-free diagrams skip the timer bookkeeping
    has_timers: bool = False


OUTCOMES = ("approved", "terminated")


def property_of(el: etree._Element, name: str) -> str | None:
    """A spiffworkflow extension property of an element (formKey on user tasks, outcome on end events)."""
    prop = el.find(f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{name}']", NS)
    return prop.get("value") if prop is not None else None


def end_event_outcomes(root: etree._Element, process_id: str) -> dict[str, str]:
    process = root.find(f"bpmn:process[@id='{process_id}']", NS)
    if process is None:
        return {}
    return {el.get("id"): property_of(el, "outcome") for el in process.findall("bpmn:endEvent", NS)}


def executable_process_id(root: etree._Element) -> str:
    processes = root.findall("bpmn:process", NS)
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"] or processes
    if len(executable) != 1:
        raise DiagramRejected([LintIssue("definitions", "流程图必须且只能包含一个可执行流程")])
    return executable[0].get("id", "")


def build_spec(root: etree._Element, filename: str = "diagram.bpmn") -> ParsedDiagram:
    """Hand an already-parsed, hardened tree to SpiffWorkflow and build the spec."""
    process_id = executable_process_id(root)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=filename)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        element = getattr(exc, "id", None) or process_id
        raise DiagramRejected([LintIssue(element, f"流程图不符合 BPMN 规范：{exc}")]) from None
    except Exception as exc:  # SpiffWorkflow raises many types for malformed diagrams
        raise DiagramRejected([LintIssue(process_id, f"流程图无法解析：{exc}")]) from None
    has_timers = next(root.iter(f"{{{BPMN_NS}}}timerEventDefinition"), None) is not None
    return ParsedDiagram(process_id, spec, subprocess_specs, root, end_event_outcomes(root, process_id), has_timers)
