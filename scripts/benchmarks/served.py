"""Review steps against ``crane serve`` as it runs in production: its own processes, concurrent clients.

The ``units`` suite times one client against the app in the bench's own process; this part starts
``crane serve`` (waitress with one process, gunicorn with several) on the seeded database and runs
1 or 4 client processes at once. Each client lists the 待审批 page once and works through its share of
the page (claim + complete), so the figures are review steps, not lists. Measured: steps per second
from the first client's start to the last one's end, server CPU (every process of the serving tree,
from /proc) per step, and the resident memory of each serving process.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import ROOT, JsonClient, summarize

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Setup:
    workers: int
    clients: int
    steps_per_client: int
    threads: int = 4

    @property
    def label(self) -> str:
        return f"{self.workers} process{'es' if self.workers > 1 else ''}, {self.clients} client" + \
            ("s" if self.clients > 1 else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class CraneServe:
    """``crane serve`` in its own process group on a free port, stopped with SIGTERM."""

    def __init__(self, setup: Setup, env: dict[str, str], log_file: Path):
        self.port = free_port()
        command = [sys.executable, "-c", "from service.cli import main; main()", "serve", "--no-worker",
                   "--port", str(self.port), "--workers", str(setup.workers), "--threads", str(setup.threads)]
        self.log_file = log_file
        with log_file.open("ab") as log:  # a file, not a pipe nobody drains: a full pipe would stall the server
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
                                            stdout=log, stderr=log)
        self.workers = setup.workers

    def __enter__(self) -> CraneServe:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"crane serve exited: {self.log_file.read_text()[-2000:]}")
            try:
                client = JsonClient(self.port)
                client.request("GET", "/readyz")
                client.close()
                if len(process_tree(self.process.pid)) > self.workers or self.workers == 1:
                    return self
            except (OSError, RuntimeError):
                pass
            time.sleep(0.2)
        raise RuntimeError("crane serve did not answer /readyz within 60 s")

    def __exit__(self, *_: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def serving_rss_mib(self) -> list[float]:
        """RSS of each process that serves requests (gunicorn's master only supervises them)."""
        pids = self.pids()
        serving = pids[1:] if self.workers > 1 else pids
        return sorted(rss_mib(pid) for pid in serving)


def run_clients(port: int, tokens: list[str], setup: Setup) -> list[dict[str, Any]]:
    """Start every client at once, each as its own reviewer; each prints its step timings, its time span and
    its conflicts."""
    processes = [subprocess.Popen(
        [sys.executable, "-m", "scripts.benchmarks.client", str(port), tokens[index], "0",
         str(setup.steps_per_client),
         "--share", str(index), str(setup.clients)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for index in range(setup.clients)]
    results = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"benchmark client failed: {err[-2000:]}")
        results.append(json.loads(out))
    return results


def measure(setup: Setup, env: dict[str, str], credentials: list[dict[str, str]], log_file: Path
            ) -> dict[str, Any]:
    with CraneServe(setup, env, log_file) as server:
        client = JsonClient(server.port)
        tokens = [client.request("POST", "/api/v1/auth/token", account)["token"] for account in credentials]
        client.close()
        run_clients(server.port, tokens, Setup(setup.workers, setup.clients, 10, setup.threads))  # warm every process
        cpu_before = cpu_seconds(server.pids())
        results = run_clients(server.port, tokens, setup)
        cpu_after = cpu_seconds(server.pids())
        rss = server.serving_rss_mib()
    steps = sum(len(r["step"]) for r in results)
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return {"setup": {"serve_processes": setup.workers, "threads": setup.threads, "clients": setup.clients},
            "steps": steps, "conflicts": sum(r["conflicts"] for r in results),
            "steps_per_second": round(steps / span, 1),
            "server_cpu_ms_per_step": round((cpu_after - cpu_before) * 1e3 / steps, 2),
            "step_ms": summarize([ms for r in results for ms in r["step"]]),
            "rss_mib_per_process": rss}
