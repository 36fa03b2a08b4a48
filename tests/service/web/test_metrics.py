"""/metrics: Prometheus text, requests per route rule (never the raw path), review steps, jobs read from the
table when scraped, ministry exchanges and certificates issued — and nothing at all unless asked for."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service import create_app
from service.config import ROOT
from service.extensions import db
from service.process.jobs import enqueue
from tests.support.api import IsolatedClient


@pytest.fixture
def metered(app, tmp_path):
    """A second app on the same database, serving /metrics (CRANE_METRICS=1)."""
    metered = create_app({"DATA_DIR": str(tmp_path), "TESTING": True, "PASSWORD_HASH_FAST": True,
                          "START_WORKER": False, "METRICS": True, "FONT_DIR": ROOT / ".cache" / "fonts"})
    metered.test_client_class = IsolatedClient
    return metered.test_client()


def _samples(client) -> dict[tuple[str, frozenset], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True)) for s in family.samples}


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_no_metrics_unless_asked(client):
    answer = client.get("/metrics")  # no such page (here: a sign-in is asked for, as for any unknown list)
    assert answer.status_code != 200 and b"crane_http_requests" not in answer.data


def test_requests_are_counted_per_route_rule(metered, owner):
    rule = "/api/v1/<kind_path>/<id:record_id>"
    before = _samples(metered)
    for record_id in (12345, 67890):
        assert metered.get(f"/api/v1/organizations/{record_id}", headers=owner.headers).status_code == 404
    after = _samples(metered)
    counted = _value(after, "crane_http_requests_total", method="GET", endpoint=rule, status="404")
    assert counted - _value(before, "crane_http_requests_total", method="GET", endpoint=rule, status="404") == 2
    assert _value(after, "crane_http_request_duration_seconds_count", method="GET", endpoint=rule) >= 2
    assert not any("12345" in str(labels) for _name, labels in after)  # ids never become series


def test_review_steps_and_jobs(metered, owner, reviewer, submit_organization, decide):
    approvals = _value(_samples(metered), "crane_review_steps_total", kind="organization", decision="approve")
    assert decide(reviewer, submit_organization(owner)).status_code == 200
    enqueue("certificate.render", {"certificate_id": 0})
    db.session.commit()
    samples = _samples(metered)
    assert _value(samples, "crane_review_steps_total", kind="organization", decision="approve") == approvals + 1
    assert _value(samples, "crane_jobs", state="queued") >= 1
    assert ("crane_jobs", frozenset({("state", "failed")})) in samples


def test_ministry_exchanges_and_certificates(metered, in_use, reviewer, issue_certificate):
    before = _samples(metered)
    issue_certificate(reviewer, in_use["registration"])
    after = _samples(metered)
    assert _value(after, "crane_certificates_issued_total") == _value(before, "crane_certificates_issued_total") + 1
    assert _value(after, "crane_ministry_exchanges_total", call="submit", outcome="ok") > \
        _value(before, "crane_ministry_exchanges_total", call="submit", outcome="ok")
    assert _value(after, "crane_ministry_exchange_duration_seconds_count", call="result") > 0
