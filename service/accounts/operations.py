"""Account rules, shared by the pages, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update

from forms.codes import REGIONS, UNIT_TYPES
from forms.validators import FieldInvalid, mobile, plain_text

from ..errors import Conflict, Invalid, NotAuthenticated, Problems, Throttled
from ..extensions import db
from ..types import utcnow
from .models import ApiToken, LoginFailure, Role, RoleKey, User, is_staff_role

TOKEN_LIFETIME = dt.timedelta(hours=12)
FAILURE_WINDOW = dt.timedelta(minutes=15)
#: failures of one account from one address before its back-off starts, and the longest wait (seconds)
FREE_TRIES_PER_PAIR, MAX_WAIT_PER_PAIR = 3, 15 * 60
#: failures of one account from anywhere before a gentler back-off starts
FREE_TRIES_PER_ACCOUNT, MAX_WAIT_PER_ACCOUNT = 10, 5 * 60
#: failures from one address (all accounts) after which its wrong passwords are refused outright
MAX_FAILURES_PER_ADDRESS = 30
_USERNAME = re.compile(r"^[A-Za-z0-9_\u4e00-\u9fff]{3,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def check_password_strength(password: str, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < 8 or len(password) > 128:
        raise Invalid.field(field, "密码长度应为8–128位")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise Invalid.field(field, "密码须同时包含字母和数字")


def text_of(data: Mapping[str, Any], key: str) -> str:
    """A submitted text value, or an error naming the field: lists, objects and control characters are refused."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid.field(key, "应为文本")
    try:
        return plain_text(value).strip()
    except FieldInvalid as exc:
        raise Invalid.field(key, str(exc)) from None


def _clean_account_fields(data: Mapping[str, Any], *, email_required: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    username = text_of(data, "username")
    if not _USERNAME.match(username):
        errors["username"] = ["用户名为3–40位字母、数字、下划线或汉字"]
    out["username"] = username
    email = text_of(data, "email")
    if email and (not _EMAIL.match(email) or len(email) > 120):
        errors["email"] = ["邮箱格式不正确（最多120个字符）"]
    elif not email and email_required:
        errors["email"] = ["请填写邮箱"]
    out["email"] = email.lower() or None
    phone = text_of(data, "phone")
    if phone:
        try:
            out["phone"] = mobile(phone)
        except FieldInvalid as exc:
            errors["phone"] = [str(exc)]
    elif email_required:
        errors["phone"] = ["请填写手机号"]
    try:
        check_password_strength(data.get("password"))
    except Invalid as exc:
        errors.update(exc.errors)
    if errors:
        raise Invalid(errors=errors)
    return out


def _ensure_unique(username: str, email: str | None) -> None:
    clash = db.session.scalar(select(User).where(or_(func.lower(User.username) == username.lower(),
                                                     User.email == email if email else False)))
    if clash is not None:
        field = "username" if clash.username.lower() == username.lower() else "email"
        raise Conflict("用户名已被注册" if field == "username" else "邮箱已被注册",
                       {field: ["已被注册"]})


def register(data: Mapping[str, Any], problems: Problems | None = None) -> User:
    """注册: an enterprise account (产权单位 or 施工单位). Every problem at once, with those the caller found
    (``problems``, e.g. the page's password confirmation)."""
    problems = problems or Problems()
    values: dict[str, Any] = {}
    with problems.collecting():
        values = _clean_account_fields(data, email_required=True)
    unit_type = text_of(data, "unit_type")
    if unit_type not in UNIT_TYPES:
        problems.add("unit_type", "请选择单位类型：产权单位或施工单位（产权+安装请选择产权单位）")
    if values:
        with problems.collecting():
            _ensure_unique(values["username"], values["email"])
    problems.raise_any()
    user = User(**values, password_hash=hasher().hash(data["password"]), role=RoleKey.APPLICANT,
                unit_type=unit_type)
    db.session.add(user)
    db.session.flush()
    return user


def create_staff_user(data: Mapping[str, Any]) -> User:
    """Bureau staff and administrators come from an administrator, never from self-registration."""
    values = _clean_account_fields(data, email_required=False)
    role = text_of(data, "role")
    known = set(db.session.scalars(select(Role.key)))
    if role not in known or role == RoleKey.APPLICANT:
        raise Invalid.field("role", "角色无效，可选：" + "、".join(sorted(known - {RoleKey.APPLICANT})))
    region = text_of(data, "region_code") or None
    if is_staff_role(role) and region not in REGIONS:
        raise Invalid.field("region_code", "住建局工作人员必须指定所属地区（新疆地州市代码，如650100）")
    if region is not None and region not in REGIONS:
        raise Invalid.field("region_code", "地区代码无效")
    _ensure_unique(values["username"], values["email"])
    user = User(**values, password_hash=hasher().hash(data["password"]), role=role, region_code=region)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str, address: str) -> User:
    """Check a password, slowing the guesser, not the owner:

    - per account and address, a back-off after a few failures (doubling, capped): wait ``Retry-After``;
    - per account from anywhere, a gentler back-off against guessing spread over many addresses;
    - per address across accounts (a proxy's, an office's), only wrong passwords are refused — a correct
      one always signs in, so nobody behind the same address can lock the others out.
    """
    username = (username or "").strip()[:80]
    if not _USERNAME.match(username):
        username = ""  # cannot exist; still counted, never sent to the database as typed
    name, address = username.lower(), address[:64]
    since = utcnow() - FAILURE_WINDOW
    pair = _failures(LoginFailure.username == name, LoginFailure.address == address, since=since)
    anywhere = _failures(LoginFailure.username == name, since=since)
    wait = max(_backoff(pair, FREE_TRIES_PER_PAIR, MAX_WAIT_PER_PAIR),
               _backoff(anywhere, FREE_TRIES_PER_ACCOUNT, MAX_WAIT_PER_ACCOUNT))
    if wait > 0:
        raise Throttled(f"登录失败次数过多，请 {_in_words(wait)}后再试", retry_after=wait)
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    if user is None or not _verify(user, password or ""):
        _record_failure(name, address)
        by_address = _failures(LoginFailure.address == address, since=since)
        if by_address[0] >= MAX_FAILURES_PER_ADDRESS:  # the address guesses a lot: a wrong password waits
            raise Throttled("此地址登录失败次数过多，请稍后再试", retry_after=int(FAILURE_WINDOW.total_seconds()))
        raise NotAuthenticated("用户名或密码错误")  # the same for all: whether an account exists stays unsaid
    if not user.active:  # only whoever knows the password learns this
        raise NotAuthenticated("该账号已停用，请联系管理员")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == name, LoginFailure.address == address))
    return user


