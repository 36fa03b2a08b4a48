"""Content-addressed file store and content sniffing.

Files are accepted by what they are, not what they are called: PDF, JPEG and PNG magic numbers.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import Invalid, TooLarge, UnsupportedType

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(head: bytes) -> str | None:
    return next((mime for magic, mime in _MAGIC if head.startswith(magic)), None)


class FileStore:
    def __init__(self, root: Path):
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, stream: BinaryIO) -> tuple[str, str, int]:
        """Stream to a temporary file while hashing; refuse oversize and unknown types. → (sha256, mime, size)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
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
            target = self.path_for(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            return sha, mime, size
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def files(self) -> Iterator[tuple[str, Path]]:
        """(sha256, path) of every stored file (temporary uploads in progress are not files yet)."""
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name, path
