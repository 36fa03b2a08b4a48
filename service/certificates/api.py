"""Certificate endpoints of the API (api.md: 使用登记证)."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request, send_file

from ..errors import Invalid
from ..web.api import actor, body, bp, public
from ..web.docs import BINARY, DATE, STRING, documented, obj, ref
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
@documented("制证：报送住建部赋码（等待期间重复提交不会重复报送）", body=obj(valid_until=DATE), body_required=False,
            response=ref("CertificateStatus"), status=202, errors=(409,))
def make_certificate(registration_id: int):
    cert = operations.make(actor(), registration_id, _valid_until())
    return jsonify(certificate_out(cert)), 202


@bp.get("/use-registrations/<id:registration_id>/certificate")
@documented("使用登记证状态与住建部反馈", response=ref("CertificateStatus"))
def get_certificate(registration_id: int):
    registration, cert = operations.window(actor(), registration_id)
    return jsonify(certificate_out(cert, operations.correctable(registration)))


@bp.get("/certificates/<number>/<any(pdf, ofd):fmt>")
@documented("下载证书（PDF 或 OFD）", response=BINARY, produces=tuple(files.MIME.values()))
def certificate_file(number: str, fmt: str):
    cert = operations.issued_by_number(actor(), number)
    file = files.file_of(cert, fmt)
    return send_file(file, mimetype=files.MIME[fmt], download_name=f"{cert.number}.{fmt}")


@bp.post("/certificates/<number>/<any(revoke, complete, expire):how>")
@documented("撤销证件、完工注销或到期失效（住建局），并报送住建部", body=obj(("reason",), reason=STRING),
            response=ref("CertificateStatus"), errors=(409,))
def end_certificate(number: str, how: str):
    cert = operations.end(actor(), number, how, body().get("reason"))
    return jsonify(certificate_out(cert))


@bp.get("/verify/<code>")
@public
@documented("证书查验（公开，二维码指向的地址）", response=ref("Verification"))
def verify(code: str):
    return jsonify(verify_out(operations.by_verify_code(code)))
