"""Suite ``export``: 导出 of a 100,000-row list to .xlsx over HTTP, its time and its memory.

The 产权备案 rows are seeded as suite ``machines`` seeds them; the administrator exports the whole list
(every submitted record, all pages), then a tenth of it (a search by 出厂编号). Memory is measured twice:
the process's peak RSS during the request (Linux's VmHWM, reset just before), and, in a second untimed
request, the peak of Python's allocations (tracemalloc, which slows the code down too much to be timed).
Bounded memory shows as the same peak for 10,000 and for 100,000 rows.
"""

from __future__ import annotations

import gc
import http.client
import math
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import machines
from .common import DEFAULT_DATABASE_URL, ROOT, Server, machine_info, recreate_database, utc_timestamp, vacuum_analyze

TARGETS = {"seconds_100k": 10.0}
PATHS = {"all": "/api/v1/property-filings/export", "tenth": "/api/v1/property-filings/export?q=F001"}


@dataclass(frozen=True)
class Options:
    rows: int = 100_000
    database_url: str = DEFAULT_DATABASE_URL
    output: Path = ROOT / "bench-results" / "export.json"


def log(message: str) -> None:
    print(f"[bench export] {message}", file=sys.stderr, flush=True)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> bool:
    """Linux resets VmHWM to the current RSS on writing 5 to clear_refs (since 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _get(port: int, token: str, path: str, into: Path) -> int:
    """The file, read in pieces to disk (the client shares the process whose memory is measured); its size."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"GET {path} → {response.status}: {response.read(300)!r}")
        with into.open("wb") as out:
            while piece := response.read(65536):
                out.write(piece)
        return into.stat().st_size
    finally:
        conn.close()


def _measure(port: int, token: str, path: str, into: Path) -> dict[str, Any]:
    gc.collect()
    resettable = _reset_peak_rss()
    before = _status_kb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    size = _get(port, token, path, into)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status_kb("VmHWM")
    tracemalloc.start()
    _get(port, token, path, into)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the CPU the process spent (server and the client reading): on a shared machine the wall clock also
    # counts the time other processes had the cores
    return {"rows": _row_count(into), "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "bytes": size,
            "rss_before_mb": round(before / 1024, 1),
            "rss_peak_growth_mb": round((peak - before) / 1024, 1) if resettable else None,
            "python_peak_mb": round(traced_peak / 2**20, 1)}


def _row_count(path: Path) -> int:
    """Data rows in the sheet: its <row> elements but the header's, counted as the XML streams by."""
    count, tail = 0, b""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while piece := sheet.read(1 << 20):
            count += (tail + piece).count(b"<row ")
            tail = piece[-4:]  # a tag cut between two pieces is counted once, in the joined text
    return count - 1


def run(opts: Options) -> dict[str, Any]:
    log(f"recreating database {opts.database_url}")
    recreate_database(opts.database_url)
    os.environ["DATABASE_URL"] = opts.database_url

    from service import create_app
    from service.accounts.operations import create_staff_user, issue_token
    from service.cli import prepare_database
    from service.extensions import db

    # the administrator sees every submitted record: seed enough that they come to ``rows`` (drafts are 10 %)
    drafts = dict(machines.STATUS_MIX)["draft"] / sum(dict(machines.STATUS_MIX).values())
    seeded_count = math.ceil(opts.rows / (1 - drafts))
    with tempfile.TemporaryDirectory(prefix="crane-bench-") as data_dir:
        app = create_app({"DATA_DIR": data_dir, "PASSWORD_HASH_FAST": True, "START_WORKER": False})
        with app.app_context():
            prepare_database()
            seeded = machines.seed(machines.Options(machines=seeded_count))
            admin = create_staff_user({"username": "bench_admin", "password": machines.PASSWORD, "role": "admin"})
            token, _ = issue_token(admin)
            db.session.commit()
            db.session.remove()
        vacuum_analyze(opts.database_url)
        gc.collect()
        gc.freeze()  # the seeding heap is not what a running server carries
        with Server(app, threads=4) as server:
            into = Path(data_dir) / "export.xlsx"
            _get(server.port, token, PATHS["tenth"], into)  # warm: imports, caches, connections
            results = {}
            for name, path in (("tenth", PATHS["tenth"]), ("all", PATHS["all"])):
                log(f"exporting {name}: {path}")
                results[name] = _measure(server.port, token, path, into)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {"suite": "export", "timestamp": utc_timestamp(), "machine": machine_info(None),
            "load_average": os.getloadavg(),
            "seed": {**seeded, "machines": seeded_count}, "exports": results, "targets": TARGETS,
            "met": {"seconds_100k": results["all"]["rows"] >= opts.rows
                    and results["all"]["seconds"] <= TARGETS["seconds_100k"]}}


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"seed: {result['seed']['machines']} 产权备案 in {result['seed']['seconds']} s"]
    for name, r in result["exports"].items():
        lines.append(f"  export {name}: {r['rows']} rows in {r['seconds']} s, CPU {r['cpu_seconds']} s "
                     f"({r['bytes'] / 2**20:.1f} MB .xlsx), "
                     f"peak RSS growth {r['rss_peak_growth_mb']} MB, Python peak {r['python_peak_mb']} MB")
    lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in result["met"].items()))
    return lines
