"""/healthz says the process answers; /readyz says it can work — and names the part that cannot."""

from __future__ import annotations

import os

from sqlalchemy import text

from service import create_app
from service.config import ROOT
from service.extensions import db
from service.health import migration_heads
from service.storage import LocalStore


def test_ready_when_database_migrations_and_store_answer(client):
    assert client.get("/healthz").json == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"status": "ready", "failing": [],
                           "checks": {"database": "ok", "migrations": "ok", "storage": "ok"}}


def test_not_ready_without_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://crane@127.0.0.1:9/absent")  # nothing listens there
    app = create_app({"DATA_DIR": str(tmp_path), "START_WORKER": False, "FONT_DIR": ROOT / ".cache" / "fonts"})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failing"] == ["database", "migrations"]
    assert answer.json["checks"]["database"] == "数据库无法连接"
    assert app.test_client().get("/healthz").status_code == 200  # alive all the same: nothing to restart


def test_not_ready_while_migrations_are_behind(app, client):
    [head] = migration_heads()
    db.session.execute(text("UPDATE alembic_version SET version_num = 'eb011c06e5bf'"))
    db.session.commit()
    try:
        answer = client.get("/readyz")
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert answer.status_code == 503 and answer.json["failing"] == ["migrations"], answer.json
    assert "crane setup" in answer.json["checks"]["migrations"]
    assert client.get("/readyz").status_code == 200


def test_not_ready_when_the_file_store_cannot_be_written(app, client, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the store should be")
    monkeypatch.setitem(app.extensions, "crane.stores",
                        {**app.extensions["crane.stores"], "files": LocalStore(blocked / "files")})
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json["failing"] == ["storage"], answer.json
    assert "文件存储" in answer.json["checks"]["storage"]
    assert os.path.isfile(blocked)
