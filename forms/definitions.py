"""Form definitions (``forms/*.json``) and what is built from them.

One definition gives the marshmallow schema that validates a form's data for pages and API alike,
the fields the Jinja2 macros render, and the JSON schema served with a task. Definitions are data,
checked when loaded, so a broken one fails at start-up and in CI, not in front of a user.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields

from .codes import (
    ALL_PARAMETER_CODES,
    DISMANTLING_PERSONNEL_CODES,
    INSTALLATION_PERSONNEL_CODES,
    MACHINE_CATEGORIES,
    ORG_TYPES,
    PERSONNEL_CODES,
    REGIONS,
    REVIEW_DECISIONS,
    UNIT_TYPES,
    USE_PERSONNEL_CODES,
    WORKER_CATEGORIES,
)
from .validators import VALIDATORS, FieldInvalid, plain_text

FORMS_DIR = Path(__file__).resolve().parent
FIELD_TYPES = ("string", "text", "choice", "date", "number", "boolean", "rows", "ref", "refs")
OPTION_TABLES: dict[str, dict[str, str]] = {
    "regions": REGIONS,
    "org_types": ORG_TYPES,
    "unit_types": UNIT_TYPES,
    "review_decisions": REVIEW_DECISIONS,
    "worker_categories": WORKER_CATEGORIES,
    "machine_categories": MACHINE_CATEGORIES,
    "parameter_codes": ALL_PARAMETER_CODES,
    "personnel_codes": PERSONNEL_CODES,
    "installation_personnel_codes": INSTALLATION_PERSONNEL_CODES,
    "use_personnel_codes": USE_PERSONNEL_CODES,
    "dismantling_personnel_codes": DISMANTLING_PERSONNEL_CODES,
}
REQUIRED_MESSAGE = "此项为必填项"


class DefinitionError(ValueError):
    """A form definition file is malformed."""


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: str = "string"
    required: bool = False
    validators: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    max_length: int = 200
    help: str = ""
    #: required only when every (field, value) pair holds, e.g. the 备案编号 when the decision is 通过
    required_if: tuple[tuple[str, str], ...] = ()
    #: for type "rows": the columns of each row (追加 adds a row, each row can be removed)
    columns: tuple[FieldDef, ...] = ()
    max_rows: int = 50
    #: for types "ref"/"refs": the record kind picked (which ones are eligible is a rule of the service)
    ref: str = ""

    @property
    def option_labels(self) -> dict[str, str]:
        return dict(self.options)

    def is_required(self, values: Mapping[str, Any]) -> bool:
        return self.required or (bool(self.required_if) and all(values.get(k) == v for k, v in self.required_if))


@dataclass(frozen=True)
class SlotDef:
    slot: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class FormDef:
    key: str
    title: str
    fields: tuple[FieldDef, ...]
    attachments: tuple[SlotDef, ...] = ()
    help: str = ""

    @cached_property
    def schema(self) -> Schema:
        return _build_schema(self, unknown=RAISE)

    def field(self, name: str) -> FieldDef:
        return next(f for f in self.fields if f.name == name)

    def load(self, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """Validate and clean ``data``; raise marshmallow ``ValidationError`` with Chinese messages.

        ``partial`` is for drafts: fields may be absent, but whatever is given must be valid.
        """
        clean = self.schema.load(dict(data), partial=partial)
        if not partial:
            missing = self.missing_required(clean)
            if missing:
                raise ValidationError(missing)
        return clean

    def missing_required(self, values: Mapping[str, Any]) -> dict[str, list[str]]:
        """Required fields still empty in a stored record (checked on submit)."""
        return {f.name: [REQUIRED_MESSAGE] for f in self.fields
                if f.is_required(values) and values.get(f.name) in (None, "", [])}

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "title": self.title, **_object_schema(self.fields)}

    def ui(self) -> list[dict[str, Any]]:
        return [_field_ui(f) for f in self.fields]


_JSON_TYPES = {"string": "string", "text": "string", "choice": "string", "date": "string", "number": "string",
               "boolean": "boolean", "rows": "array", "ref": "integer", "refs": "array"}


def _object_schema(fields_: tuple[FieldDef, ...]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in fields_:
        prop: dict[str, Any] = {"type": _JSON_TYPES[f.type], "title": f.label}
        if f.options:
            prop["enum"] = [v for v, _ in f.options]
        if f.type == "date":
            prop["format"] = "date"
        if f.type == "rows":
            prop["items"] = {"type": "object", **_object_schema(f.columns)}
            prop["maxItems"] = f.max_rows
        if f.type == "refs":
            prop["items"] = {"type": "integer"}
        props[f.name] = prop if f.required else nullable(prop)
    return {"properties": props, "required": [f.name for f in fields_ if f.required]}


def nullable(prop: dict[str, Any]) -> dict[str, Any]:
    """The same field, also empty: every field may be sent (and is stored in a draft) as null."""
    if prop["type"] == "null" or (isinstance(prop["type"], list) and "null" in prop["type"]):
        return prop
    return {**prop, "type": [prop["type"], "null"], **({"enum": [*prop["enum"], None]} if "enum" in prop else {})}


def _field_ui(f: FieldDef) -> dict[str, Any]:
    out = {"name": f.name, "label": f.label, "type": f.type, "help": f.help, "required": f.required,
           "options": [{"value": v, "label": lbl} for v, lbl in f.options]}
    if f.required_if:
        out["required_if"] = dict(f.required_if)
    if f.columns:
        out["columns"] = [_field_ui(c) for c in f.columns]
    return out


class _Clean(fields.Field):
    """A field that runs the definition's type conversion and domain validators, in that order."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "格式不正确", "null": REQUIRED_MESSAGE, "required": REQUIRED_MESSAGE}

    def __init__(self, fdef: FieldDef, **kwargs: Any):
        super().__init__(allow_none=True, **kwargs)
        self.fdef = fdef

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        f = self.fdef
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return _convert(f, value)
        except FieldInvalid as exc:
            raise ValidationError(str(exc)) from None


