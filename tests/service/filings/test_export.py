"""导出 of a chain's list: every record the filtered list holds, its columns with Chinese headers, real dates."""

import datetime as dt
import io
from urllib.parse import quote

from openpyxl import load_workbook

from service.extensions import db
from service.filings.chains import chain_for
from service.filings.queries import iter_records, list_records
from service.types import CHINA
from service.web.xlsx import XLSX_MIME


def _sheet(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == XLSX_MIME
    return load_workbook(io.BytesIO(response.data)).active


def _filed(owner, reviewer, submit_organization, decide) -> None:
    """Four units waiting whose names hold 天山, one approved (the owner's unit then: the search finds a filing
    unit's name too), one named otherwise, one draft."""
    for _ in range(4):
        submit_organization(owner, name="新疆天山吊装有限公司" + str(_))
    decide(reviewer, submit_organization(owner, name="和田安装有限公司"))
    submit_organization(owner, name="昆仑起重有限公司")
    owner.post("/organizations", json={"name": "天山草稿"})


def test_a_filtered_list_exports_every_record_it_holds(owner, reviewer, submit_organization, decide):
    _filed(owner, reviewer, submit_organization, decide)
    listed = reviewer.get("/organizations?status=in_review&q=天山&per_page=2").json
    assert listed["total"] == 4  # more than one page of the list
    response = reviewer.get("/organizations/export?status=in_review&q=天山")
    sheet = _sheet(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ID", "状态", "流程进度", "流程发起人", "单位名称", "统一社会信用代码", "单位类型", "所属地区",
                       "更新时间")
    assert len(rows) - 1 == listed["total"]
    every = reviewer.get("/organizations?status=in_review&q=天山&per_page=200").json["items"]
    assert [r[0] for r in rows[1:]] == [r["id"] for r in every]  # the list's order, ids as numbers
    assert {r[1] for r in rows[1:]} == {"流程中"} and all("天山" in r[4] for r in rows[1:])
    assert {r[6] for r in rows[1:]} == {"产权单位"}  # options as the list shows them, not their codes
    updated = sheet.cell(row=2, column=9)
    assert updated.is_date and "yyyy" in updated.number_format
    beijing_now = dt.datetime.now(CHINA).replace(tzinfo=None)  # Beijing's clock, not UTC's
    assert abs(updated.value - beijing_now) < dt.timedelta(minutes=5)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('单位管理-流程中')}" in disposition


def test_the_export_shows_only_what_the_caller_may_see(make_api, owner, reviewer, submit_organization):
    mine = submit_organization(owner)
    other_owner = make_api("owner")
    theirs = submit_organization(other_owner)
    elsewhere = submit_organization(other_owner, region_code="652300")

    def ids(api):
        return {row[0] for row in _sheet(api.get("/organizations/export")).iter_rows(min_row=2, values_only=True)}

    assert ids(owner) == {mine}
    assert ids(other_owner) == {theirs, elsewhere}
    assert ids(reviewer) == {mine, theirs}  # not another bureau's
    assert ids(make_api("reviewer", "652300")) == {elsewhere}
    assert ids(make_api("admin")) == {mine, theirs, elsewhere}


def test_bad_filters_are_named(reviewer):
    response = reviewer.get("/organizations/export?status=nonsense")
    assert response.status_code == 422 and "status" in response.json["errors"]
    assert reviewer.get("/organizations/export?scope=x").status_code == 422


def test_chunks_walk_the_whole_list_in_list_order(app, owner, reviewer, submit_organization, decide):
    _filed(owner, reviewer, submit_organization, decide)
    kind = chain_for("organization")
    whole = list_records(kind, reviewer.user, "", 1, 200, "天山")
    chunks = list(iter_records(kind, reviewer.user, "", "天山", chunk=2))
    assert [len(c.items) for c in chunks] == [2, 2]
    assert [r.id for c in chunks for r in c.items] == [r.id for r in whole.items]
    assert {i for c in chunks for i in c.steps} == set(whole.steps)


def test_the_list_page_exports_with_its_filters(owner, reviewer, submit_organization, decide, app, login):
    _filed(owner, reviewer, submit_organization, decide)
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/organizations?status=in_review&q=天山&scope=todo").text
    link = f"/organizations/export?status=in_review&amp;q={quote('天山')}&amp;scope=todo"
    assert f'href="{link}"' in page and ">导出</a>" in page
    sheet = _sheet(client.get(link.replace("&amp;", "&")))
    assert sheet.max_row - 1 == 4
    unfiltered = client.get("/organizations").text
    assert 'href="/organizations/export"' in unfiltered
    assert _sheet(client.get("/organizations/export")).max_row - 1 == 6  # every submitted one, no draft


def test_references_and_dates_as_the_list_shows_them(site, reviewer):
    """安装告知's 设备 and 项目 are named as the list names them; 计划安装日期 is a date cell."""
    kind = chain_for("installation_notice")
    notice = db.session.get(kind.model, site["installation"])
    machine = db.session.get(chain_for("property_filing").model, notice.property_filing_id)
    project = db.session.get(chain_for("project").model, site["project"])
    sheet = _sheet(reviewer.get("/installation-notices/export"))
    headers = [c.value for c in sheet[1]]
    assert headers[4:7] == [kind.label_of(c) for c in kind.list_columns]
    row = [c for c in sheet[2]]
    assert row[4].value == chain_for("property_filing").display(machine)
    assert row[5].value == chain_for("project").display(project)
    assert row[6].is_date and row[6].value.date() == notice.planned_date
