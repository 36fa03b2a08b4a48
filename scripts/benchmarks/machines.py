"""Suite ``machines``: the lists and the search with 100,000 machines filed, and a large submission.

Background rows (units, 产权备案 in every status, their open review tasks) are bulk-inserted with the
shapes the operations produce — going through the operations for 100,000 machines would take most of
an hour. What is timed goes through the real HTTP API: each list tab for an applicant and for the
bureau, the bureau's 待审批 / 我发起的 filters, a search by 出厂编号, and 发起审批 of 安装告知 drafts carrying
every attachment slot and eight 重点人员 rows.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from .common import (
    DEFAULT_DATABASE_URL,
    ROOT,
    Server,
    machine_info,
    recreate_database,
    summarize,
    utc_timestamp,
    vacuum_analyze,
)

REGION = "650100"
REGIONS = ("650100", "650200", "650400", "650500", "652300", "652700", "652800", "652900")
PASSWORD = "bench0pass"  # noqa: S105 - throwaway accounts in the throwaway bench database
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TARGETS = {"list_p95_ms": 30.0, "submission_p50_ms": 50.0}
STATUS_MIX = (("approved", 80), ("draft", 10), ("in_review", 5), ("terminated", 5))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: the installer named on every notice: a valid ID number (GB 11643 check digit), as the forms require
DRIVER_ID = "650102198506150010"


@dataclass(frozen=True)
class Options:
    machines: int = 100_000
    owners: int = 100
    iterations: int = 100
    warmup: int = 10
    submissions: int = 40
    threads: int = 4
    database_url: str = DEFAULT_DATABASE_URL
    output: Path = ROOT / "bench-results" / "machines.json"


def log(message: str) -> None:
    print(f"[bench machines] {message}", file=sys.stderr, flush=True)


def make_uscc(n: int) -> str:
    body = f"{n:08d}"
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    first17 = f"91{REGION}{body}{check}"
    return first17 + stdnum_uscc.calc_check_digit(first17)


def seed(opts: Options) -> dict[str, Any]:
    """Owners with approved units, the bureau's reviewer, and the machines in every status."""
    from sqlalchemy import insert

    from service.accounts.operations import create_staff_user, register
    from service.extensions import db
    from service.machines.models import PropertyFiling
    from service.organizations.models import Organization
    from service.process.models import HumanTask, ProcessDefinition, ProcessInstance
    from service.types import utcnow

    started = time.perf_counter()
    reviewer = create_staff_user({"username": "bench_reviewer", "password": PASSWORD, "role": "reviewer",
                                  "region_code": REGION})
    owners = []
    for i in range(opts.owners):
        owner = register({"username": f"bench_owner_{i}", "password": PASSWORD, "phone": "13800138000",
                          "email": f"bench_owner_{i}@example.cn", "unit_type": "owner"})
        region = REGION if i % 2 == 0 else REGIONS[i % len(REGIONS)]
        unit = Organization(name=f"新疆吊装{i}有限公司", uscc=make_uscc(i), org_type="owner", region_code=region,
                            address="乌鲁木齐", legal_representative="张三", contact_name="李四",
                            contact_phone="13800138000", account_id=owner.id, status="approved")
        db.session.add(unit)
        db.session.flush()
        owner.organization_id = unit.id
        owners.append((owner.id, region))
    db.session.commit()
    definition = db.session.query(ProcessDefinition).filter_by(key="property_filing").one()
    now = utcnow()
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
    batch = 5_000
    for start in range(0, opts.machines, batch):
        rows = []
        for n in range(start, min(start + batch, opts.machines)):
            account_id, region = owners[n % len(owners)]
            status = statuses[n % len(statuses)]
            rows.append({"category": "T", "model": "QTZ80", "manufacturer": "四川建设机械",
                         "manufacture_license": "TS1",
                         "factory_number": f"F{n:07d}", "manufacture_date": dt.date(2023, 5, 1),
                         "certificate_of_conformity": f"HG{n:07d}", "contact_name": "李明",
                         "contact_phone": "13912345678", "parameters": [{"code": "1001", "value": "56"}],
                         "filing_number": f"{region}-T-2026-{n:06d}" if status == "approved" else None,
                         "status": status, "region_code": region, "account_id": account_id,
                         "created_at": now, "updated_at": now,
                         "submitted_at": None if status == "draft" else now - dt.timedelta(days=n % 300)})
        ids = db.session.scalars(insert(PropertyFiling).returning(PropertyFiling.id), rows).all()
        waiting = [(record_id, row) for record_id, row in zip(ids, rows, strict=True) if row["status"] == "in_review"]
        if waiting:
            instance_ids = db.session.scalars(insert(ProcessInstance).returning(ProcessInstance.id), [
                {"definition_id": definition.id, "state": "{}", "state_version": 1, "status": "running",
                 "record_kind": "property_filing", "record_id": record_id, "region_code": row["region_code"],
                 "started_by_id": row["account_id"], "started_at": now, "updated_at": now}
                for record_id, row in waiting]).all()
            db.session.execute(insert(HumanTask), [
                {"instance_id": instance_id, "task_guid": str(uuid.uuid4()), "bpmn_id": "Task_review", "name": "审批",
                 "role": "reviewer", "region_code": row["region_code"], "form_key": "review_property_filing",
                 "record_kind": "property_filing", "record_id": record_id, "status": "open", "created_at": now}
                for instance_id, (record_id, row) in zip(instance_ids, waiting, strict=True)])
        db.session.commit()
        log(f"seeded {min(start + batch, opts.machines)}/{opts.machines} machines")
    return {"machines": opts.machines, "owners": opts.owners, "status_mix_percent": dict(STATUS_MIX),
            "reviewer_id": reviewer.id, "seconds": round(time.perf_counter() - started, 1)}


