"""``GET /api/v1/openapi.json``: generated from the URL map — every ``/api/v1`` route, its path parameters
(from the converters), and what the route documents of itself (``web.docs``); chain routes once per chain."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from forms.definitions import nullable as nullable_field

from ..filings.chains import Chain, chains
from ..web.api import bp, public
from ..web.docs import (
    BOOLEAN,
    DATE,
    DATETIME,
    FORM,
    INTEGER,
    RECORD,
    STRING,
    Operation,
    Schema,
    array,
    documented,
    nullable,
    obj,
    ref,
)

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_ERROR_TEXT = {400: "请求格式有误", 401: "未登录或令牌无效", 403: "没有权限", 404: "不存在或不可见", 409: "状态冲突",
               413: "过大", 415: "类型不支持", 422: "校验未通过", 429: "请求过于频繁"}
_HISTORY = obj(task=STRING, actor=STRING, action=STRING, decision=nullable(STRING), opinion=nullable(STRING),
               at=DATETIME)
_TASK = obj(("id", "name", "record_kind", "record_id", "status"), id=INTEGER, name=STRING, process_key=STRING,
            record_kind=STRING, record_id=INTEGER, role=STRING, region_code=nullable(STRING), status=STRING,
            assignee=nullable(STRING), assignee_id=nullable(INTEGER), created_at=DATETIME,
            due_at=nullable(DATETIME), overdue=BOOLEAN, form_key=nullable(STRING))


def _components(registered: dict[str, Chain]) -> dict[str, Schema]:
    schemas: dict[str, Schema] = {
        "Error": obj(("error", "message"), error=STRING, message=STRING, errors={}),
        "Task": _TASK,
        "TaskWithForm": {"allOf": [_TASK, obj(form=obj(schema={"type": "object"}, ui=array({"type": "object"}),
                                                       defaults={"type": "object"}, choices={"type": "object"}))]},
        "Me": obj(("id", "username", "role"), id=INTEGER, username=STRING, email=nullable(STRING),
                  phone=nullable(STRING), role=STRING, unit_type=nullable(STRING), region_code=nullable(STRING),
                  organization_id=nullable(INTEGER), unread_messages=INTEGER),
        "CertificateStatus": obj(("status",), status=STRING, number=nullable(STRING), feedback=array(STRING),
                                 state=nullable(STRING), valid_until=nullable(DATE), verify_code=nullable(STRING),
                                 correctable=array(STRING)),
        "Verification": obj(("number", "state"), number=STRING, state=STRING, using_unit=STRING, category=STRING,
                            factory_number=nullable(STRING), valid_until=nullable(DATE)),
    }
    for chain in registered.values():
        form = chain.form.json_schema()
        schemas[f"form_{chain.key}"] = form
        issued = {name: {} for name, _label in chain.issued_fields}
        schemas[f"record_{chain.key}"] = {"allOf": [
            {"type": "object", "properties": {**{name: nullable_field(prop) for name, prop in
                                                 form.get("properties", {}).items()}, **issued}},
            obj(("id", "status", "process_key"), id=INTEGER, status=STRING, status_label=STRING,
                process_key=STRING, account_id=INTEGER, created_at=DATETIME, submitted_at=nullable(DATETIME),
                decided_at=nullable(DATETIME), process_version=nullable(INTEGER),
                attachments=array({"type": "object"}), history=array(_HISTORY))]}
    return schemas


def _chain_schema(value: Any, chain: Chain | None) -> Any:
    """A chain route's FORM or RECORD (also inside a list envelope) is that chain's own component."""
    if isinstance(value, str) and value in (FORM, RECORD):
        assert chain is not None, "FORM and RECORD are for chain routes"
        return ref(f"{value}_{chain.key}")
    if isinstance(value, dict):
        if value.get("$ref", "").rsplit("/", 1)[-1] in (FORM, RECORD):
            return _chain_schema(value["$ref"].rsplit("/", 1)[-1], chain)
        return {key: _chain_schema(item, chain) for key, item in value.items()}
    if isinstance(value, list):
        return [_chain_schema(item, chain) for item in value]
    return value


def _parameter(rule: Rule, name: str, chain: Chain | None) -> Schema:
    converter = rule._converters.get(name)  # werkzeug keeps them per rule; there is no public accessor
    schema: Schema = STRING
    if isinstance(converter, IntegerConverter):
        schema = {"type": "integer", "minimum": converter.min or 0, **({"maximum": converter.max}
                                                                        if converter.max else {})}
    elif isinstance(converter, AnyConverter):
        schema = {"type": "string", "enum": sorted(converter.items)}
    elif name == "slot" and chain is not None:
        schema = {"type": "string", "enum": [s.slot for s in chain.form.attachments]}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(rule: Rule, view: Any, chain: Chain | None) -> dict[str, Any]:
    doc: Operation = view.api_doc
    op: dict[str, Any] = {"operationId": rule.endpoint.split(".", 1)[1] + (f"_{chain.key}" if chain else ""),
                          "summary": doc.summary.format(label=chain.label) if chain else doc.summary}
    names = [n for n in _ARGUMENT.findall(rule.rule) if n != "kind_path"]
    parameters = [_parameter(rule, name, chain) for name in names]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                   for name, schema in doc.query.items()]
    if parameters:
        op["parameters"] = parameters
    body = _chain_schema(doc.body, chain)
    if body is not None:
        op["requestBody"] = {"required": doc.body_required, "content": {doc.consumes: {"schema": body}}}
    ok: dict[str, Any] = {"description": "成功"}
    response = _chain_schema(doc.response, chain)
    if response is not None and doc.status != 204:
        types = (doc.produces,) if isinstance(doc.produces, str) else doc.produces
        ok["content"] = {media: {"schema": response} for media in types}
    errors = set(doc.errors)
    errors |= {400, 422} if body is not None and doc.consumes == "application/json" else set()
    errors |= {404} if names else set()
    errors |= {403} if getattr(view, "roles", None) else set()
    if not getattr(view, "public", False):
        errors.add(401)
        op["security"] = [{"bearer": []}]
    else:
        op["security"] = []
    op["responses"] = {str(doc.status): ok, **{
        str(code): {"description": _ERROR_TEXT.get(code, "错误"),
                    "content": {"application/json": {"schema": ref("Error")}}} for code in sorted(errors)}}
    return op


def build_document(app: Flask) -> dict[str, Any]:
    registered = chains()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        per_chain = "<kind_path>" in rule.rule
        for chain in registered.values() if per_chain else [None]:
            if chain is not None and "<slot>" in rule.rule and not chain.form.attachments:
                continue  # a chain without attachments has no slot to name
            path = rule.rule[len(PREFIX):].replace("<kind_path>", chain.path if chain else "")
            path = _ARGUMENT.sub(r"{\1}", path)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                paths.setdefault(path, {})[method.lower()] = _operation(rule, view, chain)
    return {"openapi": "3.1.0",
            "info": {"title": "建筑起重机械电子证照管理服务平台 API", "version": "1.1"},
            "servers": [{"url": PREFIX}],
            "components": {"schemas": _components(registered),
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": paths}


@bp.get("/openapi.json", endpoint="openapi")
@public
@documented("本接口的 OpenAPI 文档", response={"type": "object"})
def openapi():
    return jsonify(build_document(current_app))
