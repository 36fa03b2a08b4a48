"""拆卸告知: two-level review, the chief assigns a 监督员, and the machine leaves the site."""

from tests.support.records import person


def test_two_levels_and_the_supervisor(in_use, reviewer, open_task_for, submit_dismantling):
    owner, chief, supervisor = in_use["owner"], in_use["chief"], in_use["supervisor"]
    record_id = submit_dismantling(in_use)
    assert chief.get("/tasks").json["total"] == 0  # the chief's step comes after the reviewer's
    level_one = open_task_for(reviewer, record_id)
    assert chief.post(f"/tasks/{level_one}/claim").status_code == 403
    reviewer.post(f"/tasks/{level_one}/complete", json={"decision": "approve", "opinion": "初审同意"})
    assert owner.get(f"/dismantling-notices/{record_id}").json["status"] == "in_review"
    level_two = chief.get("/tasks").json["items"][0]["id"]
    assert reviewer.post(f"/tasks/{level_two}/claim").status_code == 403  # the reviewer cannot do the chief's step
    assert supervisor.get(f"/dismantling-notices/{record_id}").status_code == 404  # not yet assigned
    missing = chief.post(f"/tasks/{level_two}/complete", json={"decision": "approve", "opinion": "同意"})
    assert missing.status_code == 422 and "supervisor_id" in missing.json["errors"]
    wrong = chief.post(f"/tasks/{level_two}/complete",
                       json={"decision": "approve", "opinion": "同意", "supervisor_id": reviewer.user.id})
    assert wrong.status_code == 422 and "监督员" in wrong.json["errors"]["supervisor_id"][0]
    done = chief.post(f"/tasks/{level_two}/complete",
                      json={"decision": "approve", "opinion": "同意，请监督", "supervisor_id": supervisor.user.id})
    assert done.status_code == 200
    record = owner.get(f"/dismantling-notices/{record_id}").json
    assert record["status"] == "approved" and record["supervisor_id"] == supervisor.user.id
    assert [h["task"] for h in record["history"]] == ["发起审批", "初审", "分配监督员", "复审并分配监督员"]
    assigned = record["history"][2]
    assert assigned["opinion"] == f"监督员：{supervisor.user.username}" and assigned["actor"] == chief.user.username
    assert [r["id"] for r in supervisor.get("/dismantling-notices").json["items"]] == [record_id]
    assert supervisor.get("/organizations").json["total"] == 0


def test_approval_ends_the_installation_and_registration(in_use, reviewer, open_task_for, dismantling_data,
                                                         submit_dismantling):
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete",
                  json={"decision": "approve", "opinion": "同意"})
    chief = in_use["chief"]
    chief.post(f"/tasks/{chief.get('/tasks').json['items'][0]['id']}/complete",
               json={"decision": "approve", "opinion": "同意", "supervisor_id": in_use["supervisor"].user.id})
    # dismantled: not dismantled twice, and the machine is free for a new installation notice
    again = in_use["owner"].post("/dismantling-notices", json=dismantling_data(in_use))
    assert again.status_code == 422 and "use_registration_id" in again.json["errors"]
    from service.extensions import db
    from service.installations.operations import eligible_machines
    from service.registrations.models import UseRegistration

    registration_row = db.session.get(UseRegistration, in_use["registration"])
    db.session.refresh(registration_row)
    assert registration_row.ended_at is not None
    machines = db.session.scalars(eligible_machines(in_use["owner"].user, None)).all()
    assert [m.id for m in machines] == [registration_row.installation_notice.property_filing_id]


def test_chief_returns_to_the_applicant(in_use, reviewer, open_task_for, submit_dismantling):
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete", json={"decision": "approve", "opinion": "x"})
    chief = in_use["chief"]
    chief.post(f"/tasks/{chief.get('/tasks').json['items'][0]['id']}/complete",
               json={"decision": "return", "opinion": "方案不完整"})
    assert in_use["owner"].get(f"/dismantling-notices/{record_id}").json["status"] == "returned"
    assert in_use["owner"].post(f"/dismantling-notices/{record_id}/submit").status_code == 200
    assert open_task_for(reviewer, record_id)  # back to level one


def test_dismantler_must_hold_the_matching_certificate(in_use, dismantling_data):
    uscc_rows = dismantling_data(in_use)["personnel"]
    uscc_rows[3] = person("1113", uscc_rows[0]["unit_uscc"])
    response = in_use["owner"].post("/dismantling-notices", json=dismantling_data(in_use, personnel=uscc_rows))
    assert response.status_code == 422 and "工种代码为 08" in response.json["errors"]["worker_ids"][0]


def test_only_the_installer_dismantles(in_use, make_api, dismantling_data):
    other_owner = make_api("owner")
    response = other_owner.post("/dismantling-notices", json=dismantling_data(in_use))
    assert response.status_code in (403, 422)
    assert in_use["builder"].post("/dismantling-notices", json=dismantling_data(in_use)).status_code == 403


def test_chief_page_offers_the_regions_supervisors(app, in_use, reviewer, open_task_for, login, submit_dismantling):
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete", json={"decision": "approve", "opinion": "x"})
    chief = in_use["chief"]
    task_id = chief.get("/tasks").json["items"][0]["id"]
    client = app.test_client()
    login(client, chief.user.username)
    client.post(f"/tasks/{task_id}/claim")
    page = client.get(f"/tasks/{task_id}").text
    assert "分配监督员" in page and in_use["supervisor"].user.username in page


def test_view_names_the_referenced_records(app, in_use, reviewer, login, submit_dismantling):
    """Named for everyone; linked only for those who may open them (the owner may not open the builder's
    使用登记, the bureau may)."""
    record_id = submit_dismantling(in_use)
    client = app.test_client()
    login(client, in_use["owner"].user.username)
    page = client.get(f"/dismantling-notices/{record_id}").text
    link = f'href="/use-registrations/{in_use["registration"]}"'
    assert "SYDJ-650100-T-" in page and link not in page
    assert in_use["owner"].get(f"/use-registrations/{in_use['registration']}").status_code == 404
    assert in_use["installer_data"]["name"] in page and "（复审通过时分配）" in page
    bureau = app.test_client()
    login(bureau, reviewer.user.username)
    assert link in bureau.get(f"/dismantling-notices/{record_id}").text


def test_chief_rejects(in_use, reviewer, open_task_for, submit_dismantling):
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete", json={"decision": "approve", "opinion": "x"})
    chief = in_use["chief"]
    chief.post(f"/tasks/{chief.get('/tasks').json['items'][0]['id']}/complete",
               json={"decision": "reject", "opinion": "不具备拆卸条件"})
    record = in_use["owner"].get(f"/dismantling-notices/{record_id}").json
    assert record["status"] == "terminated" and record["supervisor_id"] is None
