"""The benchmark's HTTP client, run as its own process.

A client thread inside the server's process would compete with waitress's threads for the GIL and
inflate every figure; a browser or an enterprise system is a separate process too.
``python -m scripts.benchmarks.client PORT TOKEN WARMUP ITERATIONS`` runs review steps;
``python -m scripts.benchmarks.client PORT TOKEN WARMUP ITERATIONS --get PATH …`` times GETs of each path
(and ``--post`` POSTs, each path once); both print the timings in milliseconds as JSON.
"""

from __future__ import annotations

import json
import sys
import time

from .common import JsonClient, Stopwatch
from .units import HttpTimings, review_once


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


def main(argv: list[str]) -> None:
    port, token, warmup, iterations = int(argv[0]), argv[1], int(argv[2]), int(argv[3])
    client = JsonClient(port)
    client.token = token
    if len(argv) > 5 and argv[4] in ("--get", "--post"):
        json.dump(time_requests(client, argv[4][2:].upper(), argv[5:], warmup, iterations), sys.stdout)
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
