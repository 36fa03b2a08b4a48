"""统计控制台: counts by chain, status and month, within what the caller may see."""

import datetime as dt
import io
import re

from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import update

from service.extensions import db
from service.organizations.models import Organization
from service.process.models import HumanTask
from service.statistics.operations import certificate_counts, decision_times, percentile
from service.types import CHINA


def test_counts_by_chain_status_and_month(owner, reviewer, make_api, submit_organization, decide):
    decide(reviewer, submit_organization(owner))
    submit_organization(owner)
    submit_organization(owner, region_code="652300")  # another bureau's
    owner.post("/organizations", json={"name": "草稿"})  # drafts are not the bureau's business
    data = reviewer.get("/statistics").json
    units = next(c for c in data["chains"] if c["process_key"] == "organization")
    assert units["by_status"] == {"approved": 1, "in_review": 1} and units["total"] == 2
    assert units["by_month"] == {dt.date.today().strftime("%Y-%m"): 2}
    admin = make_api("admin")
    everything = next(c for c in admin.get("/statistics").json["chains"] if c["process_key"] == "organization")
    assert everything["total"] == 3
    changji = next(c for c in admin.get("/statistics?region=652300").json["chains"]
                   if c["process_key"] == "organization")
    assert changji["total"] == 1


def test_only_bureau_and_admin(owner, make_api):
    assert owner.get("/statistics").status_code == 403
    assert make_api("supervisor").get("/statistics").status_code == 403


def test_console_page(app, owner, reviewer, submit_organization, login):
    submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/console").text
    for label in ("统计控制台", "按业务和状态", "单位管理", "产权备案", "拆卸告知", "流程中", "合计"):
        assert label in page
    assert "统计控制台" in client.get("/").text  # in the menu


def test_the_heading_names_the_region_counted(app, make_api, reviewer, login):
    admin = make_api("admin")
    admin.user.region_code = "650100"  # an administrator who belongs to a bureau still counts every region
    db.session.commit()
    client = app.test_client()
    login(client, admin.user.username)
    heading = re.compile(r"<h1>统计控制台 <small[^>]*>([^<]*)</small>")
    assert heading.search(client.get("/console").text).group(1) == "全部地区"
    assert heading.search(client.get("/console?region=652300").text).group(1) == "昌吉回族自治州"
    login(client, reviewer.user.username)
    assert heading.search(client.get("/console?region=652300").text).group(1) == "乌鲁木齐市"  # a bureau: its own


def _decided_at(model, record_id: int, submitted: dt.datetime, decided: dt.datetime) -> None:
    """Pretend a record was filed and decided at these Beijing times (the flows run today)."""
    db.session.execute(update(model).where(model.id == record_id).values(
        submitted_at=submitted.replace(tzinfo=CHINA), decided_at=decided.replace(tzinfo=CHINA)))
    db.session.commit()


def test_decision_times_in_working_days(make_api, owner, reviewer, submit_organization, decide):
    admin = make_api("admin")
    assert admin.patch("/admin/rules", json={"holidays": ["2026-11-04"]}).status_code == 200  # the rules' calendar
    periods = [((2026, 11, 6), (2026, 11, 9)),    # Friday → Monday: 1 (the weekend does not count)
               ((2026, 11, 2), (2026, 11, 4)),    # Monday → Wednesday, a holiday: 1
               ((2026, 11, 2), (2026, 11, 5)),    # 2
               ((2026, 11, 2), (2026, 11, 6)),    # 3
               ((2026, 11, 2), (2026, 11, 16))]   # 9
    for start, end in periods:
        record_id = submit_organization(owner)
        decide(reviewer, record_id, "reject" if start == (2026, 11, 6) else "approve")
        _decided_at(Organization, record_id, dt.datetime(*start, 9, 30), dt.datetime(*end, 23, 30))
    submit_organization(owner)  # undecided: not counted
    with freeze_time("2026-12-01 04:00:00"):
        times = {t.kind.key: t for t in decision_times(reviewer.user)}
        assert (times["organization"].count, times["organization"].median, times["organization"].p90) == (5, 2, 6.6)
        assert times["project"].count == 0 and times["project"].median is None
        assert decision_times(make_api("reviewer", "652300").user)[0].count == 0  # another bureau's figures
        figures = reviewer.get("/statistics").json["figures"]
    assert figures["decision_days"][0] == {"name": "单位管理", "count": 5, "median": 2, "p90": 6.6}
    assert figures["months"][-1] == "2026-12" and len(figures["months"]) == 12


