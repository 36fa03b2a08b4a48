"""使用登记证 numbers (``service.certificates.numbering``): the printed form, what a typed number may look
like, and the gapless sequence per region, category and year."""

import pytest

from service.certificates.numbering import NUMBER_RE, allocate, format_number, normalize
from service.extensions import db


def test_format_number():
    assert format_number("650100", "T", 2026, 1) == "650100T(2026)0000001"
    assert format_number("652300", "W", 2027, 1234567) == "652300W(2027)1234567"


@pytest.mark.parametrize(("text", "parts"), [
    ("650100T(2026)0000001", ("650100", "T", "2026", "0000001")),
    ("650100S（2026）0000042", ("650100", "S", "2026", "0000042")),  # full-width brackets, as typed in Chinese
    ("654300W(2027)9999999", ("654300", "W", "2027", "9999999")),
])
def test_number_pattern_matches_the_parts(text, parts):
    assert NUMBER_RE.match(text).groups() == parts


@pytest.mark.parametrize("text", [
    "650100X(2026)0000001",  # no such category
    "660100T(2026)0000001",  # not a Xinjiang region
    "650100T(2026)000001", "650100T(2026)00000001",  # seven digits, no more, no fewer
    "650100T(26)0000001", "650100T2026 0000001", "650100t(2026)0000001", "",
])
def test_number_pattern_refuses(text):
    assert NUMBER_RE.match(text) is None


@pytest.mark.parametrize(("typed", "printed"), [
    ("650100T(2026)0000001", "650100T(2026)0000001"),
    ("650100T（2026）0000001", "650100T(2026)0000001"),
    (" 650100 T （2026） 0000042\n", "650100T(2026)0000042"),  # spaces anywhere are dropped
    ("650100S（2026)0000001", "650100S(2026)0000001"),  # mixed brackets
    ("650100T(2026)000001", None), ("证书编号", None), ("", None), (None, None),
])
def test_normalize(typed, printed):
    assert normalize(typed) == printed


def test_allocate_counts_per_region_category_and_year_without_gaps(app):
    assert [allocate("650100", "T", 2026) for _ in range(3)] == [
        "650100T(2026)0000001", "650100T(2026)0000002", "650100T(2026)0000003"]
    db.session.commit()
    assert allocate("650100", "S", 2026) == "650100S(2026)0000001"
    assert allocate("652300", "T", 2026) == "652300T(2026)0000001"
    assert allocate("650100", "T", 2027) == "650100T(2027)0000001"
    db.session.commit()
    assert allocate("650100", "T", 2026) == "650100T(2026)0000004"
    db.session.rollback()  # the certificate was not made after all: its number goes back
    assert allocate("650100", "T", 2026) == "650100T(2026)0000004"
    db.session.commit()
