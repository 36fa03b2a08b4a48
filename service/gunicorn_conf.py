"""gunicorn's settings and hooks for ``crane serve --workers N`` (``-c python:service.gunicorn_conf``).

The app is made once in the arbiter and the workers fork from it (quicker to start, less memory); each worker
then gets its own database connections, runs the background dispatcher unless told not to, and the arbiter,
which outlives the workers, answers ``/metrics`` on a port of its own."""

from __future__ import annotations

from typing import Any

from prometheus_client import multiprocess

from .config import log_format
from .extensions import db
from .process.worker import start_in_process
from .web.metrics import serve_on_port

preload_app = True
if log_format() == "json":  # gunicorn's own lines as JSON too, like the app's
    logconfig_dict = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "service.web.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {"gunicorn.error": {"level": "INFO", "propagate": True},
                    # the app writes a richer line of each request (request id, account)
                    "gunicorn.access": {"level": "WARNING", "propagate": True}},
    }
#: gunicorn believes no one's X-Forwarded-Proto: the app's CRANE_TRUSTED_PROXIES alone decides whom to believe
forwarded_allow_ips = ""


def when_ready(server: Any) -> None:
    app = server.app.wsgi()
    if app.config["METRICS_PORT"]:
        serve_on_port(app, server.address[0][0], app.config["METRICS_PORT"])


def post_fork(_server: Any, worker: Any) -> None:
    with worker.app.wsgi().app_context():
        db.engine.dispose(close=False)  # the arbiter's pooled connections are not this process's to use


def post_worker_init(worker: Any) -> None:
    if worker.wsgi.config["START_WORKER"]:
        start_in_process(worker.wsgi)


def child_exit(_server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)
