"""The PDF certificate: the Jinja2 template rendered by WeasyPrint, A4 landscape without margins."""

from __future__ import annotations

import segno
from flask import current_app
from weasyprint import HTML

from .content import TITLE, chinese_date
from .fonts import FAMILY, FULL_FAMILY, ensure_subset


def verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/verify/{code}"


def render_pdf(facts, verify_code: str) -> bytes:
    qr = segno.make(verify_url(verify_code), error="m").svg_data_uri(scale=4, border=0)
    # the bare template, without the pages' context processors: a job renders with no request and no user
    html = current_app.jinja_env.get_template("certificates/certificate.html").render(
                           title=TITLE, facts=facts, qr=qr,
                           family=FAMILY, fallback_family=FULL_FAMILY,
                           font_url=ensure_subset(current_app.config["FONT_DIR"]).as_uri(),
                           issue_date=chinese_date(facts.issue_date))
    return HTML(string=html, base_url=str(current_app.root_path)).write_pdf()
