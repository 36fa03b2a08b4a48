"""Deploy-time checks. A diagram that fails any of them is refused with the offending element ids.

The engine would otherwise discover most of these problems only at run time, in front of a user
(a syntax error in a condition, a plain task that stops the engine, a lane nobody holds).
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .errors import DiagramRejected, LintIssue, UnsafeExpression
from .expressions import SAFE_FUNCTIONS, check_expression, compile_expression
from .parser import NS, OUTCOMES, ParsedDiagram, build_spec, executable_process_id, parse_xml, property_of

_CONTAINERS = ("process", "subProcess", "transaction")
_FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "businessRuleTask", "task",
    "scriptTask", "callActivity", "subProcess", "transaction",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
}
_TIMER_TAGS = ("timeDuration", "timeDate", "timeCycle")
_EXPRESSION_TAGS = ("conditionExpression", "loopCardinality", "completionCondition", *_TIMER_TAGS)
#: A bare ``P30D`` parses as a name but was meant as a duration string; ``valid_until`` is task data.
_ISO_8601 = re.compile(r"^PT?\d")
#: Above this many assignments a gateway's conditions are not enumerated (deploy must stay fast).
MAX_ASSIGNMENTS = 4096


@dataclass(frozen=True)
class LintContext:
    """What the platform knows about: the names a diagram may refer to."""

    roles: frozenset[str]
    form_keys: frozenset[str]
    services: frozenset[str] = frozenset()
    #: what end events may declare: a filing ends approved or terminated, a certificate completed …
    outcomes: frozenset[str] = frozenset(OUTCOMES)
    #: form key → {field name → every value it can take}, for finite-domain fields only (see
    #: ``form_domains``); lets the lint decide whether a gateway's conditions overlap or leave a gap.
    #: Left out of the hash: a mapping is not hashable, and equal contexts still hash equal.
    form_fields: Mapping[str, Mapping[str, tuple]] = field(default_factory=dict, hash=False)


def form_domains(forms: Mapping[str, Any]) -> dict[str, dict[str, tuple]]:
    """``LintContext.form_fields`` from form definitions: objects with ``.fields`` whose items have
    ``.name``, ``.type`` and ``.options`` (pairs of value and label)."""
    domains: dict[str, dict[str, tuple]] = {}
    for key, form in forms.items():
        finite = {f.name: _field_domain(f) for f in form.fields}
        domains[key] = {name: values for name, values in finite.items() if values is not None}
    return domains


def _field_domain(f: Any) -> tuple | None:
    if f.type == "boolean":
        values: tuple = (True, False)
    elif f.type == "choice":
        values = tuple(value for value, _label in f.options)
    else:
        return None
    # An optional field may be left empty, and a gateway must route that case too.
    return values if getattr(f, "required", True) else (*values, None)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


_ID_OWNERS = _FLOW_NODES | {"sequenceFlow", "lane", "process"}


def _element_id(el: etree._Element) -> str:
    """The id of the diagram element ``el`` belongs to: its flow node, sequence flow, lane or process.

    Inner elements carry ids of their own that name nothing a modeller can select (a
    ``timerEventDefinition``'s id, the service name on ``serviceTaskOperator``, a parameter name).
    """
    while el is not None:
        if etree.QName(el).namespace == NS["bpmn"] and _local(el) in _ID_OWNERS and el.get("id"):
            return el.get("id")
        el = el.getparent()
    return "definitions"


def form_key_of(el: etree._Element) -> str | None:
    return property_of(el, "formKey")


def _check_outcomes(process: etree._Element, outcomes: frozenset[str]) -> Iterable[LintIssue]:
    """Each end event of the chain says how the record ends there, so status never depends on guesswork."""
    for el in process.findall("bpmn:endEvent", NS):
        if property_of(el, "outcome") not in outcomes:
            yield LintIssue(el.get("id", "?"),
                            f"结束事件必须声明结果：属性 outcome 为 {' 或 '.join(sorted(outcomes))} 之一")


def _check_expressions(root: etree._Element) -> Iterable[LintIssue]:
    for tag in _EXPRESSION_TAGS:
        for el in root.iter(f"{{{NS['bpmn']}}}{tag}"):
            try:
                check_expression(el.text)
            except UnsafeExpression as exc:
                yield LintIssue(_element_id(el), f"表达式不安全或有误（{el.text!r}）：{exc}")
                continue
            body = ast.parse(el.text.strip(), mode="eval").body
            if tag in _TIMER_TAGS and isinstance(body, ast.Name) and _ISO_8601.match(body.id):
                yield LintIssue(_element_id(el), f"定时器表达式须加引号，例如 \"{el.text.strip()}\"")
    for el in root.iter(f"{{{NS['spiffworkflow']}}}messagePayload"):
        try:
            check_expression(el.text)
        except UnsafeExpression as exc:
            yield LintIssue(_element_id(el), f"消息内容表达式不安全或有误：{exc}")
    for el in root.iter(f"{{{NS['spiffworkflow']}}}parameter"):
        try:
            check_expression(el.get("value"))
        except UnsafeExpression as exc:
            yield LintIssue(_element_id(el), f"服务参数 {el.get('id')} 不安全或有误：{exc}")


def _check_tasks(root: etree._Element, ctx: LintContext) -> Iterable[LintIssue]:
    for tag in ("preScript", "postScript"):
        for el in root.iter(f"{{{NS['spiffworkflow']}}}{tag}"):
            yield LintIssue(_element_id(el), "不允许在任务上附加脚本（preScript/postScript）")
    for el in root.iter(f"{{{NS['bpmn']}}}scriptTask"):
        yield LintIssue(el.get("id", "?"), "不允许脚本任务：流程图中的代码不会被执行")
    for el in root.iter(f"{{{NS['bpmn']}}}task"):
        yield LintIssue(el.get("id", "?"), "普通任务会使流程停住：请改为用户任务或服务任务")
    for el in root.iter(f"{{{NS['bpmn']}}}userTask"):
        key = form_key_of(el)
        if not key:
            yield LintIssue(el.get("id", "?"), "用户任务缺少表单（formKey 属性）")
        elif key not in ctx.form_keys:
            yield LintIssue(el.get("id", "?"), f"用户任务的表单 {key} 不存在")
    for el in root.iter(f"{{{NS['spiffworkflow']}}}serviceTaskOperator"):
        if el.get("id") not in ctx.services:
            yield LintIssue(_element_id(el), f"服务任务调用了未注册的服务 {el.get('id')}")


def _check_lanes(process: etree._Element, ctx: LintContext) -> Iterable[LintIssue]:
    in_lane: set[str] = set()
    for lane in process.iter(f"{{{NS['bpmn']}}}lane"):
        name = (lane.get("name") or "").strip()
        if name not in ctx.roles:
            yield LintIssue(lane.get("id", "?"), f"泳道名称 {name!r} 不是已知角色（{'、'.join(sorted(ctx.roles))}）")
        in_lane.update(ref.text.strip() for ref in lane.findall("bpmn:flowNodeRef", NS) if ref.text)
    for el in process.iter(f"{{{NS['bpmn']}}}userTask"):
        if el.get("id") not in in_lane:
            yield LintIssue(el.get("id", "?"), "用户任务必须位于某个角色泳道中")


def _check_paths(container: etree._Element) -> Iterable[LintIssue]:
    """Every node must be reachable from a start event and must reach an end event."""
    nodes = {el.get("id"): el for el in container if _local(el) in _FLOW_NODES and el.get("id")}
    succ: dict[str, set[str]] = defaultdict(set)
    for flow in container.findall("bpmn:sequenceFlow", NS):
        succ[flow.get("sourceRef")].add(flow.get("targetRef"))
    for node_id, el in nodes.items():
        if _local(el) == "boundaryEvent":
            succ[el.get("attachedToRef")].add(node_id)
    starts = [i for i, el in nodes.items() if _local(el) == "startEvent"]
    ends = {i for i, el in nodes.items() if _local(el) == "endEvent"}
    cid = container.get("id", "?")
    if not starts:
        yield LintIssue(cid, "缺少开始事件")
    if not ends:
        yield LintIssue(cid, "缺少结束事件")
        return
    pred: dict[str, set[str]] = defaultdict(set)
    for src, targets in succ.items():
        for t in targets:
            pred[t].add(src)
    reaches_end = _closure(ends, pred)
    reachable = _closure(set(starts) | {i for i, el in nodes.items() if _local(el) == "boundaryEvent"}, succ)
    for node_id, el in nodes.items():
        if _local(el) in ("userTask", "serviceTask") and not succ.get(node_id):
            yield LintIssue(node_id, "任务没有出口连线")
        elif node_id not in reaches_end and _local(el) == "userTask":
            # Its flows only go round a loop: whoever holds the task can never finish the process.
            yield LintIssue(node_id, "用户任务没有出路：从此任务出发无法到达结束事件")
        elif node_id not in reaches_end:
            yield LintIssue(node_id, "从此处无法到达结束事件")
        elif node_id not in reachable and _local(el) != "boundaryEvent":
            yield LintIssue(node_id, "此元素无法从开始事件到达")


#: the filer's lane: its tasks are the applicant's, never a review
FILER_LANE = "applicant"


def _check_approval_is_reviewed(process: etree._Element) -> Iterable[LintIssue]:
    """No path from a start event reaches an ``approved`` end without passing a staff (non-filer) task: a
    diagram cannot let a filing approve itself."""
    lane_of = {ref.text.strip(): (lane.get("name") or "").strip()
               for lane in process.iter(f"{{{NS['bpmn']}}}lane")
               for ref in lane.findall("bpmn:flowNodeRef", NS) if ref.text}
    nodes = {el.get("id"): el for el in process if _local(el) in _FLOW_NODES and el.get("id")}
    def reviewed(el: etree._Element) -> bool:  # a staff task, or a subprocess holding one
        tasks = [el] if _local(el) == "userTask" else el.iter(f"{{{NS['bpmn']}}}userTask")
        return any(lane_of.get(t.get("id")) != FILER_LANE for t in tasks)

    reviews = {i for i, el in nodes.items() if _local(el) in ("userTask", "subProcess", "transaction")
               and reviewed(el)}
    succ: dict[str, set[str]] = defaultdict(set)
    for flow in process.findall("bpmn:sequenceFlow", NS):
        if flow.get("sourceRef") not in reviews:  # a review task is where an unreviewed path stops
            succ[flow.get("sourceRef")].add(flow.get("targetRef"))
    for node_id, el in nodes.items():
        if _local(el) == "boundaryEvent" and el.get("attachedToRef") not in reviews:
            succ[el.get("attachedToRef")].add(node_id)
    unreviewed = _closure({i for i, el in nodes.items() if _local(el) == "startEvent"}, succ)
    for node_id, el in nodes.items():
        if _local(el) == "endEvent" and property_of(el, "outcome") == "approved" and node_id in unreviewed:
            yield LintIssue(node_id, "流程可以不经住建局审批到达“通过”：每条通往此结束事件的路径都必须经过审批任务")


def _closure(seed: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(seed), list(seed)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_gateways(container: etree._Element, form_fields: Mapping[str, Mapping[str, tuple]]) -> Iterable[LintIssue]:
    """The engine takes the first true condition in vertical order and fails when none holds:
    the conditions of an exclusive gateway must not overlap and, without a default flow, leave no gap."""
    flows = container.findall("bpmn:sequenceFlow", NS)
    pred: dict[str, list[str]] = defaultdict(list)
    for flow in flows:
        pred[flow.get("targetRef")].append(flow.get("sourceRef"))
    user_tasks = {el.get("id"): el for el in container.findall("bpmn:userTask", NS)}
    for gateway in container.findall("bpmn:exclusiveGateway", NS):
        outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        known = _domains_before(gateway.get("id"), pred, user_tasks, form_fields)
        yield from _check_gateway(gateway, outgoing, known)


def _check_gateway(gateway: etree._Element, outgoing: list[etree._Element],
                   known: Mapping[str, tuple]) -> Iterable[LintIssue]:
    gid, default = gateway.get("id", "?"), gateway.get("default")
    has_default = default in {f.get("id") for f in outgoing}
    conditions: dict[str, str] = {}
    for flow in outgoing:
        if flow.get("id") == default:
            continue  # the engine ignores a condition on the default flow
        expression = flow.find("bpmn:conditionExpression", NS)
        if expression is not None:
            conditions[flow.get("id", "?")] = expression.text or ""
        elif len(outgoing) > 1:  # a single plain outgoing flow is the engine's implicit default
            yield LintIssue(flow.get("id", "?"), "排他网关的出口连线缺少条件（或设为默认连线）")
    if not conditions:
        if len(outgoing) > 1 and not has_default:
            yield LintIssue(gid, "条件存在遗漏：没有任何出口连线设置条件，也没有默认连线")
        return
    try:
        compiled = {flow_id: compile_expression(text) for flow_id, text in conditions.items()}
    except UnsafeExpression:
        return  # already reported on the flow by _check_expressions; nothing sound to enumerate
    names = sorted(set().union(*(_names_in(text) for text in conditions.values())))
    if all(n in known for n in names) and math.prod(len(known[n]) for n in names) <= MAX_ASSIGNMENTS:
        yield from _enumerate(gid, compiled, {n: known[n] for n in names}, has_default)
    else:
        yield from _identical_conditions(gid, conditions)


def _names_in(text: str) -> set[str]:
    """The task-data names a (checked) condition reads; whitelisted function names are not data."""
    tree = ast.parse(text.strip(), mode="eval")
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in SAFE_FUNCTIONS}


def _domains_before(gateway_id: str | None, pred: Mapping[str, list[str]], user_tasks: Mapping[str, etree._Element],
                    form_fields: Mapping[str, Mapping[str, tuple]]) -> dict[str, tuple]:
    """Field domains of the forms of the user tasks that can come right before the gateway.

    The walk goes back through anything but user tasks: a user task is where routing data is set.
    Several tasks naming one field give the union of their domains.
    """
    seen: set[str] = set()
    todo = list(pred.get(gateway_id, ()))
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            if node_id not in user_tasks:
                todo.extend(pred.get(node_id, ()))
    domains: dict[str, tuple] = {}
    for task_id, task in user_tasks.items():  # document order: deterministic unions
        if task_id in seen:
            for name, values in form_fields.get(form_key_of(task) or "", {}).items():
                domains[name] = tuple(dict.fromkeys((*domains.get(name, ()), *values)))
    return domains


def _enumerate(gid: str, compiled: Mapping[str, Callable[[Mapping[str, Any]], Any]],
               domains: Mapping[str, tuple], has_default: bool) -> Iterable[LintIssue]:
    """Evaluate every condition for every assignment; report the first overlap and the first gap."""
    overlap = gap = False
    for values in itertools.product(*domains.values()):
        assignment = dict(zip(domains, values, strict=True))
        true_flows = [flow_id for flow_id, condition in compiled.items() if _holds(condition, assignment)]
        if len(true_flows) > 1 and not overlap:
            overlap = True
            yield LintIssue(gid, f"条件重叠：{_when(assignment)}，连线 {_and(true_flows)} 的条件同时成立")
        if not true_flows and not has_default and not gap:
            gap = True
            yield LintIssue(gid, f"条件存在遗漏：{_when(assignment)}没有任何出口连线的条件成立（可设置默认连线）")
        if overlap and (gap or has_default):
            return


def _holds(condition: Callable[[Mapping[str, Any]], Any], assignment: Mapping[str, Any]) -> bool:
    try:
        return bool(condition(assignment))
    except Exception:  # not a way out: the engine fails there instead of routing
        return False


def _identical_conditions(gid: str, conditions: Mapping[str, str]) -> Iterable[LintIssue]:
    """Without known domains only the obvious overlap is decidable: the same condition twice."""
    by_text: dict[str, list[str]] = defaultdict(list)
    for flow_id, text in conditions.items():
        by_text[" ".join(text.split())].append(flow_id)
    for text, flow_ids in by_text.items():
        if len(flow_ids) > 1:
            yield LintIssue(gid, f"条件重叠：连线 {_and(flow_ids)} 的条件相同（{text}）")
            return


def _when(assignment: Mapping[str, Any]) -> str:
    if not assignment:
        return "在任何情况下"
    shown = "、".join(f'{name}="{value}"' if isinstance(value, str) else f"{name}={value}"
                     for name, value in assignment.items())
    return f"当 {shown} 时"


def _and(ids: list[str]) -> str:
    return f"{'、'.join(ids[:-1])} 与 {ids[-1]}"


def lint_tree(root: etree._Element, ctx: LintContext, key: str | None = None) -> list[LintIssue]:
    issues: list[LintIssue] = []
    try:
        process_id = executable_process_id(root)
    except DiagramRejected as exc:
        return exc.issues
    if key is not None and process_id != key:
        issues.append(LintIssue(process_id, f"流程 id 必须为 {key}"))
    issues += _check_expressions(root)
    issues += _check_tasks(root, ctx)
    for process in root.findall("bpmn:process", NS):
        issues += _check_lanes(process, ctx)
        issues += _check_outcomes(process, ctx.outcomes)
        issues += _check_approval_is_reviewed(process)
        for container in [process, *process.iter(f"{{{NS['bpmn']}}}subProcess")]:
            issues += _check_paths(container)
            issues += _check_gateways(container, ctx.form_fields)
    return list(dict.fromkeys(issues))


def validate_diagram(xml: bytes | str, ctx: LintContext, key: str | None = None) -> ParsedDiagram:
    """Parse safely, lint, then build the executable spec; raise ``DiagramRejected`` on any issue."""
    root = parse_xml(xml)
    issues = lint_tree(root, ctx, key)
    if issues:
        raise DiagramRejected(issues)
    return build_spec(root)
