"""The certificate's PDF and OFD files: made once after issue (a job), kept in the file store and
made again on demand should they be missing (they follow from the database alone)."""

from __future__ import annotations

import io
from typing import IO

from flask import current_app

from ..storage import store
from .content import facts
from .fonts import glyph_source
from .models import Certificate
from .ofd import render_ofd
from .pdf import render_pdf, verify_url

MIME = {"pdf": "application/pdf", "ofd": "application/ofd"}


def key_of(cert: Certificate, fmt: str) -> str:
    # by id and the secret verify code (the number's brackets stay out of file names), and by state: an ended
    # certificate is a new file that says so on its face
    return f"{cert.id}-{cert.verify_code[:12]}-{cert.state}.{fmt}"


def render(cert: Certificate, fmt: str) -> bytes:
    f = facts(cert)
    if fmt == "pdf":
        return render_pdf(f, cert.verify_code)
    return render_ofd(f, verify_url(cert.verify_code), glyph_source(current_app.config["FONT_DIR"]), cert.ecert_id)


def ensure(cert: Certificate) -> None:
    """Both files made and in the store (the render job: a store that is away fails it, and it is retried)."""
    for fmt in MIME:
        if not store("certificates").exists(key_of(cert, fmt)):
            store("certificates").put_bytes(key_of(cert, fmt), render(cert, fmt))


def file_of(cert: Certificate, fmt: str) -> IO[bytes]:
    """The file to send, made now should the store not have it yet."""
    key = key_of(cert, fmt)
    try:
        return store("certificates").read(key)
    except FileNotFoundError:
        data = render(cert, fmt)
        store("certificates").put_bytes(key, data)
        return io.BytesIO(data)
