"""Edits an administrator would make to a shipped chain, done on our own (trusted) test XML."""

from __future__ import annotations

from lxml import etree

from service.config import ROOT
from workflows.parser import NS

BPMN = f"{{{NS['bpmn']}}}"
SPIFF = f"{{{NS['spiffworkflow']}}}"


def shipped(key: str) -> str:
    return (ROOT / "bpmn_models" / f"{key}.bpmn").read_text("utf-8")


def _by_id(root: etree._Element, element_id: str) -> etree._Element:
    (found,) = root.xpath("//*[@id=$id]", id=element_id)
    return found


def _user_task(process: etree._Element, task_id: str, name: str, form_key: str) -> etree._Element:
    task = etree.SubElement(process, f"{BPMN}userTask", id=task_id, name=name)
    props = etree.SubElement(etree.SubElement(task, f"{BPMN}extensionElements"), f"{SPIFF}properties")
    etree.SubElement(props, f"{SPIFF}property", name="formKey", value=form_key)
    return task


def _flow(process: etree._Element, flow_id: str, source: str, target: str, condition: str | None = None) -> None:
    flow = etree.SubElement(process, f"{BPMN}sequenceFlow", id=flow_id, sourceRef=source, targetRef=target)
    if condition:
        etree.SubElement(flow, f"{BPMN}conditionExpression").text = condition


def with_added_level(xml: str, role: str, form_key: str, first_form: str | None = None) -> bytes:
    """The chain with a further review level after 审批: its approval goes to ``Task_level2`` (lane ``role``,
    form ``form_key``), whose approval ends the chain; return and reject work as on the first level.
    ``first_form`` replaces the first level's form (the number is then asked at the last level)."""
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find("bpmn:process", NS)
    if first_form:
        _by_id(root, "Task_review").find(".//spiffworkflow:property", NS).set("value", first_form)
    _by_id(root, "Flow_approve").set("targetRef", "Task_level2")
    lane = etree.SubElement(process.find("bpmn:laneSet", NS), f"{BPMN}lane", id="Lane_level2", name=role)
    for ref in ("Task_level2", "Gateway_level2"):
        etree.SubElement(lane, f"{BPMN}flowNodeRef").text = ref
    _user_task(process, "Task_level2", "复审", form_key)
    etree.SubElement(process, f"{BPMN}exclusiveGateway", id="Gateway_level2")
    _flow(process, "Flow_level2", "Task_level2", "Gateway_level2")
    _flow(process, "Flow_level2_approve", "Gateway_level2", "End_approved", 'decision == "approve"')
    _flow(process, "Flow_level2_reject", "Gateway_level2", "End_terminated", 'decision == "reject"')
    _flow(process, "Flow_level2_return", "Gateway_level2", "Task_resubmit", 'decision == "return"')
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def with_condition(xml: str, flow_id: str, condition: str) -> bytes:
    root = etree.fromstring(xml.encode("utf-8"))
    _by_id(root, flow_id).find("bpmn:conditionExpression", NS).text = condition
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
