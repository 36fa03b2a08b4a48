"""Request ids and logs. Every answer carries ``X-Request-ID`` (the proxy's, else one made here) so a person's
report, the proxy's log and ours meet. With ``CRANE_LOG_FORMAT=json`` every log line is one JSON object (time,
level, message, request id) and every request writes one (method, path, status, duration, acting account)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

#: what a proxy's id may look like to be taken as ours (anything else might forge lines in the log)
_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: what an access line carries besides the message, when the request has it
_FIELDS = ("method", "path", "status", "duration_ms", "account")
log = logging.getLogger("crane.access")


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex


def _account() -> str | None:
    """Who acted, as already known to the request (the API's token, the page's session user): never a query."""
    user = g.get("actor") or g.get("_login_user")
    return str(user.id) if user is not None and getattr(user, "is_authenticated", False) else None


def _echo(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.request_id
    return response


def _access(response: Response) -> Response:
    log.info("%s %s %s", request.method, request.path, response.status_code, extra={
        "method": request.method, "path": request.path, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1), "account": _account()})
    return response


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": g.get("request_id") if has_request_context() else None}
        line |= {name: getattr(record, name) for name in _FIELDS if hasattr(record, name)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_json_logs() -> None:
    """Every logger of the process writes JSON lines to standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_echo)
    if app.config["LOG_FORMAT"] == "json":
        use_json_logs()
        app.after_request(_access)
