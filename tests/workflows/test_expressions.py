"""The restricted expression language: what it evaluates, and what it refuses without ever running it."""

from __future__ import annotations

from pathlib import Path

import pytest
from simpleeval import IterableTooLong, NameNotDefined

from workflows.errors import UnsafeExpression
from workflows.expressions import (
    MAX_EXPRESSION_LENGTH,
    SAFE_FUNCTIONS,
    RestrictedEnvironment,
    RestrictedScriptEngine,
    check_expression,
    evaluate,
)


@pytest.mark.parametrize(("text", "context", "expected"), [
    ('decision == "approve"', {"decision": "approve"}, True),
    ('decision == "approve"', {"decision": "return"}, False),
    ('amount > 3 and level in ["a","b"]', {"amount": 4, "level": "b"}, True),
    ('amount > 3 and level in ["a","b"]', {"amount": 4, "level": "c"}, False),
    ('amount > 3 and level in ["a","b"]', {"amount": 3, "level": "a"}, False),
    ("len(items) >= 2", {"items": [1, 2]}, True),
    ("len(items) >= 2", {"items": [1]}, False),
    ('"P7D"', {}, "P7D"),
    ('  "PT1S"  ', {}, "PT1S"),
    ("max(a, b) - min(a, b) + abs(-c)", {"a": 7, "b": 2, "c": 3}, 8),
    ('"ok" if not rejected else "no"', {"rejected": False}, "ok"),
    ("form['decision'] != 'reject'", {"form": {"decision": "approve"}}, True),
    ('str(int("41") + 1)', {}, "42"),
    ("x is None or x not in {1, 2}", {"x": None}, True),
])
def test_allowed_expressions_evaluate(text, context, expected):
    check_expression(text)
    assert evaluate(text, context) == expected


def test_names_come_from_the_context_only():
    # ``open`` passes the static check (it is just a name) but is not in the context: no builtins leak in.
    with pytest.raises(NameNotDefined):
        evaluate("open", {})
    assert evaluate("open", {"open": "yes"}) == "yes"


def test_known_names_can_be_required():
    check_expression("decision == 'approve'", names=frozenset({"decision"}))
    check_expression("len(items) > 0", names=frozenset({"items"}))  # whitelisted functions are always known
    with pytest.raises(UnsafeExpression, match="未知的名称 decison"):
        check_expression("decison == 'approve'", names=frozenset({"decision"}))


def test_length_limit_is_inclusive():
    at_limit = '"' + "a" * (MAX_EXPRESSION_LENGTH - 2) + '"'
    assert len(at_limit) == MAX_EXPRESSION_LENGTH
    check_expression(at_limit)
    with pytest.raises(UnsafeExpression, match="过长"):
        check_expression(at_limit + " ")


def test_evaluation_cannot_build_huge_values():
    with pytest.raises(IterableTooLong):
        evaluate('"a" * 100000000', {})
    with pytest.raises(IterableTooLong):
        evaluate("[1] * n", {"n": 100000000})


HOSTILE = [
    pytest.param("__import__('os').system('id')", "白名单", id="import-os-system"),
    pytest.param("().__class__.__base__.__subclasses__()", "白名单|Attribute", id="subclasses-walk"),
    pytest.param("(lambda: 1)()", "白名单|Lambda", id="lambda"),
    pytest.param("[x for x in range(3)]", "ListComp", id="list-comprehension"),
    pytest.param("{x: 1 for x in items}", "DictComp", id="dict-comprehension"),
    pytest.param("sum(x for x in items)", "白名单|GeneratorExp", id="generator"),
    pytest.param("open('/etc/passwd').read()", "白名单", id="open-read"),
    pytest.param("open('/etc/passwd')", "白名单", id="open-call"),
    pytest.param("getattr(x, '__class__')", "白名单", id="getattr"),
    pytest.param("x.__class__", "Attribute", id="dunder-attribute"),
    pytest.param("x.upper()", "白名单", id="plain-attribute"),
    pytest.param("_private", "下划线", id="underscore-name"),
    pytest.param("__builtins__", "下划线", id="builtins"),
    pytest.param('exec("1")', "白名单", id="exec"),
    pytest.param('eval("1")', "白名单", id="eval"),
    pytest.param('int("1", base=10)', "关键字", id="keyword-argument"),
    pytest.param("(y := 1)", "NamedExpr", id="walrus"),
    pytest.param('f"{x}"', "JoinedStr", id="f-string"),
    pytest.param("2 ** 999999", "Pow", id="power"),
    pytest.param("items[::-1]", "Slice", id="slice"),
    pytest.param("x = 1", "语法错误", id="assignment"),
    pytest.param("import os", "语法错误", id="import-statement"),
    pytest.param("decision ==", "语法错误", id="syntax-error"),
    pytest.param("decision == 'approve", "语法错误", id="unterminated-string"),
    pytest.param("1 + " * 2500 + "1", "过长", id="10000-chars"),
    pytest.param("", "为空", id="empty"),
    pytest.param("   ", "为空", id="blank"),
]


