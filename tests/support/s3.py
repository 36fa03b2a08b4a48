"""A real S3-compatible server for the tests: moto's server mode on a free port of this machine, which a test
may stop and start again (its buckets outlive a restart: they are kept in this process)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.support.live import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "crane-test", "AWS_SECRET_ACCESS_KEY": "crane-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


class MotoS3:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: ThreadedMotoServer | None = None

    def start(self) -> None:
        for _ in range(50):  # the port of a server just stopped may take a moment to be free again
            try:
                self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
                self.server.start()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"moto could not listen on {self.port}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def new_bucket(self) -> str:
        name = f"crane-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]
