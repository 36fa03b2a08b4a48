"""Configuration from the environment (the only place that reads it)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent

#: What a wheel carries that a checkout keeps at its top level (templates/, bpmn_models/, node_modules/):
#: setup.py copies it into the package at build time. Its presence is what tells an installation from a
#: checkout (an editable install is a checkout).
BUNDLE_DIR = PACKAGE_DIR / "bundled"
INSTALLED = (BUNDLE_DIR / "templates").is_dir()
TEMPLATE_DIR = (BUNDLE_DIR if INSTALLED else ROOT) / "templates"
BPMN_DIR = (BUNDLE_DIR if INSTALLED else ROOT) / "bpmn_models"
#: bpmn-js's distribution files, served under /vendor/bpmn-js/ (a wheel built without node_modules has none)
BPMN_JS_DIR = BUNDLE_DIR / "bpmn-js" if INSTALLED else ROOT / "node_modules" / "bpmn-js" / "dist"
#: ECharts' distribution files, served under /vendor/echarts/ (the 统计控制台's charts)
ECHARTS_DIR = BUNDLE_DIR / "echarts" if INSTALLED else ROOT / "node_modules" / "echarts" / "dist"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def default_data_dir() -> Path:
    """``instance/`` in the checkout; an installation has no checkout, so ``instance/`` where it is started."""
    return (Path.cwd() if INSTALLED else ROOT) / "instance"


def _secret_key(data_dir: Path) -> str:
    """CRANE_SECRET_KEY, else one generated once and kept in the data directory (never committed)."""
    if key := os.environ.get("CRANE_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # created readable by the owner alone: never a moment when others could read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


#: the simulator's own credentials: fine for it, never for the real ministry
DEFAULT_MINISTRY_CREDENTIALS = ("crane", "crane-simulator")


class ConfigurationError(RuntimeError):
    """A setting that must not go into service as it is; the message says what to set."""


def check_ministry(config: dict[str, Any]) -> None:
    """A ministry URL other than this machine's (a simulator) needs real credentials."""
    url = config.get("MINISTRY_URL") or ""
    host = urlsplit(url).hostname or ""
    local = host in ("localhost", "::1") or host.startswith("127.")
    if url and not local and (config["MINISTRY_APP_KEY"], config["MINISTRY_APP_SECRET"]) == \
            DEFAULT_MINISTRY_CREDENTIALS:
        raise ConfigurationError("CRANE_MINISTRY_URL 指向住建部接口，但未设置 CRANE_MINISTRY_APP_KEY / "
                                 "CRANE_MINISTRY_APP_SECRET（仍是模拟器的默认值）：请设置住建部分配的凭据后再启动")


def log_format() -> str:
    """``json``: one JSON object a line; anything else: plain text (read before an app exists by gunicorn's set-up)."""
    return os.environ.get("CRANE_LOG_FORMAT", "text")


def metrics_multiprocess_dir() -> str:
    """prometheus-client's own variable (it reads it when imported): set, each process writes its counts there
    and a scrape adds up every process's."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def from_environment(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    data_dir = Path(overrides.pop("DATA_DIR", None) or os.environ.get("CRANE_DATA_DIR") or default_data_dir())
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'crane.db'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    config: dict[str, Any] = {
        "DATA_DIR": data_dir,
        "UPLOAD_DIR": data_dir / "files",
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": None,
        # A page form may carry several scans at once; the store enforces 20 MB per file.
        "MAX_CONTENT_LENGTH": 120 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        # served over HTTPS (CRANE_SECURE_COOKIES=1): the cookies never travel in clear
        "SESSION_COOKIE_SECURE": os.environ.get("CRANE_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("CRANE_SECURE_COOKIES", "0") == "1",
        # how many reverse proxies stand in front (their X-Forwarded-* are trusted); 0: none, use the peer address
        "TRUSTED_PROXIES": int(os.environ.get("CRANE_TRUSTED_PROXIES", "0") or 0),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_FAST": False,
        # the background dispatcher inside each web process; 0 when `crane worker` processes do that work alone
        "START_WORKER": os.environ.get("CRANE_START_WORKER", "1") != "0",
        "WORKER_POLL_SECONDS": 1.0,
        "CERTIFICATE_DIR": data_dir / "certificates",
        # the file store shared by every process: empty → UPLOAD_DIR and CERTIFICATE_DIR on this machine;
        # s3://bucket/prefix → an S3-compatible object store (credentials: AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY)
        "STORAGE_URL": os.environ.get("CRANE_STORAGE_URL", ""),
        "S3_ENDPOINT_URL": os.environ.get("CRANE_S3_ENDPOINT_URL", ""),
        # Prometheus: /metrics served by the app (CRANE_METRICS=1) or on a port of its own
        "METRICS": os.environ.get("CRANE_METRICS", "0") == "1",
        "METRICS_PORT": int(os.environ.get("CRANE_METRICS_PORT", "0") or 0),
        # "json": one JSON object a line (time, level, message, request id, request, account); else plain text
        "LOG_FORMAT": log_format(),
        "FONT_DIR": Path(os.environ.get("CRANE_FONT_DIR") or data_dir / "fonts"),
        # where this installation is reached: the certificates' QR codes (/verify) and the links in e-mails
        "PUBLIC_URL": os.environ.get("CRANE_PUBLIC_URL", "http://127.0.0.1:5000"),
        # e-mail of the 消息中心's messages; no host: messages stay in the platform
        "SMTP_HOST": os.environ.get("CRANE_SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("CRANE_SMTP_PORT", "25") or 25),
        "SMTP_USER": os.environ.get("CRANE_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("CRANE_SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("CRANE_SMTP_FROM", "noreply@crane.local"),
        "SMTP_STARTTLS": os.environ.get("CRANE_SMTP_STARTTLS", "0") == "1",
        "SMTP_TIMEOUT_SECONDS": float(os.environ.get("CRANE_SMTP_TIMEOUT_SECONDS", "10")),
        # The ministry: a URL for the national interface, or none for the in-process simulator.
        "MINISTRY_URL": os.environ.get("CRANE_MINISTRY_URL", ""),
        "MINISTRY_APP_KEY": os.environ.get("CRANE_MINISTRY_APP_KEY", "crane"),
        "MINISTRY_APP_SECRET": os.environ.get("CRANE_MINISTRY_APP_SECRET", "crane-simulator"),
        "MINISTRY_TIMEOUT_SECONDS": float(os.environ.get("CRANE_MINISTRY_TIMEOUT_SECONDS", "10")),
        "MINISTRY_DELAY_SECONDS": float(os.environ.get("CRANE_MINISTRY_DELAY_SECONDS", "5")),
        # the in-process simulator's national register (people and positions in use elsewhere), a JSON file
        "MINISTRY_REGISTER": os.environ.get("CRANE_MINISTRY_REGISTER", ""),
        # How soon to ask again for an answer the ministry has not given yet.
        "MINISTRY_POLL_SECONDS": float(os.environ.get("CRANE_MINISTRY_POLL_SECONDS", "2")),
    }
    if url.startswith("postgresql"):
        # no pool_pre_ping: extensions.ping_when_idle pings only the connections that sat idle
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 10, "max_overflow": 20,
                                                # a database that is away is said so (/readyz), not waited for
                                                "connect_args": {"connect_timeout": 5}}
    else:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    config.update(overrides)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(data_dir)
    return config
