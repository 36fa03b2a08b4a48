"""使用登记: the construction unit registers the installed machine; position, people and numbers checked."""

import pytest

from tests import factories
from tests.support.records import REGISTRATION_SLOTS as SLOTS
from tests.support.records import person, registration_data


def test_registered_with_a_number_on_approval(site, reviewer, open_task_for):
    builder = site["builder"]
    record_id = builder.post("/use-registrations", json=registration_data(site)).json["id"]
    for slot in SLOTS:
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    assert builder.post(f"/use-registrations/{record_id}/submit").status_code == 200
    task_id = open_task_for(reviewer, record_id)
    number = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"]["registration_number"]
    assert number.startswith("SYDJ-650100-T-") and number.endswith("00001")
    assert reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意",
                                                             "registration_number": number}).status_code == 200
    record = builder.get(f"/use-registrations/{record_id}").json
    assert record["status"] == "approved" and record["registration_number"] == number
    # one registration in force per machine
    again = builder.post("/use-registrations", json=registration_data(site, longitude="87.620733"))
    assert again.status_code == 422 and "installation_notice_id" in again.json["errors"]


def test_position_must_differ_from_the_project_and_other_machines(site):
    builder = site["builder"]
    spot = site["project_data"]
    same = registration_data(site, longitude=spot["longitude"], latitude=spot["latitude"])
    response = builder.post("/use-registrations", json=same)
    assert response.status_code == 422 and "项目经纬度" in response.json["errors"]["longitude"][0]
    outside = builder.post("/use-registrations", json=registration_data(site, latitude="30.5"))
    assert outside.status_code == 422 and "新疆" in outside.json["errors"]["latitude"][0]


def test_machine_within_5_m_of_an_active_one_is_refused(site, reviewer, make_api):
    builder = site["builder"]
    first = builder.post("/use-registrations", json=registration_data(site)).json["id"]
    for slot in SLOTS:
        builder.upload(f"/use-registrations/{first}/attachments/{slot}")
    builder.post(f"/use-registrations/{first}/submit")
    # a second draft for the same machine is refused anyway; the position rule is checked on its own here
    from service.errors import Invalid
    from service.registrations.operations import _check_position

    with pytest.raises(Invalid) as exc:
        _check_position(None, "87.618750", "43.792820", None)  # ~1.5 m from the first
    assert "相距不得小于5米" in exc.value.errors["longitude"][0]
    _check_position(None, "87.619733", "43.792818", None)  # ~80 m away: fine


def test_people_must_be_the_using_units_and_operators_certified(site):
    builder, uscc = site["builder"], site["uscc"]
    wrong_unit = registration_data(site)
    wrong_unit["personnel"][0] = person("1106", factories.make_uscc())
    response = builder.post("/use-registrations", json=wrong_unit)
    assert response.status_code == 422 and "使用单位" in response.json["errors"]["personnel"][0]
    stranger_driver = registration_data(site)
    stranger_driver["personnel"][3] = person("1109", uscc)  # not among the picked special workers
    response = builder.post("/use-registrations", json=stranger_driver)
    assert response.status_code == 422 and "工种代码为 05" in response.json["errors"]["worker_ids"][0]
    installation_codes = registration_data(site, personnel=[person("1103", uscc)])
    message = builder.post("/use-registrations", json=installation_codes).json["errors"]["personnel"][0]
    assert message.startswith("第1行 职务代码：请从列表中选择：使用单位专职安全生产管理人员")
    assert "安装单位" not in message  # only the registration's own codes are offered


def test_units_must_match_the_project(site):
    builder = site["builder"]
    other_supervisor = registration_data(site, supervision_unit_uscc=factories.make_uscc())
    response = builder.post("/use-registrations", json=other_supervisor)
    assert response.status_code == 422 and "监理单位" in response.json["errors"]["supervision_unit_uscc"][0]


def test_only_construction_units_with_the_installed_machine(site, make_api):
    assert site["owner"].post("/use-registrations", json=registration_data(site)).status_code == 403
    other_builder = make_api("construction")
    response = other_builder.post("/use-registrations", json=registration_data(site))
    assert response.status_code == 422 and "installation_notice_id" in response.json["errors"]


def test_list_shows_the_manuals_columns(app, site, login):
    site["builder"].post("/use-registrations", json=registration_data(site))
    client = app.test_client()
    login(client, site["builder"].user.username)
    page = client.get("/use-registrations").text
    for label in ("ID", "操作", "状态", "使用登记编号", "出厂编号"):
        assert label in page


def test_return_resubmit_and_reject(site, reviewer, decide):
    builder = site["builder"]
    record_id = builder.post("/use-registrations", json=registration_data(site)).json["id"]
    for slot in SLOTS:
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    builder.post(f"/use-registrations/{record_id}/submit")
    decide(reviewer, record_id, "return", "检验报告过期")
    assert builder.post(f"/use-registrations/{record_id}/submit").status_code == 200
    decide(reviewer, record_id, "reject", "不予登记")
    assert builder.get(f"/use-registrations/{record_id}").json["status"] == "terminated"


def test_internal_column(app, site, login):
    site["builder"].post("/use-registrations", json=registration_data(site))
    client = app.test_client()
    login(client, site["builder"].user.username)
    page = client.get("/use-registrations").text
    assert "是否对内" in page and "<td>否</td>" in page  # the builder uses the owner's machine


def test_applicant_list_has_every_column_of_the_manual(app, site, login):
    site["builder"].post("/use-registrations", json=registration_data(site))
    client = app.test_client()
    login(client, site["builder"].user.username)
    header = client.get("/use-registrations").text.split("<thead>")[1].split("</thead>")[0]
    columns = ["ID", "操作", "状态", "流程进度", "流程发起人", "使用登记编号", "是否对内", "出厂编号"]
    positions = [header.index(f"<th>{c}</th>") for c in columns]
    assert positions == sorted(positions)  # in the manual's order


def test_the_minimum_distance_is_a_platform_rule(site, make_api):
    from service.errors import Invalid
    from service.extensions import db
    from service.registrations.models import UseRegistration
    from service.registrations.operations import _check_position

    record_id = site["builder"].post("/use-registrations", json=registration_data(site)).json["id"]
    record = db.session.get(UseRegistration, record_id)
    record.status = "approved"  # a machine in use there
    db.session.commit()
    eight_m_east = f"{float(record.longitude) + 0.0001:.6f}"  # about 8 m at this latitude
    _check_position(None, eight_m_east, record.latitude, None)  # 5 m by default: fine
    assert make_api("admin").patch("/admin/rules", json={"position_distance_m": 20}).status_code == 200
    with pytest.raises(Invalid) as refused:
        _check_position(None, eight_m_east, record.latitude, None)
    assert "相距不得小于20米" in refused.value.message
