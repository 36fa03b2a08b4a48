"""Account endpoints of the API."""

from __future__ import annotations

from flask import jsonify, request

from ..registry import registry
from ..web.api import actor, body, bp, public
from ..web.docs import DATETIME, INTEGER, STRING, choice, documented, obj, ref
from . import operations


@bp.post("/auth/register", endpoint="register")
@public
@documented("注册企业账号", status=201, errors=(409,), body=obj(
    ("email", "username", "password", "phone", "unit_type"), email=STRING, username=STRING, password=STRING,
    phone=STRING, unit_type=choice("owner", "construction")),
    response=obj(("id", "username", "unit_type"), id=INTEGER, username=STRING, unit_type=STRING))
def register():
    user = operations.register(body())
    return jsonify({"id": user.id, "username": user.username, "unit_type": user.unit_type}), 201


@bp.post("/auth/token", endpoint="token")
@public
@documented("获取访问令牌", body=obj(("username", "password"), username=STRING, password=STRING),
            response=obj(("token", "expires_at"), token=STRING, expires_at=DATETIME), errors=(401, 429))
def token():
    data = body()
    user = operations.authenticate(str(data.get("username") or ""), str(data.get("password") or ""),
                                   request.remote_addr or "")
    value, expires = operations.issue_token(user)
    return jsonify({"token": value, "expires_at": expires.isoformat()})


@bp.delete("/auth/token", endpoint="revoke_token")
@documented("注销访问令牌（此后该令牌返回 401）", status=204)
def revoke_token():
    operations.revoke_token(request.headers.get("Authorization", "")[7:].strip())
    return "", 204


@bp.get("/me")
@documented("当前账号", response=ref("Me"))
def me():
    answer = operations.me_dict(actor())
    for facts in registry().me_facts:  # what packages above accounts add (e.g. unread messages)
        answer.update(facts(actor()))
    return jsonify(answer)


@bp.post("/me/password")
@documented("修改密码", status=204, body=obj(("old_password", "new_password"), old_password=STRING,
                                          new_password=STRING))
def change_password():
    data = body()
    operations.change_password(actor(), str(data.get("old_password") or ""), data.get("new_password"))
    return "", 204
