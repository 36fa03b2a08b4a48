"""The certificate's PDF and OFD files: made once after issue (a job), kept in the data directory and
made again on demand should they be missing (they follow from the database alone)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import current_app

from .content import facts
from .fonts import glyph_source
from .models import Certificate
from .ofd import render_ofd
from .pdf import render_pdf, verify_url

MIME = {"pdf": "application/pdf", "ofd": "application/ofd"}


def path_of(cert: Certificate, fmt: str) -> Path:
    # by id and the secret verify code (the number's brackets stay out of file names), and by state: an ended
    # certificate is a new file that says so on its face
    return Path(current_app.config["CERTIFICATE_DIR"]) / f"{cert.id}-{cert.verify_code[:12]}-{cert.state}.{fmt}"


def render(cert: Certificate, fmt: str) -> bytes:
    f = facts(cert)
    if fmt == "pdf":
        return render_pdf(f, cert.verify_code)
    return render_ofd(f, verify_url(cert.verify_code), glyph_source(current_app.config["FONT_DIR"]), cert.ecert_id)


def ensure(cert: Certificate) -> dict[str, Path]:
    return {fmt: file_of(cert, fmt) for fmt in MIME}


def file_of(cert: Certificate, fmt: str) -> Path:
    path = path_of(cert, fmt)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_bytes(render(cert, fmt))
        tmp.replace(path)  # readers never see half a file
    return path
