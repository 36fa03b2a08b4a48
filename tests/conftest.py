"""Test set-up: one migrated database per run (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
emptied after every test; API clients with real bearer tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from service import create_app
from service.accounts.operations import create_staff_user, issue_token, register
from service.certificates.gateway import forget_gateways
from service.cli import prepare_database
from service.config import ROOT
from service.extensions import db
from service.process.operations import forget_diagrams
from service.reference import load_reference_data
from tests import factories

#: Regions never change; bureaus and roles are reloaded, so an edit in one test (企业规则, 角色) does not leak.
KEEP = {"region", "alembic_version"}


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Each request gets its own application context, as in production: its own ``g`` (the logged-in
    user) and its own database session, instead of the test's long-lived context."""

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    os.environ["DATABASE_URL"] = url
    application = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("data")), "TESTING": True,
                              "PASSWORD_HASH_FAST": True, "START_WORKER": False, "WTF_CSRF_ENABLED": False,
                              # built once (about 15 s) and kept between runs, like an installation's
                              "FONT_DIR": ROOT / ".cache" / "fonts",
                              "MINISTRY_URL": "", "MINISTRY_DELAY_SECONDS": 0.0, "MINISTRY_POLL_SECONDS": 0.0})
    application.test_client_class = IsolatedClient
    with application.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        prepare_database()  # the real migrations, so every run checks them
        yield application
        db.session.remove()


@pytest.fixture(autouse=True)
def clean_db(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")  # its application context stays pushed for the whole run
    yield
    db.session.rollback()
    _empty_tables()
    load_reference_data()
    db.session.commit()
    db.session.remove()  # no identities carried into the next test
    forget_diagrams()
    forget_gateways()


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text('UPDATE "user" SET organization_id = NULL'))
        db.session.execute(text("UPDATE organization SET instance_id = NULL"))
        for name in reversed(tables):  # children before parents
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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
        import io

        return self.client.put("/api/v1" + path, headers=self.headers,
                               data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


@pytest.fixture
def make_api(app: Flask, client: FlaskClient):
    def make(kind: str = "owner", region: str = "650100", username: str | None = None) -> Api:
        username = username or factories.unique_name("user")
        password = "passw0rd123"
        if kind in ("owner", "construction"):
            user = register({"email": f"{username}@example.cn", "username": username, "password": password,
                             "phone": "13800138000", "unit_type": kind})
        else:
            user = create_staff_user({"username": username, "password": password, "role": kind,
                                      "region_code": region if kind != "admin" else None})
        token, _ = issue_token(user)
        db.session.commit()
        return Api(client, user, token)
    return make


@pytest.fixture
def owner(make_api) -> Api:
    return make_api("owner")


@pytest.fixture
def reviewer(make_api) -> Api:
    return make_api("reviewer", "650100")
