"""The benchmark's HTTP client, run as its own process.

A client thread inside the server's process would compete with waitress's threads for the GIL and
inflate every figure; a browser or an enterprise system is a separate process too.
``python -m scripts.benchmarks.client PORT TOKEN WARMUP ITERATIONS`` runs review steps;
``… --share INDEX COUNT`` is one of COUNT reviewers working at once (see served.py);
``python -m scripts.benchmarks.client PORT TOKEN WARMUP ITERATIONS --get PATH …`` times GETs of each path
(and ``--post`` POSTs, each path once); both print the timings in milliseconds as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from .common import HttpError, JsonClient, Stopwatch
from .units import REVIEW_DATA, HttpTimings, review_once


def time_requests(client: JsonClient, method: str, paths: list[str], warmup: int, iterations: int
                  ) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {path: [] for path in paths}
    rounds = range(warmup + iterations) if method == "GET" else range(1)
    for round_ in rounds:
        for path in paths:
            start = time.perf_counter_ns()
            client.request(method, path, {} if method == "POST" else None)
            if round_ >= warmup or method == "POST":
                samples[path].append((time.perf_counter_ns() - start) / 1e6)
    return samples


#: a page long enough to hold several tasks of every share
SHARE_LIST_PATH = "/api/v1/tasks?scope=claimable&per_page=40"


def work_my_share(client: JsonClient, index: int, count: int, steps: int) -> dict[str, Any]:
    """One of ``count`` reviewers at work at once: list a page, claim + complete the tasks of it that are this
    reviewer's share (id modulo ``count``), list again. Shares are disjoint, as when a bureau splits its
    queue; a task another client took first all the same (409) is skipped and counted."""
    samples: list[float] = []
    conflicts = 0
    started = time.time()
    page_number = 1
    while len(samples) < steps:
        page = client.request("GET", f"{SHARE_LIST_PATH}&page={page_number}")
        if not page["items"]:
            raise RuntimeError("没有可认领的任务：--filings 太少")
        mine = [item for item in page["items"] if item["id"] % count == index]
        page_number = 1 if mine else page_number + 1  # the others were slower: my next tasks are further on
        for item in mine[:steps - len(samples)]:
            start = time.perf_counter_ns()
            try:
                client.request("POST", f"/api/v1/tasks/{item['id']}/claim")
            except HttpError as exc:
                if exc.status != 409:
                    raise
                conflicts += 1
                continue
            client.request("POST", f"/api/v1/tasks/{item['id']}/complete", REVIEW_DATA)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return {"step": samples, "conflicts": conflicts, "started": started, "ended": time.time()}


def main(argv: list[str]) -> None:
    port, token, warmup, iterations = int(argv[0]), argv[1], int(argv[2]), int(argv[3])
    client = JsonClient(port)
    client.token = token
    if len(argv) > 5 and argv[4] in ("--get", "--post"):
        json.dump(time_requests(client, argv[4][2:].upper(), argv[5:], warmup, iterations), sys.stdout)
        return
    if len(argv) > 6 and argv[4] == "--share":
        json.dump(work_my_share(client, int(argv[5]), int(argv[6]), iterations), sys.stdout)
        return
    for _ in range(warmup):
        review_once(client, None)
    timings = HttpTimings(Stopwatch(), Stopwatch(), Stopwatch(), Stopwatch())
    for _ in range(iterations):
        review_once(client, timings)
    client.close()
    json.dump({name: getattr(timings, name).samples for name in ("step", "claim", "complete", "listing")},
              sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
