"""企业规则: the platform's editable rules, their shipped defaults and their checks.

A rule is read where it applies (numbering, the installation-position distance, review due dates,
certificate validity); only values the administrator changed are stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select

from ..calendar import WorkingCalendar
from ..errors import Invalid
from ..extensions import db
from ..registry import registry
from .models import PlatformRule

_PLACEHOLDER = re.compile(r"\{([a-z]+)(?::0?\d+d)?\}")
_PATTERN_PARTS = {"region", "category", "year", "seq"}


def _pattern(value: Any) -> str:
    """A number pattern: literal text and {region} {category} {year} {seq[:05d]}, ending in {seq}."""
    text = str(value or "").strip()
    names = [m.group(1) for m in _PLACEHOLDER.finditer(text)]
    leftover = _PLACEHOLDER.sub("", text)
    if "{" in leftover or "}" in leftover or set(names) - _PATTERN_PARTS:
        raise ValueError("只能使用占位符 {region}、{category}、{year}、{seq} 或 {seq:05d}")
    if names.count("seq") != 1 or not re.search(r"\{seq(?::0?\d+d)?\}$", text):
        raise ValueError("必须以唯一的流水号 {seq} 结尾")
    try:
        sample = text.format(region="650100", category="T", year=2026, seq=12345)
    except ValueError:
        raise ValueError("只有 {seq} 可以指定位数，如 {seq:05d}") from None
    if len(sample) > 40 or re.search(r"\s", sample):
        raise ValueError("编号最长 40 个字符，且不能含空格")
    return text


def _bounded(kind: type, low: float, high: float) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ValueError("应为整数" if kind is int else "应为数字") from None
        if isinstance(value, bool) or not low <= number <= high:
            raise ValueError(f"取值范围 {low:g}–{high:g}")
        return number
    return check


_DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _dates(value: Any) -> list[str]:
    """Days as ISO dates, from a list or from text with one date per line (or separated by commas)."""
    items = value if isinstance(value, list) else _DATE_SEPARATORS.split(str(value or "").strip())
    days = set()
    for item in items:
        if not item:
            continue
        try:
            day = dt.date.fromisoformat(str(item))
        except ValueError:
            raise ValueError(f"“{str(item)[:20]}”不是日期，请写成 2027-10-01") from None
        if not 2000 <= day.year <= 2100:
            raise ValueError(f"{day} 不在 2000–2100 年之间")
        days.add(day.isoformat())
    if len(days) > 400:
        raise ValueError("最多 400 个日期")
    return sorted(days)


@dataclass(frozen=True)
class RuleDef:
    key: str
    label: str
    default: Any
    check: Callable[[Any], Any]
    help: str = ""
    unit: str = ""


#: The rules every installation has; each chain adds its 办理时限 (:func:`sla_rule`) when registered.
BASE_RULES: tuple[RuleDef, ...] = (
    RuleDef("filing_number_pattern", "备案编号规则", "{region}-{category}-{year}-{seq:05d}", _pattern,
            "审批通过时预填的产权备案编号；{region} 地区代码，{category} T/S/W，{year} 年份，{seq:05d} 五位流水号"),
    RuleDef("registration_number_pattern", "使用登记编号规则", "SYDJ-{region}-{category}-{year}-{seq:05d}", _pattern,
            "审批通过时预填的使用登记编号，占位符同上"),
    RuleDef("position_distance_m", "安装位置最小间距", 5, _bounded(float, 5, 100), unit="米",
            help="两台在用设备的安装位置不得小于此距离；住建部要求不小于5米"),
    RuleDef("certificate_validity_months", "使用登记证有效期", 12, _bounded(int, 1, 60), unit="个月",
            help="制证时未填写有效期至的，按此计算"),
    RuleDef("holidays", "法定节假日（补充）", [], _dates,
            "内置全国节假日与调休安排之外的放假日期，如国务院公布的下一年安排；每行一个日期，如 2027-10-01"),
    RuleDef("workdays", "调休上班日（补充）", [], _dates,
            "内置安排之外需要上班的周末（调休），每行一个日期，如 2027-09-26"),
)


def sla_rule(kind: str, label: str, days: int) -> RuleDef:
    """A chain's 办理时限: working days for each of its review steps, ``days`` by default."""
    return RuleDef(f"sla_days_{kind}", f"{label}审批时限", days, _bounded(int, 1, 60), unit="个工作日",
                   help="每个审批环节自任务生成起的办理时限，超期在列表中标记")


def init_app(app: Flask) -> None:
    app.extensions["crane"].rules.update({rule.key: rule for rule in BASE_RULES})


def register(app: Flask, rule: RuleDef) -> None:
    app.extensions["crane"].rules[rule.key] = rule


def definitions() -> dict[str, RuleDef]:
    return registry().rules


def value(key: str) -> Any:
    """The rule's value now: the administrator's if changed, else the shipped default."""
    stored = db.session.scalar(select(PlatformRule.value).where(PlatformRule.key == key))
    return definitions()[key].default if stored is None else stored


def review_deadline(kind: str, start: dt.date) -> dt.date | None:
    """The last working day of a review step of ``kind`` opened on ``start`` (its 办理时限 in the calendar),
    or None when the chain has no 办理时限 — one read of the rules, as a step opens tasks."""
    values = all_values()
    days = values.get(f"sla_days_{kind}")
    return None if days is None else _calendar(values).add_working_days(start, int(days))


def working_calendar() -> WorkingCalendar:
    """The national working days with the administrator's additions: every working-day deadline uses it."""
    return _calendar(all_values())


def _calendar(values: dict[str, Any]) -> WorkingCalendar:
    return WorkingCalendar(frozenset(dt.date.fromisoformat(d) for d in values["holidays"]),
                           frozenset(dt.date.fromisoformat(d) for d in values["workdays"]))


def all_values() -> dict[str, Any]:
    stored = dict(db.session.execute(select(PlatformRule.key, PlatformRule.value)).all())
    return {key: stored.get(key, rule.default) for key, rule in definitions().items()}


def clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Check every changed value; the errors name each field, nothing is saved unless all pass."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, raw in changes.items():
        rule = definitions().get(key)
        if rule is None:
            errors[key] = ["未知的规则"]
            continue
        try:
            out[key] = rule.check(raw)
        except ValueError as exc:
            errors[key] = [f"{rule.label}：{exc}"]
    if errors:
        raise Invalid(errors=errors)
    return out


def store(values: dict[str, Any], actor_id: int | None) -> None:
    for key, new in values.items():
        row = db.session.get(PlatformRule, key)
        if row is None:
            db.session.add(PlatformRule(key=key, value=new, updated_by_id=actor_id))
        else:
            row.value, row.updated_by_id = new, actor_id
    db.session.flush()
