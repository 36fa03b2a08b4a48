"""Platform administration pages: 企业账号, staff, roles, review forms, bureaus, 企业规则, audit log.

Each view is thin: it reads the request, calls the rule in ``operations`` and renders. A refused change is
rolled back and the page shown again with the messages next to the fields (status 422, or the error's own).
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms import FormDef
from forms.codes import REGIONS
from forms.definitions import FieldDef

from ..accounts.models import ROLE_LABELS, RoleKey, is_staff_role
from ..audit import operations as audit
from ..errors import DomainError, Invalid, NotFound
from ..extensions import db
from ..process import forms as review_forms
from ..process.models import FormDefinition
from ..rules import operations as rules
from ..web.pages import shows_errors
from ..web.xlsx import xlsx_response
from . import operations
from .exports import users_filename, users_sheet
from .pages import admin_only

bp = admin_only(Blueprint("admin", __name__, url_prefix="/admin"))

ACCOUNTS_PER_PAGE = 20
AUDIT_PER_PAGE = 50
MAX_PAGE = 100_000
MAX_DEFINITION = 100_000  # characters of a review form's JSON
NEW_FORM_TEMPLATE: dict[str, Any] = {
    "title": "",
    "fields": [
        {"name": "decision", "label": "审批结果", "type": "choice", "required": True,
         "options": [["approve", "通过"], ["return", "退回"], ["reject", "不予通过"]]},
        {"name": "opinion", "label": "审批意见", "type": "text", "required": True, "max_length": 500},
    ],
}


# ---------------------------------------------------------------- helpers


def _page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(1, page), MAX_PAGE)


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _query() -> str:
    return request.args.get("q", "").strip()[:operations.MAX_QUERY]


def _next(default: str) -> str:
    """Where a row's button returns to: a page of the administration, never elsewhere."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/admin/") and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return default


def _shown(value: Any) -> str:
    """A rule's value as typed in the form: 10, not 10.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):  # dates, one a line
        return "\n".join(str(item) for item in value)
    return "" if value is None else str(value)


def _role_names() -> dict[str, str]:
    return {role.key: role.name for role, _users in operations.roles()}


def _staff_roles() -> list[tuple[str, str]]:
    return [(role.key, role.name) for role, _users in operations.roles() if role.key != RoleKey.APPLICANT]


# ---------------------------------------------------------------- home


@bp.get("")
def index():
    return render_template("admin/index.html")


# ---------------------------------------------------------------- accounts


@bp.get("/enterprises")
def enterprises():
    q, page = _query(), _page()
    rows, total = operations.find_users("enterprise", q, page, ACCOUNTS_PER_PAGE)
    return render_template("admin/enterprises.html", rows=rows, total=total, q=q, page=page,
                           pages=_pages(total, ACCOUNTS_PER_PAGE))


@bp.get("/<any(enterprises, staff):listed>/export")
def export_accounts(listed: str):
    """导出 of 企业账号 or 工作人员 with the page's search, every page of it."""
    kind = "enterprise" if listed == "enterprises" else "staff"
    return xlsx_response(users_filename(kind), [users_sheet(kind, _query())])


STAFF_FIELDS = ("username", "password", "role", "region_code", "email", "phone")


def _staff_page(exc: DomainError | None = None) -> str:
    q, page = _query(), _page()
    rows, total = operations.find_users("staff", q, page, ACCOUNTS_PER_PAGE)
    form = {**{name: request.form.get(name, "") for name in STAFF_FIELDS}, "password": ""} if exc else {}
    return render_template("admin/staff.html", rows=rows, total=total, q=q, page=page,
                           pages=_pages(total, ACCOUNTS_PER_PAGE), role_names=_role_names(),
                           roles=_staff_roles(), regions=REGIONS, form=form, errors=exc.errors if exc else {},
                           error=exc.message if exc else None)


@bp.get("/staff")
def staff():
    return _staff_page()


@bp.post("/staff")
@shows_errors(_staff_page)
def add_staff():
    user = operations.create_user(current_user, {name: request.form.get(name, "") for name in STAFF_FIELDS})
    flash(f"工作人员账号 {user.username} 已保存", "success")
    return redirect(url_for("admin.staff"))


def _staff_user(user_id: int):
    user = operations.get_user(user_id)
    if user.role == RoleKey.APPLICANT:
        raise NotFound("该账号不是工作人员账号")
    return user


