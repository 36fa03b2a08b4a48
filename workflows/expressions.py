"""The restricted expression language used by every diagram.

Diagram text is untrusted input. Gateway conditions, timer expressions and service parameters are
checked statically at deploy time (``check_expression``) and evaluated at run time by simpleeval
with the same whitelist, so nothing a diagram says ever reaches Python ``eval``/``exec``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from simpleeval import EvalWithCompoundTypes
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import UnsafeExpression

MAX_EXPRESSION_LENGTH = 500

#: Functions a diagram may call. Pure, cheap, and with no access to objects beyond their args.
SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "int": int,
    "str": str,
    "bool": bool,
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp,
    ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Call, ast.Subscript,
    ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv,  # no %: "%999999999s" % 1 builds a gigabyte
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
)


def check_expression(text: str | None, names: frozenset[str] | None = None) -> None:
    """Raise ``UnsafeExpression`` unless ``text`` is a plain expression of the restricted language.

    Allowed: literals, names, comparisons, boolean and arithmetic operators, subscripts and calls
    of the whitelisted functions. Refused: attribute access (no ``x.__class__``), lambdas,
    comprehensions, assignments, statements, and names starting with an underscore.
    """
    if text is None or not text.strip():
        raise UnsafeExpression("表达式为空")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise UnsafeExpression(f"表达式过长（最多 {MAX_EXPRESSION_LENGTH} 个字符）")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression(f"表达式语法错误：{exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeExpression(f"表达式中不允许使用 {type(node).__name__}")
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise UnsafeExpression(f"不允许使用以下划线开头的名称 {node.id}")
            if names is not None and node.id not in names and node.id not in SAFE_FUNCTIONS:
                raise UnsafeExpression(f"未知的名称 {node.id}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
                raise UnsafeExpression("只能调用白名单函数：" + "、".join(sorted(SAFE_FUNCTIONS)))
            if node.keywords:
                raise UnsafeExpression("函数调用不允许使用关键字参数")


def compile_expression(text: str) -> Callable[[Mapping[str, Any]], Any]:
    """Check and parse ``text`` once; the result evaluates it with names drawn from a context only.

    The lint evaluates one condition for thousands of assignments; parsing once makes that 4× cheaper.
    """
    check_expression(text)
    source = text.strip()
    tree = EvalWithCompoundTypes.parse(source)

    def run(context: Mapping[str, Any]) -> Any:
        # A copy: EvalWithCompoundTypes adds list/tuple/dict/set to the mapping it is given, which would
        # silently widen the whitelist ``check_expression`` enforces for every later diagram.
        evaluator = EvalWithCompoundTypes(names=dict(context), functions=dict(SAFE_FUNCTIONS))
        return evaluator.eval(source, previously_parsed=tree)

    return run


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    """Check, then evaluate ``text`` with names drawn from ``context`` only."""
    return compile_expression(text)(context)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates with the restricted language only.

    Scripts are never executed: the lint refuses script tasks and pre/post scripts, and this
    refuses them again should one slip through. Service tasks go to ``services``, a mapping of
    operation name to a callable that returns a JSON string (the service layer enqueues jobs).
    """

    def __init__(self, services: Mapping[str, Callable[..., str]] | None = None):
        super().__init__({})
        # Keep the caller's mapping, not a copy: services registered after the engine was built
        # (the service layer's SERVICES table) must be callable, as the lint already accepts them.
        self.services = services if services is not None else {}

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        raise UnsafeExpression("流程图中的脚本不会被执行")

    def call_service(self, context: dict[str, Any], operation_name: str = "",
                     operation_params: dict | None = None, **_: Any) -> str:
        handler = self.services.get(operation_name)
        if handler is None:
            raise UnsafeExpression(f"未注册的服务 {operation_name}")
        params = {k: v["value"] for k, v in (operation_params or {}).items()}
        return handler(context, **params)


class RestrictedScriptEngine(PythonScriptEngine):
    """The only script engine the platform builds: validation uses the same restricted check."""

    def __init__(self, services: Mapping[str, Callable[..., str]] | None = None):
        super().__init__(environment=RestrictedEnvironment(services))

    def validate(self, expression: str) -> None:
        check_expression(expression)

    def call_service(self, task: Any, **kwargs: Any) -> str:
        # PythonScriptEngine.call_service names an undefined ``script`` in its error path, so every
        # failure (an unregistered service included) surfaced as ``NameError``. Keep the real cause.
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(f"{type(err).__name__}: {err}", task=task, exception=err) from err
