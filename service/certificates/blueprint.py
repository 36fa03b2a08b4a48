"""Pages: the certificate window (使用登记证制作下载窗口), downloads, and the public /verify page."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from ..errors import DomainError, Invalid
from ..web.pages import shows_errors
from . import files, operations
from .content import facts
from .models import ENDED_MARKS, STATE_LABELS, STATUS_LABELS, CertificateStatus

bp = Blueprint("certificates", __name__)


def _window(registration_id: int, error: DomainError | None = None) -> str:
    registration, cert = operations.window(current_user, registration_id)
    return render_template("certificates/window.html", registration=registration, cert=cert,
                           may_make=current_user.role in operations.MAKERS, states=STATE_LABELS,
                           statuses=STATUS_LABELS, issued=CertificateStatus.ISSUED, error=error,
                           endings=operations.ENDINGS, marks=ENDED_MARKS)


def _window_again(exc: DomainError, registration_id: int) -> str:
    return _window(registration_id, exc)


@bp.get("/use-registrations/<id:registration_id>/certificate")
@login_required
def window(registration_id: int):
    return _window(registration_id)


@bp.post("/use-registrations/<id:registration_id>/certificate")
@login_required
@shows_errors(_window_again)
def make(registration_id: int):
    raw = request.form.get("valid_until") or None
    try:
        valid_until = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Invalid.field("valid_until", "有效期至应为日期") from None
    cert = operations.make(current_user, registration_id, valid_until)
    flash("已报送住建部，请等待十分钟后刷新本页面查看制证结果" if cert.status == CertificateStatus.PENDING
          else "证书状态已更新", "success")
    return redirect(url_for(".window", registration_id=registration_id))


@bp.post("/use-registrations/<id:registration_id>/certificate/<any(revoke, complete, expire):how>")
@login_required
@shows_errors(_window_again)
def end(registration_id: int, how: str):
    _registration, cert = operations.window(current_user, registration_id)
    operations.end(current_user, cert.number if cert and cert.number else "", how, request.form.get("reason"))
    flash(f"{operations.ENDINGS[how]}已办理，并已报送住建部", "success")
    return redirect(url_for(".window", registration_id=registration_id))


@bp.get("/use-registrations/<id:registration_id>/certificate/<any(pdf, ofd):fmt>")
@login_required
def download(registration_id: int, fmt: str):
    _registration, cert = operations.window(current_user, registration_id)
    cert = operations.issued_by_number(current_user, cert.number if cert and cert.number else "")
    file = files.file_of(cert, fmt)
    # PDF inline, so 打印证书 opens it for printing; OFD as a download
    return send_file(file, mimetype=files.MIME[fmt], download_name=f"{cert.number}.{fmt}",
                     as_attachment=fmt == "ofd")


@bp.get("/verify/<code>")
def verify(code: str):
    cert = operations.by_verify_code(code)
    return render_template("certificates/verify.html", cert=cert, facts=facts(cert), states=STATE_LABELS)
