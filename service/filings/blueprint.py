"""Pages for every record kind: list with tabs, 添加/编辑 with attachments, 查看, 发起审批, 删除."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from forms import FormDef
from forms.codes import REGIONS

from ..accounts.models import Bureau
from ..attachments.operations import file_response
from ..attachments.staging import Staged, from_token, stage, token_for
from ..errors import DomainError, Invalid, NotFound, Problems
from ..extensions import db
from ..process.operations import with_role_names
from ..web.pages import shows_errors
from ..web.resume import resumed_form
from ..web.xlsx import xlsx_response
from . import operations
from .chains import Chain, chain_at
from .exports import list_filename, list_sheet
from .models import EDITABLE, STATUS_LABELS, TABS
from .queries import STAFF_SCOPES, list_records

bp = Blueprint("filings", __name__)


def _kind(kind_path: str) -> Chain:
    return chain_at(kind_path) or abort(404)


def _render_form(kind: Chain, record: Any, values: dict[str, Any], exc: DomainError | None = None) -> str:
    attachments = {a.slot: a for a in operations.attachments_of(kind, record)} if record else {}
    correcting = operations.is_correction(kind, record)
    locked = dict(kind.filled_fields)  # what the platform fills from what was picked
    if correcting:  # what cannot change is shown as it stands, never as typed
        locked |= {f.name: "按住建部反馈修改时不能更改此项" for f in kind.form.fields
                   if f.name not in kind.correctable(record)}
    if record is not None:
        values = {**values, **{name: getattr(record, name) for name in locked}}
    staged = {slot: (token_for(file, current_user.id), file) for slot, file in g.get("staged_uploads", {}).items()}
    return render_template("filings/edit.html", kind=kind, record=record, values=values, staged=staged,
                           errors=exc.errors if exc else {}, attachments=attachments,
                           error=exc.message if exc else None, choices=operations.choices_of(kind, current_user),
                           details=operations.choice_details_of(kind, current_user),
                           correcting=correcting, locked=locked,
                           notices=_notices_on_form(kind, record))


def form_values(form: FormDef, posted: MultiDict, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The posted page form as the API's JSON shape: rows come as ``<field>-<n>-<column>`` inputs. ``only``
    narrows it to the fields the page offered (a correction offers the correctable ones)."""
    data: dict[str, Any] = {}
    for f in form.fields:
        if only is not None and f.name not in only:
            continue
        if f.type == "refs":
            data[f.name] = posted.getlist(f.name)
            continue
        if f.type != "rows":
            if f.name in posted:
                data[f.name] = posted.get(f.name, "")
            continue
        indices = sorted({int(m.group(1)) for key in posted
                          if (m := re.fullmatch(rf"{re.escape(f.name)}-(\d+)-\w+", key))})
        rows = [{c.name: posted.get(f"{f.name}-{i}-{c.name}", "") for c in f.columns} for i in indices]
        data[f.name] = [row for row in rows if any(v.strip() for v in row.values())]
    if (position := posted.get("position", "").strip()) and "longitude" in data:
        # what the picker gives, split; anything else goes to 经度 as typed, whose check then names the problem
        data["longitude"], data["latitude"] = split_position(position) or (position, data.get("latitude", ""))
    return data


_POSITION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$")


def split_position(text: str) -> tuple[str, str] | None:
    """“经度,纬度” as the Baidu picker copies it (a full-width comma or a space will do too)."""
    match = _POSITION.match(text)
    return (match.group(1), match.group(2)) if match else None


def _notices_on_form(kind: Chain, record: Any) -> list[operations.Notice]:
    """On the form itself the notices say what to fix; their link to this form is not needed."""
    if record is None:
        return []
    return [replace(n, action_url="") for n in operations.record_notices(kind, current_user, record)]


def _offered(kind: Chain, record: Any) -> tuple[str, ...] | None:
    return kind.correctable(record) if operations.is_correction(kind, record) else None


