"""The Flask service: ``create_app`` binds the extensions and the domain packages."""

from __future__ import annotations

import sqlite3
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from . import errors, ui
from .config import MIGRATIONS_DIR, TEMPLATE_DIR, from_environment
from .extensions import csrf, db, login_manager, migrate


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; SQLite leaves foreign keys off unless asked.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


class IdConverter(IntegerConverter):
    """Record ids: positive and within PostgreSQL's integer range, so a huge id is a 404, not an overflow."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder="static")
    app.url_map.converters["id"] = IdConverter
    app.config.update(from_environment(config))
    app.extensions["password_hasher"] = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if app.config["PASSWORD_HASH_FAST"]
        else PasswordHasher())

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    errors.init_app(app)
    ui.init_app(app)

    from . import (
        assets,
        models,  # noqa: F401 - every table registered before migrations or queries
    )
    from .accounts import api as _accounts_api  # noqa: F401 - routes attach to the API blueprint
    from .accounts import blueprint as accounts_pages
    from .admin import api as _admin_api  # noqa: F401
    from .admin import blueprint as admin_pages
    from .admin import process_pages
    from .api import blueprint as api
    from .api import openapi as _openapi  # noqa: F401
    from .certificates import api as _certificates_api  # noqa: F401
    from .certificates import blueprint as certificate_pages
    from .filings import api as _filings_api  # noqa: F401
    from .filings import blueprint as filings_pages
    from .statistics import blueprint as statistics_pages
    from .tasks import api as _tasks_api  # noqa: F401
    from .tasks import blueprint as task_pages

    app.register_blueprint(assets.bp)
    app.register_blueprint(accounts_pages.bp)
    app.register_blueprint(filings_pages.bp)
    app.register_blueprint(task_pages.bp)
    app.register_blueprint(statistics_pages.bp)
    app.register_blueprint(certificate_pages.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(process_pages.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    accounts_pages.init_login(app)

    @app.after_request
    def _security_headers(response):
        # Uploaded files are served from our origin: never sniff them into HTML, never frame our pages.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
