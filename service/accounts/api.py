"""Account endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..web.api import actor, body, bp, public
from . import operations


@bp.post("/auth/register", endpoint="register")
@public
def register():
    user = operations.register(body())
    return jsonify({"id": user.id, "username": user.username, "unit_type": user.unit_type}), 201


@bp.post("/auth/token", endpoint="token")
@public
def token():
    data = body()
    user = operations.authenticate(str(data.get("username") or ""), str(data.get("password") or ""),
                                   request.remote_addr or "")
    value, expires = operations.issue_token(user)
    return jsonify({"token": value, "expires_at": expires.isoformat()})


@bp.get("/me")
def me():
    return jsonify(operations.me_dict(actor()))


@bp.post("/me/password")
def change_password():
    data = body()
    operations.change_password(actor(), str(data.get("old_password") or ""), data.get("new_password"))
    return "", 204
