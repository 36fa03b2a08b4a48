"""kill -9 on PostgreSQL: a served platform (``crane serve``) and its worker (``crane worker``) are killed
again and again in the middle of a load of filings, reviews and 制证, and restarted. Every step a client got
200 for is there exactly once, every instance still loads, the certificates' numbers have no gap, and the
jobs a dead worker had claimed are taken again within seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from service.certificates.models import Certificate
from service.certificates.numbering import NUMBER_RE
from service.certificates.operations import RENDER_JOB
from service.extensions import db
from service.process.models import History, HumanTask, Job, JobStatus, ProcessInstance, TaskStatus
from service.process.operations import diagram_for, engine
from tests import factories
from tests.support.live import free_port, simulator
from tests.support.records import REGISTRATION_SLOTS, registration_data

pytestmark = pytest.mark.postgres

FILINGS = 40
CERTIFICATES = 3  # and one more, made while the worker is killed
KILLS = 6
CRANE = str(Path(sys.executable).parent / "crane")


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("kill -9 is tested on PostgreSQL (TEST_DATABASE_URL)")


class Process:
    """A ``crane`` command run as its own process, killed with SIGKILL and started again."""

    def __init__(self, args: list[str], env: dict[str, str], ready_url: str | None = None):
        self.args, self.env, self.ready_url, self.process = args, env, ready_url, None

    def start(self) -> None:
        self.process = subprocess.Popen([CRANE, *self.args], env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        if self.ready_url:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(self.ready_url, timeout=1).read()
                    return
                except OSError:
                    time.sleep(0.1)
            raise RuntimeError(f"{self.args} did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


class Client:
    """JSON over HTTP with a bearer token; a request the dead server never answered is ``None``."""

    def __init__(self, base: str, token: str):
        self.base, self.token, self.cut = base, token, 0

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any] | None:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:  # refused, reset or cut off: the server was killed
            self.cut += 1
            return None


def _registrations(make_api, reviewer, build_site, approve_with_number) -> list[int]:
    """Approved 使用登记 a few metres apart, ready for 制证."""
    ids = []
    for i in range(CERTIFICATES + 1):
        site = build_site(make_api, reviewer)
        builder = site["builder"]
        data = registration_data(site, longitude=f"{87.618733 + i * 0.0003:.6f}")
        record_id = builder.post("/use-registrations", json=data).json["id"]
        for slot in REGISTRATION_SLOTS:
            builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
        assert builder.post(f"/use-registrations/{record_id}/submit").status_code == 200
        approve_with_number(reviewer, record_id, "registration_number")
        ids.append(record_id)
    return ids


@pytest.fixture
def platform(app, tmp_path):
    """Simulator, server and worker on the test's database and data directory; stopped before the tables
    are emptied."""
    port = free_port()
    with simulator(tmp_path / "sim", delay=0.5) as ministry:
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "CRANE_DATA_DIR": str(app.config["DATA_DIR"]), "CRANE_FONT_DIR": str(app.config["FONT_DIR"]),
               "CRANE_START_WORKER": "0", "CRANE_MINISTRY_URL": ministry, "CRANE_MINISTRY_POLL_SECONDS": "0.3"}
        server = Process(["serve", "--port", str(port), "--threads", "8"], env, f"http://127.0.0.1:{port}/healthz")
        worker = Process(["worker"], env)
        server.start()
        worker.start()
        try:
            yield {"url": f"http://127.0.0.1:{port}", "server": server, "worker": worker}
        finally:
            server.stop()
            worker.stop()


def _kill_now_and_then(platform: dict, stop: threading.Event, kills: list[str]) -> None:
    for i in range(KILLS):
        if stop.wait(2.5):
            return
        victim = ("server", "worker")[i % 2]
        platform[victim].kill()
        kills.append(victim)
        platform[victim].start()


def test_kill_9_loses_and_doubles_nothing(app, unit_owner, reviewer, make_api, build_site,
                                          approve_with_number, platform):
    owner = unit_owner
    drafts = []
    for _ in range(FILINGS):
        record_id = owner.post("/workers", json=factories.worker_data()).json["id"]
        owner.upload(f"/workers/{record_id}/attachments/certificate")
        drafts.append(record_id)
    *registrations, spare = _registrations(make_api, reviewer, build_site, approve_with_number)
    applicant, staff = Client(platform["url"], owner.token), Client(platform["url"], reviewer.token)
    ok: Counter[tuple[str, int]] = Counter()  # (step, id) answered 200
    stop, filed, kills = threading.Event(), threading.Event(), []

    def file_all() -> None:
        pending = list(drafts)
        while pending and not stop.is_set():
            record_id = pending.pop(0)
            answer = applicant.call("POST", f"/workers/{record_id}/submit")
            if answer is None or answer[0] >= 500:
                pending.append(record_id)  # try again: 200 now, or 409 if the first one landed
                time.sleep(0.05)
            elif answer[0] == 200:
                ok["submit", record_id] += 1
        filed.set()

    def review_all() -> None:
        while not stop.is_set():
            # mine first: a claim answered (or cut off) before its completion was; only the others are claimed
            lists = {scope: staff.call("GET", f"/tasks?kind=worker&scope={scope}&per_page=10")
                     for scope in ("mine", "claimable")}
            listed = all(answer and answer[0] == 200 for answer in lists.values())
            tasks = [(scope, t["id"]) for scope, answer in lists.items() if answer and answer[0] == 200
                     for t in answer[1]["items"]]
            for scope, task_id in tasks:
                claim = staff.call("POST", f"/tasks/{task_id}/claim") if scope == "claimable" else None
                if claim and claim[0] == 200:
                    ok["claim", task_id] += 1
                answer = staff.call("POST", f"/tasks/{task_id}/complete", {"decision": "approve", "opinion": "同意"})
                if answer and answer[0] == 200:
                    ok["complete", task_id] += 1
            if not tasks and filed.is_set() and listed:
                return
            time.sleep(0 if tasks else 0.2)

    def certify_all() -> None:
        pending = list(registrations)
        while pending and not stop.is_set():
            record_id = pending.pop(0)
            answer = staff.call("POST", f"/use-registrations/{record_id}/certificate", {})
            if answer is None or answer[0] >= 500:
                pending.append(record_id)
                time.sleep(0.3)
            elif answer[0] == 202:
                ok["certify", record_id] += 1

    load = [threading.Thread(target=f) for f in (file_all, review_all, certify_all)]
    killer = threading.Thread(target=_kill_now_and_then, args=(platform, stop, kills))
    for thread in [*load, killer]:
        thread.start()
    killer.join(120)
    deadline = time.monotonic() + 120
    for thread in load:
        thread.join(max(0.0, deadline - time.monotonic()))
    stop.set()

    resumed_in = _kill_the_worker_holding_a_job(platform, staff, spare)
    print(f"kills: {Counter(kills)}; requests refused or cut off: {applicant.cut + staff.cut}; steps answered 200: "
          f"{Counter(s for s, _ in ok)}; a claimed job "
          f"done {resumed_in:.1f} s after its worker was killed")

    assert len(kills) == KILLS
    assert resumed_in < 30  # the lease (15 s), not the old 5 minutes
    db.session.expire_all()
    # every 200 is there exactly once: no submit, claim, completion or 制证 counted twice nor lost
    assert [key for key, count in ok.items() if count > 1] == []
    submitted = {r for s, r in ok if s == "submit"}
    assert submitted <= set(drafts)  # a submit cut off by a kill may have landed: its retry is then a 409
    starts = Counter(db.session.scalars(select(ProcessInstance.record_id)
                                        .where(ProcessInstance.record_kind == "worker")))
    assert all(starts[r] == 1 for r in drafts)
    completed = {t for s, t in ok if s == "complete"}
    rows = db.session.scalars(select(HumanTask).where(HumanTask.id.in_(completed))).all()
    assert len(rows) == len(completed) > FILINGS // 2
    assert all(row.status == TaskStatus.COMPLETED for row in rows)
    assert not db.session.scalar(select(func.count(HumanTask.id)).where(
        HumanTask.record_kind == "worker", HumanTask.status == TaskStatus.OPEN))  # none lost: all decided
    decisions = Counter(db.session.scalars(select(History.record_id).where(
        History.record_kind == "worker", History.action == "approve")))
    assert all(decisions[r] == 1 for r in drafts)
    # every instance still loads in the engine
    for instance in db.session.scalars(select(ProcessInstance)):
        assert engine().load(diagram_for(instance.definition_id), instance.state) is not None
    # 制证: one certificate each, numbers consecutive from the first
    numbers = db.session.scalars(select(Certificate.number).where(Certificate.number.is_not(None))).all()
    assert len(numbers) == CERTIFICATES + 1
    sequences = sorted(int(NUMBER_RE.match(n)[4]) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + CERTIFICATES + 1))


def _kill_the_worker_holding_a_job(platform: dict, staff: Client, registration: int) -> float:
    """制证 once more, kill -9 the worker while it holds the rendering job, start another: seconds until
    that job is done."""
    assert staff.call("POST", f"/use-registrations/{registration}/certificate", {})[0] == 202
    deadline = time.monotonic() + 60
    while (held := _held_render_job()) is None:
        assert time.monotonic() < deadline, "the rendering job was never seen claimed"
        time.sleep(0.01)
    platform["worker"].kill()
    killed_at = time.monotonic()
    platform["worker"].start()
    while _status_of(held) != JobStatus.DONE:
        assert time.monotonic() - killed_at < 60, "the dead worker's job was never taken again"
        time.sleep(0.2)
    return time.monotonic() - killed_at


def _held_render_job() -> int | None:
    with db.engine.connect() as connection:
        return connection.scalar(select(Job.id).where(Job.kind == RENDER_JOB, Job.locked_by.is_not(None)))


def _status_of(job_id: int) -> str:
    with db.engine.connect() as connection:
        return connection.scalar(select(Job.status).where(Job.id == job_id))
