"""gunicorn's hooks for ``crane serve --workers N`` (``-c python:service.gunicorn_conf``): each worker runs the
background dispatcher unless told not to, the metrics of a worker that died are let go, and ``/metrics`` on its
own port is answered by the arbiter, which outlives the workers."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

from . import create_app
from .process.worker import start_in_process
from .web.metrics import serve_on_port

#: gunicorn believes no one's X-Forwarded-Proto: the app's CRANE_TRUSTED_PROXIES alone decides whom to believe
forwarded_allow_ips = ""


def when_ready(server: Any) -> None:
    if port := int(os.environ.get("CRANE_METRICS_PORT", "0") or 0):
        # the arbiter's own app, only for the gauges it reads from the database
        serve_on_port(create_app(), server.address[0][0], port)


def post_worker_init(worker: Any) -> None:
    if worker.wsgi.config["START_WORKER"]:
        start_in_process(worker.wsgi)


def child_exit(_server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)
