"""The administrator's API: process definitions (api.md), migrations, roles, forms, accounts, bureaus,
企业规则 and the audit log. Every endpoint is for the administrator only."""

from __future__ import annotations

from flask import Response, jsonify, request

from ..accounts.models import RoleKey
from ..audit import operations as audit
from ..process import forms as review_forms
from ..rules import operations as rules
from ..web.api import actor, body, bp, page_json, paging, roles_required
from . import operations, processes
from .schemas import form_out, role_out, rules_out

ADMIN = (RoleKey.ADMIN,)


@bp.get("/admin/processes")
@roles_required(*ADMIN)
def list_processes():
    return jsonify(processes.overview())


@bp.get("/admin/processes/<key>/bpmn")
@roles_required(*ADMIN)
def process_bpmn(key: str):
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    return Response(definition.bpmn_xml, mimetype="application/xml",
                    headers={"X-Process-Version": str(definition.version)})


@bp.post("/admin/processes/<key>")
@roles_required(*ADMIN)
def deploy_process(key: str):
    definition = processes.deploy(actor(), key, request.get_data(cache=False))
    return jsonify({"key": definition.key, "version": definition.version}), 201


@bp.get("/admin/processes/<key>/versions/<int:version>/instances")
@roles_required(*ADMIN)
def version_instances(key: str, version: int):
    return jsonify([{"id": i.id, "record_kind": i.record_kind, "record_id": i.record_id,
                     "started_at": i.started_at.isoformat()} for i in processes.running_instances(key, version)])


@bp.get("/admin/instances/<id:instance_id>/migration")
@roles_required(*ADMIN)
def migration_preview(instance_id: int):
    version = processes.parse_version(request.args.get("version"))
    return jsonify(processes.migration(actor(), instance_id, version, apply=False))


@bp.post("/admin/instances/<id:instance_id>/migration")
@roles_required(*ADMIN)
def migrate(instance_id: int):
    result = processes.migration(actor(), instance_id, processes.parse_version(request.args.get("version")), apply=True)
    return jsonify(result)


@bp.get("/admin/roles")
@roles_required(*ADMIN)
def list_roles():
    return jsonify([role_out(role, users) for role, users in operations.roles()])


@bp.post("/admin/roles")
@roles_required(*ADMIN)
def create_role():
    role = operations.create_role(actor(), body())
    return jsonify(role_out(role, 0)), 201


@bp.get("/admin/forms")
@roles_required(*ADMIN)
def list_forms():
    return jsonify([form_out(form, custom) for form, custom in review_forms.review_forms().values()])


@bp.put("/admin/forms/<key>")
@roles_required(*ADMIN)
def save_form(key: str):
    definition = operations.save_form(actor(), key, body())
    return jsonify(definition)


@bp.get("/admin/rules")
@roles_required(*ADMIN)
def get_rules():
    return jsonify(rules_out(rules.all_values()))


@bp.patch("/admin/rules")
@roles_required(*ADMIN)
def update_rules():
    values = operations.update_rules(actor(), body())
    return jsonify(rules_out(values))


@bp.get("/admin/users")
@roles_required(*ADMIN)
def list_users():
    page, per_page = paging()
    kind = "staff" if request.args.get("kind") == "staff" else "enterprise"
    rows, total = operations.find_users(kind, request.args.get("q", ""), page, per_page)
    return page_json([operations.user_out(u) for u in rows], total, page, per_page)


@bp.post("/admin/users")
@roles_required(*ADMIN)
def create_user():
    user = operations.create_user(actor(), body())
    return jsonify(operations.user_out(user)), 201


@bp.patch("/admin/users/<id:user_id>")
@roles_required(*ADMIN)
def update_user(user_id: int):
    user = operations.update_user(actor(), user_id, body())
    return jsonify(operations.user_out(user))


@bp.post("/admin/users/<id:user_id>/reset-password")
@roles_required(*ADMIN)
def reset_password(user_id: int):
    password = operations.reset_password(actor(), user_id)
    return jsonify({"password": password})


@bp.get("/admin/bureaus")
@roles_required(*ADMIN)
def list_bureaus():
    return jsonify([{"region_code": b.region_code, "name": b.name, "uscc": b.uscc} for b in operations.bureaus()])


@bp.patch("/admin/bureaus/<region_code>")
@roles_required(*ADMIN)
def update_bureau(region_code: str):
    bureau = operations.update_bureau(actor(), region_code, body())
    return jsonify({"region_code": bureau.region_code, "name": bureau.name, "uscc": bureau.uscc})


@bp.get("/admin/audit")
@roles_required(*ADMIN)
def audit_log():
    page, per_page = paging()
    rows, total = audit.entries(request.args.get("action") or None, page, per_page)
    return page_json([audit.entry_out(e) for e in rows], total, page, per_page)
