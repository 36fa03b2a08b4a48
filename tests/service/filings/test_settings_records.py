"""特种工人 and 项目管理: the same chain as 单位管理 on their own records, plus their own rules."""

import datetime as dt

import pytest

from tests import factories

KINDS = {
    "workers": (factories.worker_data, ("certificate",)),
    "projects": (factories.project_data, ()),
}


def submit_record(api, path, **fields):
    make, slots = KINDS[path]
    created = api.post(f"/{path}", json=make(**fields))
    assert created.status_code == 201, created.json
    record_id = created.json["id"]
    for slot in slots:
        assert api.upload(f"/{path}/{record_id}/attachments/{slot}").status_code == 201
    submitted = api.post(f"/{path}/{record_id}/submit")
    assert submitted.status_code == 200, submitted.json
    return record_id


@pytest.mark.parametrize("path", KINDS)
def test_approve(unit_owner, reviewer, path, decide):
    record_id = submit_record(unit_owner, path)
    assert decide(reviewer, record_id).status_code == 200
    record = unit_owner.get(f"/{path}/{record_id}").json
    assert record["status"] == "approved"
    assert [h["action"] for h in record["history"]] == ["submit", "approve"]


@pytest.mark.parametrize("path", KINDS)
def test_return_and_resubmit_then_reject(unit_owner, reviewer, path, decide):
    record_id = submit_record(unit_owner, path)
    decide(reviewer, record_id, "return", "请核对")
    assert unit_owner.get(f"/{path}/{record_id}").json["status"] == "returned"
    assert unit_owner.post(f"/{path}/{record_id}/submit").status_code == 200
    decide(reviewer, record_id, "reject", "资料不实")
    record = unit_owner.get(f"/{path}/{record_id}").json
    assert record["status"] == "terminated"
    assert [h["action"] for h in record["history"]] == ["submit", "return", "resubmit", "reject"]


@pytest.mark.parametrize("path", KINDS)
def test_other_accounts_cannot_see_it(unit_owner, make_api, path):
    record_id = submit_record(unit_owner, path)
    assert make_api("construction").get(f"/{path}/{record_id}").status_code == 404
    assert make_api("reviewer", "652300").get(f"/{path}/{record_id}").status_code == 404


def test_worker_needs_an_approved_unit(owner):
    response = owner.post("/workers", json=factories.worker_data())
    assert response.status_code == 422 and "单位管理" in response.json["message"]


def test_worker_goes_to_the_bureau_of_the_units_region(make_api, submit_organization, open_task_for, decide):
    owner, changji = make_api("owner"), make_api("reviewer", "652300")
    decide(changji, submit_organization(owner, region_code="652300"))
    record_id = submit_record(owner, "workers")
    assert open_task_for(changji, record_id)
    assert owner.get(f"/workers/{record_id}").json["status"] == "in_review"


def test_worker_certificate_dates(unit_owner):
    today = dt.date.today()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    backwards = factories.worker_data(valid_from=today.isoformat(), valid_until=yesterday)
    response = unit_owner.post("/workers", json=backwards)
    assert response.status_code == 422 and "valid_until" in response.json["errors"]
    bad_date = unit_owner.post("/workers", json=factories.worker_data(valid_until="2026-02-30"))
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.json["errors"]["valid_until"][0]
    expired = factories.worker_data(valid_from="2020-01-01", valid_until=(today - dt.timedelta(days=1)).isoformat())
    record_id = unit_owner.post("/workers", json=expired).json["id"]
    unit_owner.upload(f"/workers/{record_id}/attachments/certificate")
    refused = unit_owner.post(f"/workers/{record_id}/submit")
    assert refused.status_code == 422 and "过期" in refused.json["errors"]["valid_until"][0]


def test_worker_id_number_and_category_checked(unit_owner):
    bad_id = unit_owner.post("/workers", json=factories.worker_data(id_number="652301196309121010"))
    assert bad_id.status_code == 422 and "第18位" in bad_id.json["errors"]["id_number"][0]
    bad_category = unit_owner.post("/workers", json=factories.worker_data(category="42"))
    assert bad_category.status_code == 422 and "category" in bad_category.json["errors"]


def test_worker_submit_needs_the_certificate_scan(unit_owner):
    record_id = unit_owner.post("/workers", json=factories.worker_data()).json["id"]
    response = unit_owner.post(f"/workers/{record_id}/submit")
    assert response.status_code == 422 and "certificate" in response.json["errors"]


@pytest.mark.parametrize(("field", "value"), [("longitude", "116.397128"), ("latitude", "30.1"),
                                              ("longitude", "八十七")])
def test_project_coordinates_must_be_in_xinjiang(owner, field, value):
    response = owner.post("/projects", json=factories.project_data(**{field: value}))
    assert response.status_code == 422 and field in response.json["errors"]


def test_project_goes_to_its_regions_bureau(owner, make_api, open_task_for):
    hami = make_api("reviewer", "650500")
    record_id = submit_record(owner, "projects", region_code="650500")
    assert open_task_for(hami, record_id)
    stored = owner.get(f"/projects/{record_id}").json
    assert stored["longitude"] == "87.617733" and stored["latitude"] == "43.792818"


def test_pages_for_workers_and_projects(app, unit_owner, login):
    client = app.test_client()
    login(client, unit_owner.user.username)
    home = client.get("/").text
    for label in ("项目管理", "特种工人", "单位管理"):
        assert label in home
    form = client.get("/workers/new").text
    assert "工种" in form and "建筑起重机械司机（塔式起重机）" in form and 'type="date"' in form
    assert "新疆天山建设有限公司" in form  # 所在单位 defaults to the account's approved unit
    data = factories.worker_data()
    saved = client.post("/workers/new", data=data)
    assert saved.status_code == 302
    assert data["name"] in client.get("/workers").text
    bad = client.post("/projects/new", data=factories.project_data(longitude="116.4"))
    assert bad.status_code == 422 and "新疆范围" in bad.text
