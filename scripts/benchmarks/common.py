"""What every suite needs: a fresh PostgreSQL database, the app served over real HTTP, timing statistics,
and instrumentation (server-side time, SQL statements, cProfile) to explain a slow figure."""

from __future__ import annotations

import cProfile
import datetime as dt
import http.client
import json
import math
import os
import platform
import pstats
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1/crane_bench"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


# --- statistics -----------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``q`` in [0, 100]."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def summarize(samples_ms: list[float]) -> dict[str, float | int]:
    values = sorted(samples_ms)
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3),
            "p99": round(percentile(values, 99), 3),
            "mean": round(sum(values) / len(values), 3) if values else math.nan,
            "min": round(values[0], 3) if values else math.nan,
            "max": round(values[-1], 3) if values else math.nan, "n": len(values)}


class Stopwatch:
    """Collects durations in milliseconds."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    @contextmanager
    def time(self) -> Iterator[None]:
        start = time.perf_counter_ns()
        try:
            yield
        finally:
            self.samples.append((time.perf_counter_ns() - start) / 1e6)

    def add(self, ms: float) -> None:
        self.samples.append(ms)

    def summary(self) -> dict[str, float | int]:
        return summarize(self.samples)


# --- database -------------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to the server's ``postgres`` database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        raise SystemExit(f"需要 PostgreSQL 数据库地址（postgresql+psycopg://…/库名），收到：{url}")
    name = parsed.database
    if name in ("postgres", "template0", "template1"):
        raise SystemExit(f"拒绝删除系统数据库 {name}")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def vacuum_analyze(url: str) -> None:
    """What autovacuum would have done by now on a live system: planner statistics and visibility maps."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def machine_info(server_version: str | None) -> dict[str, Any]:
    cpu = None
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else None
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version(), "postgres": server_version}


def utc_timestamp() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# --- instrumentation ------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_NUMBERED = re.compile(r"__\[POSTCOMPILE_\w+\]|\b\d+\b")
_COLUMN_LIST = re.compile(r"SELECT ((?:(?!\bSELECT\b|\bFROM\b).)+?) FROM")


def normalize_sql(statement: str) -> str:
    return _NUMBERED.sub("?", _WHITESPACE.sub(" ", statement).strip())


