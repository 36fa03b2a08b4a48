"""产权备案: the machine's fields, 基本参数 by category, eight slots, and the 备案编号 on approval."""

import datetime as dt

import pytest

from tests import factories


@pytest.mark.parametrize("category", ["T", "S", "W"])
def test_approval_fills_in_the_proposed_filing_number(unit_owner, reviewer, category, open_task_for, submit_machine):
    record_id = submit_machine(unit_owner, category)
    task_id = open_task_for(reviewer, record_id)
    proposed = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"]["filing_number"]
    assert proposed == f"650100-{category}-{dt.date.today().year}-00001"
    done = reviewer.post(f"/tasks/{task_id}/complete",
                         json={"decision": "approve", "opinion": "同意备案", "filing_number": proposed})
    assert done.status_code == 200
    record = unit_owner.get(f"/property-filings/{record_id}").json
    assert record["status"] == "approved" and record["filing_number"] == proposed
    assert record["parameters"] == factories.PARAMETERS[category]


def test_next_proposal_counts_up_and_numbers_are_unique(unit_owner, reviewer, open_task_for, submit_machine):
    first, second = submit_machine(unit_owner), submit_machine(unit_owner)
    number = reviewer.get(f"/tasks/{open_task_for(reviewer, first)}").json["form"]["defaults"]["filing_number"]
    decide_with = {"decision": "approve", "opinion": "同意", "filing_number": number}
    assert reviewer.post(f"/tasks/{open_task_for(reviewer, first)}/complete", json=decide_with).status_code == 200
    task_id = open_task_for(reviewer, second)
    assert reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"]["filing_number"].endswith("-00002")
    duplicate = reviewer.post(f"/tasks/{task_id}/complete", json=decide_with)
    assert duplicate.status_code == 422 and "已被使用" in duplicate.json["errors"]["filing_number"][0]
    assert unit_owner.get(f"/property-filings/{second}").json["status"] == "in_review"


def test_approval_without_filing_number_is_422_but_return_needs_none(unit_owner, reviewer, open_task_for,
                                                                     submit_machine):
    task_id = open_task_for(reviewer, submit_machine(unit_owner))
    missing = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
    assert missing.status_code == 422 and "filing_number" in missing.json["errors"]
    assert reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "return", "opinion": "补充合格证"}
                         ).status_code == 200


@pytest.mark.parametrize(("category", "rows", "message"), [
    ("T", [{"code": "1005", "value": "2000"}], "只填写1001、1002、1003、1004"),
    ("S", [{"code": "1005", "value": "2000"}, {"code": "1005", "value": "1"}], "不能重复"),
    ("T", [{"code": "1001", "value": "56m"}], "只填数字"),
    ("T", [{"code": "9999", "value": "1"}], "请从列表中选择"),
    ("W", [{"code": "1007"}], "参数值"),
    ("T", "56", "应为若干行"),
])
def test_parameter_rows_are_checked_at_entry(unit_owner, category, rows, message):
    response = unit_owner.post("/property-filings", json=factories.property_filing_data(category, parameters=rows))
    assert response.status_code == 422 and message in response.json["errors"]["parameters"][0]


def test_missing_parameters_are_refused_on_submit(unit_owner, create_machine):
    partial = factories.PARAMETERS["T"][:3]
    record_id = create_machine(unit_owner, "T", parameters=partial)
    response = unit_owner.post(f"/property-filings/{record_id}/submit")
    assert response.status_code == 422 and "还缺1004" in response.json["errors"]["parameters"][0]
    changing_category = unit_owner.patch(f"/property-filings/{record_id}", json={"category": "S"})
    assert changing_category.status_code == 422  # the T rows no longer fit an S machine


def test_required_slots_on_submit(unit_owner):
    response = unit_owner.post("/property-filings", json=factories.property_filing_data())
    refused = unit_owner.post(f"/property-filings/{response.json['id']}/submit")
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == set(factories.PROPERTY_SLOTS)


def test_same_machine_cannot_be_filed_twice(unit_owner, make_api, reviewer, submit_machine):
    record_id = submit_machine(unit_owner)
    machine = unit_owner.get(f"/property-filings/{record_id}").json
    again = unit_owner.post("/property-filings", json=factories.property_filing_data(
        factory_number=machine["factory_number"], manufacturer=machine["manufacturer"]))
    assert again.status_code == 422 and "重复备案" in again.json["errors"]["factory_number"][0]


