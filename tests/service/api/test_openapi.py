"""The OpenAPI document is generated from the routes: every /api/v1 route and method is in it, with its path
parameters and what it documents of itself, and the document is valid OpenAPI 3.1."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from service.api.openapi import PREFIX

_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")  # public: programs read it before they have a token
    assert response.status_code == 200
    return response.json


def _routes(app):
    """(path as documented, method, view) for every /api/v1 route, chain routes once per chain."""
    chains = app.extensions["crane"].chains.values()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        kinds = [c for c in chains if c.form.attachments or "<slot>" not in rule.rule]  # no slot, no route
        for path in ([rule.rule.replace("<kind_path>", c.path) for c in kinds] if "<kind_path>" in rule.rule
                     else [rule.rule]):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield _ARG.sub(r"{\1}", path[len(PREFIX):]), method.lower(), app.view_functions[rule.endpoint]


def test_every_route_documents_itself(app):
    undocumented = sorted({f"{m.upper()} {p}" for p, m, view in _routes(app) if not hasattr(view, "api_doc")})
    assert undocumented == []


def test_every_route_and_method_is_in_the_document(app, document):
    missing = sorted(f"{m.upper()} {p}" for p, m, _view in _routes(app) if m not in document["paths"].get(p, {}))
    assert missing == []
    assert len(document["paths"]) >= 70  # 9 routes for each of 7 chains, and the rest


def test_path_parameters_are_declared(document):
    for path, operations in document["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for method, op in operations.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == wanted, f"{method.upper()} {path}"
    task = document["paths"]["/tasks/{task_id}"]["get"]["parameters"][0]
    assert task["schema"]["type"] == "integer" and task["schema"]["maximum"] == 2**31 - 1
    slot = document["paths"]["/organizations/{record_id}/attachments/{slot}"]["put"]["parameters"][1]
    assert slot["schema"]["enum"] == ["business_license", "qualification_certificate", "safety_license",
                                      "authorization_letter"]


def test_bodies_answers_and_errors(document):
    paths = document["paths"]
    create = paths["/use-registrations"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/form_use_registration"}
    assert set(create["responses"]) >= {"201", "401", "422"}
    form = document["components"]["schemas"]["form_use_registration"]
    assert {"installation_notice_id", "personnel", "longitude"} <= set(form["properties"])
    record = document["components"]["schemas"]["record_property_filing"]["allOf"][0]["properties"]
    assert "filing_number" in record  # the issued field is part of the answer
    assert paths["/verify/{code}"]["get"]["security"] == []  # public
    assert "401" not in paths["/verify/{code}"]["get"]["responses"]
    assert "403" in paths["/admin/rules"]["patch"]["responses"]  # administrators only
    assert paths["/certificates/{number}/{fmt}"]["get"]["parameters"][1]["schema"]["enum"] == ["ofd", "pdf"]
    assert paths["/tasks"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "properties"]["items"]["items"] == {"$ref": "#/components/schemas/Task"}


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}
