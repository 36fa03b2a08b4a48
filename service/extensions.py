"""Flask extensions, created unbound and bound in ``create_app``."""

import time
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# One session per request: objects need not be re-read after the request's single commit.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


#: a pooled connection unused for longer than this is pinged before it is handed out again
PING_AFTER_IDLE_SECONDS = 10.0


def ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping's safety without its round trip on every checkout.

    A connection that sat in the pool (where a database restart, a failover or a firewall may have cut it) is
    pinged before use, and replaced when the ping fails; one returned moments ago is trusted. Should that one
    be dead after all, SQLAlchemy invalidates the whole pool on the disconnect error, so a restart costs at
    most one failed request per process instead of a round trip on every request."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected) or busy
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool discards the connection and checks out another
            raise DisconnectionError("idle connection failed its ping") from exc