def _convert(f: FieldDef, value: Any) -> Any:
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "on", "yes", "是"):
            return True
        if str(value).lower() in ("false", "0", "off", "no", "否"):
            return False
        raise FieldInvalid("请选择是或否")
    if f.type == "date" and isinstance(value, dt.date):
        return value
    if f.type == "rows":
        return _convert_rows(f, value)
    if f.type == "ref":
        return _record_id(value)
    if f.type == "refs":
        if not isinstance(value, list):
            raise FieldInvalid("应为所选记录的编号列表")
        return list(dict.fromkeys(_record_id(v) for v in value))
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FieldInvalid("格式不正确，应为文本")
    text = plain_text(str(value))
    if f.type in ("string", "text", "choice") and len(text) > f.max_length:
        raise FieldInvalid(f"最多 {f.max_length} 个字符")
    if f.type == "choice":
        if text not in f.option_labels:
            raise FieldInvalid("请从列表中选择：" + "、".join(f.option_labels.values()))
        return text
    if f.type == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise FieldInvalid("日期格式应为 YYYY-MM-DD") from None
    if f.type == "number":
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise FieldInvalid("只填数字，不要带单位") from None
        if not number.is_finite():
            raise FieldInvalid("只填数字，不要带单位")
        return str(number)
    for name in f.validators:
        text = VALIDATORS[name](text)
    return text


#: record ids are 32-bit integer columns: a larger "id" names no record, and PostgreSQL would refuse it
MAX_RECORD_ID = 2**31 - 1


def _record_id(value: Any) -> int:
    # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts
    if (isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdecimal()
            or int(value) > MAX_RECORD_ID):
        raise FieldInvalid("请从列表中选择")
    return int(value)