@dataclass
class Instrument:
    """WSGI middleware plus SQLAlchemy listeners, keyed by a label derived from each request.

    ``recording`` collects server-side request time, ``tracing`` every SQL statement with its duration,
    ``profiling`` a cProfile of each request — each only while switched on, so the timed run stays clean.
    """

    app: WsgiApp
    label_of: Callable[[str, str], str | None]
    recording: bool = False
    tracing: bool = False
    profiling: bool = False
    server_ms: dict[str, Stopwatch] = field(default_factory=lambda: defaultdict(Stopwatch))
    statements: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    requests_traced: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    profiles: dict[str, pstats.Stats] = field(default_factory=dict)
    requests_profiled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    traced_server_ms: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: The statements of the last traced request per label, in order — what one request really sends.
    sequences: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        label = self.label_of(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        self._local.label = label
        self._local.sequence = []
        profiler = cProfile.Profile() if self.profiling and label else None
        start = time.perf_counter_ns()
        if profiler:
            profiler.enable()
        try:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        finally:
            if profiler:
                profiler.disable()
            self._local.label = None
        if label:
            if self.recording:
                self.server_ms[label].add((time.perf_counter_ns() - start) / 1e6)
            if self.tracing:
                self.requests_traced[label] += 1
                self.traced_server_ms[label] += (time.perf_counter_ns() - start) / 1e6
                self.sequences[label] = self._local.sequence
            if profiler:
                self.requests_profiled[label] += 1
                if label in self.profiles:
                    self.profiles[label].add(profiler)
                else:
                    self.profiles[label] = pstats.Stats(profiler)
        return [body]

    def attach_sql(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            conn.info.setdefault("bench_started", []).append(time.perf_counter_ns())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            started = conn.info["bench_started"].pop()
            label = getattr(self._local, "label", None)
            if self.tracing and label:
                ms = (time.perf_counter_ns() - started) / 1e6
                self.statements[label].append((statement, ms))
                self._local.sequence.append((statement, ms))

    def sql_report(self, top: int = 12) -> dict[str, Any]:
        """Per label: statements and DB time per request, and the statements that cost most in total."""
        report: dict[str, Any] = {}
        for label, rows in self.statements.items():
            n = max(1, self.requests_traced[label])
            by_statement: dict[str, list[float]] = defaultdict(list)
            for statement, ms in rows:
                by_statement[normalize_sql(statement)].append(ms)
            ranked = sorted(by_statement.items(), key=lambda item: -sum(item[1]))
            db_ms = sum(ms for _, ms in rows) / n
            server_ms = self.traced_server_ms[label] / n
            report[label] = {
                "requests": self.requests_traced[label],
                "statements_per_request": round(len(rows) / n, 2),
                "server_ms_per_request": round(server_ms, 3),
                "db_ms_per_request": round(db_ms, 3),
                "outside_db_ms_per_request": round(server_ms - db_ms, 3),
                "top_statements": [{"per_request": round(len(times) / n, 2),
                                    "ms_per_request": round(sum(times) / n, 3),
                                    "mean_ms": round(sum(times) / len(times), 3),
                                    "sql": statement[:400]} for statement, times in ranked[:top]],
                "one_request_in_order": [f"{ms:.3f} ms  {_abridge(normalize_sql(statement))}"
                                         for statement, ms in self.sequences.get(label, [])],
            }
        return report

    def profile_report(self, top: int = 20) -> dict[str, dict[str, list[str]]]:
        """Per label, per request: the project's own functions by cumulative time, and every function by
        cumulative and by own time. cProfile slows Python down, so read the shares, not the absolute figures."""
        report: dict[str, dict[str, list[str]]] = {}
        for label, stats in self.profiles.items():
            n = max(1, self.requests_profiled[label])
            rows = [(f"{_short(filename)}:{line}({name})", ncalls / n, tottime * 1e3 / n, cumtime * 1e3 / n)
                    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers)
                    in stats.stats.items()]  # type: ignore[attr-defined]

            def fmt(row: tuple[str, float, float, float]) -> str:
                return f"cum {row[3]:7.3f} ms  own {row[2]:6.3f} ms  calls {row[1]:6.1f}  {row[0]}"

            ours = [r for r in rows if r[0].startswith(("service/", "workflows/", "forms/"))]
            report[label] = {
                "project_by_cumulative": [fmt(r) for r in sorted(ours, key=lambda r: -r[3])[:top]],
                "all_by_cumulative": [fmt(r) for r in sorted(rows, key=lambda r: -r[3])[:top]],
                "all_by_own_time": [fmt(r) for r in sorted(rows, key=lambda r: -r[2])[:top]],
            }
        return report


def _abridge(statement: str, width: int = 160) -> str:
    """Keep the verb, the table and the conditions; drop long column lists."""
    statement = _COLUMN_LIST.sub(lambda m: "SELECT … FROM" if "," in m.group(1) else m.group(0), statement)
    return statement if len(statement) <= width else statement[: width - 1] + "…"


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- HTTP -----------------------------------------------------------------------------------------

class Server:
    """The WSGI app served by waitress in a background thread on a free port."""

    def __init__(self, app: WsgiApp, threads: int = 4):
        from waitress import create_server

        self._server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="crane-bench")
        self.port: int = self._server.effective_port  # type: ignore[union-attr]
        self._thread = threading.Thread(target=self._server.run, name="waitress", daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.close()
        self._thread.join(timeout=5)


class HttpError(RuntimeError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class JsonClient:
    """One keep-alive connection speaking JSON, with an optional bearer token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token: str | None = None

    def request(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if payload is not None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != expect:
            raise HttpError(f"{method} {path} → {response.status}: {body[:500].decode(errors='replace')}",
                            response.status)
        return json.loads(body) if body else None

    def close(self) -> None:
        self.conn.close()
