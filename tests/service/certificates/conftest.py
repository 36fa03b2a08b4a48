"""The certificate tests' fixtures: 制证 as the bureau requests it, and a certificate issued."""

import pytest


def _request_certificate(api, registration_id, **body):
    return api.post(f"/use-registrations/{registration_id}/certificate", json=body or None)


@pytest.fixture
def request_certificate():
    """``request_certificate(api, registration_id, **body)``: 制证 for a 使用登记; the response."""
    return _request_certificate


@pytest.fixture
def issue_certificate(drain):
    """``issue_certificate(reviewer, registration_id)``: 制证, the background work run; the issued certificate."""
    def issue(reviewer, registration_id):
        assert _request_certificate(reviewer, registration_id).status_code == 202
        drain()
        cert = reviewer.get(f"/use-registrations/{registration_id}/certificate").json
        assert cert["status"] == "issued", cert
        return cert
    return issue
