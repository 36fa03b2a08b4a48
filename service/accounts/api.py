"""Account endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..api.blueprint import actor, body, bp
from ..extensions import db
from . import operations


@bp.post("/auth/register", endpoint="register")
def register():
    user = operations.register(body())
    db.session.commit()
    return jsonify({"id": user.id, "username": user.username, "unit_type": user.unit_type}), 201


@bp.post("/auth/token", endpoint="token")
def token():
    data = body()
    try:
        user = operations.authenticate(str(data.get("username") or ""), str(data.get("password") or ""),
                                       request.remote_addr or "")
    finally:
        db.session.commit()  # failed attempts must be recorded for throttling
    value, expires = operations.issue_token(user)
    db.session.commit()
    return jsonify({"token": value, "expires_at": expires.isoformat()})


@bp.get("/me")
def me():
    return jsonify(operations.me_dict(actor()))


@bp.post("/me/password")
def change_password():
    data = body()
    operations.change_password(actor(), str(data.get("old_password") or ""), data.get("new_password"))
    db.session.commit()
    return "", 204
