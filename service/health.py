"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work: the database answers, its schema is
the code's, the file store answers) — what a load balancer or an orchestrator asks before sending traffic."""

from __future__ import annotations

import logging
from functools import cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .config import MIGRATIONS_DIR
from .extensions import db
from .storage import AREAS, StoreUnavailable, store

log = logging.getLogger(__name__)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions this code's migrations end in (read once: they change only with the code)."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


def _migrations() -> str | None:
    applied = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    if applied != migration_heads():
        return f"数据库版本 {', '.join(sorted(applied)) or '无'} 不是当前版本 {', '.join(sorted(migration_heads()))}" \
               "：请运行 crane setup"
    return None


def _storage() -> str | None:
    for area in AREAS:
        store(area).check()
    return None


def readiness() -> dict[str, str]:
    """Each part → "ok" or what is wrong with it. The migrations are not asked about without a database."""
    checks: dict[str, str] = {}
    for name, check in (("database", _database), ("migrations", _migrations), ("storage", _storage)):
        if name == "migrations" and checks["database"] != "ok":
            checks[name] = "数据库不可用，无法检查"
            continue
        try:
            checks[name] = check() or "ok"
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("readiness: %s failed: %s", name, exc)
            checks[name] = "数据库无法连接" if name == "database" else "无法读取数据库版本"
        except StoreUnavailable as exc:
            checks[name] = exc.message
    return checks


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        checks = readiness()
        failing = [name for name, state in checks.items() if state != "ok"]
        return jsonify({"status": "unready" if failing else "ready", "failing": failing, "checks": checks}), \
            503 if failing else 200
