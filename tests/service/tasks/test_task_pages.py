"""Task pages: the reviewer's list, claiming and the review form."""


def test_reviewer_pages_claim_and_approve(app, owner, reviewer, submit_organization, open_task_for, login):
    record_id = submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    listing = client.get("/tasks").text
    assert "待审批" in listing and "单位管理" in listing
    task_id = open_task_for(reviewer, record_id)
    page = client.get(f"/tasks/{task_id}").text
    assert "认领" in page and "营业执照" in page
    client.post(f"/tasks/{task_id}/claim")
    form = client.get(f"/tasks/{task_id}").text
    for label in ("审批结果", "通过", "退回", "不予通过", "审批意见", "确定"):
        assert label in form
    missing = client.post(f"/tasks/{task_id}/complete", data={"decision": "approve"})
    assert missing.status_code == 422 and "此项为必填项" in missing.text
    assert client.post(f"/tasks/{task_id}/complete", data={"decision": "approve", "opinion": "同意"}
                       ).status_code == 302
    history = client.get(f"/organizations/{record_id}").text
    assert "通过" in history and "同意" in history and "流程进展" in history
