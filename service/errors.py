"""Domain errors and the one place they become HTTP answers (JSON for the API, pages otherwise).

Operations raise these without any HTTP knowledge; every bad input becomes a Chinese message and
a 4xx, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, flash, jsonify, redirect, render_template, request
from marshmallow import ValidationError as SchemaError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from workflows.errors import DiagramRejected, TaskNotReady

from .extensions import db


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, errors: dict[str, list[str]] | None = None):
        self.message = message or self.message
        self.errors = errors or {}
        super().__init__(self.message)


class Invalid(DomainError):
    status, code, message = 422, "validation_failed", "填写的内容有误，请按提示修改"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(message, {name: [message]})


class Problems:
    """Every error of one check, collected, so that a person sees them all at once rather than one a try.

    ``with problems.collecting(): check()`` keeps what ``check`` raised and goes on; ``raise_any()`` then
    raises one error with every field's messages (a single one as it was raised, keeping its status)."""

    def __init__(self) -> None:
        self.raised: list[DomainError] = []

    def add(self, field: str, message: str) -> None:
        self.raised.append(Invalid.field(field, message))

    def keep(self, exc: DomainError) -> None:
        """An error raised elsewhere (a refused file, the form's own check), kept with the others."""
        self.raised.append(exc)

    @contextmanager
    def collecting(self) -> Iterator[None]:
        try:
            yield
        except DomainError as exc:
            if exc.status in (401, 403, 404):  # not a problem of the input: nothing else matters
                raise
            self.raised.append(exc)

    def raise_any(self, several: str | None = None) -> None:
        """``several``: the message when there is more than one problem (else they are counted)."""
        if not self.raised:
            return
        if len(self.raised) == 1:
            raise self.raised[0]
        errors: dict[str, list[str]] = {}
        for exc in self.raised:
            for field, messages in (exc.errors or {"_form": [exc.message]}).items():
                errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
        raise Invalid(several or f"共有 {sum(map(len, errors.values()))} 处需要修改，请按提示修改", errors)


class NotAuthenticated(DomainError):
    status, code, message = 401, "not_authenticated", "请先登录"


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "没有权限执行此操作"


class NotFound(DomainError):
    status, code, message = 404, "not_found", "记录不存在"


class Conflict(DomainError):
    status, code, message = 409, "conflict", "当前状态不允许此操作"


class TooLarge(DomainError):
    status, code, message = 413, "too_large", "文件过大，最大 20 MB"


class UnsupportedType(DomainError):
    status, code, message = 415, "unsupported_type", "只接受 PDF、JPEG 或 PNG 文件"


class DiagramInvalid(Invalid):
    """A diagram failed to parse or lint: every offending element, with its id."""

    code, message = "diagram_rejected", "流程图未通过检查"

    def __init__(self, issues: list[Any]):
        super().__init__(errors={})
        self.issues = issues


class Throttled(DomainError):
    status, code, message = 429, "too_many_requests", "尝试次数过多，请稍后再试"

    def __init__(self, message: str | None = None, errors: dict[str, list[str]] | None = None,
                 retry_after: int | None = None):
        super().__init__(message, errors)
        self.retry_after = retry_after


_HTTP_MESSAGES = {
    400: ("bad_request", "请求格式有误"),
    500: ("internal_error", "服务器内部错误，请稍后再试；如果问题持续，请联系管理员"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "页面或记录不存在"),
    405: ("method_not_allowed", "不支持此请求方法"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("too_large", "文件过大，最大 20 MB"),
    415: ("unsupported_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


def as_domain_error(exc: BaseException) -> DomainError | None:
    """The domain error a failure means for the person who caused it (None: not theirs to fix)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, SchemaError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return Invalid(errors=messages)
    if isinstance(exc, TaskNotReady):
        return Conflict("该任务已办结或已不在当前环节，请刷新")
    if isinstance(exc, DiagramRejected):
        return DiagramInvalid(exc.issues)
    return None


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, errors: dict[str, Any] | list | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "errors": errors or {}}


def answer(status: int, code: str, message: str, errors: Any = None) -> Response | tuple:
    db.session.rollback()  # nothing of a failed request is kept, and the error page reads a clean session
    if is_api_request():
        return jsonify(error_body(code, message, errors)), status
    if status == 401:
        flash(message, "error")
        return redirect("/login?next=" + request.full_path.rstrip("?"))
    return render_template("errors/error.html", status=status, message=message, errors=errors or {}), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        response = answer(exc.status, exc.code, exc.message, exc.errors)
        if (wait := getattr(exc, "retry_after", None)) is not None:
            response = app.make_response(response)
            response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(SchemaError)
    @app.errorhandler(TaskNotReady)
    def _as_domain(exc: Exception):
        return _domain(as_domain_error(exc))

    @app.errorhandler(DiagramRejected)
    def _diagram(exc: DiagramRejected):
        return answer(422, "diagram_rejected", DiagramInvalid.message, [i.as_dict() for i in exc.issues])

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError):
        # The instance's state_version moved on between our load and our write: someone else acted.
        return answer(409, "conflict", "该流程刚刚被他人处理，请刷新后重试")

    @app.errorhandler(IntegrityError)
    def _integrity(_exc: IntegrityError):
        # Two requests raced for the same unique value; the loser is told, nothing half-saved remains.
        return answer(409, "conflict", "数据已被他人修改或重复提交，请刷新后重试")

    @app.errorhandler(500)
    def _internal(_exc: Exception):
        code, message = _HTTP_MESSAGES[500]
        return answer(500, code, message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code, message = _HTTP_MESSAGES.get(exc.code or 400, ("error", exc.description or "请求有误"))
        if exc.code == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            message = "页面已过期，请刷新后重试"
        return answer(exc.code or 400, code, message)
