"""The forms user tasks may name: the shipped ``forms/*.json`` plus review forms the administrator defines.

An administrator's definition of a key takes precedence over the shipped one. Only review forms are
editable (the forms of records are tied to their tables), and an edited shipped form keeps every field
the platform's rules read (e.g. ``registration_number``); labels, help, validators and new fields may change.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from sqlalchemy import select

from forms import FORMS, FormDef
from forms.codes import REVIEW_DECISIONS
from forms.definitions import DefinitionError, form_from_json

from ..errors import Invalid
from ..extensions import db
from .models import FormDefinition

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Review forms hold what a reviewer decides; these types are plain values the engine's task data carries.
REVIEW_FIELD_TYPES = ("string", "text", "choice", "number", "boolean")
#: Task data names that would break the engine's saved state (see engine-notes) or the review step.
RESERVED_NAMES = {"typename"}

_cache: dict[str, tuple[dt.datetime, FormDef]] = {}
_lock = threading.Lock()


def is_review_form(form: FormDef) -> bool:
    return any(f.name == "decision" for f in form.fields)


def task_form(key: str | None) -> FormDef | None:
    """The form a user task names, as defined now."""
    if not key:
        return None
    row = db.session.execute(select(FormDefinition.definition, FormDefinition.updated_at)
                             .where(FormDefinition.key == key)).first()
    if row is None:
        return FORMS.get(key)
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != row.updated_at:
            cached = _cache[key] = (row.updated_at, form_from_json(row.definition, key))
    return cached[1]


def form_keys() -> frozenset[str]:
    return frozenset(FORMS) | frozenset(db.session.scalars(select(FormDefinition.key)))


def review_forms() -> dict[str, tuple[FormDef, bool]]:
    """Every review form by key, with whether the administrator defined or changed it."""
    custom = set(db.session.scalars(select(FormDefinition.key)))
    out = {key: (form, False) for key, form in FORMS.items() if is_review_form(form)}
    for key in custom:
        form = task_form(key)
        if form is not None:
            out[key] = (form, True)
    return dict(sorted(out.items()))


def clean_definition(key: str, raw: Any) -> dict[str, Any]:
    """Check a review form definition (``forms/*.json`` format); errors name what is wrong, in Chinese."""
    if not isinstance(raw, dict):
        raise Invalid.field("definition", "表单定义应为 JSON 对象")
    if not _KEY.match(key or ""):
        raise Invalid.field("key", "表单标识只能由小写字母、数字和下划线组成，以字母开头")
    shipped = FORMS.get(key)
    if shipped is not None and not is_review_form(shipped):
        raise Invalid.field("key", f"表单 {key} 是登记表单，不能在此修改")
    raw = {**raw, "key": key}
    _require_text(raw)
    try:
        form = form_from_json(raw, key)
    except (DefinitionError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise Invalid.field("definition", f"表单定义有误：{exc}") from None
    problems = [*_field_problems(form)]
    decision = next((f for f in form.fields if f.name == "decision"), None)
    if decision is None or decision.type != "choice" or not set(decision.option_labels) <= set(REVIEW_DECISIONS):
        problems.append("须包含审批结果字段 decision（类型 choice，选项取自 approve/return/reject）")
    if shipped is not None:
        lost = [f.name for f in shipped.fields if f.name not in {g.name for g in form.fields}]
        if lost:
            problems.append("系统表单的字段不可删除：" + "、".join(lost))
    if problems:
        raise Invalid("表单定义有误", {"definition": problems})
    return raw


def _require_text(raw: dict[str, Any]) -> None:
    """Titles, names, labels, types and help are text: a number or a list there is a malformed definition."""
    fields = raw.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
        raise Invalid.field("definition", "表单定义有误：fields 应为字段对象的列表")
    for owner, keys in ((raw, ("title", "help")), *((f, ("name", "label", "type", "help")) for f in fields)):
        for name in keys:
            if name in owner and not isinstance(owner[name], str):
                raise Invalid.field("definition", f"表单定义有误：{name} 应为文本（{owner[name]!r}）")


def _field_problems(form: FormDef) -> list[str]:
    problems = []
    shipped = FORMS.get(form.key)
    shipped_names = {f.name for f in shipped.fields} if shipped else set()
    for f in form.fields:
        if not _FIELD_NAME.match(f.name) or f.name in RESERVED_NAMES:
            problems.append(f"字段名 {f.name!r} 无效：只能由小写字母、数字和下划线组成，且不能为保留字")
        elif f.type not in REVIEW_FIELD_TYPES and f.name not in shipped_names:
            problems.append(f"字段 {f.name} 的类型 {f.type} 不能用于审批表单（可用：{'、'.join(REVIEW_FIELD_TYPES)}）")
    return problems


def save_definition(key: str, raw: dict[str, Any], actor_id: int | None) -> tuple[dict | None, dict]:
    """Store a checked definition; returns (before, after) for the audit log."""
    definition = clean_definition(key, raw)
    row = db.session.get(FormDefinition, key)
    before = row.definition if row else None
    if row is None:
        db.session.add(FormDefinition(key=key, definition=definition, updated_by_id=actor_id))
    else:
        row.definition, row.updated_by_id = definition, actor_id
    db.session.flush()
    return before, definition
