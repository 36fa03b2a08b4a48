"""Prometheus metrics: requests per endpoint (the route rule, never the raw path, so ids do not multiply the
series), and what the packages count themselves; gauges read at scrape time come from the registry's
``gauges``. Served at ``/metrics`` when ``CRANE_METRICS=1``, or on a port of its own (``CRANE_METRICS_PORT``).

Several gunicorn workers each count their own: with ``PROMETHEUS_MULTIPROC_DIR`` set (``crane serve
--workers N`` sets it before any worker starts) every process writes its values there and a scrape, whichever
worker answers it, adds them up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from waitress import create_server

from ..config import metrics_multiprocess_dir
from ..registry import registry

REQUESTS = Counter("crane_http_requests", "HTTP requests answered", ["method", "endpoint", "status"])
LATENCY = Histogram("crane_http_request_duration_seconds", "Time to answer a request", ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def enabled(app: Flask) -> bool:
    return bool(app.config["METRICS"] or app.config["METRICS_PORT"])


def _observe(response: Response) -> Response:
    # a request that matched no route (a 404 probe) is one series, not one per path tried
    endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.request_started)
    return response


class _ScrapeTime(Collector):
    """The registry's gauges (jobs queued, running, failed …), read from the database when scraped."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterator:
        with self.app.app_context():
            for gauges in registry().gauges:
                yield from gauges()


def exposition(app: Flask) -> bytes:
    counted: CollectorRegistry = REGISTRY
    if metrics_multiprocess_dir():
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_ScrapeTime(app))
    return generate_latest(counted) + generate_latest(scraped)


def _metrics_wsgi(app: Flask):
    def answer(_environ: dict, start_response) -> Iterable[bytes]:
        body = exposition(app)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]
    return answer


def serve_on_port(app: Flask, host: str, port: int) -> None:
    """``/metrics`` on a port of its own, out of the way of the public site (a daemon thread)."""
    server = create_server(_metrics_wsgi(app), host=host, port=port, threads=1, ident="crane-metrics")
    threading.Thread(target=server.run, name="crane-metrics", daemon=True).start()


def init_app(app: Flask) -> None:
    if not enabled(app):
        return
    app.after_request(_observe)
    if app.config["METRICS"]:
        app.add_url_rule("/metrics", "metrics", lambda: Response(exposition(app), content_type=CONTENT_TYPE_LATEST))
