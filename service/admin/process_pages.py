"""Process definition pages: versions, the bpmn-js modeler, deploy, upload/download, migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from lxml import etree
from sqlalchemy import select

from workflows.parser import parse_xml

from ..accounts.models import Role, User
from ..errors import DiagramInvalid, DomainError, NotFound
from ..extensions import db
from ..filings.chains import chains
from ..process import operations as process
from ..process.forms import form_keys, task_form
from ..process.models import HumanTask, ProcessDefinition, ProcessInstance, TaskStatus
from ..registry import registry
from ..web.pages import shows_errors
from . import processes
from .pages import admin_only

bp = admin_only(Blueprint("admin_processes", __name__, url_prefix="/admin/processes"))

#: Chains that are not a filing kind get their label here.
EXTRA_LABELS = {"certificate": "使用登记证制证"}
OUTCOME_LABELS = {"approved": "通过", "terminated": "终止", "completed": "完工注销", "revoked": "撤销证件",
                  "expired": "到期失效"}


def chain_label(key: str) -> str:
    kind = chains().get(key)
    return kind.label if kind is not None else EXTRA_LABELS.get(key, key)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _chains() -> list[dict[str, Any]]:
    """Every chain with its versions (newest first), in the menu's order (the chain a crane goes through),
    then 制证 and any other."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in processes.overview():
        deployed = dt.datetime.fromisoformat(row["deployed_at"]) if row["deployed_at"] else None
        by_key.setdefault(row["key"], []).append({**row, "deployed_at": deployed})
    menu = list(chains())
    order = sorted(by_key, key=lambda k: (menu.index(k) if k in menu else len(menu), k))
    return [{"key": key, "label": chain_label(key), "versions": by_key[key]} for key in order]


def _index_page(exc: DomainError | None = None, key: str | None = None) -> str:
    """The chains; after a refused upload, what is wrong with the file, beside the chain it was for."""
    issues = exc.issues if isinstance(exc, DiagramInvalid) else []
    message = (f"{exc.message}，未部署：" if issues else exc.message) if exc else None
    return render_template("admin/processes/index.html", chains=_chains(), upload_key=key,
                           upload_issues=issues, upload_message=message)


@bp.get("")
def index():
    return _index_page()


@bp.post("/<key>/upload")
@shows_errors(_index_page)
def upload(key: str):
    """The 上传 .bpmn form: the file becomes the chain's next version, or the page lists what is wrong."""
    if key not in processes.known_keys():
        raise NotFound(f"流程 {key} 不存在")
    file = request.files.get("bpmn")
    xml = file.read(processes.MAX_BPMN_BYTES + 1) if file is not None else b""
    definition = processes.deploy(_actor(), key, xml)
    flash(f"{chain_label(key)}：已部署为版本 {definition.version}", "success")
    return redirect(url_for("admin_processes.index"))


@bp.get("/<key>")
def show(key: str):
    """A chain's versions, one version's diagram and the instances still running on it."""
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    versions = next(c for c in _chains() if c["key"] == key)["versions"]
    latest = versions[0]["version"]
    instances = processes.running_instances(key, definition.version)
    open_steps: dict[int, list[str]] = {}
    if instances:
        rows = db.session.execute(select(HumanTask.instance_id, HumanTask.name).where(
            HumanTask.instance_id.in_([i.id for i in instances]), HumanTask.status == TaskStatus.OPEN))
        for instance_id, name in rows:
            open_steps.setdefault(instance_id, []).append(name)
    return render_template("admin/processes/show.html", key=key, label=chain_label(key), definition=definition,
                           versions=versions, latest=latest, instances=instances, open_steps=open_steps,
                           record_link=_record_link)


def _record_link(kind_key: str, record_id: int) -> str | None:
    kind = chains().get(kind_key)
    return url_for("filings.view", kind_path=kind.path, record_id=record_id) if kind is not None else None


@bp.get("/<key>/diagram")
def diagram(key: str):
    """What progress.js draws: one version's diagram (lanes named by role), nothing marked."""
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    return jsonify({"bpmn_xml": process.with_role_names(definition.bpmn_xml), "completed": [], "active": [],
                    "process_key": definition.key, "process_version": definition.version})