def prepare_submissions(opts: Options) -> tuple[str, list[int]]:
    """安装告知 drafts of owner 0, each complete: every slot filled and eight 重点人员 rows."""
    import io

    from sqlalchemy import insert, select

    from service.accounts.models import User
    from service.attachments.models import Attachment
    from service.attachments.storage import FileStore
    from service.calendar import add_working_days
    from service.extensions import db
    from service.filings.chains import chain_for
    from service.filings.operations import create_draft
    from service.machines.models import PropertyFiling
    from service.projects.models import Project
    from service.workers.models import Worker

    owner = db.session.scalar(select(User).where(User.username == "bench_owner_0"))
    uscc = owner.organization.uscc
    now = dt.datetime.now(dt.UTC)
    common = {"status": "approved", "region_code": REGION, "account_id": owner.id, "created_at": now,
              "updated_at": now}
    project_id = db.session.scalar(insert(Project).returning(Project.id), [{
        **common, "name": "会展中心二期", "address": "乌鲁木齐", "developer_name": "城投",
        "construction_unit_uscc": make_uscc(900001),
        "supervision_unit_uscc": make_uscc(900002), "installation_unit_uscc": uscc, "permit_number": "P1",
        "longitude": "87.617733", "latitude": "43.792818", "manager_name": "王", "manager_phone": "13899887766"}])
    worker_id = db.session.scalar(insert(Worker).returning(Worker.id), [{
        **common, "name": "杨俊", "id_number": DRIVER_ID, "category": "08", "certificate_number": "C1",
        "issuing_authority": "自治区住建厅", "valid_from": dt.date(2025, 1, 1), "valid_until": dt.date(2027, 12, 31),
        "employer_name": "吊装", "employer_uscc": uscc, "phone": "13999001122"}])
    machines = db.session.scalars(select(PropertyFiling.id).where(PropertyFiling.account_id == owner.id,
                                                                  PropertyFiling.status == "approved")
                                  .limit(opts.submissions)).all()
    sha256, mime, size = FileStore().save(io.BytesIO(PDF_BYTES))
    codes = ("1103", "1104", "1105", "1105", "1105", "1105", "1105", "1105")
    people = [{"code": code, "name": f"人员{i}", "id_number": DRIVER_ID, "unit_name": "吊装",
               "unit_uscc": uscc, "employed": True} for i, code in enumerate(codes)]
    drafts = []
    for machine_id in machines:
        draft = create_draft(chain_for("installation_notice"), owner, {
            "property_filing_id": machine_id, "project_id": project_id, "worker_ids": [worker_id],
            "planned_date": add_working_days(dt.date.today(), 5).isoformat(), "personnel": people})
        db.session.add_all([Attachment(record_kind="installation_notice", record_id=draft.id, slot=slot.slot,
                                       filename=f"{slot.slot}.pdf", mime=mime, size=size, sha256=sha256,
                                       uploaded_by_id=owner.id)
                            for slot in chain_for("installation_notice").form.attachments])
        drafts.append(draft.id)
    db.session.commit()
    return "bench_owner_0", drafts


