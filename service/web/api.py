"""The API blueprint and the helpers every API view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request

from ..errors import DomainError, Forbidden, Invalid, NotAuthenticated
from ..registry import registry

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PAGE = 100_000
View = TypeVar("View", bound=Callable[..., Any])


class MalformedJSON(DomainError):
    status, code, message = 400, "malformed_json", "请求体应为 JSON 对象"


def public(view: View) -> View:
    """Marks an endpoint that answers without a token (register, token, verify, the OpenAPI document)."""
    view.public = True  # type: ignore[attr-defined]
    return view


@bp.before_request
def _authenticate() -> None:
    g.actor = None
    header = request.headers.get("Authorization", "")
    token_user = registry().token_user
    if header.startswith("Bearer ") and token_user is not None:
        g.actor = token_user(header[7:].strip())
    view = current_app.view_functions.get(request.endpoint or "")
    if g.actor is None and not getattr(view, "public", False):
        raise NotAuthenticated("缺少或无效的访问令牌（Authorization: Bearer <token>）")


def actor() -> Any:
    return g.actor


def body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body anyone means
        raise MalformedJSON("请求体嵌套过深") from None
    if not isinstance(data, dict):
        raise MalformedJSON()
    if (where := _nul_in(data, "")) is not None:
        raise Invalid.field(where or "body", "含有不可见的控制字符（NUL），请删除后重试")
    return data


def _nul_in(value: Any, path: str) -> str | None:
    """The path of the first string holding a NUL (which no database column stores)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key) or (found := _nul_in(item, here)) is not None:
            return here if "\x00" in str(key) else found
    return None


def roles_required(*roles: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.actor.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)
        wrapped.roles = roles  # type: ignore[attr-defined] - the OpenAPI document lists who may call it
        return wrapped  # type: ignore[return-value]
    return decorate


def choice_arg(name: str, allowed: dict[str, str] | tuple[str, ...], message: str, default: str = "") -> str:
    """A query argument that must be one of ``allowed`` (an unknown value is a 422, never silently ignored)."""
    value = request.args.get(name, default)
    if value not in allowed:
        raise Invalid.field(name, message)
    return value


def paging() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        raise Invalid("分页参数应为整数", {"page": ["应为整数"]}) from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 200:
        raise Invalid(f"分页参数超出范围：page 为 1–{MAX_PAGE}，per_page 为 1–200", {"page": ["超出范围"]})
    return page, per_page


def page_json(items: list[Any], total: int, page: int, per_page: int):
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})
