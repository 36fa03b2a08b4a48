"""``GET /api/v1/{kind}/choices``: what the caller may pick when filing, the same lists the pages offer."""

from __future__ import annotations


def test_the_builder_gets_its_pickers(site, reviewer):
    builder = site["builder"]
    choices = builder.get("/use-registrations/choices").json
    assert [c["value"] for c in choices["installation_notice_id"]] == [site["installation"]]
    assert sorted(c["value"] for c in choices["worker_ids"]) == sorted(site["workers"])
    assert any(site["driver"]["name"] in c["label"] for c in choices["worker_ids"])
    assert choices["project_id"] == [{"value": site["project"], "label": site["project_data"]["name"]}]
    assert reviewer.get("/use-registrations/choices").status_code == 403  # staff file nothing
    assert builder.get("/property-filings/choices").status_code == 403  # a 施工单位 files no machine


def test_an_owner_gets_machines_and_projects(site):
    owner = site["owner"]
    choices = owner.get("/installation-notices/choices").json
    assert set(choices) == {"property_filing_id", "project_id", "worker_ids"}
    assert owner.get("/nosuch/choices").status_code == 404
