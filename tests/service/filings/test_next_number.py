"""``service.filings.numbering.next_number``: the number a reviewer is offered, one past the highest issued
under the same prefix of the 企业规则 pattern, in the year of Beijing's date."""

import pytest
from freezegun import freeze_time

from service.extensions import db
from service.filings.numbering import next_number
from service.machines.models import PropertyFiling

PATTERN = "{region}-{category}-{year}-{seq:05d}"  # the shipped 备案编号规则


@pytest.fixture
def issued(owner):
    """Store 产权备案 records carrying these numbers (the rest of each record does not matter here)."""
    def store(*numbers):
        db.session.add_all(PropertyFiling(account_id=owner.user.id, filing_number=n) for n in numbers)
        db.session.commit()
    return store


def _next(pattern=PATTERN, region="650100", category="T"):
    return next_number(PropertyFiling.filing_number, pattern, region=region, category=category)


@freeze_time("2026-06-01 04:00:00")
def test_the_first_number_of_the_year(app):
    assert _next() == "650100-T-2026-00001"
    assert _next(category="W") == "650100-W-2026-00001"


@freeze_time("2026-06-01 04:00:00")
def test_one_past_the_highest_not_the_count(issued):
    issued("650100-T-2026-00001", "650100-T-2026-00007", "650100-T-2026-00003")  # 00007 typed by a reviewer
    assert _next() == "650100-T-2026-00008"


@freeze_time("2026-06-01 04:00:00")
def test_only_numbers_under_the_same_prefix_count(issued):
    issued("650100-S-2026-00050", "650200-T-2026-00099", "650100-T-2025-00042",  # category, region, year
           "650100-T-2026-补录", None)  # a typed number without a sequence, a record not numbered yet
    assert _next() == "650100-T-2026-00001"
    assert _next(category="S") == "650100-S-2026-00051"
    assert _next(region="650200") == "650200-T-2026-00100"


def test_the_year_is_beijings(issued):
    with freeze_time("2026-12-31 15:59:00"):
        issued("650100-T-2026-00005")
        assert _next() == "650100-T-2026-00006"
    with freeze_time("2026-12-31 17:00:00"):  # 01:00 on 1 January 2027 in Beijing: a new sequence
        assert _next() == "650100-T-2027-00001"


@freeze_time("2026-06-01 04:00:00")
def test_another_pattern_and_a_sequence_past_its_width(issued):
    pattern = "BA-{region}-{year}-{seq:04d}"
    issued("650100-T-2026-00009")  # the old pattern's numbers are not this one's
    assert _next(pattern) == "BA-650100-2026-0001"
    issued("BA-650100-2026-9999")
    assert _next(pattern) == "BA-650100-2026-10000"