def _failures(*where: Any, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many failures match, and the latest one."""
    count, last = db.session.execute(select(func.count(), func.max(LoginFailure.at))
                                     .where(*where, LoginFailure.at > since)).one()
    return count or 0, last.replace(tzinfo=dt.UTC) if last is not None and last.tzinfo is None else last


def _backoff(failures: tuple[int, dt.datetime | None], free: int, cap: int) -> int:
    """Seconds still to wait: none for the first ``free`` failures, then 2, 4, 8 … seconds after the last
    one, never more than ``cap``."""
    count, last = failures
    if count < free or last is None:
        return 0
    delay = min(2 ** (count - free + 1), cap)
    return max(0, int((last + dt.timedelta(seconds=delay) - utcnow()).total_seconds() + 0.999))


def _in_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{-(-seconds // 60)} 分钟"


def _record_failure(username: str, address: str) -> None:
    """In a transaction of its own: the request that failed is rolled back, its failure must still count."""
    with db.engine.begin() as connection:
        connection.execute(insert(LoginFailure).values(username=username, address=address, at=utcnow()))


def end_sessions(user: User) -> None:
    """Signing out: every page session of the account ends on the server (its cookie, replayed, is refused)."""
    user.session_nonce = secrets.token_hex(8)


def revoke_token(token: str) -> None:
    """``DELETE /api/v1/auth/token``: the token answers 401 from now on."""
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def set_unit(account_id: int, organization_id: int) -> None:
    """The account's unit (单位管理 approved): the latest approved one wins."""
    # A plain UPDATE: no ORM synchronisation and no autoflush; the step's other writes go out at commit.
    with db.session.no_autoflush:
        db.session.execute(update(User).where(User.id == account_id).values(organization_id=organization_id)
                           .execution_options(synchronize_session=False))


def _verify(user: User, password: str) -> bool:
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return True


def issue_token(user: User) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + TOKEN_LIFETIME
    db.session.add(ApiToken(token_hash=_digest(token), user_id=user.id, expires_at=expires))
    db.session.flush()
    return token, expires


def user_for_token(token: str) -> User | None:
    return db.session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == _digest(token), ApiToken.expires_at > utcnow(), User.active.is_(True)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def change_password(user: User, old: str, new: str, confirm: str | None = None) -> None:
    """修改密码: the old one must match; the new one must be strong (and confirmed on the page)."""
    if not _verify(user, old or ""):
        raise Invalid.field("old_password", "旧密码不正确")
    check_password_strength(new, "new_password")
    if confirm is not None and confirm != new:
        raise Invalid.field("confirm_password", "两次输入的新密码不一致")
    if new == old:
        raise Invalid.field("new_password", "新密码不能与旧密码相同")
    user.password_hash = hasher().hash(new)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.flush()


def update_profile(user: User, data: Mapping[str, Any]) -> User:
    """个人资料: e-mail and phone may change; username and unit type may not."""
    errors: dict[str, list[str]] = {}
    email = text_of(data, "email").lower()
    if not _EMAIL.match(email) or len(email) > 120:
        errors["email"] = ["邮箱格式不正确"]
    elif db.session.scalar(select(User.id).where(User.email == email, User.id != user.id)):
        errors["email"] = ["邮箱已被其他账号使用"]
    try:
        phone = mobile(text_of(data, "phone"))
    except FieldInvalid as exc:
        errors["phone"] = [str(exc)]
    if errors:
        raise Invalid(errors=errors)
    user.email, user.phone = email, phone
    db.session.flush()
    return user


def me_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "email": user.email, "phone": user.phone,
            "role": user.role, "unit_type": user.unit_type, "region_code": user.region_code,
            "organization_id": user.organization_id, "nature": user.nature}