@pytest.mark.parametrize(("text", "reason"), HOSTILE)
def test_hostile_expressions_are_refused(text, reason):
    with pytest.raises(UnsafeExpression, match=reason):
        check_expression(text)
    with pytest.raises(UnsafeExpression, match=reason):
        evaluate(text, {"x": "abc", "items": [1, 2], "decision": "approve", "__builtins__": __builtins__})


def test_none_is_refused():
    with pytest.raises(UnsafeExpression):
        check_expression(None)


def test_expression_percent_formatting_is_refused():
    with pytest.raises(UnsafeExpression):
        check_expression('"%999999999s" % 1')


def _side_effects(target: Path) -> list[str]:
    """Expressions that would each create ``target`` if anything ever ran them as Python."""
    p = str(target)
    return [
        f"__import__('os').system('touch {p}')",
        f"__import__('pathlib').Path('{p}').touch()",
        f"open('{p}', 'w')",
        f"open('{p}', 'w').write('pwned')",
        f"exec(\"open('{p}', 'w')\")",
        f"eval(\"open('{p}', 'w')\")",
        f"(lambda: open('{p}', 'w'))()",
        f"[open('{p}', 'w') for _ in [1]]",
        f"getattr(__builtins__, 'open')('{p}', 'w')",
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]"
        f"(['touch', '{p}'])",
        f"open('{p}', 'w') " + " " * 10_000,
    ]


def test_refused_expressions_are_never_executed(tmp_path):
    target = tmp_path / "pwned"
    # Handing these names over makes sure that only the refusal, not a missing name, stops each one.
    context = {"open": open, "exec": exec, "eval": eval, "getattr": getattr, "__builtins__": __builtins__}
    env = RestrictedEnvironment()
    for text in _side_effects(target):
        with pytest.raises(UnsafeExpression):
            check_expression(text)
        with pytest.raises(UnsafeExpression):
            evaluate(text, context)
        with pytest.raises(UnsafeExpression):
            env.evaluate(text, dict(context))
        with pytest.raises(UnsafeExpression):
            env.execute(text, dict(context))
        assert not target.exists(), text


def test_sentinel_would_fire_if_executed(tmp_path):
    """The sentinel itself works: plain ``eval`` of the same text does create the file."""
    target = tmp_path / "pwned"
    eval(f"open('{target}', 'w').close()")  # noqa: S307 — demonstrating what the evaluator prevents
    assert target.exists()


def test_environment_refuses_every_script(tmp_path):
    target = tmp_path / "script-ran"
    env = RestrictedEnvironment()
    for script in ("x = 1", f"open('{target}', 'w').write('x')", "decision = 'approve'"):
        context = {"decision": "reject"}
        with pytest.raises(UnsafeExpression, match="脚本"):
            env.execute(script, context)
        assert context == {"decision": "reject"}
    assert not target.exists()


def test_environment_evaluates_with_task_data_over_external_context():
    env = RestrictedEnvironment()
    assert env.evaluate("a + b", {"a": 1}, {"a": 100, "b": 2}) == 3


def test_script_engine_validate_uses_the_same_check():
    engine = RestrictedScriptEngine()
    engine.validate('decision == "approve"')
    engine.validate('"P30D"')
    for text in ("__import__('os').system('id')", "().__class__.__base__.__subclasses__()", "x = 1",
                 "(lambda: 1)()", "_secret"):
        with pytest.raises(UnsafeExpression):
            engine.validate(text)
    assert isinstance(engine.environment, RestrictedEnvironment)


def test_whitelist_holds_only_pure_functions_and_evaluation_does_not_widen_it():
    expected = {"len", "min", "max", "abs", "int", "str", "bool"}
    assert set(SAFE_FUNCTIONS) == expected
    assert evaluate("[1, 2]", {}) == [1, 2]
    assert set(SAFE_FUNCTIONS) == expected  # simpleeval adds list/tuple/dict/set to the dict it is handed
    with pytest.raises(UnsafeExpression, match="白名单"):
        check_expression("list(items)")
