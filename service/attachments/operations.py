"""Keeping the file store to what the records name."""

from __future__ import annotations

import datetime as dt
import time

from flask import Response, send_file
from sqlalchemy import select

from ..extensions import db
from .models import Attachment
from .storage import FileStore

#: a file no attachment names is kept this long: a page may still be about to attach it (a staged file)
ORPHAN_GRACE = dt.timedelta(days=1)


def sweep_orphans(grace: dt.timedelta = ORPHAN_GRACE) -> int:
    """Remove stored files that no attachment names and that are older than ``grace`` — what a rolled-back
    save or a staged file never attached left behind. Returns how many went."""
    named = set(db.session.scalars(select(Attachment.sha256).distinct()))
    cutoff = time.time() - grace.total_seconds()
    store = FileStore()
    removed = 0
    for sha256, item in list(store.stored()):
        if sha256 not in named and item.modified < cutoff:
            store.delete(sha256)
            removed += 1
    return removed


def file_response(attachment: Attachment) -> Response:
    """The stored file itself, under the name it was uploaded with, shown in the browser (PDF, image)."""
    return send_file(FileStore().open(attachment.sha256), mimetype=attachment.mime,
                     download_name=attachment.filename, as_attachment=False, etag=attachment.sha256)
