"""A list is newest first on every page, whichever way it is read (few matches: sorted from the filter's index;
many: walked in id order), and a page past the end is empty with the true total; a search finds a record by
its filing unit's name or a number's start."""

from __future__ import annotations

import pytest

from service.filings import queries


@pytest.mark.parametrize("few_matches", [queries.FEW_MATCHES, 0], ids=["sorted", "walked"])
def test_newest_first_on_every_page(unit_owner, create_machine, monkeypatch, few_matches):
    monkeypatch.setattr(queries, "FEW_MATCHES", few_matches)
    created = [create_machine(unit_owner) for _ in range(3)]
    first = unit_owner.get("/property-filings?per_page=2").json
    second = unit_owner.get("/property-filings?per_page=2&page=2").json
    assert [r["id"] for r in first["items"] + second["items"]] == created[::-1]
    assert first["total"] == second["total"] == 3
    past = unit_owner.get("/property-filings?per_page=2&page=3").json
    assert past["items"] == [] and past["total"] == 3


def test_an_empty_tab_beside_a_full_one(unit_owner, create_machine):
    create_machine(unit_owner)
    assert unit_owner.get("/property-filings?status=approved").json == {
        "items": [], "total": 0, "page": 1, "per_page": 20}
    assert unit_owner.get("/property-filings?status=draft").json["total"] == 1


def test_a_search_by_the_filing_units_name_or_a_number_prefix(unit_owner, reviewer, submit_machine):
    other = submit_machine(unit_owner)
    mine = submit_machine(unit_owner, factory_number="QZ-2026-0815")
    unit = unit_owner.get(f"/organizations/{unit_owner.get('/me').json['organization_id']}").json["name"]
    assert [r["id"] for r in reviewer.get("/property-filings?q=QZ-2026").json["items"]] == [mine]
    assert reviewer.get("/property-filings?q=2026-0815").json["total"] == 0  # a number matches from its start
    assert [r["id"] for r in reviewer.get(f"/property-filings?q={unit[1:5]}").json["items"]] == [mine, other]
