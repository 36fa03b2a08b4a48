"""One clock: every business date is Beijing's (``types.china_today``). At 01:00 on 1 January in Beijing — still
31 December in UTC, where the server runs — the 备案编号 takes the new year, the notice period counts from the
new year's first day, and a certificate made then is dated and expires by it."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from freezegun import freeze_time

from service.calendar import NATIONAL
from service.errors import Invalid
from service.filings.numbering import next_number
from service.machines.models import PropertyFiling
from service.rules import operations as rules

ROOT = Path(__file__).resolve().parents[2]
NEW_YEAR_IN_BEIJING = "2026-12-31 17:00:00"  # UTC: 2027-01-01 01:00 in Beijing


def test_a_filing_number_proposed_after_midnight_in_beijing_has_the_new_year(app):
    with freeze_time(NEW_YEAR_IN_BEIJING):
        number = next_number(PropertyFiling.filing_number, rules.value("filing_number_pattern"),
                             region="650100", category="T")
    assert number == "650100-T-2027-00001"


def test_the_notice_period_counts_from_beijings_new_years_day(app):
    with freeze_time(NEW_YEAR_IN_BEIJING):
        with pytest.raises(Invalid) as refused:
            NATIONAL.require_notice(dt.date(2027, 1, 4), "安装")
        # Friday 1 January 2027 is today; Monday 4th is the first working day after it, Tuesday 5th the second
        assert "最早为 2027-01-05" in refused.value.errors["planned_date"][0]
        NATIONAL.require_notice(dt.date(2027, 1, 5), "安装")


def test_a_certificate_made_then_is_dated_and_expires_by_beijings_date(in_use, make_api, issue_certificate):
    with freeze_time(NEW_YEAR_IN_BEIJING):
        bureau = make_api("reviewer", "650100")  # signed in then: a token of a month ago has expired
        cert = issue_certificate(bureau, in_use["registration"])
    assert "(2027)" in cert["number"]
    assert cert["issue_date"] == "2027-01-01"
    assert cert["valid_until"] == "2028-01-01"  # 12 months (企业规则) from Beijing's date


def test_no_code_reads_a_local_or_naive_clock():
    """``date.today()`` and naive ``datetime.now()`` read the server's zone (UTC here): never for a business date."""
    offenders = []
    for folder in ("service", "forms", "workflows"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                call = ast.unparse(node.func)
                if re.search(r"(^|\.)date\.today$", call) or (re.search(r"(^|\.)datetime\.now$", call)
                                                               and not node.args and not node.keywords):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []
