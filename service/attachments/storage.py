"""Uploaded files, kept by content (sha256) in the file store, and content sniffing.

Files are accepted by what they are, not what they are called: PDF, JPEG and PNG magic numbers.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from ..errors import Invalid, TooLarge, UnsupportedType
from ..storage import Store, Stored, store

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
#: what an attachment may be, so what a download answers with
MIME_TYPES = tuple(mime for _magic, mime in _MAGIC)
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})")


def sniff(head: bytes) -> str | None:
    return next((mime for magic, mime in _MAGIC if head.startswith(magic)), None)


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class FileStore:
    """The uploads area of the file store, addressed by content."""

    def __init__(self, files: Store | None = None):
        self.files = files or store("files")

    def save(self, stream: BinaryIO) -> tuple[str, str, int]:
        """Stream to a temporary file while hashing; refuse oversize and unknown types; then store it under its
        hash (the same content twice is one file). → (sha256, mime, size)."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(prefix="crane-upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(1024 * 1024):
                    if len(head) < 16:
                        head += chunk[: 16 - len(head)]
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise TooLarge()
                    digest.update(chunk)
                    tmp.write(chunk)
            if size == 0:
                raise Invalid.field("file", "文件为空，请重新选择")
            mime = sniff(head)
            if mime is None:
                raise UnsupportedType()
            sha = digest.hexdigest()
            self.files.put_file(key_for(sha), Path(tmp_name))
            return sha, mime, size
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def exists(self, sha256: str) -> bool:
        return self.files.exists(key_for(sha256))

    def open(self, sha256: str) -> IO[bytes]:
        return self.files.read(key_for(sha256))

    def delete(self, sha256: str) -> None:
        self.files.delete(key_for(sha256))

    def stored(self) -> Iterator[tuple[str, Stored]]:
        """(sha256, what the store says of it) of every stored upload."""
        for item in self.files.listing():
            if match := _KEY.fullmatch(item.key):
                yield match[1], item