def _form_again(exc: DomainError, kind_path: str, record_id: int | None = None) -> str:
    """A failed save: the form again with what was typed and every message."""
    kind = _kind(kind_path)
    record = operations.get_record(kind, current_user, record_id) if record_id else None
    return _render_form(kind, record, form_values(kind.form, request.form, _offered(kind, record)), exc)


def _staged_uploads(kind: Chain, problems: Problems) -> dict[str, Staged]:
    """Every file the form carries, stored at once: a newly chosen one, or one chosen before a failed save
    (its token), unless the person removed it. A file refused (type, size) is a problem of its slot."""
    staged = {}
    for slot in kind.form.attachments:
        upload: FileStorage | None = request.files.get(f"file_{slot.slot}")
        if upload is not None and upload.filename:
            try:
                staged[slot.slot] = stage(upload.stream, upload.filename)
            except DomainError as exc:  # keep the status (413/415/422), name the slot
                problems.keep(type(exc)(f"{slot.label}：{exc.message}", {slot.slot: [exc.message]}))
        elif request.form.get(f"remove_{slot.slot}"):
            continue
        elif (kept := from_token(request.form.get(f"staged_{slot.slot}", ""), current_user.id)) is not None:
            staged[slot.slot] = kept
    g.staged_uploads = staged  # shown again, as chosen, should the save fail
    return staged


def _save_with_files(kind: Chain, current: Any | None):
    """One transaction: the fields and every chosen file, or nothing at all — every problem at once.
    ``current``: the record being edited (None for 添加)."""
    problems = Problems()
    staged = _staged_uploads(kind, problems)
    record = None
    with problems.collecting():
        if current is None:
            record = operations.create_draft(kind, current_user, form_values(kind.form, request.form))
        else:
            correcting = operations.is_correction(kind, current)
            record = operations.update_draft(kind, current_user, current.id,
                                             form_values(kind.form, request.form, _offered(kind, current)))
            if correcting:
                flash("已按住建部反馈修改并保存。住建局将再次制证，请留意制证结果。", "success")
                return redirect(url_for("filings.view", kind_path=kind.path, record_id=record.id))
    problems.raise_any(Invalid.message)
    for slot, file in staged.items():
        operations.attach_staged(kind, current_user, record.id, slot, file)
    flash("已保存", "success")
    return redirect(url_for("filings.view", kind_path=kind.path, record_id=record.id))


def _list_filters() -> tuple[str, str, str]:
    """The list's tab, search and scope as the page's address gives them (anything unknown: none)."""
    tab = request.args.get("status", "")
    scope = request.args.get("scope", "")
    return (tab if tab in TABS else "", request.args.get("q", "").strip(),
            scope if scope in STAFF_SCOPES and not current_user.is_applicant else "")


@bp.get("/<kind_path>")
@login_required
def index(kind_path: str):
    kind = _kind(kind_path)
    tab, q, scope = _list_filters()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    result = list_records(kind, current_user, tab, page, 20, q, scope)
    actions = {r.id: operations.record_actions(kind, current_user, r) for r in result.items}
    return render_template("filings/list.html", kind=kind, result=result, tab=tab, tabs=TABS, q=q, actions=actions,
                           scope=scope, scopes=STAFF_SCOPES,
                           regions=REGIONS, status_labels=STATUS_LABELS, editable=EDITABLE,
                           can_file=current_user.is_applicant and current_user.unit_type in kind.filers)


@bp.get("/<kind_path>/export")
@login_required
def export(kind_path: str):
    """导出: the list as it stands on the page (tab, scope, search), every page of it."""
    kind = _kind(kind_path)
    tab, q, scope = _list_filters()
    return xlsx_response(list_filename(kind, tab, scope), [list_sheet(kind, current_user, tab, q, scope)])


@bp.route("/<kind_path>/new", methods=["GET", "POST"])
@login_required
@shows_errors(_form_again)
def new(kind_path: str):
    kind = _kind(kind_path)
    if request.method == "POST":
        return _save_with_files(kind, None)
    operations.require_filer(kind, current_user)
    resumed = resumed_form()  # typed before the sign-in ran out
    return _render_form(kind, None, form_values(kind.form, resumed) if resumed else kind.draft_defaults(current_user))