@bp.get("/<key>/bpmn")
def download(key: str):
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    filename = f"{definition.key}-v{definition.version}.bpmn"
    return Response(definition.bpmn_xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Process-Version": str(definition.version)})


@bp.get("/<key>/edit")
def edit(key: str):
    """The bpmn-js modeler, starting from the chosen version (default: the latest)."""
    definition = processes.version_of(key, processes.parse_version(request.args.get("version")))
    roles = [{"key": k, "name": n} for k, n in db.session.execute(select(Role.key, Role.name).order_by(Role.key))]
    forms = []
    for form_key in sorted(form_keys()):
        form = task_form(form_key)
        forms.append({"key": form_key, "title": form.title if form is not None else form_key})
    outcomes = sorted(registry().outcomes.get(key, ("approved", "terminated")),
                      key=lambda o: list(OUTCOME_LABELS).index(o) if o in OUTCOME_LABELS else len(OUTCOME_LABELS))
    config = {
        "key": key, "label": chain_label(key), "version": definition.version,
        "xml": process.with_role_names(definition.bpmn_xml),  # lanes as people read them; keys again on 部署
        "roles": roles, "forms": forms,
        "outcomes": [{"value": o, "label": OUTCOME_LABELS.get(o, o)} for o in outcomes],
        "deploy_url": url_for("admin_processes.deploy", key=key),
        "list_url": url_for("admin_processes.index"),
        "csrf_token": generate_csrf(),
    }
    return render_template("admin/processes/edit.html", key=key, label=chain_label(key), definition=definition,
                           config=config)


def _deploy_refused(exc: DomainError, key: str) -> Response:
    """The modeler marks each refused element on the canvas."""
    issues = exc.issues if isinstance(exc, DiagramInvalid) else []
    return jsonify({"message": exc.message, "errors": [i.as_dict() for i in issues]})


@bp.post("/<key>/deploy")
@shows_errors(_deploy_refused, to_error_page=())  # the modeler reads every answer as JSON
def deploy(key: str):
    """The modeler's 部署: the request body is the diagram's XML; the answer is JSON."""
    definition = processes.deploy(_actor(), key, request.get_data(cache=False))
    return jsonify({"key": definition.key, "version": definition.version}), 201


def _instance_of(key: str, instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    definition = db.session.get(ProcessDefinition, instance.definition_id) if instance is not None else None
    if definition is None or definition.key != key:
        raise NotFound("流程实例不存在")
    return instance


def _names(definition: ProcessDefinition) -> dict[str, str]:
    root = parse_xml(definition.bpmn_xml)
    return {el.get("id"): el.get("name") or "" for el in root.iter() if isinstance(el.tag, str)
            and el.get("id") and etree.QName(el).localname not in ("definitions", "BPMNShape", "BPMNEdge")}


def _migration_page(key: str, instance_id: int, plan: dict[str, Any], error: str | None = None) -> str:
    source = processes.version_of(key, plan["from_version"])
    target = processes.version_of(key, plan["to_version"])
    before, after = _names(source), _names(target)
    steps_before = [(i, before.get(i, "")) for i in plan["active_before"]]
    steps_after = [(i, after.get(i, "")) for i in plan["active_after"]]
    return render_template("admin/processes/migrate.html", key=key, label=chain_label(key), plan=plan,
                           steps_before=steps_before, steps_after=steps_after, error=error,
                           record_link=_record_link(plan["record_kind"], plan["record_id"]))


@bp.get("/<key>/instances/<id:instance_id>/migrate")
def migration_preview(key: str, instance_id: int):
    _instance_of(key, instance_id)
    plan = processes.migration(_actor(), instance_id, processes.parse_version(request.args.get("version")), apply=False)
    db.session.rollback()  # a preview changes nothing
    return _migration_page(key, instance_id, plan)


def _migration_refused(exc: DomainError, key: str, instance_id: int) -> str:
    """The preview again, saying why the move was refused (an instance that finished meanwhile has
    nothing left to preview: the error page says so)."""
    plan = processes.migration(_actor(), instance_id, processes.parse_version(request.args.get("version")),
                               apply=False)
    db.session.rollback()  # a preview changes nothing
    return _migration_page(key, instance_id, plan, exc.message)


@bp.post("/<key>/instances/<id:instance_id>/migrate")
@shows_errors(_migration_refused)
def migrate(key: str, instance_id: int):
    _instance_of(key, instance_id)
    version = processes.parse_version(request.args.get("version"))
    result = processes.migration(_actor(), instance_id, version, apply=True)
    flash(f"流程实例 {instance_id} 已从版本 {result['from_version']} 迁移到版本 {result['to_version']}", "success")
    return redirect(url_for("admin_processes.show", key=key, version=result["from_version"]))
