"""``scripts/bench certificates``: PDF and OFD rendering per certificate, and 200 certificates made
through the ministry simulator (zero delay) by two workers at once: all issued, numbers gapless."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import DEFAULT_DATABASE_URL, ROOT, Stopwatch, recreate_database, summarize

TARGETS_MS = {"pdf_p50": 100.0, "ofd_p50": 20.0}


@dataclass
class Options:
    certificates: int = 200
    renders: int = 30
    ofd_renders: int = 200
    workers: int = 2
    database_url: str = DEFAULT_DATABASE_URL
    output: Path = ROOT / "bench-results" / "certificates.json"


def log(message: str) -> None:
    print(f"[bench certificates] {message}", file=sys.stderr, flush=True)


def _seed(count: int) -> tuple[Any, list[int]]:
    """Approved use registrations, written directly (the chains are measured by the other suites)."""
    from service.accounts.models import User
    from service.extensions import db
    from service.filings.models import FilingStatus
    from service.installations.models import InstallationNotice
    from service.machines.models import PropertyFiling
    from service.organizations.models import Organization
    from service.projects.models import Project
    from service.registrations.models import UseRegistration
    from tests import factories

    def account(name: str, role: str, unit_type: str | None = None) -> User:
        # no login: an unusable hash
        user = User(username=name, password_hash="!", role=role, unit_type=unit_type,  # noqa: S106
                    region_code="650100")
        db.session.add(user)
        db.session.flush()
        if unit_type:
            user.organization = Organization(name=f"新疆{name}建设集团有限公司", uscc=factories.make_uscc(),
                                             region_code="650100", status=FilingStatus.APPROVED, account_id=user.id)
        return user

    reviewer = account("bench_reviewer", "reviewer")
    owner, builder = account("bench_owner", "applicant", "owner"), account("bench_builder", "applicant",
                                                                         "construction")
    db.session.flush()
    project = Project(name="乌鲁木齐高铁新区综合楼", address="乌鲁木齐市新市区", region_code="650100",
                      construction_unit_uscc=builder.organization.uscc, status=FilingStatus.APPROVED,
                      account_id=owner.id, longitude="87.5", latitude="43.9")
    db.session.add(project)
    db.session.flush()
    ids = []
    for i in range(count):
        machine = PropertyFiling(category="T", model="QTZ80(TC6010-6)", factory_number=f"B{i:06d}",
                                 filing_number=f"650100-T-2026-{i:05d}", status=FilingStatus.APPROVED,
                                 region_code="650100", account_id=owner.id)
        notice = InstallationNotice(machine=machine, project=project, status=FilingStatus.APPROVED,
                                    region_code="650100", account_id=owner.id)
        # every person distinct (up to 250 certificates): the ministry refuses a driver registered twice
        people = [{"code": c, "name": f"人员{i}-{c}", "id_number": factories.make_id_number(),
                   "unit_name": builder.organization.name, "unit_uscc": builder.organization.uscc, "employed": True}
                  for c in ("1106", "1107", "1108", "1109")]
        registration = UseRegistration(installation_notice=notice, project_id=project.id,
                                       status=FilingStatus.APPROVED,
                                       region_code="650100", account_id=builder.id,
                                       using_unit_uscc=builder.organization.uscc, registration_number=f"SYDJ-{i:05d}",
                                       longitude=f"{87.6 + i * 0.001:.6f}", latitude="43.8",
                                       wgs_longitude=87.6 + i * 0.001, wgs_latitude=43.8, personnel=people)
        db.session.add_all([machine, notice, registration])
        db.session.flush()
        ids.append(registration.id)
    db.session.commit()
    return reviewer, ids


def _render_timings(opts: Options) -> dict[str, Any]:
    from flask import current_app

    from service.certificates.content import Facts
    from service.certificates.fonts import glyph_source
    from service.certificates.ofd import render_ofd
    from service.certificates.pdf import render_pdf

    facts = Facts(number="650100T(2026)0000001", using_unit="新疆天山建设集团有限公司",
                  using_unit_uscc="91650100MA77X8Q01K", owner="新疆昆仑机械租赁有限公司", category="塔式起重机",
                  model="QTZ80(TC6010-6)", factory_number="TC2024-0815", filing_number="650100-T-2026-00001",
                  project="乌鲁木齐高铁新区综合楼（一期）", project_address="乌鲁木齐市新市区高铁北一路",
                  position="东经 87.618733，北纬 43.792818", registration_number="SYDJ-650100-T-2026-00001",
                  bureau="乌鲁木齐市住房和城乡建设局", bureau_uscc="11650100MB6501000C", issue_date=dt.date.today(),
                  valid_until=dt.date.today() + dt.timedelta(days=365), license_code="1.2.156.3005.2.x")
    source = glyph_source(current_app.config["FONT_DIR"])
    pdf, ofd = Stopwatch(), Stopwatch()
    render_pdf(facts, "warmup"), render_ofd(facts, "http://x/verify/w", source, "w" * 32)
    for i in range(opts.renders):
        with pdf.time():
            render_pdf(facts, f"code{i}")
    for i in range(opts.ofd_renders):
        with ofd.time():
            render_ofd(facts, f"http://127.0.0.1:5000/verify/code{i}", source, f"{i:032d}")
    return {"pdf_ms": summarize(pdf.samples), "ofd_ms": summarize(ofd.samples)}


def _issue_all(app: Any, opts: Options) -> dict[str, Any]:
    from sqlalchemy import select

    from service.certificates import operations
    from service.certificates.files import key_of
    from service.certificates.models import Certificate
    from service.certificates.numbering import NUMBER_RE
    from service.extensions import db
    from service.process.worker import run_once
    from service.storage import store

    with app.app_context():
        reviewer, ids = _seed(opts.certificates)
        started = time.perf_counter()
        for registration_id in ids:
            operations.make(reviewer, registration_id)
            db.session.commit()
        requested = time.perf_counter() - started
        db.session.remove()

    def work(name: str) -> None:
        idle = 0
        while idle < 3:
            with app.app_context():
                idle = idle + 1 if run_once(name) == 0 else 0
                db.session.remove()

    threads = [threading.Thread(target=work, args=(f"bench-{i}",)) for i in range(opts.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    with app.app_context():
        certs = db.session.scalars(select(Certificate)).all()
        sequences = sorted(int(NUMBER_RE.match(c.number)[4]) for c in certs if c.number)
        files = sum(1 for c in certs for fmt in ("pdf", "ofd")
                    if store("certificates").exists(key_of(c, fmt)))
        feedback = {tuple(c.feedback) for c in certs if c.status != "issued"}
    return {"certificates": opts.certificates, "issued": len(sequences), "gapless": sequences == list(
        range(1, opts.certificates + 1)), "files_written": files, "requests_seconds": round(requested, 2),
        "total_seconds": round(total, 2), "per_certificate_ms": round(total * 1000 / opts.certificates, 1),
        "workers": opts.workers, "not_issued_feedback": [list(f) for f in feedback]}


def run(opts: Options) -> dict[str, Any]:
    log(f"recreating database {opts.database_url}")
    recreate_database(opts.database_url)
    os.environ["DATABASE_URL"] = opts.database_url

    from service import create_app
    from service.cli import prepare_database

    with tempfile.TemporaryDirectory(prefix="crane-bench-") as data_dir:
        app = create_app({"DATA_DIR": data_dir, "PASSWORD_HASH_FAST": True, "START_WORKER": False,
                          "FONT_DIR": ROOT / ".cache" / "fonts", "MINISTRY_URL": "",
                          "MINISTRY_DELAY_SECONDS": 0.0, "MINISTRY_POLL_SECONDS": 0.0})
        with app.app_context():
            prepare_database()
            log("rendering")
            renders = _render_timings(opts)
        log(f"making {opts.certificates} certificates through the simulator")
        issuing = _issue_all(app, opts)
    met = {"pdf_p50": renders["pdf_ms"]["p50"] <= TARGETS_MS["pdf_p50"],
           "ofd_p50": renders["ofd_ms"]["p50"] <= TARGETS_MS["ofd_p50"],
           "all_issued_gapless": issuing["issued"] == opts.certificates and issuing["gapless"]}
    return {"suite": "certificates", "at": dt.datetime.now(dt.UTC).isoformat(), **renders, "issuing": issuing,
            "targets_ms": TARGETS_MS, "met": met}


def summary_lines(result: dict[str, Any]) -> list[str]:
    issuing = result["issuing"]
    return [f"PDF render p50 {result['pdf_ms']['p50']:.1f} ms (p95 {result['pdf_ms']['p95']:.1f}; target ≤ 100)",
            f"OFD render p50 {result['ofd_ms']['p50']:.1f} ms (p95 {result['ofd_ms']['p95']:.1f}; target ≤ 20)",
            f"{issuing['issued']}/{issuing['certificates']} issued, gapless={issuing['gapless']}, "
            f"{issuing['files_written']} files, total {issuing['total_seconds']:.1f} s "
            f"({issuing['per_certificate_ms']:.0f} ms per certificate, {issuing['workers']} workers)"]
