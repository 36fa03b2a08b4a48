"""企业规则 checks (``service.rules.operations``): number patterns and bounded numbers, without the database."""

import pytest

from service.rules.operations import BASE_RULES, _bounded, _pattern, sla_rule

PLACEHOLDERS = "只能使用占位符 {region}、{category}、{year}、{seq} 或 {seq:05d}"
ENDS_IN_SEQ = "必须以唯一的流水号 {seq} 结尾"
WIDTH_ON_SEQ_ONLY = "只有 {seq} 可以指定位数，如 {seq:05d}"
SHAPE = "编号最长 40 个字符，且不能含空格"


@pytest.mark.parametrize(("value", "stored"), [
    ("{region}-{category}-{year}-{seq:05d}", "{region}-{category}-{year}-{seq:05d}"),
    ("SYDJ-{region}-{category}-{year}-{seq:05d}", "SYDJ-{region}-{category}-{year}-{seq:05d}"),
    ("BA-{region}-{year}-{seq:04d}", "BA-{region}-{year}-{seq:04d}"),
    ("备案{year}{seq:06d}", "备案{year}{seq:06d}"),
    ("{seq}", "{seq}"),
    ("  {region}{seq}\n", "{region}{seq}"),  # surrounding whitespace is trimmed, not refused
    ("X" * 35 + "{seq}", "X" * 35 + "{seq}"),  # a number of exactly 40 characters
])
def test_valid_patterns_are_kept(value, stored):
    assert _pattern(value) == stored


@pytest.mark.parametrize(("value", "message"), [
    ("{foo}-{seq}", PLACEHOLDERS),  # unknown placeholder
    ("{__class__}{seq}", PLACEHOLDERS),
    ("{region.__class__}{seq}", PLACEHOLDERS),
    ("{Region}{seq}", PLACEHOLDERS),
    ("BA}{seq}", PLACEHOLDERS),  # a stray brace
    ("{seq:05x}", PLACEHOLDERS),  # only decimal widths
    ("{region}-{year}", ENDS_IN_SEQ),  # no {seq}
    ("", ENDS_IN_SEQ),
    (None, ENDS_IN_SEQ),
    ("{region}-{seq}-{year}", ENDS_IN_SEQ),  # {seq} not last
    ("{seq}-{seq}", ENDS_IN_SEQ),  # twice
    ("{region:05d}-{seq}", WIDTH_ON_SEQ_ONLY),  # a width on a text part
    ("{category:03d}{seq:05d}", WIDTH_ON_SEQ_ONLY),
    ("X" * 36 + "{seq}", SHAPE),  # 41 characters
    ("{region}{seq:050d}", SHAPE),
    ("BA {seq}", SHAPE),  # whitespace inside
    ("BA\t{seq}", SHAPE),
    ("BA{seq:6d}", SHAPE),  # a width without 0 pads with spaces
])
def test_bad_patterns_are_refused_with_the_reason(value, message):
    with pytest.raises(ValueError) as refused:
        _pattern(value)
    assert str(refused.value) == message


def test_bounded_integers():
    check = _bounded(int, 1, 60)
    assert [check(1), check(7), check("7"), check(60)] == [1, 7, 7, 60]
    assert type(check("7")) is int
    for outside in (0, 61, -1, True, False):  # booleans are not numbers here, whatever Python says
        with pytest.raises(ValueError) as refused:
            check(outside)
        assert str(refused.value) == "取值范围 1–60"
    for garbage in ("7.5", "七", None, [7], ""):
        with pytest.raises(ValueError) as refused:
            check(garbage)
        assert str(refused.value) == "应为整数"


def test_bounded_numbers():
    check = _bounded(float, 0.5, 100)
    assert [check(0.5), check("12.5"), check(5), check(100)] == [0.5, 12.5, 5.0, 100.0]
    for outside in (0.4, 100.01, "nan", "inf", True):
        with pytest.raises(ValueError) as refused:
            check(outside)
        assert str(refused.value) == "取值范围 0.5–100"
    for garbage in ("近", None, {"m": 5}):
        with pytest.raises(ValueError) as refused:
            check(garbage)
        assert str(refused.value) == "应为数字"


def test_every_shipped_default_passes_its_own_check():
    for rule in BASE_RULES:
        assert rule.check(rule.default) == rule.default, rule.key
    sla = sla_rule("property_filing", "产权备案", 7)
    assert (sla.key, sla.default, sla.check(7), sla.unit) == ("sla_days_property_filing", 7, 7, "个工作日")
    with pytest.raises(ValueError):
        sla.check(0)
