"""安装告知: picks only approved records of the unit, names the installation unit's key people."""

import datetime as dt

import pytest

from tests import factories
from tests.support.records import INSTALLATION_SLOTS as SLOTS
from tests.support.records import installation_data, person


@pytest.fixture
def setup(unit_owner, reviewer, approve_with_number, approved_record, submit_machine):
    uscc = unit_owner.get(f"/organizations/{unit_owner.get('/me').json['organization_id']}").json["uscc"]
    machine = submit_machine(unit_owner)
    approve_with_number(reviewer, machine, "filing_number")
    project = approved_record(unit_owner, reviewer, "projects", factories.project_data(installation_unit_uscc=uscc))
    workers = [approved_record(unit_owner, reviewer, "workers", factories.worker_data(category=c), ("certificate",))
               for c in ("08", "04")]
    return {"uscc": uscc, "machine": machine, "project": project, "workers": workers}


def test_notice_approved_end_to_end(unit_owner, reviewer, setup, approved_record):
    record_id = approved_record(unit_owner, reviewer, "installation-notices", installation_data(setup), SLOTS)
    record = unit_owner.get(f"/installation-notices/{record_id}").json
    assert record["status"] == "approved" and record["worker_ids"] == setup["workers"]
    assert len(record["personnel"]) == 3
    # the machine now has an installation in force: a second notice for it is refused
    again = unit_owner.post("/installation-notices", json=installation_data(setup))
    assert again.status_code == 422 and "property_filing_id" in again.json["errors"]


def test_required_people_and_their_unit(unit_owner, setup):
    missing = installation_data(setup, personnel=[person("1103", setup["uscc"])])
    record_id = unit_owner.post("/installation-notices", json=missing).json["id"]
    for slot in SLOTS:
        unit_owner.upload(f"/installation-notices/{record_id}/attachments/{slot}")
    refused = unit_owner.post(f"/installation-notices/{record_id}/submit")
    assert refused.status_code == 422 and "1104" in refused.json["errors"]["personnel"][0]
    wrong_unit = installation_data(setup, personnel=[person("1103", factories.make_uscc())])
    response = unit_owner.post("/installation-notices", json=wrong_unit)
    assert response.status_code == 422 and "安装单位" in response.json["errors"]["personnel"][0]
    wrong_code = installation_data(setup, personnel=[person("1109", setup["uscc"])])
    message = unit_owner.post("/installation-notices", json=wrong_code).json["errors"]["personnel"][0]
    assert message == "第1行 职务代码：请从列表中选择：安装单位主要负责人、安装单位技术负责人、安装单位现场管理人员"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"employed": True, "leave_reason": "调岗"}, "在职人员不填离职原因"),
    ({"employed": False}, "须填写离职原因"),
    ({"id_number": "652301196309121010"}, "第18位"),
    ({"name": "张 三"}, "空格"),
])
def test_personnel_rows_checked_at_entry(unit_owner, setup, overrides, message):
    rows = [person("1103", setup["uscc"], **overrides)]
    response = unit_owner.post("/installation-notices", json=installation_data(setup, personnel=rows))
    assert response.status_code == 422 and message in response.json["errors"]["personnel"][0]


def test_only_eligible_records_can_be_picked(unit_owner, make_api, reviewer, setup, approved_record):
    other = make_api("owner")
    other_project = approved_record(other, reviewer, "projects", factories.project_data())
    assert "project_id" in unit_owner.post("/installation-notices",
                                           json=installation_data(setup, project_id=other_project)).json["errors"]
    draft_project = unit_owner.post("/projects", json=factories.project_data()).json["id"]
    assert "project_id" in unit_owner.post("/installation-notices",
                                           json=installation_data(setup, project_id=draft_project)).json["errors"]
    unknown_machine = installation_data(setup, property_filing_id=999999)
    assert "property_filing_id" in unit_owner.post("/installation-notices", json=unknown_machine).json["errors"]


def test_expired_worker_cannot_be_picked(unit_owner, reviewer, setup):
    from service.extensions import db
    from service.workers.models import Worker

    worker = db.session.get(Worker, setup["workers"][0])
    worker.valid_until = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    response = unit_owner.post("/installation-notices", json=installation_data(setup))
    assert response.status_code == 422 and "证书已过期" in response.json["errors"]["worker_ids"][0]


def test_planned_date_two_working_days_ahead(unit_owner, setup):
    too_soon = installation_data(setup, planned_date=dt.date.today().isoformat())
    response = unit_owner.post("/installation-notices", json=too_soon)
    assert response.status_code == 422 and "2个工作日" in response.json["errors"]["planned_date"][0]


def test_goes_to_the_projects_bureau_and_construction_units_cannot_file(unit_owner, make_api, setup):
    record_id = unit_owner.post("/installation-notices", json=installation_data(setup)).json["id"]
    assert unit_owner.get(f"/installation-notices/{record_id}").json["status"] == "draft"
    assert make_api("construction").post("/installation-notices", json=installation_data(setup)).status_code == 403


def test_page_offers_only_eligible_choices(app, unit_owner, setup, login):
    client = app.test_client()
    login(client, unit_owner.user.username)
    page = client.get("/installation-notices/new").text
    for label in ("设备（产权备案）", "项目", "特种工人", "重点人员列表", "职务代码", "离职原因", "追加"):
        assert label in page
    assert f'value="{setup["machine"]}"' in page and f'value="{setup["project"]}"' in page


def test_return_resubmit_and_reject_frees_the_machine(unit_owner, reviewer, setup, decide):
    record_id = unit_owner.post("/installation-notices", json=installation_data(setup)).json["id"]
    for slot in SLOTS:
        unit_owner.upload(f"/installation-notices/{record_id}/attachments/{slot}")
    unit_owner.post(f"/installation-notices/{record_id}/submit")
    decide(reviewer, record_id, "return", "补充方案")
    assert unit_owner.post(f"/installation-notices/{record_id}/submit").status_code == 200
    decide(reviewer, record_id, "reject", "不符合")
    assert unit_owner.get(f"/installation-notices/{record_id}").json["status"] == "terminated"
    # a rejected notice holds nothing: the machine can be notified again
    assert unit_owner.post("/installation-notices", json=installation_data(setup)).status_code == 201
