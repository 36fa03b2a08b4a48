"""``GET /api/v1/openapi.json``: built from the routes' contract and the form definitions."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from forms import FORMS

from ..filings.chains import chains
from ..web.api import bp, public

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, body: dict | None = None, ok: str = "200", errors: tuple[str, ...] = ("401",),
        content_type: str = "application/json") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {ok: {"description": "成功"}}}
    for code in errors:
        op["responses"][code] = {"description": "错误", "content": {"application/json": {"schema": _ERROR}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {content_type: {"schema": body}}}
    return op


def _obj(*names: str) -> dict[str, Any]:
    return {"type": "object", "properties": {n: {"type": "string"} for n in names}, "required": list(names)}


def build_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/auth/register": {"post": _op("注册", _obj("email", "username", "password", "phone", "unit_type"),
                                       "201", ("409", "422"))},
        "/auth/token": {"post": _op("获取访问令牌", _obj("username", "password"), errors=("401", "429"))},
        "/me": {"get": _op("当前账号")},
        "/me/password": {"post": _op("修改密码", _obj("old_password", "new_password"), "204", ("401", "422"))},
        "/admin/users": {"post": _op("创建工作人员账号", _obj("username", "password", "role"), "201",
                                     ("401", "403", "409", "422"))},
        "/tasks": {"get": _op("待审批任务列表（scope=claimable|mine|all）")},
        "/statistics": {"get": _op("统计控制台：按业务、状态、月份计数（管理员可加 region）", errors=("401", "403"))},
        "/tasks/{id}": {"get": _op("任务详情（含表单）", errors=("401", "404"))},
        "/tasks/{id}/claim": {"post": _op("认领", errors=("401", "403", "404", "409"))},
        "/tasks/{id}/unclaim": {"post": _op("取消认领", errors=("401", "403", "404", "409"))},
        "/tasks/{id}/complete": {"post": _op("办理", {"$ref": "#/components/schemas/form_review"},
                                             errors=("401", "403", "404", "409", "422"))},
    }
    for kind in chains().values():
        ref = {"$ref": f"#/components/schemas/form_{kind.form_key}"}
        base = f"/{kind.path}"
        paths[base] = {"get": _op(f"{kind.label}列表（status=draft|in_review|approved|terminated）"),
                       "post": _op(f"{kind.label}：添加", ref, "201", ("401", "403", "422"))}
        paths[base + "/{id}"] = {"get": _op(f"{kind.label}：查看", errors=("401", "404")),
                                 "patch": _op(f"{kind.label}：修改", ref, errors=("401", "404", "409", "422")),
                                 "delete": _op(f"{kind.label}：删除草稿", ok="204", errors=("401", "404", "409"))}
        upload = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        paths[base + "/{id}/attachments/{slot}"] = {"put": _op(
            f"{kind.label}：上传附件", upload, "201", ("401", "404", "409", "413", "415"), "multipart/form-data")}
        paths[base + "/{id}/submit"] = {"post": _op(f"{kind.label}：发起审批", errors=("401", "404", "409", "422"))}
        paths[base + "/{id}/progress"] = {"get": _op(f"{kind.label}：流程进度", errors=("401", "404"))}
    schemas = {f"form_{key}": form.json_schema() for key, form in FORMS.items()}
    schemas["Error"] = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                                         "errors": {"type": "object"}}}
    return {"openapi": "3.1.0",
            "info": {"title": "建筑起重机械电子证照管理服务平台 API", "version": "1"},
            "servers": [{"url": "/api/v1"}],
            "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            "paths": paths}


@bp.get("/openapi.json", endpoint="openapi")
@public
def openapi():
    return jsonify(build_document())
