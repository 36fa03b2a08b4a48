"""The administrator's API: process definitions (api.md), migrations, roles, forms, accounts, bureaus,
企业规则 and the audit log. Every endpoint is for the administrator only."""

from __future__ import annotations

from flask import Response, jsonify, request

from ..accounts.models import RoleKey
from ..audit import operations as audit
from ..process import forms as review_forms
from ..rules import operations as rules
from ..web.api import actor, body, bp, page_json, paging, roles_required
from ..web.docs import ANY_OBJECT, BINARY, INTEGER, PAGING, STRING, array, choice, documented, obj, page_of
from ..web.xlsx import XLSX_MIME, xlsx_response
from . import operations, processes
from .exports import users_filename, users_sheet
from .schemas import form_out, role_out, rules_out

ADMIN = (RoleKey.ADMIN,)


@bp.get("/admin/processes")
@documented("流程列表：每个流程的各版本与运行中实例数", response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def list_processes():
    return jsonify(processes.overview())


@bp.get("/admin/processes/<key>/bpmn")
@documented("流程图 BPMN XML（不指定 version 为最新版本）", query={"version": INTEGER}, response=STRING,
            produces="application/xml", errors=(422,))
@roles_required(*ADMIN)
def process_bpmn(key: str):
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    return Response(definition.bpmn_xml, mimetype="application/xml",
                    headers={"X-Process-Version": str(definition.version)})


@bp.post("/admin/processes/<key>")
@documented("部署流程图：检查通过后成为下一版本", body=STRING, consumes="application/xml", status=201,
            response=obj(("key", "version"), key=STRING, version=INTEGER), errors=(413, 422))
@roles_required(*ADMIN)
def deploy_process(key: str):
    definition = processes.deploy(actor(), key, request.get_data(cache=False))
    return jsonify({"key": definition.key, "version": definition.version}), 201


@bp.get("/admin/processes/<key>/versions/<id:version>/instances")
@documented("某版本运行中的实例", response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def version_instances(key: str, version: int):
    return jsonify([{"id": i.id, "record_kind": i.record_kind, "record_id": i.record_id,
                     "started_at": i.started_at.isoformat()} for i in processes.running_instances(key, version)])


@bp.get("/admin/instances/<id:instance_id>/migration")
@documented("实例迁移预览", query={"version": INTEGER}, response=ANY_OBJECT, errors=(409, 422))
@roles_required(*ADMIN)
def migration_preview(instance_id: int):
    version = processes.parse_version(request.args.get("version"))
    return jsonify(processes.migration(actor(), instance_id, version, apply=False))


@bp.post("/admin/instances/<id:instance_id>/migration")
@documented("实例迁移到新版本（不安全时拒绝）", query={"version": INTEGER}, response=ANY_OBJECT, errors=(409, 422))
@roles_required(*ADMIN)
def migrate(instance_id: int):
    result = processes.migration(actor(), instance_id, processes.parse_version(request.args.get("version")), apply=True)
    return jsonify(result)


@bp.get("/admin/roles")
@documented("角色列表", response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def list_roles():
    return jsonify([role_out(role, users) for role, users in operations.roles()])


@bp.post("/admin/roles")
@documented("添加角色", body=obj(("key", "name"), key=STRING, name=STRING), response=ANY_OBJECT, status=201,
            errors=(409,))
@roles_required(*ADMIN)
def create_role():
    role = operations.create_role(actor(), body())
    return jsonify(role_out(role, 0)), 201


@bp.get("/admin/forms")
@documented("审批表单列表", response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def list_forms():
    return jsonify([form_out(form, custom) for form, custom in review_forms.review_forms().values()])


@bp.put("/admin/forms/<key>")
@documented("定义或修改审批表单（forms/*.json 格式）", body=ANY_OBJECT, response=ANY_OBJECT, errors=(409,))
@roles_required(*ADMIN)
def save_form(key: str):
    definition = operations.save_form(actor(), key, body())
    return jsonify(definition)


@bp.get("/admin/rules")
@documented("企业规则", response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def get_rules():
    return jsonify(rules_out(rules.all_values()))


@bp.patch("/admin/rules")
@documented("修改企业规则", body=ANY_OBJECT, response=array(ANY_OBJECT))
@roles_required(*ADMIN)
def update_rules():
    values = operations.update_rules(actor(), body())
    return jsonify(rules_out(values))


@bp.get("/admin/users")
@documented("账号列表（kind=enterprise 企业账号或 staff 工作人员）", response=page_of(ANY_OBJECT),
            query={"kind": choice("enterprise", "staff"), "q": STRING, **PAGING}, errors=(422,))
@roles_required(*ADMIN)
def list_users():
    page, per_page = paging()
    kind = "staff" if request.args.get("kind") == "staff" else "enterprise"
    rows, total = operations.find_users(kind, request.args.get("q", ""), page, per_page)
    return page_json([operations.user_out(u) for u in rows], total, page, per_page)


@bp.get("/admin/users/export")
@documented("账号列表：导出（.xlsx；kind=enterprise 企业账号或 staff 工作人员，q 同列表）", response=BINARY,
            produces=XLSX_MIME, query={"kind": choice("enterprise", "staff"), "q": STRING})
@roles_required(*ADMIN)
def export_users():
    kind = "staff" if request.args.get("kind") == "staff" else "enterprise"
    return xlsx_response(users_filename(kind), [users_sheet(kind, request.args.get("q", ""))])


@bp.post("/admin/users")
@documented("创建工作人员账号", body=obj(("username", "password", "role"), username=STRING, password=STRING,
            role=STRING, region_code=STRING, email=STRING, phone=STRING), response=ANY_OBJECT, status=201,
            errors=(409,))
@roles_required(*ADMIN)
def create_user():
    user = operations.create_user(actor(), body())
    return jsonify(operations.user_out(user)), 201


@bp.patch("/admin/users/<id:user_id>")
@documented("修改账号：停用/启用、角色、地区", body=ANY_OBJECT, response=ANY_OBJECT, errors=(409,))
@roles_required(*ADMIN)
def update_user(user_id: int):
    user = operations.update_user(actor(), user_id, body())
    return jsonify(operations.user_out(user))


@bp.post("/admin/users/<id:user_id>/reset-password")
@documented("重置密码（只显示一次）", response=obj(("password",), password=STRING))
@roles_required(*ADMIN)
def reset_password(user_id: int):
    password = operations.reset_password(actor(), user_id)
    return jsonify({"password": password})


@bp.get("/admin/bureaus")
@documented("住建局列表", response=array(obj(region_code=STRING, name=STRING, uscc=STRING)))
@roles_required(*ADMIN)
def list_bureaus():
    return jsonify([{"region_code": b.region_code, "name": b.name, "uscc": b.uscc} for b in operations.bureaus()])


@bp.patch("/admin/bureaus/<region_code>")
@documented("修改住建局名称、统一社会信用代码", body=obj(name=STRING, uscc=STRING),
            response=obj(region_code=STRING, name=STRING, uscc=STRING))
@roles_required(*ADMIN)
def update_bureau(region_code: str):
    bureau = operations.update_bureau(actor(), region_code, body())
    return jsonify({"region_code": bureau.region_code, "name": bureau.name, "uscc": bureau.uscc})


@bp.get("/admin/audit")
@documented("操作日志", query={"action": STRING, **PAGING}, response=page_of(ANY_OBJECT), errors=(422,))
@roles_required(*ADMIN)
def audit_log():
    page, per_page = paging()
    rows, total = audit.entries(request.args.get("action") or None, page, per_page)
    return page_json([audit.entry_out(e) for e in rows], total, page, per_page)
