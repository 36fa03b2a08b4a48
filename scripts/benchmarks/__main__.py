"""``scripts/bench [suite] [options]``: run one benchmark suite, write its JSON, print a short summary."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import certificates, export, machines, units
from .common import DEFAULT_DATABASE_URL, ROOT

SUITES = ("units", "machines", "certificates", "export")


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = units.Options()
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description="Benchmarks on PostgreSQL (the database is dropped and recreated).")
    parser.add_argument("suite", nargs="?", default="units", choices=SUITES,
                        help="which benchmark to run (default: units — claim + complete of 单位管理 reviews)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="dedicated database, dropped and recreated every run "
                             f"(default: {DEFAULT_DATABASE_URL})")
    parser.add_argument("--output", type=Path, default=defaults.output,
                        help="where the JSON goes (default: bench-results/bench.json)")
    parser.add_argument("--filings", type=int, default=defaults.filings,
                        help="filings waiting for review in the reviewer's region "
                             f"(default: {defaults.filings})")
    parser.add_argument("--other-filings", type=int, default=defaults.other_filings,
                        help=f"filings waiting in other regions (default: {defaults.other_filings})")
    parser.add_argument("--applicants", type=int, default=defaults.applicants,
                        help="applicant accounts the filings are spread over "
                             f"(default: {defaults.applicants})")
    parser.add_argument("--iterations", type=int, default=defaults.iterations,
                        help=f"timed review steps over HTTP (default: {defaults.iterations})")
    parser.add_argument("--warmup", type=int, default=defaults.warmup,
                        help=f"review steps before timing starts (default: {defaults.warmup})")
    parser.add_argument("--engine-iterations", type=int, default=defaults.engine_iterations,
                        help=f"in-memory SpiffWorkflow steps (default: {defaults.engine_iterations})")
    parser.add_argument("--trace-iterations", type=int, default=defaults.trace_iterations,
                        help="untimed steps with every SQL statement logged, for the per-request SQL report "
                             f"(default: {defaults.trace_iterations}; 0 turns it off)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also run N untimed steps under cProfile and add the top functions to the JSON")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="waitress threads (default: 4)")
    parser.add_argument("--no-served", dest="served", action="store_false",
                        help="suite units: skip the runs against crane serve processes (e.g. while profiling)")
    parser.add_argument("--machines", type=int, default=machines.Options().machines,
                        help="suite machines: 产权备案 rows to seed (default: 100000)")
    parser.add_argument("--rows", type=int, default=export.Options().rows,
                        help="suite export: rows the administrator's 产权备案 list holds (default: 100000)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    for name in ("filings", "iterations", "engine_iterations", "applicants", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("other_filings", "warmup", "trace_iterations", "profile"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    if args.suite == "certificates":
        return run_suite(certificates, certificates.Options(database_url=args.database_url), started)
    if args.suite == "export":
        return run_suite(export, export.Options(rows=args.rows, database_url=args.database_url,
                                                output=_suite_output(args.output, export.Options().output)), started)
    if args.suite == "machines":
        return run_suite(machines, machines.Options(
            machines=args.machines, iterations=min(args.iterations, 100), threads=args.threads,
            database_url=args.database_url,
            output=_suite_output(args.output, machines.Options().output)), started)
    output: Path = args.output if args.output.is_absolute() else Path.cwd() / args.output
    opts = units.Options(
        filings=args.filings, other_filings=args.other_filings, applicants=args.applicants,
        iterations=args.iterations, warmup=args.warmup, engine_iterations=args.engine_iterations,
        trace_iterations=args.trace_iterations, profile_iterations=args.profile, threads=args.threads,
        served=args.served, database_url=args.database_url, output=output)
    result = units.run(opts)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("\n".join(units.summary_lines(result)))
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"figures written to {shown} (run took {result['total_seconds']:.0f} s)")
    return 1 if args.check and not all(result["met"].values()) else 0


def _suite_output(given: Path, suite_default: Path) -> Path:
    """--output if given, else the suite's own file (the default names the units suite's)."""
    return given if given != units.Options().output else suite_default


def run_suite(suite: Any, opts: Any, started: float) -> int:
    result = suite.run(opts)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    output: Path = opts.output if opts.output.is_absolute() else Path.cwd() / opts.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("\n".join(suite.summary_lines(result)))
    print(f"figures written to {output} (run took {result['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
