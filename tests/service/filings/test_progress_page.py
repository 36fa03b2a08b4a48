"""流程进度: the diagram with the done and current steps, for those who may see the record."""


def test_progress_json_for_the_viewer_names_lanes_in_chinese(app, owner, make_api, submit_organization, login):
    record_id = submit_organization(owner)
    client = app.test_client()
    login(client, owner.user.username)
    data = client.get(f"/organizations/{record_id}/progress").json
    assert data["active"] == ["Task_review"] and "StartEvent_submit" in data["completed"]
    assert 'name="地方住建局审批人员"' in data["bpmn_xml"] and 'name="reviewer"' not in data["bpmn_xml"]
    stranger = app.test_client()
    login(stranger, make_api("owner").user.username)
    assert stranger.get(f"/organizations/{record_id}/progress").status_code == 404
