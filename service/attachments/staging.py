"""Files chosen on a page, kept across a failed save: stored (by content) as soon as they arrive, and carried
back to the form as a signed token, so a person never picks the same scans twice.

The token holds what the file is and whose it is; it is signed with the app's secret and good for a day. A
file staged but never attached is swept like any file no attachment names.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import BinaryIO

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .storage import FileStore

SALT = "crane.staged-upload"
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Staged:
    sha256: str
    mime: str
    size: int
    filename: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def clean_filename(filename: str | None) -> str:
    """The name as the person knows it, minus any directory and any control character."""
    name = "".join(c for c in (filename or "") if ord(c) >= 32 and c != "\x7f")
    return os.path.basename(name.replace("\\", "/"))[-255:] or "file"


def stage(stream: BinaryIO, filename: str | None) -> Staged:
    """Store the file (refused when too large or not a PDF, JPEG or PNG) and describe it."""
    sha256, mime, size = FileStore().save(stream)
    return Staged(sha256, mime, size, clean_filename(filename))


def token_for(staged: Staged, owner_id: int) -> str:
    return _serializer().dumps({**asdict(staged), "owner": owner_id})


def from_token(token: str, owner_id: int) -> Staged | None:
    """The staged file the token names, if it is the owner's, still fresh and still in the store."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.pop("owner", None) != owner_id:
        return None
    try:
        staged = Staged(str(data["sha256"]), str(data["mime"]), int(data["size"]), clean_filename(data["filename"]))
    except (KeyError, TypeError, ValueError):
        return None
    return staged if FileStore().exists(staged.sha256) else None
