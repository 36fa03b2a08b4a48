"""The Flask service: ``create_app`` binds the extensions and the domain packages."""

from __future__ import annotations

import sqlite3
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from forms.definitions import MAX_RECORD_ID

from . import accounts, assets, certificates, errors, filings, health, registry, storage, ui
from . import models as _models  # noqa: F401 - every table registered before migrations or queries
from .accounts import api as _accounts_api  # noqa: F401 - routes on the API blueprint
from .accounts import blueprint as accounts_pages
from .admin import api as _admin_api  # noqa: F401
from .admin import blueprint as admin_pages
from .admin import process_pages
from .api import openapi as _openapi  # noqa: F401
from .certificates import api as _certificates_api  # noqa: F401
from .certificates import blueprint as certificate_pages
from .config import MIGRATIONS_DIR, TEMPLATE_DIR, check_ministry, from_environment
from .dismantlings.chain import DismantlingNoticeChain
from .extensions import csrf, db, login_manager, migrate, ping_when_idle
from .filings import api as _filings_api  # noqa: F401
from .filings import blueprint as filings_pages
from .filings.chains import Chain
from .home import blueprint as home
from .installations.chain import InstallationNoticeChain
from .machines.chain import PropertyFilingChain
from .messages import api as _messages_api  # noqa: F401
from .messages import blueprint as message_pages
from .messages import operations as messages
from .organizations.chain import OrganizationChain
from .process import jobs
from .projects.chain import ProjectChain
from .registrations.chain import UseRegistrationChain
from .rules import operations as rules
from .statistics import blueprint as statistics_pages
from .tasks import api as _tasks_api  # noqa: F401
from .tasks import blueprint as task_pages
from .web import api, limits, logs, metrics, resume
from .web.transaction import TransactionalFlask
from .workers.chain import WorkerChain


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
    """Record ids: any digits match, so every id answers 404 (never a 405 from a missed route), and one past
    PostgreSQL's integer range is not found rather than an overflow."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=0, max=MAX_RECORD_ID)

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.max:
            raise NotFound()
        return number


CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")

#: The chains, in the applicant's menu order: the unit's own data (设置中心), then the path a crane takes.
CHAINS: tuple[type[Chain], ...] = (OrganizationChain, ProjectChain, WorkerChain, PropertyFilingChain,
                                    InstallationNoticeChain, UseRegistrationChain, DismantlingNoticeChain)


def create_app(config: dict[str, Any] | None = None, chains: tuple[type[Chain], ...] = CHAINS) -> Flask:
    """The app; ``chains`` are the filing chains it serves (a test may add one of its own)."""
    app = TransactionalFlask(__name__, template_folder=str(TEMPLATE_DIR), static_folder="static")
    app.url_map.converters["id"] = IdConverter
    app.config.update(from_environment(config))
    check_ministry(app.config)
    if app.config["TRUSTED_PROXIES"]:  # behind a reverse proxy: its X-Forwarded-For/-Proto are believed, no one else's
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.extensions["password_hasher"] = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if app.config["PASSWORD_HASH_FAST"]
        else PasswordHasher())

    logs.init_app(app)  # first: the request id and start time every later hook may use
    metrics.init_app(app)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            ping_when_idle(db.engine)
    storage.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    errors.init_app(app)
    resume.init_app(app)
    limits.init_app(app)
    ui.init_app(app)

    registry.init_app(app).gauges.append(jobs.gauges)
    rules.init_app(app)
    accounts.init_app(app)
    filings.init_app(app, [chain() for chain in chains])
    certificates.init_app(app)
    messages.init_app(app)

    for blueprint in (assets.bp, accounts_pages.bp, home.bp, filings_pages.bp, task_pages.bp, statistics_pages.bp,
                      certificate_pages.bp, admin_pages.bp, process_pages.bp, message_pages.bp, api.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)

    @app.after_request
    def _security_headers(response):
        # Uploaded files are served from our origin: never sniff them into HTML, never frame our pages.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # no inline script nor handler anywhere: whatever gets injected cannot run
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    health.init_app(app)

    return app
