"""Platform administration rules: accounts, roles, bureaus, 企业规则 and review forms.

Each change is checked, applied and written to the audit log (who, what, before/after) in the caller's
transaction, so a refused change leaves neither the change nor its log entry.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import joinedload
from stdnum.cn import uscc

from forms.codes import REGIONS
from workflows.errors import DiagramRejected
from workflows.lint import validate_diagram

from ..accounts.models import ApiToken, Bureau, Role, RoleKey, User, is_staff_role
from ..accounts.operations import create_staff_user, hasher, me_dict, text_of
from ..audit import operations as audit
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..organizations.models import Organization
from ..process import forms as review_forms
from ..process import operations as process
from ..process.models import ProcessDefinition
from ..rules import operations as rules

_ROLE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_QUERY = 60


def user_out(user: User) -> dict[str, Any]:
    return {**me_dict(user), "active": user.active, "created_at": user.created_at.isoformat(),
            "organization_name": user.organization.name if user.organization else None}


def users_query(kind: str, q: str = "") -> Select:
    """企业账号 (kind ``enterprise``) or staff accounts (``staff``), searched by username, e-mail, phone or unit."""
    query: Select = select(User)
    if kind == "enterprise":
        query = query.where(User.role == RoleKey.APPLICANT)
    else:
        query = query.where(User.role != RoleKey.APPLICANT)
    q = q.strip()[:MAX_QUERY]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.outerjoin(Organization, Organization.id == User.organization_id).where(or_(
            User.username.ilike(like), User.email.ilike(like), User.phone.ilike(like), Organization.name.ilike(like)))
    return query


def find_users(kind: str, q: str = "", page: int = 1, per_page: int = 20) -> tuple[list[User], int]:
    query = users_query(kind, q)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(User.id).limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def iter_users(kind: str, q: str = "", chunk: int = 1000) -> Iterator[User]:
    """The whole list in list order, ``chunk`` accounts at a time (keyset on id)."""
    query = users_query(kind, q).options(joinedload(User.organization)).order_by(User.id).limit(chunk)
    after = 0
    while rows := db.session.scalars(query.where(User.id > after)).all():
        yield from rows
        after = rows[-1].id


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在")
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return {"role": user.role, "region_code": user.region_code, "active": user.active}


def create_user(actor: User, data: Mapping[str, Any]) -> User:
    user = create_staff_user(data)
    audit.record(actor, "user.create", f"账号 {user.username}", None, _snapshot(user))
    return user


def update_user(actor: User, user_id: int, data: Mapping[str, Any]) -> User:
    """Change a staff account's role and region, or disable/enable any account (never one's own)."""
    user = get_user(user_id)
    before = _snapshot(user)
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise Invalid.field("active", "应为 true 或 false")
        if user.id == actor.id and not data["active"]:
            raise Invalid.field("active", "不能停用自己的账号")
        user.active = data["active"]
        if not user.active:  # a disabled account's API tokens stop working at once
            db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    if "role" in data or "region_code" in data:
        _assign_role(actor, user, data)
    db.session.flush()
    after = _snapshot(user)
    if before != after:
        action = ("user.disable" if not after["active"] else "user.enable") if before["active"] != after["active"] \
            else "user.update"
        audit.record(actor, action, f"账号 {user.username}", before, after)
    return user


def _assign_role(actor: User, user: User, data: Mapping[str, Any]) -> None:
    if user.role == RoleKey.APPLICANT:
        raise Invalid.field("role", "企业账号的性质由注册决定，不能改为工作人员")
    role = text_of(data, "role") or user.role
    known = set(db.session.scalars(select(Role.key))) - {RoleKey.APPLICANT}
    if role not in known:
        raise Invalid.field("role", "角色无效，可选：" + "、".join(sorted(known)))
    if user.id == actor.id and role != user.role:
        raise Invalid.field("role", "不能修改自己的角色")
    region = text_of(data, "region_code") if "region_code" in data else user.region_code
    region = region or None
    if region is not None and region not in REGIONS:
        raise Invalid.field("region_code", "地区代码无效")
    if is_staff_role(role) and region is None:
        raise Invalid.field("region_code", "住建局工作人员必须指定所属地区")
    user.role, user.region_code = role, region


def reset_password(actor: User, user_id: int) -> str:
    """A new random password, shown once to the administrator to hand over; every session of the account ends
    (the session id names the password hash) and its API tokens are revoked."""
    user = get_user(user_id)
    password = secrets.token_urlsafe(9) + "a1"
    user.password_hash = hasher().hash(password)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    audit.record(actor, "user.reset_password", f"账号 {user.username}")
    db.session.flush()
    return password


def roles() -> list[tuple[Role, int]]:
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return [(role, counts.get(role.key, 0)) for role in db.session.scalars(select(Role).order_by(Role.key))]


def create_role(actor: User, data: Mapping[str, Any]) -> Role:
    """A new staff role a diagram's lanes may name (e.g. ``deputy`` 分管副局长), assigned to staff accounts."""
    key, name = text_of(data, "key"), text_of(data, "name")
    errors = {}
    if not _ROLE_KEY.match(key):
        errors["key"] = ["角色标识为2–40位小写字母、数字或下划线，以字母开头（泳道名称使用此标识）"]
    if not name or len(name) > 50:
        errors["name"] = ["请填写角色名称（最多50个字符）"]
    if errors:
        raise Invalid(errors=errors)
    if db.session.get(Role, key) is not None:
        raise Conflict("角色标识已存在", {"key": ["已存在"]})
    role = Role(key=key, name=name)
    db.session.add(role)
    audit.record(actor, "role.create", f"角色 {key}", None, {"key": key, "name": name})
    db.session.flush()
    return role


