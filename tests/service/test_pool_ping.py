"""Pooled PostgreSQL connections: pinged only after sitting idle (no round trip on every request), and one the
database cut is replaced rather than failing the request."""

from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service import create_app, extensions
from service.config import ROOT
from service.extensions import db

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"),
                                reason="the connection pool is PostgreSQL's (TEST_DATABASE_URL)")


@pytest.fixture
def second(app, tmp_path):
    """An app of its own on the test database: its own pool, whose connections the test may cut."""
    other = create_app({"DATA_DIR": str(tmp_path), "START_WORKER": False, "FONT_DIR": ROOT / ".cache" / "fonts"})
    yield other
    with other.app_context():
        db.engine.dispose()


def _pooled_backend(app) -> int:
    """The server process of the connection the pool hands out next (it goes back to the pool here)."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    return pid


def _cut(pid: int) -> None:
    conninfo = make_url(URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def _counting_pings(app, monkeypatch) -> list[int]:
    pings: list[int] = []
    with app.app_context():
        dialect = db.engine.dialect
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or real(connection))
    return pings


def test_a_busy_connection_is_not_pinged_an_idle_one_is(second, monkeypatch):
    pings = _counting_pings(second, monkeypatch)
    client = second.test_client()
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    assert pings == []  # pool_pre_ping would have sent five
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had sat idle
    assert client.get("/readyz").status_code == 200
    assert pings == [1]


def test_an_idle_connection_the_database_cut_is_replaced(second, monkeypatch):
    cut = _pooled_backend(second)
    _cut(cut)
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)
    answer = second.test_client().get("/readyz")
    assert answer.status_code == 200, answer.json
    assert _pooled_backend(second) != cut


def test_a_connection_cut_moments_after_use_costs_at_most_one_request(second):
    """Not pinged (it was busy): its request may fail, and the disconnect renews the whole pool."""
    cut = _pooled_backend(second)
    _cut(cut)
    answers = [second.test_client().get("/readyz").status_code for _ in range(3)]
    assert answers[1:] == [200, 200], answers
    assert _pooled_backend(second) != cut
