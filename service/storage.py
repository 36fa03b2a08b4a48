"""Where files live: one interface, two implementations — a directory on this machine (the default) or an
S3-compatible object store (``CRANE_STORAGE_URL=s3://bucket/prefix``), so that any number of web and worker
processes, on any machines, share the same files. Callers name a file by key and never learn which store holds
it. Each area (uploads, certificates) is its own store; ``stores(app)`` has them.

A store that cannot be reached raises :class:`StoreUnavailable` (a 503 naming the file store): a request is
rolled back and says so, a job is retried by the outbox.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, current_app

from .errors import DomainError

log = logging.getLogger(__name__)
#: the areas files are kept in: uploaded attachments, and the certificates' PDF and OFD
AREAS = ("files", "certificates")


class StoreUnavailable(DomainError):
    status, code, message = 503, "storage_unavailable", "文件存储暂时无法访问，请稍后重试（文件未保存，记录未更改）"


@dataclass(frozen=True)
class Stored:
    key: str
    modified: float  # seconds since the epoch


class Store(Protocol):
    def put_file(self, key: str, path: Path) -> None: ...
    def put_bytes(self, key: str, data: bytes) -> None: ...
    def exists(self, key: str) -> bool: ...
    def read(self, key: str) -> IO[bytes]: ...
    def delete(self, key: str) -> None: ...
    def listing(self) -> Iterator[Stored]: ...
    def check(self) -> None: ...


class LocalStore:
    """Files under a directory; written through a temporary file, so a reader never sees half of one."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        os.close(fd)
        shutil.move(path, tmp)  # a copy when it comes from another file system: not yet under its name
        os.replace(tmp, target)

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, target)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[Stored]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith("."):  # not a write in progress
                yield Stored(path.relative_to(self.root).as_posix(), path.stat().st_mtime)

    def check(self) -> None:
        with contextlib.suppress(OSError):  # told below
            self.root.mkdir(parents=True, exist_ok=True)
        if not (self.root.is_dir() and os.access(self.root, os.W_OK)):
            log.warning("file store %s is not a writable directory", self.root)
            raise StoreUnavailable("文件存储目录不存在或不可写")


class S3Store:
    """Objects under ``prefix`` in one bucket of any S3-compatible store."""

    def __init__(self, client: Any, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key", self.bucket)) from exc
            raise StoreUnavailable() from exc
        except BotoCoreError as exc:  # no connection, a timeout: the store is away, not the file
            raise StoreUnavailable() from exc

    def put_file(self, key: str, path: Path) -> None:
        with Path(path).open("rb") as file:
            self._call("put_object", Key=self._key(key), Body=file)
        Path(path).unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=self._key(key), Body=data)

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self._key(key))
        except FileNotFoundError:
            return False
        return True

    def read(self, key: str) -> IO[bytes]:
        return self._call("get_object", Key=self._key(key))["Body"]

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=self._key(key))

    def listing(self) -> Iterator[Stored]:
        start = f"{self.prefix}/" if self.prefix else ""
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Prefix=start, **token)
            for item in page.get("Contents", []):
                yield Stored(item["Key"][len(start):], item["LastModified"].timestamp())
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def check(self) -> None:
        try:
            self._call("head_bucket")
        except FileNotFoundError:
            raise StoreUnavailable(f"文件存储的存储桶 {self.bucket} 不存在") from None


def _s3_client(endpoint_url: str | None) -> Any:
    # quick to say the store is away (a page answers 503 at once), a job retries later anyway
    config = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"},
                    s3={"addressing_style": "path"})
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=config)


def build_stores(config: dict[str, Any]) -> dict[str, Store]:
    """The store of each area, from ``STORAGE_URL`` (empty: the data directory's ``files/`` and ``certificates/``)."""
    url = config.get("STORAGE_URL") or ""
    if not url:
        return {"files": LocalStore(config["UPLOAD_DIR"]), "certificates": LocalStore(config["CERTIFICATE_DIR"])}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"CRANE_STORAGE_URL 应为 s3://bucket/prefix，而不是 {url}")
    client = _s3_client(config.get("S3_ENDPOINT_URL"))
    prefix = parts.path.strip("/")
    return {area: S3Store(client, parts.netloc, f"{prefix}/{area}" if prefix else area) for area in AREAS}


def init_app(app: Flask) -> None:
    app.extensions["crane.stores"] = build_stores(app.config)


def store(area: str) -> Store:
    return current_app.extensions["crane.stores"][area]