def bureaus() -> list[Bureau]:
    return list(db.session.scalars(select(Bureau).order_by(Bureau.region_code)))


def update_bureau(actor: User, region_code: str, data: Mapping[str, Any]) -> Bureau:
    bureau = db.session.scalar(select(Bureau).where(Bureau.region_code == region_code))
    if bureau is None:
        raise NotFound("住建局不存在")
    before = {"name": bureau.name, "uscc": bureau.uscc}
    name = text_of(data, "name") if "name" in data else bureau.name
    code = text_of(data, "uscc").upper() if "uscc" in data else bureau.uscc
    if not name or len(name) > 100:
        raise Invalid.field("name", "请填写住建局名称（最多100个字符）")
    if not code or not uscc.is_valid(code):
        raise Invalid.field("uscc", "统一社会信用代码无效（18位，末位为校验码）")
    bureau.name, bureau.uscc = name, code
    after = {"name": name, "uscc": code}
    if after != before:
        audit.record(actor, "bureau.update", f"住建局 {region_code}", before, after)
    db.session.flush()
    return bureau


def update_rules(actor: User, changes: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(changes, Mapping) or not changes:
        raise Invalid.field("rules", "请提交要修改的规则")
    values = rules.clean(dict(changes))
    current = rules.all_values()
    changed = {k: v for k, v in values.items() if current[k] != v}
    if changed:
        rules.store(changed, actor.id)
        audit.record(actor, "rules.update", "企业规则", {k: current[k] for k in changed}, changed)
    return rules.all_values()


def save_form(actor: User, key: str, definition: Any) -> dict[str, Any]:
    """Save a review form unless that breaks a chain in force: its gateways are checked against the form's
    choices again (a removed option could leave a gap)."""
    before, after = review_forms.save_definition(key, definition, actor.id)
    problems = []
    for chain in db.session.scalars(select(ProcessDefinition.key).distinct()):
        diagram = process.latest_definition(chain)
        try:
            validate_diagram(diagram.bpmn_xml, process.lint_context(diagram.key), key=diagram.key)
        except DiagramRejected as exc:
            problems += [f"流程 {diagram.key} 版本 {diagram.version}：{issue}" for issue in exc.issues]
    if problems:
        raise Invalid("保存后现行流程将无法通过检查，请先修改流程图", {"definition": problems})
    audit.record(actor, "form.save", f"表单 {key}", before, after)
    return after
