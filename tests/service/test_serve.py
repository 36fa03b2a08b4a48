"""``crane serve`` in production shape, as separate processes: several gunicorn workers counting metrics
together and writing JSON logs; two web processes and a worker sharing one PostgreSQL and one object store."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from service.config import ROOT
from service.extensions import db
from tests import factories
from tests.support.api import PASSWORD
from tests.support.live import crane, free_port

FONTS = str(ROOT / ".cache" / "fonts")


def _env(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    """Each process its own data directory (nothing shared through this machine's disk); the database is the
    suite's (DATABASE_URL), the secret key one for all."""
    return {"CRANE_DATA_DIR": str(tmp_path / name), "CRANE_FONT_DIR": FONTS, "CRANE_SECRET_KEY": "crane-test-key",
            "CRANE_START_WORKER": "0", **extra}


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_gunicorn_workers_count_together_and_log_json(app, owner, tmp_path):
    port, metrics_port = free_port(), free_port()
    (tmp_path / "metrics").mkdir()
    env = _env(tmp_path, "web", CRANE_METRICS="1", CRANE_METRICS_PORT=str(metrics_port), CRANE_LOG_FORMAT="json",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    log = tmp_path / "serve.log"
    with crane(["serve", "--port", str(port), "--workers", "2", "--threads", "2"], env, log, port) as url:
        for _ in range(20):
            assert requests.get(url + "/readyz", timeout=10).status_code == 200
        me = requests.get(url + "/api/v1/me", headers={**owner.headers, "X-Request-ID": "proxy-id-42"}, timeout=10)
        assert me.status_code == 200 and me.headers["X-Request-ID"] == "proxy-id-42"
        made = requests.get(url + "/healthz", headers={"X-Request-ID": "bad id {\"level\": \"forged\"}"}, timeout=10)
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])  # not taken: made here
        scraped = requests.get(url + "/metrics", timeout=10).text
        on_its_port = requests.get(f"http://127.0.0.1:{metrics_port}/", timeout=10).text
    booted = re.findall(r"Booting worker with pid: (\d+)", log.read_text())
    assert len(set(booted)) == 2, log.read_text()
    for text in (scraped, on_its_port):  # whichever process answers, the workers' counts are added up
        samples = _samples(text)
        assert samples[("crane_http_requests_total",
                        frozenset({"method": "GET", "endpoint": "/readyz", "status": "200"}.items()))] == 20
        assert ("crane_jobs", frozenset({("state", "queued")})) in samples
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # every line: gunicorn's, ours
    [access] = [line for line in lines if line.get("request_id") == "proxy-id-42"]
    assert access["path"] == "/api/v1/me" and access["method"] == "GET" and access["status"] == 200
    assert access["account"] == str(owner.user.id) and access["level"] == "INFO" and access["duration_ms"] >= 0
    assert re.match(r"\d{4}-\d\d-\d\dT", access["time"]) and "/api/v1/me" in access["message"]


def _page_session(url: str, username: str) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url + "/login", timeout=10).text)[1]
    answer = session.post(url + "/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return session


def test_two_web_processes_and_a_worker_share_database_and_store(app, moto_s3, in_use, reviewer, make_api,
                                                                   tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several processes share PostgreSQL (TEST_DATABASE_URL)")
    bucket = moto_s3.new_bucket()
    shared = {"CRANE_STORAGE_URL": f"s3://{bucket}/crane", "CRANE_S3_ENDPOINT_URL": moto_s3.url,
              "CRANE_MINISTRY_DELAY_SECONDS": "0", "CRANE_MINISTRY_POLL_SECONDS": "0.2"}
    port_a, port_b, worker_metrics = free_port(), free_port(), free_port()
    with crane(["serve", "--port", str(port_a)], _env(tmp_path, "a", **shared), tmp_path / "a.log", port_a) as a, \
            crane(["serve", "--port", str(port_b), "--workers", "2", "--no-worker"],
                  _env(tmp_path, "b", **shared, CRANE_START_WORKER="1"), tmp_path / "b.log", port_b) as b, \
            crane(["worker"], _env(tmp_path, "worker", **shared, CRANE_METRICS_PORT=str(worker_metrics)),
                  tmp_path / "worker.log"):
        owner = make_api("owner")
        # a file uploaded through one is downloaded through the other
        record = requests.post(a + "/api/v1/organizations", json=factories.organization_data(), headers=owner.headers,
                               timeout=10).json()["id"]
        for slot in factories.ORG_SLOTS:
            content = factories.PDF_BYTES + f"% {slot}".encode()
            uploaded = requests.put(f"{a}/api/v1/organizations/{record}/attachments/{slot}", headers=owner.headers,
                                    files={"file": ("scan.pdf", content)}, timeout=10)
            assert uploaded.status_code == 201, uploaded.text
        with _page_session(b, owner.user.username) as session:  # closed: no kept-alive connection to wait for
            page = session.get(f"{b}/organizations/{record}/files/business_license", timeout=10)
        assert page.status_code == 200 and page.content == factories.PDF_BYTES + b"% business_license"

        # a task claimed on one is refused on the other
        assert requests.post(f"{a}/api/v1/organizations/{record}/submit", headers=owner.headers,
                             timeout=10).status_code == 200
        first, second = make_api("reviewer"), make_api("reviewer")
        tasks = requests.get(b + "/api/v1/tasks?scope=claimable", headers=first.headers, timeout=10).json()["items"]
        task = next(t["id"] for t in tasks if t["record_id"] == record)
        assert requests.post(f"{a}/api/v1/tasks/{task}/claim", headers=first.headers, timeout=10).status_code == 200
        refused = requests.post(f"{b}/api/v1/tasks/{task}/claim", headers=second.headers, timeout=10)
        assert refused.status_code == 409, refused.text

        # a certificate made by the worker is served by both
        registration = in_use["registration"]
        made = requests.post(f"{b}/api/v1/use-registrations/{registration}/certificate", headers=reviewer.headers,
                             timeout=10)
        assert made.status_code == 202, made.text
        deadline = time.monotonic() + 60
        while len(moto_s3.keys(bucket, "crane/certificates/")) < 2:  # the worker's render job, not a download
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.3)
        number = requests.get(f"{a}/api/v1/use-registrations/{registration}/certificate", headers=reviewer.headers,
                              timeout=10).json()["number"]
        stored = moto_s3.client().get_object(Bucket=bucket, Key=next(
            k for k in moto_s3.keys(bucket, "crane/certificates/") if k.endswith(".pdf")))["Body"].read()
        # neither web process dispatches jobs (A: CRANE_START_WORKER=0, B: --no-worker): the worker did it
        counted = _samples(requests.get(f"http://127.0.0.1:{worker_metrics}/", timeout=10).text)
        assert counted[("crane_certificates_issued_total", frozenset())] == 1
        assert counted[("crane_ministry_exchanges_total", frozenset({("call", "submit"), ("outcome", "ok")}))] == 1
        for url in (a, b):
            pdf = requests.get(f"{url}/api/v1/certificates/{number}/pdf", headers=in_use["builder"].headers,
                               timeout=10)
            assert pdf.status_code == 200 and pdf.content == stored
