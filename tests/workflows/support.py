"""Shared test material for the engine layer: diagrams, lint context, diagram editing, save/reload checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from forms import FORMS
from workflows.lint import LintContext
from workflows.parser import NS, ParsedDiagram
from workflows.runner import Engine

HERE = Path(__file__).parent
DIAGRAMS = HERE / "diagrams"
ORGANIZATION_BPMN = HERE.parents[1] / "bpmn_models" / "organization.bpmn"
ORGANIZATION_XML = ORGANIZATION_BPMN.read_text("utf-8")

ROLES = frozenset({"applicant", "reviewer", "chief", "supervisor"})
CTX = LintContext(roles=ROLES, form_keys=frozenset(FORMS), services=frozenset({"registry_lookup"}))

BPMN = f"{{{NS['bpmn']}}}"
SPIFF = f"{{{NS['spiffworkflow']}}}"


def diagram(name: str) -> str:
    return (DIAGRAMS / name).read_text("utf-8")


def replaced(old: str, new: str, xml: str = ORGANIZATION_XML) -> str:
    """``xml`` with the single occurrence of ``old`` replaced: a variant that silently does not apply fails."""
    assert xml.count(old) == 1, f"expected exactly one {old!r} in the diagram"
    return xml.replace(old, new)


def edited(edit: Callable[[etree._Element], None], xml: str = ORGANIZATION_XML) -> bytes:
    """``xml`` after ``edit`` changed its (trusted, test-owned) element tree."""
    root = etree.fromstring(xml.encode("utf-8"))  # our own test diagram, not untrusted input
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def by_id(root: etree._Element, element_id: str) -> etree._Element:
    found = root.xpath("//*[@id=$id]", id=element_id)
    assert len(found) == 1, element_id
    return found[0]


def remove(el: etree._Element) -> None:
    el.getparent().remove(el)


# --- running ------------------------------------------------------------------------------------


def snapshot(engine: Engine, wf: BpmnWorkflow) -> dict[str, Any]:
    """Everything a caller can observe about an instance: ready tasks with their data, progress, outcome."""
    ready = engine.ready_tasks(wf)
    return {
        "ready": ready,
        "ready_data": [dict(wf.get_task_from_id(UUID(t.guid)).data) for t in ready],
        "progress": engine.progress(wf),
        "timers": engine.timer_due_times(wf),
        "completed": wf.is_completed(),
        "data": dict(wf.data),
        "last_data": dict(wf.last_task.data) if wf.last_task else None,
    }


def reload(engine: Engine, parsed: ParsedDiagram, wf: BpmnWorkflow) -> BpmnWorkflow:
    """Save and load, as the service does between every two requests; nothing may change on the way."""
    before = snapshot(engine, wf)
    state = engine.dump(wf)
    assert "spec" not in json.loads(state)
    loaded = engine.load(parsed, state)
    assert snapshot(engine, loaded) == before
    assert engine.dump(loaded) == state  # the reloaded instance saves to the very same document
    return loaded


def step(engine: Engine, parsed: ParsedDiagram, wf: BpmnWorkflow, bpmn_id: str,
         data: Mapping[str, Any]) -> BpmnWorkflow:
    """Complete the one ready task ``bpmn_id`` with ``data``, then save and reload."""
    matching = [t for t in engine.ready_tasks(wf) if t.bpmn_id == bpmn_id]
    assert len(matching) == 1, (bpmn_id, engine.ready_tasks(wf))
    engine.complete(wf, matching[0].guid, data)
    return reload(engine, parsed, wf)


def ready_ids(engine: Engine, wf: BpmnWorkflow) -> list[str]:
    return [t.bpmn_id for t in engine.ready_tasks(wf)]


def task_data(wf: BpmnWorkflow, guid: str) -> dict[str, Any]:
    return dict(wf.get_task_from_id(UUID(guid)).data)
