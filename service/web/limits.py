"""Hostile bytes never reach the database nor the parser: NUL characters in a path, a query or a form are a
4xx naming what is wrong, and a body that is not an upload is limited to a few MB before it is read."""

from __future__ import annotations

from flask import Flask, request

from ..errors import Invalid, NotFound

#: JSON and plain form posts; uploads (multipart) keep the app's larger MAX_CONTENT_LENGTH
BODY_MAX_BYTES = 2 * 1024 * 1024
_NUL = "\x00"
MESSAGE = "含有不可见的控制字符（NUL），请删除后重试"


def _refuse_nul() -> None:
    if _NUL in request.path:
        raise NotFound("页面或记录不存在")
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if _NUL in name or _NUL in value:
                raise Invalid.field(name.replace(_NUL, ""), MESSAGE)


def _limit_body() -> None:
    if request.mimetype != "multipart/form-data":
        request.max_content_length = BODY_MAX_BYTES


def init_app(app: Flask) -> None:
    app.before_request(_limit_body)
    app.before_request(_refuse_nul)
