"""The API blueprint and the helpers every API view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request

from ..accounts.models import RoleKey, User
from ..accounts.operations import user_for_token
from ..errors import DomainError, Forbidden, Invalid, NotAuthenticated

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PAGE = 100_000
PUBLIC_ENDPOINTS = {"api.register", "api.token", "api.openapi", "api.verify"}


class MalformedJSON(DomainError):
    status, code, message = 400, "malformed_json", "请求体应为 JSON 对象"


@bp.before_request
def _authenticate() -> None:
    g.actor = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.actor = user_for_token(header[7:].strip())
    if g.actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        raise NotAuthenticated("缺少或无效的访问令牌（Authorization: Bearer <token>）")


def actor() -> User:
    return g.actor


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedJSON()
    return data


def roles_required(*roles: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.actor.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)
        return wrapped
    return decorate


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


ADMIN = (RoleKey.ADMIN,)