def _staff_edit_page(exc: DomainError | None = None, user_id: int = 0) -> str:
    user = _staff_user(user_id)
    form = ({"role": request.form.get("role", ""), "region_code": request.form.get("region_code", "")} if exc
            else {"role": user.role, "region_code": user.region_code or ""})
    return render_template("admin/staff_edit.html", user=user, form=form, errors=exc.errors if exc else {},
                           error=exc.message if exc else None, roles=_staff_roles(), regions=REGIONS,
                           role_names=_role_names())


@bp.route("/staff/<id:user_id>", methods=["GET", "POST"])
@shows_errors(_staff_edit_page)
def edit_staff(user_id: int):
    if request.method == "GET":
        return _staff_edit_page(user_id=user_id)
    user = _staff_user(user_id)
    operations.update_user(current_user, user_id, {"role": request.form.get("role", ""),
                                                   "region_code": request.form.get("region_code", "")})
    flash(f"账号 {user.username} 已保存", "success")
    return redirect(url_for("admin.staff"))


def _account_list(user) -> str:
    return url_for("admin.enterprises") if user.role == RoleKey.APPLICANT else url_for("admin.staff")


@bp.post("/users/<id:user_id>/active")
def set_active(user_id: int):
    user = operations.get_user(user_id)
    raw = request.form.get("active", "")
    if raw not in ("0", "1"):  # an error here is shown on the error page (e.g. 不能停用自己的账号)
        raise Invalid.field("active", "请选择停用或启用")
    operations.update_user(current_user, user_id, {"active": raw == "1"})
    flash(f"账号 {user.username} 已{'启用' if raw == '1' else '停用'}", "success")
    return redirect(_next(_account_list(user)))


@bp.post("/users/<id:user_id>/reset-password")
def reset_password(user_id: int):
    user = operations.get_user(user_id)
    password = operations.reset_password(current_user, user_id)
    response = render_template("admin/password_reset.html", user=user, password=password,
                               back=_next(_account_list(user)))
    # shown once: neither the browser nor a proxy may keep it
    return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


# ---------------------------------------------------------------- roles


def _roles_page(exc: DomainError | None = None) -> str:
    form = {"key": request.form.get("key", ""), "name": request.form.get("name", "")} if exc else {}
    return render_template("admin/roles.html", rows=operations.roles(), is_staff_role=is_staff_role,
                           builtin=ROLE_LABELS, form=form, errors=exc.errors if exc else {},
                           error=exc.message if exc else None)


@bp.route("/roles", methods=["GET", "POST"])
@shows_errors(_roles_page)
def roles():
    if request.method == "GET":
        return _roles_page()
    role = operations.create_role(current_user, {"key": request.form.get("key", ""),
                                                 "name": request.form.get("name", "")})
    flash(f"角色 {role.name}（{role.key}）已保存", "success")
    return redirect(url_for("admin.roles"))


# ---------------------------------------------------------------- review forms


def _field_json(f: FieldDef) -> dict[str, Any]:
    """A field back in the ``forms/*.json`` format; defaults are left out, options become [value, label] pairs."""
    out: dict[str, Any] = {"name": f.name, "label": f.label, "type": f.type}
    if f.required:
        out["required"] = True
    if f.options:
        out["options"] = [[value, label] for value, label in f.options]
    if f.validators:
        out["validators"] = list(f.validators)
    if f.max_length != 200:
        out["max_length"] = f.max_length
    if f.help:
        out["help"] = f.help
    if f.required_if:
        out["required_if"] = dict(f.required_if)
    if f.columns:
        out["columns"] = [_field_json(c) for c in f.columns]
        if f.max_rows != 50:
            out["max_rows"] = f.max_rows
    if f.ref:
        out["ref"] = f.ref
    return out


def form_json(form: FormDef) -> dict[str, Any]:
    """A FormDef as the JSON definition it could have been loaded from (``form_from_json`` reads it back)."""
    out: dict[str, Any] = {"key": form.key, "title": form.title}
    if form.help:
        out["help"] = form.help
    out["fields"] = [_field_json(f) for f in form.fields]
    if form.attachments:
        out["attachments"] = [{"slot": s.slot, "label": s.label, "required": s.required} for s in form.attachments]
    return out


_SCALAR_ARRAY = re.compile(r"\[\n\s*([^\[\]{}]*?)\n\s*\]")


def _pretty(definition: Any) -> str:
    """Indented JSON with arrays of plain values on one line (``["approve", "通过"]``). A real newline
    never occurs inside a JSON string, so only arrays the indenter broke up are joined."""
    text = json.dumps(definition, ensure_ascii=False, indent=2)
    return _SCALAR_ARRAY.sub(lambda m: "[" + " ".join(line.strip() for line in m.group(1).split("\n")) + "]", text)