def test_only_owner_units_file_and_only_with_an_approved_unit(make_api, owner):
    construction = make_api("construction")
    assert construction.post("/property-filings", json=factories.property_filing_data()).status_code == 403
    no_unit = owner.post("/property-filings", json=factories.property_filing_data())
    assert no_unit.status_code == 422 and "单位管理" in no_unit.json["message"]


def test_search_by_factory_or_filing_number(unit_owner, reviewer, submit_machine):
    record_id = submit_machine(unit_owner)
    factory_number = unit_owner.get(f"/property-filings/{record_id}").json["factory_number"]
    assert [r["id"] for r in reviewer.get(f"/property-filings?q={factory_number}").json["items"]] == [record_id]


def test_page_rows_are_posted_and_shown(app, unit_owner, login):
    client = app.test_client()
    login(client, unit_owner.user.username)
    form = client.get("/property-filings/new").text
    for label in ("基本参数", "参数序号", "参数值", "追加", "删除此行参数", "1001 塔式起重机起重臂长度（m）"):
        assert label in form
    data = factories.property_filing_data("S")
    rows = data.pop("parameters")
    for i, row in enumerate(rows):
        data[f"parameters-{i * 3}-code"], data[f"parameters-{i * 3}-value"] = row["code"], row["value"]
    data["parameters-9-code"] = data["parameters-9-value"] = ""  # an empty row added with 追加 is ignored
    saved = client.post("/property-filings/new", data=data)
    assert saved.status_code == 302, saved.text[:500]
    record_id = int(saved.headers["Location"].rstrip("/").split("/")[-1])
    assert unit_owner.get(f"/property-filings/{record_id}").json["parameters"] == rows
    view = client.get(f"/property-filings/{record_id}").text
    assert "施工升降机额定速度（m/min）" in view and "备案编号" in view
    bad = dict(data, **{"parameters-0-value": "2000kg"})
    rejected = client.post("/property-filings/new", data=bad)
    assert rejected.status_code == 422 and "只填数字" in rejected.text and 'value="2000kg"' in rejected.text


def test_task_page_proposes_the_filing_number(app, unit_owner, reviewer, open_task_for, submit_machine, login):
    task_id = open_task_for(reviewer, submit_machine(unit_owner))
    client = app.test_client()
    login(client, reviewer.user.username)
    client.post(f"/tasks/{task_id}/claim")
    page = client.get(f"/tasks/{task_id}").text
    assert "备案编号" in page and f'value="650100-T-{dt.date.today().year}-00001"' in page
    refused = client.post(f"/tasks/{task_id}/complete", data={"decision": "approve", "opinion": "同意",
                                                               "filing_number": ""})
    assert refused.status_code == 422 and "此项为必填项" in refused.text


def test_bureau_finds_machines_by_the_owners_unit_name(unit_owner, reviewer, submit_machine):
    record_id = submit_machine(unit_owner)
    unit_name = unit_owner.get(f"/organizations/{unit_owner.get('/me').json['organization_id']}").json["name"]
    assert [r["id"] for r in reviewer.get(f"/property-filings?q={unit_name}").json["items"]] == [record_id]
    assert reviewer.get("/property-filings?q=没有这个单位").json["total"] == 0


def test_return_resubmit_and_reject(unit_owner, reviewer, decide, submit_machine):
    record_id = submit_machine(unit_owner)
    decide(reviewer, record_id, "return", "补充购销合同")
    assert unit_owner.post(f"/property-filings/{record_id}/submit").status_code == 200
    decide(reviewer, record_id, "reject", "设备不符合要求")
    record = unit_owner.get(f"/property-filings/{record_id}").json
    assert record["status"] == "terminated" and record["filing_number"] is None


def test_drafts_and_other_regions_stay_hidden(unit_owner, make_api, submit_machine):
    draft = unit_owner.post("/property-filings", json=factories.property_filing_data()).json["id"]
    submitted = submit_machine(unit_owner)
    construction = make_api("construction")
    assert construction.get(f"/property-filings/{draft}").status_code == 404
    assert construction.get("/property-filings").json["total"] == 0
    changji = make_api("reviewer", "652300")
    assert changji.get(f"/property-filings/{submitted}").status_code == 404
    assert changji.get("/property-filings").json["total"] == 0
    local = make_api("reviewer", "650100")
    assert {r["id"] for r in local.get("/property-filings").json["items"]} == {submitted}
