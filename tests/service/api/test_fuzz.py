"""Schemathesis over the whole generated openapi.json, as applicant, bureau staff and administrator: every
operation gets a bounded number of generated requests (valid and invalid), and no answer may be a server
error or disagree with the document (status code, content type, body schema)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: Examples per operation and account: enough to reach every parameter's edge, bounded so CI stays short.
EXAMPLES = int(os.environ.get("CRANE_FUZZ_EXAMPLES", "10"))
CHECKS: list[CheckFunction] = [not_a_server_error, status_code_conformance, content_type_conformance,
                               response_schema_conformance]
#: Operations that end the caller's own access: fuzzing them would sign the fuzzer out half-way.
SIGNING_OUT = {("DELETE", "/auth/token")}


def isolated(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The app as a WSGI callable giving each request its own application context, as in production."""
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with app.app_context():
            return list(app.wsgi_app(environ, start_response))
    return wsgi


@pytest.fixture
def accounts(in_use, reviewer, make_api, issue_certificate, submit_organization):
    """Records the generated ids can hit (every chain approved, a certificate, a filing in review, a draft),
    and an account of each kind."""
    issue_certificate(reviewer, in_use["registration"])
    applicant = in_use["owner"]
    submit_organization(make_api("owner"))
    applicant.post("/workers", json={"name": "草稿"})
    return {"applicant": applicant, "staff": reviewer, "admin": make_api("admin")}


@pytest.mark.parametrize("role", ["applicant", "staff", "admin"])
def test_no_server_error_and_no_schema_violation(app, client, accounts, role):
    api = accounts[role]
    document = client.get("/api/v1/openapi.json").json
    schema = schemathesis.openapi.from_dict(document)
    wsgi = isolated(app)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SIGNING_OUT:
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE)))
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(app=wsgi, headers=api.headers)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as error:  # gather them all, so one run shows every disagreement
                failures.append(f"{case.method} {case.formatted_path}: " + "; ".join(
                    f"{f.title}: {f.message[:300]}" for f in error.exceptions))

        run()
    print(f"{role}: {calls} requests")
    assert calls > 100
    assert not failures, "\n".join(failures)
