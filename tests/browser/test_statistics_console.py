"""统计控制台 in the browser: ECharts draws every chart from the page's figures (under the strict CSP), at a
desktop's and a phone's width; 导出 downloads the console's tables and a list with its filters."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import update

from service.certificates.gateway import forget_gateways
from service.config import ROOT
from service.extensions import db
from service.organizations.models import Organization
from service.types import utcnow
from tests.support.live import api_maker, approved_registration

pytestmark = pytest.mark.browser


def _certificates(live_server, build_site, approve_with_number, drain):
    """A crane registered for use (its chain of filings), its certificate issued and then revoked."""
    live_server.app.config.update(MINISTRY_URL="", MINISTRY_DELAY_SECONDS=0.0, MINISTRY_POLL_SECONDS=0.0,
                                  FONT_DIR=ROOT / ".cache" / "fonts")  # as tests/browser/test_certificate_window.py
    forget_gateways()
    registration = approved_registration(live_server, build_site, approve_with_number)
    reviewer = registration["reviewer_api"]
    assert reviewer.post(f"/use-registrations/{registration['id']}/certificate").status_code == 202
    live_server.run(drain)
    number = reviewer.get(f"/use-registrations/{registration['id']}/certificate").json["number"]
    assert reviewer.post(f"/certificates/{number}/revoke", json={"reason": "提供虚假材料"}).status_code == 200
    live_server.run(drain)
    return reviewer


def _seed(live_server, submit_organization, decide, reviewer) -> dict[str, str]:
    """Units filed over several months in two regions, some decided, so every chart has something to draw."""
    make = api_maker(live_server)
    owner, admin = make("owner"), make("admin")
    far = make("reviewer", "652300")
    ids = [submit_organization(owner) for _ in range(6)] + [submit_organization(owner, region_code="652300")
                                                           for _ in range(3)]
    for record_id in ids[:3]:
        decide(reviewer, record_id)
    decide(far, ids[6], "reject")

    def spread() -> None:  # filed over the last months, decided a few days later
        now = utcnow()
        for n, record_id in enumerate(ids):
            filed = now - dt.timedelta(days=31 * (n % 5) + 3)
            db.session.execute(update(Organization).where(Organization.id == record_id).values(submitted_at=filed))
            db.session.execute(update(Organization).where(Organization.id == record_id,
                                                          Organization.decided_at.is_not(None))
                               .values(decided_at=filed + dt.timedelta(days=2 + 3 * n)))
        db.session.commit()

    live_server.run(spread)
    return {"reviewer": reviewer.user, "admin": admin.user}


def test_console_charts(live_server, new_page, login, shots, submit_organization, decide, build_site,
                        approve_with_number, drain):
    reviewer = _certificates(live_server, build_site, approve_with_number, drain)
    people = _seed(live_server, submit_organization, decide, reviewer)
    admin = new_page()
    login(admin, people["admin"])
    errors: list[str] = []
    admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    admin.goto("/console")
    charts = admin.locator("[data-chart]")
    expect(charts).to_have_count(5)  # the administrator also sees every region side by side
    expect(admin.locator("[data-chart][data-rendered] canvas")).to_have_count(5)
    for caption in ("各业务发起审批件数（近12个月，件）", "从发起审批到审批决定的用时（工作日）",
                    "各住建局待审批与已超期任务（项）", "使用登记证发证与注销（近12个月，本）",
                    "各地区发起审批件数（近12个月，件）"):
        expect(admin.get_by_text(caption)).to_be_visible()
    assert errors == []  # nothing refused by the CSP, no script error
    admin.wait_for_timeout(600)  # ECharts' entry animation
    shots(admin, "admin")

    export = admin.get_by_role("link", name="导出")
    with admin.expect_download() as download:
        export.click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "各地区发起审批" in book.sheetnames

    reviewer = new_page()
    login(reviewer, people["reviewer"])
    reviewer.goto("/console")
    expect(reviewer.locator("[data-chart][data-rendered] canvas")).to_have_count(4)  # its own region only
    reviewer.wait_for_timeout(600)
    shots(reviewer, "bureau")

    reviewer.goto("/organizations?status=in_review")
    link = reviewer.get_by_role("link", name="导出")
    assert link.get_attribute("href") == "/organizations/export?status=in_review"
    with reviewer.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("单位管理-流程中-")
    rows = load_workbook(io.BytesIO(download.value.path().read_bytes())).active.max_row
    assert rows - 1 == 3  # the region's three still waiting
