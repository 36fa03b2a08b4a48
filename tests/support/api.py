"""The JSON client the tests speak to the API with (built by the ``make_api`` fixture)."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from tests import factories

#: Every account the fixtures make has this password.
PASSWORD = "passw0rd123"


class IsolatedClient(FlaskClient):
    """Each request gets its own application context, as in production: its own ``g`` (the logged-in
    user) and its own database session, instead of the test's long-lived context."""

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Api:
    """A test client speaking JSON with one account's bearer token."""

    def __init__(self, client: FlaskClient, user: Any, token: str):
        self.client, self.user, self.token = client, user, token
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw: Any):
        return self.client.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.client.post("/api/v1" + path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.client.patch("/api/v1" + path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any):
        return self.client.put("/api/v1" + path, json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any):
        return self.client.delete("/api/v1" + path, headers=self.headers, **kw)

    def upload(self, path: str, content: bytes = factories.PDF_BYTES, filename: str = "scan.pdf"):
        return self.client.put("/api/v1" + path, headers=self.headers,
                               data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
