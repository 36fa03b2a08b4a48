"""Certificate endpoints of the API (api.md: 使用登记证)."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request, send_file

from ..errors import Invalid
from ..web.api import actor, body, bp, public
from . import files, operations
from .schemas import certificate_out, verify_out


def _valid_until() -> dt.date | None:
    data = request.get_json(silent=True)  # the body is optional: 制证 needs nothing but the click
    value = data.get("valid_until") if isinstance(data, dict) else None
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid.field("valid_until", "有效期至应为日期，如 2027-11-30") from None


@bp.post("/use-registrations/<id:registration_id>/certificate")
def make_certificate(registration_id: int):
    cert = operations.make(actor(), registration_id, _valid_until())
    return jsonify(certificate_out(cert)), 202


@bp.get("/use-registrations/<id:registration_id>/certificate")
def get_certificate(registration_id: int):
    _registration, cert = operations.window(actor(), registration_id)
    return jsonify(certificate_out(cert))


@bp.get("/certificates/<number>/<any(pdf, ofd):fmt>")
def certificate_file(number: str, fmt: str):
    cert = operations.issued_by_number(actor(), number)
    path = files.file_of(cert, fmt)
    return send_file(path, mimetype=files.MIME[fmt], download_name=f"{cert.number}.{fmt}")


@bp.post("/certificates/<number>/revoke")
def revoke_certificate(number: str):
    cert = operations.revoke(actor(), number, body().get("reason"))
    return jsonify(certificate_out(cert))


@bp.get("/verify/<code>")
@public
def verify(code: str):
    return jsonify(verify_out(operations.by_verify_code(code)))
