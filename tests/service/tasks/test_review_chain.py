"""单位管理 end to end through the API: approve, return and resubmit, reject; task claims."""


def test_approve_makes_it_the_accounts_unit(owner, reviewer, submit_organization):
    record_id = submit_organization(owner)
    tasks = reviewer.get("/tasks").json
    assert tasks["total"] == 1 and tasks["items"][0]["record_kind"] == "organization"
    task_id = tasks["items"][0]["id"]
    detail = reviewer.get(f"/tasks/{task_id}").json
    assert detail["form"]["schema"]["required"] == ["decision", "opinion"]
    assert reviewer.post(f"/tasks/{task_id}/claim").status_code == 200
    done = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "资料齐全，同意"})
    assert done.status_code == 200 and done.json["status"] == "completed"
    record = owner.get(f"/organizations/{record_id}").json
    assert record["status"] == "approved" and record["process_version"] == 1
    assert [(h["action"], h["opinion"]) for h in record["history"]] == [("submit", None),
                                                                         ("approve", "资料齐全，同意")]
    assert record["history"][1]["actor"] == reviewer.user.username
    assert owner.get("/me").json["organization_id"] == record_id
    assert reviewer.get("/tasks").json["total"] == 0


def test_return_edit_resubmit_then_approve(owner, reviewer, submit_organization, open_task_for):
    record_id = submit_organization(owner)
    task_id = open_task_for(reviewer, record_id)
    assert reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "return", "opinion": "营业执照不清晰"}
                         ).status_code == 200
    assert owner.get(f"/organizations/{record_id}").json["status"] == "returned"
    assert {r["id"] for r in owner.get("/organizations?status=draft").json["items"]} == {record_id}
    assert reviewer.get("/tasks?scope=all").json["total"] == 0
    assert owner.patch(f"/organizations/{record_id}", json={"address": "乌鲁木齐市新市区"}).status_code == 200
    assert owner.upload(f"/organizations/{record_id}/attachments/business_license").status_code == 201
    resubmitted = owner.post(f"/organizations/{record_id}/submit", json={"opinion": "已重新上传"})
    assert resubmitted.json["status"] == "in_review"
    task_id = open_task_for(reviewer, record_id)
    reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
    record = owner.get(f"/organizations/{record_id}").json
    assert record["status"] == "approved" and record["address"] == "乌鲁木齐市新市区"
    assert [h["action"] for h in record["history"]] == ["submit", "return", "resubmit", "approve"]
    assert record["history"][2]["opinion"] == "已重新上传"


def test_reject_terminates(owner, reviewer, submit_organization, open_task_for):
    record_id = submit_organization(owner)
    task_id = open_task_for(reviewer, record_id)
    reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "reject", "opinion": "非本地区企业"})
    record = owner.get(f"/organizations/{record_id}").json
    assert record["status"] == "terminated"
    assert owner.get("/me").json["organization_id"] is None
    assert owner.post(f"/organizations/{record_id}/submit").status_code == 409
    assert owner.patch(f"/organizations/{record_id}", json={"address": "x"}).status_code == 409


def test_opinion_is_required(owner, reviewer, submit_organization, open_task_for):
    task_id = open_task_for(reviewer, submit_organization(owner))
    response = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve"})
    assert response.status_code == 422 and "opinion" in response.json["errors"]
    bad = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "ok", "opinion": "x"})
    assert bad.status_code == 422 and "decision" in bad.json["errors"]
    assert reviewer.get(f"/tasks/{task_id}").json["status"] == "open"


def test_second_claim_409_and_completing_others_task_409(owner, make_api, submit_organization, open_task_for):
    first, second = make_api("reviewer"), make_api("reviewer")
    task_id = open_task_for(first, submit_organization(owner))
    assert first.post(f"/tasks/{task_id}/claim").status_code == 200
    assert first.post(f"/tasks/{task_id}/claim").status_code == 200  # idempotent for the assignee
    assert second.post(f"/tasks/{task_id}/claim").status_code == 409
    assert second.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "x"}
                       ).status_code == 409
    assert second.post(f"/tasks/{task_id}/unclaim").status_code == 403
    assert {t["id"] for t in first.get("/tasks?scope=mine").json["items"]} == {task_id}
    assert second.get("/tasks?scope=claimable").json["total"] == 0
    assert first.post(f"/tasks/{task_id}/unclaim").status_code == 200
    assert second.post(f"/tasks/{task_id}/claim").status_code == 200


def test_completing_twice_is_409(owner, reviewer, submit_organization, open_task_for):
    task_id = open_task_for(reviewer, submit_organization(owner))
    assert reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"}
                         ).status_code == 200
    again = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "reject", "opinion": "x"})
    assert again.status_code == 409
    assert reviewer.post(f"/tasks/{task_id}/claim").status_code == 409


def test_complete_without_claim_claims_first(owner, reviewer, submit_organization, open_task_for):
    task_id = open_task_for(reviewer, submit_organization(owner))
    reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
    assert reviewer.get(f"/tasks/{task_id}").json["assignee"] == reviewer.user.username


def test_not_a_candidate_403_other_region_404(owner, make_api, submit_organization, open_task_for):
    task_id = open_task_for(make_api("reviewer"), submit_organization(owner))
    chief = make_api("chief", "650100")
    assert chief.get(f"/tasks/{task_id}").status_code == 200
    assert chief.post(f"/tasks/{task_id}/claim").status_code == 403
    assert chief.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "x"}
                      ).status_code == 403
    outsider = make_api("reviewer", "652300")
    assert outsider.get(f"/tasks/{task_id}").status_code == 404
    assert outsider.post(f"/tasks/{task_id}/claim").status_code == 404
    assert outsider.get("/tasks?scope=all").json["total"] == 0
    assert owner.get("/tasks").json["total"] == 0
    assert owner.post(f"/tasks/{task_id}/claim").status_code == 404


def test_task_scope_validation(reviewer):
    assert reviewer.get("/tasks?scope=everything").status_code == 422
    assert reviewer.get("/tasks/999999").status_code == 404


def test_a_concurrent_save_between_load_and_write_is_409(owner, reviewer, monkeypatch, submit_organization,
                                                         open_task_for):
    """The portable half of the lock: the state-version check, independent of SELECT … FOR UPDATE."""
    from sqlalchemy import update

    from service.extensions import db
    from service.process import operations as process
    from service.process.models import ProcessInstance

    record_id = submit_organization(owner)
    task_id = open_task_for(reviewer, record_id)
    real_lock = process.lock_task_and_instance

    def lock_then_lose_the_race(query):
        task, instance = real_lock(query)
        db.session.execute(update(ProcessInstance.__table__).where(ProcessInstance.id == instance.id)
                           .values(state_version=ProcessInstance.state_version + 1))
        return task, instance

    monkeypatch.setattr(process, "lock_task_and_instance", lock_then_lose_the_race)
    response = reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
    assert response.status_code == 409 and "他人" in response.json["message"]
    monkeypatch.undo()
    assert reviewer.get(f"/tasks/{task_id}").json["status"] == "open"
    assert owner.get(f"/organizations/{record_id}").json["status"] == "in_review"
