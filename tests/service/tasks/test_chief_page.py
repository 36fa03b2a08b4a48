"""The chief's review page: 分配监督员 is marked required where approval needs it; approving without one
says so on that field (not a blanket "请填写审批结果和审批意见"); the supervisors are offered by name."""

from __future__ import annotations

import re


def test_approving_without_a_supervisor_names_the_field(app, in_use, reviewer, login, open_task_for,
                                                         submit_dismantling):
    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete", json={"decision": "approve",
                                                                                  "opinion": "同意"})
    chief = in_use["chief"]
    task_id = chief.get("/tasks").json["items"][0]["id"]
    page = app.test_client()
    login(page, chief.user.username)
    form = page.get(f"/tasks/{task_id}").text
    assert "认领" in form
    page.post(f"/tasks/{task_id}/claim")
    form = page.get(f"/tasks/{task_id}").text
    assert re.search(r"分配监督员<span class=\"req\">\*</span>", form)
    assert in_use["supervisor"].user.username in form  # picked by name
    refused = page.post(f"/tasks/{task_id}/complete", data={"decision": "approve", "opinion": "同意，请监督"})
    assert refused.status_code == 422
    assert "请填写审批结果和审批意见" not in refused.text
    assert re.search(r'f_supervisor_id.*?field-error">此项为必填项', refused.text, re.S)
    assert 'value="同意，请监督"' in refused.text or "同意，请监督</textarea>" in refused.text  # kept
    api = chief.get(f"/tasks/{task_id}").json["form"]["choices"]["supervisor_id"]
    assert api == [{"value": in_use["supervisor"].user.id, "label": in_use["supervisor"].user.username}]


def test_a_failed_completion_of_an_unclaimed_task_keeps_the_form(app, owner, reviewer, login, submit_organization):
    """Completing claims the task; when it fails, the reviewer still sees the form with what they chose."""
    record_id = submit_organization(owner)
    task_id = next(t["id"] for t in reviewer.get("/tasks?scope=all").json["items"] if t["record_id"] == record_id)
    page = app.test_client()
    login(page, reviewer.user.username)
    refused = page.post(f"/tasks/{task_id}/complete", data={"decision": "return"})  # no opinion
    assert refused.status_code == 422
    assert 'value="return" checked' in refused.text or 'value="return" selected' in refused.text
    assert "此项为必填项" in refused.text and "认领后由您办理" not in refused.text