def _convert_rows(f: FieldDef, value: Any) -> list[dict[str, Any]]:
    """Each row is validated column by column; messages say which row and which column."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise FieldInvalid("应为若干行，每行包含：" + "、".join(c.label for c in f.columns))
    if len(value) > f.max_rows:
        raise FieldInvalid(f"最多 {f.max_rows} 行")
    names = {c.name for c in f.columns}
    rows = []
    for number, raw in enumerate(value, start=1):
        unknown = set(raw) - names
        if unknown:
            raise FieldInvalid(f"第{number}行有不允许的字段：{'、'.join(sorted(unknown))}")
        row: dict[str, Any] = {}
        for column in f.columns:
            cell = raw.get(column.name)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if column.is_required(raw):
                    raise FieldInvalid(f"第{number}行 {column.label}：{REQUIRED_MESSAGE}")
                row[column.name] = None
                continue
            try:
                converted = _convert(column, cell)
            except FieldInvalid as exc:
                raise FieldInvalid(f"第{number}行 {column.label}：{exc}") from None
            row[column.name] = converted.isoformat() if isinstance(converted, dt.date) else converted
        rows.append(row)
    return rows


def _build_schema(form: FormDef, unknown: str) -> Schema:
    attrs = {f.name: _Clean(f, data_key=f.name) for f in form.fields}
    schema_cls = Schema.from_dict(attrs, name=f"Form_{form.key.replace('.', '_')}")
    schema = schema_cls(unknown=unknown)
    schema.error_messages = {**schema.error_messages, "unknown": "不允许的字段", "type": "请求内容应为对象"}
    return schema


def _field_from_json(raw: Mapping[str, Any], source: str) -> FieldDef:
    try:
        name, label = raw["name"], raw["label"]
    except KeyError as exc:
        raise DefinitionError(f"{source}: a field lacks {exc}") from None
    ftype = raw.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise DefinitionError(f"{source}: field {name} has unknown type {ftype}")
    validators = tuple(raw.get("validators", ()))
    for v in validators:
        if v not in VALIDATORS:
            raise DefinitionError(f"{source}: field {name} names unknown validator {v}")
    options = raw.get("options", ())
    if isinstance(options, str):
        if options not in OPTION_TABLES:
            raise DefinitionError(f"{source}: field {name} names unknown option table {options}")
        options = OPTION_TABLES[options].items()
    options = tuple((str(v), str(lbl)) for v, lbl in options)
    if ftype == "choice" and not options:
        raise DefinitionError(f"{source}: choice field {name} has no options")
    columns = tuple(_field_from_json(c, f"{source}: {name}") for c in raw.get("columns", ()))
    if (ftype == "rows") != bool(columns):
        raise DefinitionError(f"{source}: field {name}: columns belong to (and only to) type rows")
    required_if = tuple((str(k), str(v)) for k, v in dict(raw.get("required_if", {})).items())
    if (ftype in ("ref", "refs")) != bool(raw.get("ref")):
        raise DefinitionError(f"{source}: field {name}: ref names the picked kind of (and only of) ref/refs fields")
    return FieldDef(name, label, ftype, bool(raw.get("required", False)), validators, options,
                    int(raw.get("max_length", 200)), raw.get("help", ""), required_if, columns,
                    int(raw.get("max_rows", 50)), str(raw.get("ref", "")))


def form_from_json(raw: Mapping[str, Any], source: str = "<form>") -> FormDef:
    try:
        key, title = raw["key"], raw["title"]
    except KeyError as exc:
        raise DefinitionError(f"{source}: missing {exc}") from None
    fields_ = tuple(_field_from_json(f, source) for f in raw.get("fields", ()))
    names = [f.name for f in fields_]
    if len(set(names)) != len(names):
        raise DefinitionError(f"{source}: duplicate field names")
    slots = tuple(SlotDef(s["slot"], s["label"], bool(s.get("required", False))) for s in raw.get("attachments", ()))
    return FormDef(key, title, fields_, slots, raw.get("help", ""))


def load_forms(directory: Path = FORMS_DIR) -> dict[str, FormDef]:
    forms: dict[str, FormDef] = {}
    for path in sorted(directory.glob("*.json")):
        form = form_from_json(json.loads(path.read_text(encoding="utf-8")), path.name)
        if form.key in forms:
            raise DefinitionError(f"{path.name}: duplicate form key {form.key}")
        forms[form.key] = form
    return forms