@bp.route("/<kind_path>/<id:record_id>/edit", methods=["GET", "POST"])
@login_required
@shows_errors(_form_again)
def edit(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    record = operations.get_record(kind, current_user, record_id)
    if (moved_on := _no_longer_editable(kind, record)) is not None:
        return moved_on
    if request.method == "POST":
        return _save_with_files(kind, record)
    values = {f.name: getattr(record, f.name) or "" for f in kind.form.fields}
    if (resumed := resumed_form()) is not None:  # typed before the sign-in ran out
        values |= form_values(kind.form, resumed, _offered(kind, record))
    return _render_form(kind, record, values)


@bp.get("/<kind_path>/<id:record_id>")
@login_required
def view(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    record = operations.get_record(kind, current_user, record_id)
    return render_template("filings/view.html", kind=kind, record=record,
                           attachments=operations.attachments_of(kind, record),
                           history=operations.history_of(kind, record), regions=REGIONS,
                           editable=EDITABLE, actions=operations.record_actions(kind, current_user, record),
                           notices=operations.record_notices(kind, current_user, record))


@bp.get("/<kind_path>/<id:record_id>/progress")
@login_required
def progress(kind_path: str, record_id: int):
    """流程进展 for the diagram viewer: the same as the API's, with lanes named in Chinese."""
    kind = _kind(kind_path)
    data = operations.progress_of(kind, operations.get_record(kind, current_user, record_id))
    return jsonify({**data, "bpmn_xml": with_role_names(data["bpmn_xml"])})


@bp.get("/<kind_path>/<id:record_id>/files/<slot>")
@login_required
def download(kind_path: str, record_id: int, slot: str):
    kind = _kind(kind_path)
    record = operations.get_record(kind, current_user, record_id)
    attachment = next((a for a in operations.attachments_of(kind, record) if a.slot == slot), None)
    if attachment is None:
        raise NotFound("附件不存在")
    return file_response(attachment)


def _no_longer_editable(kind: Chain, record: Any):
    """Back or reload on a page of a record that has moved on (already 发起审批, decided): its own page, told
    why — never an error page (post/redirect/get)."""
    if operations.is_editable_by(kind, current_user, record):
        return None
    flash(f"该记录当前状态为“{record.status_label}”，不能修改或再次发起审批", "info")
    return redirect(url_for("filings.view", kind_path=kind.path, record_id=record.id), 303)


def _submit_page(kind_path: str, record_id: int, exc: DomainError | None = None) -> str:
    kind = _kind(kind_path)
    record = operations.editable_record(kind, current_user, record_id)
    bureau = db.session.scalar(select(Bureau).where(Bureau.region_code == record.region_code))
    return render_template("filings/submit.html", kind=kind, record=record, bureau=bureau,
                           error=exc.message if exc else None, errors=exc.errors if exc else {})


def _submit_again(exc: DomainError, kind_path: str, record_id: int) -> str:
    return _submit_page(kind_path, record_id, exc)


@bp.route("/<kind_path>/<id:record_id>/submit", methods=["GET", "POST"])
@login_required
@shows_errors(_submit_again)
def submit(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    if (moved_on := _no_longer_editable(kind, operations.get_record(kind, current_user, record_id))) is not None:
        return moved_on
    if request.method == "GET":
        return _submit_page(kind_path, record_id)
    operations.submit(kind, current_user, record_id, request.form.get("opinion") or None)
    flash("已发起审批", "success")
    return redirect(url_for("filings.view", kind_path=kind.path, record_id=record_id))


@bp.post("/<kind_path>/<id:record_id>/delete")
@login_required
def delete(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    operations.delete_draft(kind, current_user, record_id)
    flash("已删除", "success")
    return redirect(url_for("filings.index", kind_path=kind.path))