def drive(port: int, token: str, warmup: int, iterations: int, method: str, paths: list[str]
          ) -> dict[str, list[float]]:
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.benchmarks.client", str(port), token, str(warmup), str(iterations),
         f"--{method}", *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark client failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout)


def run(opts: Options) -> dict[str, Any]:
    log(f"recreating database {opts.database_url}")
    recreate_database(opts.database_url)
    os.environ["DATABASE_URL"] = opts.database_url

    from service import create_app
    from service.cli import prepare_database
    from service.extensions import db

    from .common import JsonClient

    with tempfile.TemporaryDirectory(prefix="crane-bench-") as data_dir:
        app = create_app({"DATA_DIR": data_dir, "PASSWORD_HASH_FAST": True, "START_WORKER": False})
        with app.app_context():
            prepare_database()
            seeded = seed(opts)
            owner_name, drafts = prepare_submissions(opts)
            db.session.remove()
        vacuum_analyze(opts.database_url)
        gc.collect()
        gc.freeze()  # the seeding heap is not what a running server carries
        with Server(app, threads=opts.threads) as server:
            client = JsonClient(server.port)
            tokens = {name: client.request("POST", "/api/v1/auth/token", {"username": name, "password": PASSWORD})
                      ["token"] for name in ("bench_reviewer", owner_name)}
            tabs = ["", "draft", "in_review", "approved", "terminated"]
            base = "/api/v1/property-filings?per_page=20"
            applicant_paths = [f"{base}&status={t}" for t in tabs]
            bureau_paths = [*applicant_paths, f"{base}&scope=todo", f"{base}&scope=mine"]
            search_path = f"{base}&q=F0054321"
            log(f"timing lists: {opts.iterations} rounds")
            applicant = drive(server.port, tokens[owner_name], opts.warmup, opts.iterations, "get", applicant_paths)
            bureau = drive(server.port, tokens["bench_reviewer"], opts.warmup, opts.iterations, "get",
                           [*bureau_paths, search_path])
            log(f"timing {len(drafts)} submissions")
            submitted = drive(server.port, tokens[owner_name], 0, 1, "post",
                              [f"/api/v1/installation-notices/{d}/submit" for d in drafts])
            client.token = tokens["bench_reviewer"]
            visible_total = client.request("GET", bureau_paths[0])["total"]
            client.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    lists = {f"applicant {p.split('status=')[-1] or '全部'}": summarize(v) for p, v in applicant.items()}
    lists.update({f"bureau {p.split('&', 1)[1].split('=', 1)[1] or '全部'}": summarize(v)
                  for p, v in bureau.items() if p != search_path})
    search = summarize(bureau[search_path])
    submission = summarize([ms for values in submitted.values() for ms in values])
    worst_list_p95 = max([s["p95"] for s in lists.values()] + [search["p95"]])
    return {"suite": "machines", "timestamp": utc_timestamp(), "machine": machine_info(None),
            "seed": {**seeded, "bureau_visible_machines": visible_total},
            "lists_ms": lists, "search_by_factory_number_ms": search,
            "submission_12_slots_8_personnel_ms": submission,
            "targets": TARGETS,
            "met": {"list_p95_ms": worst_list_p95 <= TARGETS["list_p95_ms"],
                    "submission_p50_ms": submission["p50"] <= TARGETS["submission_p50_ms"]}}


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"seed: {result['seed']['machines']} machines in {result['seed']['seconds']} s; "
             f"the bureau sees {result['seed']['bureau_visible_machines']}"]
    for name, stats in result["lists_ms"].items():
        lines.append(f"  list {name}: p50 {stats['p50']:.2f} ms, p95 {stats['p95']:.2f} ms")
    search = result["search_by_factory_number_ms"]
    lines.append(f"  search by 出厂编号: p50 {search['p50']:.2f} ms, p95 {search['p95']:.2f} ms")
    sub = result["submission_12_slots_8_personnel_ms"]
    lines.append(f"发起审批 of 安装告知 with 12 attachments and 8 personnel rows: p50 {sub['p50']:.2f} ms, "
                 f"p95 {sub['p95']:.2f} ms (n={sub['n']})")
    lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in result["met"].items()))
    return lines