def _parse_definition(text: str) -> Any:
    if len(text) > MAX_DEFINITION:
        raise Invalid.field("definition", f"表单定义过长（最多 {MAX_DEFINITION} 个字符）")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid.field("definition", f"JSON 格式有误：第{exc.lineno}行第{exc.colno}列，{exc.msg}") from None
    except RecursionError:
        raise Invalid.field("definition", "JSON 格式有误：嵌套层次过深") from None


def _form_page(key: str, text: str, *, new: bool, custom: bool = False, exc: DomainError | None = None) -> str:
    return render_template("admin/form_edit.html", key=key, text=text, new=new, custom=custom,
                           errors=exc.errors if exc else {}, error=exc.message if exc else None)


def _new_form_again(exc: DomainError) -> str:
    return _form_page(request.form.get("key", "").strip()[:60], request.form.get("definition", ""), new=True, exc=exc)


def _edit_form_again(exc: DomainError, key: str) -> str:
    _form, custom = review_forms.review_forms()[key]
    return _form_page(key, request.form.get("definition", ""), new=False, custom=custom, exc=exc)


def _save_form(key: str, text: str):
    operations.save_form(current_user, key, _parse_definition(text))
    flash(f"审批表单 {key} 已保存", "success")
    return redirect(url_for("admin.forms"))


@bp.get("/forms")
def forms():
    return render_template("admin/forms.html", rows=review_forms.review_forms())


@bp.route("/forms/new", methods=["GET", "POST"])
@shows_errors(_new_form_again)
def new_form():
    if request.method == "GET":
        return _form_page("", _pretty(NEW_FORM_TEMPLATE), new=True)
    key = request.form.get("key", "").strip()[:60]
    if key in review_forms.review_forms():
        raise Invalid("该表单标识已存在", {"key": ["该表单标识已存在，请在列表中编辑"]})
    return _save_form(key, request.form.get("definition", ""))


@bp.route("/forms/<key>", methods=["GET", "POST"])
@shows_errors(_edit_form_again)
def edit_form(key: str):
    known = review_forms.review_forms().get(key)
    if known is None:
        raise NotFound("审批表单不存在")
    form, custom = known
    if request.method == "POST":
        return _save_form(key, request.form.get("definition", ""))
    stored = db.session.get(FormDefinition, key) if custom else None
    definition = stored.definition if stored is not None else form_json(form)
    return _form_page(key, _pretty(definition), new=False, custom=custom)


# ---------------------------------------------------------------- bureaus


def _bureaus_page(exc: DomainError | None = None, region_code: str | None = None) -> str:
    form = {"name": request.form.get("name", ""), "uscc": request.form.get("uscc", "")} if exc else {}
    return render_template("admin/bureaus.html", rows=operations.bureaus(), regions=REGIONS, failed=region_code,
                           form=form, errors=exc.errors if exc else {}, error=exc.message if exc else None)


@bp.get("/bureaus")
def bureaus():
    return _bureaus_page()


@bp.post("/bureaus/<region_code>")
@shows_errors(_bureaus_page)
def update_bureau(region_code: str):
    bureau = operations.update_bureau(current_user, region_code, {"name": request.form.get("name", ""),
                                                                  "uscc": request.form.get("uscc", "")})
    flash(f"{bureau.name} 已保存", "success")
    return redirect(url_for("admin.bureaus"))


# ---------------------------------------------------------------- 企业规则


def _posted_rules() -> dict[str, str]:
    return {key: request.form[key].strip() for key in rules.definitions() if key in request.form}


def _rules_page(exc: DomainError | None = None) -> str:
    values = {key: _shown(value) for key, value in rules.all_values().items()}
    if exc:
        values.update(_posted_rules())
    return render_template("admin/rules.html", rules=rules.definitions(), values=values, shown=_shown,
                           errors=exc.errors if exc else {}, error=exc.message if exc else None)


@bp.route("/rules", methods=["GET", "POST"])
@shows_errors(_rules_page)
def rules_page():
    if request.method == "GET":
        return _rules_page()
    operations.update_rules(current_user, _posted_rules())
    flash("企业规则已保存", "success")
    return redirect(url_for("admin.rules_page"))


# ---------------------------------------------------------------- 操作日志


@bp.get("/audit")
def audit_log():
    action = request.args.get("action", "").strip()[:60]
    page = _page()
    rows, total = audit.entries(action or None, page, AUDIT_PER_PAGE)
    return render_template("admin/audit.html", rows=rows, total=total, page=page,
                           pages=_pages(total, AUDIT_PER_PAGE), action=action, labels=audit.ACTION_LABELS,
                           changes=partial(audit.changes, role_names=_role_names()))
