"""Suite ``units``: a reviewer works through 单位管理 filings waiting for review.

On PostgreSQL with ``--filings`` unit filings waiting in the reviewer's region, time over real HTTP:
the 待审批 list (GET /api/v1/tasks?scope=claimable), claim, complete (approve), and claim + complete
together as one review step; beside it the same step done by SpiffWorkflow in memory
(load → complete → dump) on the same diagram, in the same run.

The filings are created through the real operations (register, create_draft, submit), so process
instances, human-task rows and history are genuine; only the four attachments per filing are inserted
as rows pointing to one stored file, which is what an upload ends in anyway.
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from .common import (
    DEFAULT_DATABASE_URL,
    ROOT,
    Instrument,
    JsonClient,
    Server,
    Stopwatch,
    machine_info,
    recreate_database,
    utc_timestamp,
    vacuum_analyze,
)
from .served import Setup, measure

REGION = "650100"
OTHER_REGIONS = ("650200", "652300", "653100")
PASSWORD = "bench0pass"  # noqa: S105 - throwaway accounts in the throwaway bench database
REVIEW_DATA = {"decision": "approve", "opinion": "同意"}
LIST_PATH = "/api/v1/tasks?scope=claimable&per_page=20"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TARGETS = {"step_p50_ms": 8.0, "step_p99_ms": 25.0, "server_cpu_ms_per_step": 5.0, "steps_per_second_4_clients": 200.0,
           "list_p95_ms": 20.0}
#: crane serve as in production: one waitress process, then gunicorn with several (see served.py)
SERVED_SETUPS = (Setup(workers=1, clients=1, steps_per_client=300), Setup(workers=1, clients=4, steps_per_client=150),
                 Setup(workers=2, clients=4, steps_per_client=150), Setup(workers=4, clients=4, steps_per_client=150))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Options:
    filings: int = 10_000
    other_filings: int = 1_000
    applicants: int = 50
    iterations: int = 300
    warmup: int = 20
    engine_iterations: int = 2_000
    trace_iterations: int = 30
    profile_iterations: int = 0
    threads: int = 4
    served: bool = True
    batch: int = 500
    database_url: str = DEFAULT_DATABASE_URL
    output: Path = ROOT / "bench-results" / "bench.json"

    @property
    def served_setups(self) -> tuple[Setup, ...]:
        return SERVED_SETUPS if self.served else ()


def log(message: str) -> None:
    print(f"[bench units] {message}", file=sys.stderr, flush=True)


# --- seeding --------------------------------------------------------------------------------------

def bench_uscc(n: int) -> str:
    """A valid, unique 统一社会信用代码 for every ``n`` below 10**8 (positions 9–16 carry ``n``)."""
    body = f"{n:08d}"
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    org_check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    first17 = "91" + REGION + body + org_check
    return first17 + stdnum_uscc.calc_check_digit(first17)


def organization_data(n: int, region: str, org_type: str) -> dict[str, str]:
    return {"name": f"新疆天山第{n}建设有限公司", "uscc": bench_uscc(n), "org_type": org_type,
            "region_code": region, "address": f"乌鲁木齐市天山区解放北路{n}号",
            "legal_representative": "张建国", "contact_name": "李明", "contact_phone": f"139{n:08d}"}


def seed(opts: Options) -> dict[str, Any]:
    """Accounts and filings waiting for review, through the real operations; commits in batches."""
    from sqlalchemy import text

    from service.accounts.operations import create_staff_user, register
    from service.attachments.models import Attachment
    from service.attachments.storage import FileStore
    from service.extensions import db
    from service.filings import operations as filings
    from service.filings.chains import chain_for

    started = time.perf_counter()
    for region in (REGION, *OTHER_REGIONS):
        create_staff_user({"username": f"bench_reviewer_{region}", "password": PASSWORD, "role": "reviewer",
                           "region_code": region})
    for colleague in range(1, max(s.clients for s in SERVED_SETUPS)):
        create_staff_user({"username": f"bench_reviewer_{REGION}_{colleague}", "password": PASSWORD,
                           "role": "reviewer", "region_code": REGION})
    applicants = [register({"username": f"bench_applicant_{i}", "password": PASSWORD,
                            "email": f"bench_applicant_{i}@example.cn", "phone": "13800138000",
                            "unit_type": "owner" if i % 2 == 0 else "construction"})
                  for i in range(opts.applicants)]
    db.session.commit()
    sha256, mime, size = FileStore().save(io.BytesIO(PDF_BYTES))
    slots = [s.slot for s in chain_for("organization").form.attachments]

    total = opts.filings + opts.other_filings
    for n in range(total):
        actor = applicants[n % len(applicants)]
        region = REGION if n < opts.filings else OTHER_REGIONS[n % len(OTHER_REGIONS)]
        record = filings.create_draft(chain_for("organization"), actor, organization_data(n, region, actor.unit_type))
        db.session.add_all([Attachment(record_kind=chain_for("organization").key, record_id=record.id, slot=slot,
                                       filename=f"{slot}.pdf", mime=mime, size=size, sha256=sha256,
                                       uploaded_by_id=actor.id) for slot in slots])
        db.session.flush()
        filings.submit(chain_for("organization"), actor, record.id)
        if (n + 1) % opts.batch == 0 or n + 1 == total:
            db.session.commit()
            if (n + 1) % (opts.batch * 4) == 0:
                # Keep plans sane while tables grow (autovacuum may be off, as on the reference machine).
                db.session.execute(text("ANALYZE organization, human_task, process_instance, attachment"))
                db.session.commit()
            elapsed = time.perf_counter() - started
            log(f"seeded {n + 1}/{total} filings ({elapsed:.0f} s)")
    seconds = time.perf_counter() - started
    return {"filings": opts.filings, "other_region_filings": opts.other_filings,
            "other_regions": list(OTHER_REGIONS), "applicants": opts.applicants,
            "seconds": round(seconds, 2), "ms_per_filing": round(seconds * 1e3 / max(1, total), 3)}


def seed_in_another_process(data_dir: str, opts: Options) -> dict[str, Any]:
    """Seed from a separate process (see seed.py for why); its progress lines pass through."""
    fields = {**asdict(opts), "output": str(opts.output)}
    completed = subprocess.run([sys.executable, "-m", "scripts.benchmarks.seed", data_dir, json.dumps(fields)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError("seeding failed (see the messages above)")
    return json.loads(completed.stdout)


def database_facts() -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from service.extensions import db
    from service.organizations.models import Organization
    from service.process.models import HumanTask

    by_status = select(Organization.status, func.count()).group_by(Organization.status)
    statuses = dict(db.session.execute(by_status).tuples().all())
    open_tasks = db.session.scalar(select(func.count()).where(HumanTask.status == "open",
                                                               HumanTask.region_code == REGION))
    settings = {name: db.session.scalar(text("SELECT current_setting(:name)"), {"name": name})
                for name in ("server_version", "autovacuum", "synchronous_commit", "shared_buffers")}
    return {"organization_status": statuses, "open_tasks_in_region": open_tasks, "postgres_settings": settings}


# --- over HTTP ------------------------------------------------------------------------------------

def label_of(method: str, path: str) -> str | None:
    if method == "GET" and path == "/api/v1/tasks":
        return "list"
    if method == "POST" and path.startswith("/api/v1/tasks/"):
        if path.endswith("/claim"):
            return "claim"
        if path.endswith("/complete"):
            return "complete"
    return None


@dataclass
class HttpTimings:
    step: Stopwatch
    claim: Stopwatch
    complete: Stopwatch
    listing: Stopwatch


def review_once(client: JsonClient, timings: HttpTimings | None) -> None:
    """List the claimable tasks, claim the first, approve it. Each request is timed on the client side."""
    start = time.perf_counter_ns()
    page = client.request("GET", LIST_PATH)
    listed = time.perf_counter_ns()
    if not page["items"]:
        raise RuntimeError("没有可认领的任务：--filings 少于 --warmup + --iterations + 采样次数")
    task_id = page["items"][0]["id"]
    claim_start = time.perf_counter_ns()
    client.request("POST", f"/api/v1/tasks/{task_id}/claim")
    claimed = time.perf_counter_ns()
    done = client.request("POST", f"/api/v1/tasks/{task_id}/complete", REVIEW_DATA)
    completed = time.perf_counter_ns()
    if done["status"] != "completed":
        raise RuntimeError(f"任务 {task_id} 未办结：{done}")
    if timings:
        timings.listing.add((listed - start) / 1e6)
        timings.claim.add((claimed - claim_start) / 1e6)
        timings.complete.add((completed - claimed) / 1e6)
        timings.step.add((completed - claim_start) / 1e6)


def drive_from_another_process(port: int, token: str, warmup: int, iterations: int) -> dict[str, list[float]]:
    """Warm-up and timed steps from a separate client process (see client.py for why)."""
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.benchmarks.client", str(port), token, str(warmup), str(iterations)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark client failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout)


def measure_http(app: Any, opts: Options) -> dict[str, Any]:
    from service.extensions import db

    instrument = Instrument(app.wsgi_app, label_of)
    app.wsgi_app = instrument
    with app.app_context():
        instrument.attach_sql(db.engine)
    timings = HttpTimings(Stopwatch(), Stopwatch(), Stopwatch(), Stopwatch())
    with Server(app, threads=opts.threads) as server:
        client = JsonClient(server.port)
        token = client.request("POST", "/api/v1/auth/token",
                               {"username": f"bench_reviewer_{REGION}", "password": PASSWORD})
        client.token = token["token"]
        first_page = client.request("GET", LIST_PATH)
        log(f"serving on 127.0.0.1:{server.port}; {first_page['total']} claimable tasks; "
            f"warm-up {opts.warmup}, timed {opts.iterations}")
        drive_from_another_process(server.port, client.token, opts.warmup, 0)
        gc.collect()
        instrument.recording = True
        samples = drive_from_another_process(server.port, client.token, 0, opts.iterations)
        instrument.recording = False
        for name, values in samples.items():
            getattr(timings, name).samples.extend(values)
        log(f"tracing SQL over {opts.trace_iterations} more steps")
        instrument.tracing = True
        for _ in range(opts.trace_iterations):
            review_once(client, None)
        instrument.tracing = False
        if opts.profile_iterations:
            log(f"cProfile over {opts.profile_iterations} more steps")
            instrument.profiling = True
            for _ in range(opts.profile_iterations):
                review_once(client, None)
            instrument.profiling = False
        client.close()
    app.wsgi_app = instrument.app
    result: dict[str, Any] = {
        "claimable_at_start": first_page["total"],
        "http_step_claim_complete_ms": timings.step.summary(),
        "http_claim_ms": timings.claim.summary(),
        "http_complete_ms": timings.complete.summary(),
        "task_list_ms": timings.listing.summary(),
        "server_side_ms": {label: watch.summary() for label, watch in sorted(instrument.server_ms.items())},
        "sql_profile": instrument.sql_report(),
    }
    if opts.profile_iterations:
        result["cprofile"] = instrument.profile_report()
    return result


def measure_served(opts: Options, data_dir: str) -> list[dict[str, Any]]:
    env = {"DATABASE_URL": opts.database_url, "CRANE_DATA_DIR": data_dir, "CRANE_START_WORKER": "0"}
    # one reviewer account per client: a reviewer's own claimed task is theirs to complete, wherever they click
    credentials = [{"username": f"bench_reviewer_{REGION}" + (f"_{i}" if i else ""), "password": PASSWORD}
                   for i in range(max(s.clients for s in SERVED_SETUPS))]
    runs = []
    for setup in opts.served_setups:
        log(f"crane serve, {setup.label}: {setup.steps_per_client} steps per client")
        runs.append(measure(setup, env, credentials, Path(data_dir) / "serve.log"))
        log(f"  {runs[-1]['steps_per_second']} steps/s, {runs[-1]['server_cpu_ms_per_step']} ms server CPU per step")
    return runs


# --- in memory ------------------------------------------------------------------------------------

def measure_engine(iterations: int, warmup: int = 50) -> dict[str, Any]:
    """The review step by SpiffWorkflow alone: load the saved state → complete 审批 (approve) → dump."""
    from forms import FORMS
    from service.accounts.models import ROLE_LABELS
    from workflows.lint import LintContext, validate_diagram
    from workflows.runner import Engine

    xml = (ROOT / "bpmn_models" / "organization.bpmn").read_bytes()
    parsed = validate_diagram(xml, LintContext(roles=frozenset(ROLE_LABELS), form_keys=frozenset(FORMS)),
                              key="organization")
    engine = Engine({})
    state = engine.dump(engine.start(parsed))
    guid = next(t.guid for t in engine.ready_tasks(engine.load(parsed, state)) if t.bpmn_id == "Task_review")
    step, load, complete, dump = Stopwatch(), Stopwatch(), Stopwatch(), Stopwatch()
    gc.collect()
    for i in range(warmup + iterations):
        t0 = time.perf_counter_ns()
        wf = engine.load(parsed, state)
        t1 = time.perf_counter_ns()
        engine.complete(wf, guid, REVIEW_DATA)
        t2 = time.perf_counter_ns()
        saved = engine.dump(wf)
        t3 = time.perf_counter_ns()
        if not wf.is_completed() or not saved:
            raise RuntimeError("审批通过后流程应已结束")
        if i >= warmup:
            step.add((t3 - t0) / 1e6)
            load.add((t1 - t0) / 1e6)
            complete.add((t2 - t1) / 1e6)
            dump.add((t3 - t2) / 1e6)
    return {"engine_in_memory_step_ms": step.summary(),
            "engine_in_memory_parts_ms": {"load": load.summary(), "complete": complete.summary(),
                                          "dump": dump.summary()},
            "engine_state_bytes": len(state.encode())}


# --- the suite ------------------------------------------------------------------------------------

def run(opts: Options) -> dict[str, Any]:
    needed = (opts.warmup + opts.iterations + opts.trace_iterations + opts.profile_iterations + 1
              + sum((s.steps_per_client + 10) * s.clients for s in opts.served_setups))
    if opts.filings < needed:
        raise SystemExit(f"--filings 至少应为 {needed}（预热 + 计时 + 采样次数）")
    log(f"recreating database {opts.database_url}")
    recreate_database(opts.database_url)
    os.environ["DATABASE_URL"] = opts.database_url

    from service import create_app
    from service.extensions import db

    with tempfile.TemporaryDirectory(prefix="crane-bench-") as data_dir:
        log(f"seeding {opts.filings} filings in {REGION} and {opts.other_filings} in other regions")
        seeded = seed_in_another_process(data_dir, opts)
        app = create_app({"DATA_DIR": data_dir, "PASSWORD_HASH_FAST": True, "START_WORKER": False})
        started = time.perf_counter()
        vacuum_analyze(opts.database_url)
        seeded["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 2)
        with app.app_context():
            before = database_facts()
            db.session.remove()
        gc.collect()
        http = measure_http(app, opts)
        served = measure_served(opts, data_dir)
        with app.app_context():
            after = database_facts()
            db.session.remove()
            db.engine.dispose()
    log(f"SpiffWorkflow in memory: {opts.engine_iterations} steps")
    engine = measure_engine(opts.engine_iterations)

    reviewed = (opts.warmup + opts.iterations + opts.trace_iterations + opts.profile_iterations
                + sum(run["steps"] + 10 * run["setup"]["clients"] for run in served))
    approved = after["organization_status"].get("approved", 0)
    if approved != reviewed:
        raise RuntimeError(f"expected {reviewed} approved filings, found {approved}")
    step = http["http_step_claim_complete_ms"]
    list_p95 = http["task_list_ms"]["p95"]
    met = {"step_p50_ms": step["p50"] <= TARGETS["step_p50_ms"], "step_p99_ms": step["p99"] <= TARGETS["step_p99_ms"],
           "list_p95_ms": list_p95 <= TARGETS["list_p95_ms"]}
    if served:
        met["server_cpu_ms_per_step"] = served[0]["server_cpu_ms_per_step"] <= TARGETS["server_cpu_ms_per_step"]
        met["steps_per_second_4_clients"] = (max(run["steps_per_second"] for run in served[1:])
                                             >= TARGETS["steps_per_second_4_clients"])
    return {
        "suite": "units",
        "timestamp": utc_timestamp(),
        "machine": {**machine_info(before["postgres_settings"]["server_version"]),
                    "postgres_settings": before["postgres_settings"]},
        "config": {"iterations": opts.iterations, "warmup": opts.warmup, "waitress_threads": opts.threads,
                   "list_request": LIST_PATH, "engine_iterations": opts.engine_iterations,
                   "trace_iterations": opts.trace_iterations, "profile_iterations": opts.profile_iterations},
        "seed": seeded,
        **{key: http[key] for key in ("http_step_claim_complete_ms", "http_claim_ms", "http_complete_ms",
                                      "task_list_ms")},
        "engine_in_memory_step_ms": engine["engine_in_memory_step_ms"],
        "targets": TARGETS,
        "served": served,
        "met": met,
        "details": {
            "claimable_at_start": http["claimable_at_start"],
            "database_before": before, "database_after": after,
            "server_side_ms": http["server_side_ms"],
            "engine_in_memory_parts_ms": engine["engine_in_memory_parts_ms"],
            "engine_state_bytes": engine["engine_state_bytes"],
            "sql_per_request": http["sql_profile"],
            **({"cprofile": http["cprofile"]} if "cprofile" in http else {}),
        },
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    def fmt(stats: dict[str, Any], *keys: str) -> str:
        return ", ".join(f"{k} {stats[k]:.2f} ms" for k in keys)

    seed_info = result["seed"]
    met = result["met"]
    sql = result["details"]["sql_per_request"]
    lines = [
        f"seed: {seed_info['filings']} filings waiting in {REGION} "
        f"(+{seed_info['other_region_filings']} elsewhere)"
        f" in {seed_info['seconds']:.1f} s ({seed_info['ms_per_filing']:.2f} ms/filing)",
        f"review step, claim + complete over HTTP: "
        f"{fmt(result['http_step_claim_complete_ms'], 'p50', 'p95', 'p99')}"
        f"  target p50 ≤ {TARGETS['step_p50_ms']:g} ms: {'met' if met['step_p50_ms'] else 'MISSED'}",
        f"  claim:    {fmt(result['http_claim_ms'], 'p50', 'p99')}",
        f"  complete: {fmt(result['http_complete_ms'], 'p50', 'p99')}",
        f"待审批 list (20 of {result['details']['claimable_at_start']}): "
        f"{fmt(result['task_list_ms'], 'p50', 'p95', 'p99')}"
        f"  target p95 ≤ {TARGETS['list_p95_ms']:g} ms: {'met' if met['list_p95_ms'] else 'MISSED'}",
        f"same step by SpiffWorkflow in memory (load → complete → dump): "
        f"{fmt(result['engine_in_memory_step_ms'], 'p50', 'p99')}",
    ]
    for run in result["served"]:
        setup = run["setup"]
        lines.append(f"crane serve, {setup['serve_processes']} process(es) × {setup['threads']} threads, "
                     f"{setup['clients']} client(s): {run['steps_per_second']:g} steps/s, "
                     f"server CPU {run['server_cpu_ms_per_step']:g} ms/step, step {fmt(run['step_ms'], 'p50', 'p99')}, "
                     f"RSS {run['rss_mib_per_process']} MiB, {run['conflicts']} claims lost to another client")
    for label in ("list", "claim", "complete"):
        if label in sql:
            lines.append(f"  per {label} request (traced): {sql[label]['statements_per_request']:g} SQL statements, "
                         f"{sql[label]['server_ms_per_request']:.2f} ms in the server of which "
                         f"{sql[label]['db_ms_per_request']:.2f} ms in cursor.execute")
    return lines