def test_percentile_is_excels_inclusive_one():
    assert percentile([1, 2, 3, 4, 10], 0.5) == 3 and percentile([1, 2, 3, 4, 10], 0.9) == 7.6
    assert percentile([7], 0.9) == 7 and percentile([1, 2], 0.5) == 1.5


def test_reviews_per_bureau_side_by_side_for_the_administrator(make_api, owner, reviewer, submit_organization):
    late = submit_organization(owner)
    submit_organization(owner)
    submit_organization(owner, region_code="652300")
    db.session.execute(update(HumanTask).where(HumanTask.record_id == late).values(
        due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    db.session.commit()
    figures = make_api("admin").get("/statistics").json["figures"]
    bureaus = {b["name"]: (b["open"], b["overdue"]) for b in figures["bureaus"]}
    assert len(bureaus) == 15 and bureaus["乌鲁木齐市"] == (2, 1) and bureaus["昌吉回族自治州"] == (1, 0)
    assert bureaus["克拉玛依市"] == (0, 0)
    own = reviewer.get("/statistics").json["figures"]
    assert own["bureaus"] == [{"name": "乌鲁木齐市", "open": 2, "overdue": 1}] and own["regions"] is None
    regions = make_api("admin").get("/statistics").json["figures"]["regions"]
    units = next(s for s in regions["series"] if s["name"] == "单位管理")
    assert dict(zip(regions["names"], units["data"], strict=True))["乌鲁木齐市"] == 2


def test_certificates_issued_and_ended_per_month(in_use, make_api, reviewer, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    counts = certificate_counts(reviewer.user)
    assert counts.issued == {month: 1} and counts.ended == {}
    assert reviewer.post(f"/certificates/{cert['number']}/revoke", json={"reason": "提供虚假材料"}).status_code == 200
    figures = reviewer.get("/statistics").json["figures"]
    assert figures["certificates"]["issued"][-1] == 1 and figures["certificates"]["ended"][-1] == 1
    assert certificate_counts(make_api("reviewer", "652300").user).issued == {}  # another bureau's



def test_console_export(app, make_api, owner, reviewer, submit_organization, decide, login):
    decide(reviewer, submit_organization(owner))
    submit_organization(owner)
    submit_organization(owner, region_code="652300")
    response = reviewer.get("/statistics/export")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["按业务和状态", "按月份", "审批用时（工作日）", "各住建局待审批", "使用登记证"]
    rows = list(book["按业务和状态"].iter_rows(values_only=True))
    assert rows[0] == ("业务", "流程中", "退回修改", "通过", "终止", "合计", "待审批任务", "已超期")
    assert rows[1] == ("单位管理", 1, 0, 1, 0, 2, 1, 0)  # numbers, not text; not the other bureau's
    assert list(book["各住建局待审批"].iter_rows(values_only=True)) == [("地区", "待审批任务", "已超期"),
                                                                   ("乌鲁木齐市", 1, 0)]
    everything = load_workbook(io.BytesIO(make_api("admin").get("/statistics/export").data))
    assert everything.sheetnames[-1] == "各地区发起审批"
    regions = {r[0]: r[-1] for r in everything["各地区发起审批"].iter_rows(min_row=2, values_only=True)}
    assert regions["乌鲁木齐市"] == 2 and regions["昌吉回族自治州"] == 1
    assert owner.get("/statistics/export").status_code == 403
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/console").text
    assert 'href="/console/export"' in page and "data-figures=" in page and "echarts.min.js" in page
    assert client.get("/console/export").status_code == 200
