"""The benchmark's HTTP client, run as its own process.

A client thread inside the server's process would compete with waitress's threads for the GIL and
inflate every figure; a browser or an enterprise system is a separate process too.
``python -m scripts.benchmarks.client PORT TOKEN WARMUP ITERATIONS`` prints the timings as JSON.
"""

from __future__ import annotations

import json
import sys

from .common import JsonClient, Stopwatch
from .units import HttpTimings, review_once


def main(argv: list[str]) -> None:
    port, token, warmup, iterations = int(argv[0]), argv[1], int(argv[2]), int(argv[3])
    client = JsonClient(port)
    client.token = token
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
