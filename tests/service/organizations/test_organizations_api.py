import pytest

from tests import factories


def test_create_draft_and_read_back(owner):
    data = factories.organization_data()
    created = owner.post("/organizations", json=data)
    assert created.status_code == 201
    body = owner.get(f"/organizations/{created.json['id']}").json
    assert body["status"] == "draft" and body["uscc"] == data["uscc"] and body["name"] == data["name"]
    assert body["attachments"] == [] and body["history"] == [] and body["process_key"] == "organization"


def test_draft_may_be_partial_but_not_wrong(owner):
    assert owner.post("/organizations", json={"name": "新疆建工"}).status_code == 201
    bad = owner.post("/organizations", json={"uscc": factories.make_uscc()[:17] + "I"})
    assert bad.status_code == 422 and "第18位" in bad.json["errors"]["uscc"][0]
    spaced = owner.post("/organizations", json={"name": "新疆 建工"})
    assert spaced.status_code == 422 and "空格" in spaced.json["errors"]["name"][0]
    assert owner.get("/organizations").json["total"] == 1


def test_wrong_check_digit_names_position(owner):
    code = factories.make_uscc()
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    response = owner.post("/organizations", json=factories.organization_data(uscc=wrong))
    assert response.status_code == 422
    assert "第18位" in response.json["errors"]["uscc"][0]


def test_staff_cannot_file(reviewer):
    assert reviewer.post("/organizations", json=factories.organization_data()).status_code == 403


def test_submit_requires_fields_and_attachments(owner):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    response = owner.post(f"/organizations/{record_id}/submit")
    assert response.status_code == 422
    assert {"uscc", "region_code", "business_license", "authorization_letter"} <= set(response.json["errors"])
    assert owner.get(f"/organizations/{record_id}").json["status"] == "draft"


def test_uploads_checked_by_content_not_name(owner):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    path = f"/organizations/{record_id}/attachments/business_license"
    assert owner.upload(path, b"MZ\x90\x00 not a pdf", "licence.pdf").status_code == 415
    assert owner.upload(path, b"", "empty.pdf").status_code == 422
    ok = owner.upload(path, factories.PNG_BYTES, "photo.exe")
    assert ok.status_code == 201 and ok.json["mime"] == "image/png"
    assert owner.upload(f"/organizations/{record_id}/attachments/nope").status_code == 404
    no_file = owner.client.put("/api/v1" + path, headers=owner.headers, data={},
                               content_type="multipart/form-data")
    assert no_file.status_code == 422
    attachments = owner.get(f"/organizations/{record_id}").json["attachments"]
    assert [a["slot"] for a in attachments] == ["business_license"]


def test_upload_over_20_mb_is_413(owner):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    big = b"%PDF-" + b"0" * (20 * 1024 * 1024)
    response = owner.upload(f"/organizations/{record_id}/attachments/business_license", big)
    assert response.status_code == 413 and response.json["error"] == "too_large"
    assert owner.get(f"/organizations/{record_id}").json["attachments"] == []


def test_request_over_the_request_cap_is_413_json(owner, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    response = owner.upload(f"/organizations/{record_id}/attachments/business_license",
                            b"%PDF-" + b"0" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "20 MB" in response.json["message"]


def test_edit_and_delete_only_while_draft(owner, create_ready_organization):
    record_id = create_ready_organization(owner)
    assert owner.patch(f"/organizations/{record_id}", json={"address": "新地址"}).json["address"] == "新地址"
    assert owner.post(f"/organizations/{record_id}/submit").json["status"] == "in_review"
    assert owner.patch(f"/organizations/{record_id}", json={"address": "x"}).status_code == 409
    assert owner.delete(f"/organizations/{record_id}").status_code == 409
    assert owner.post(f"/organizations/{record_id}/submit").status_code == 409
    assert owner.upload(f"/organizations/{record_id}/attachments/business_license").status_code == 409
    other = owner.post("/organizations", json={"name": "草稿"}).json["id"]
    assert owner.delete(f"/organizations/{other}").status_code == 204
    assert owner.get(f"/organizations/{other}").status_code == 404


def test_another_units_record_is_404(owner, make_api, create_ready_organization):
    stranger = make_api("construction")
    record_id = create_ready_organization(owner)
    for response in (stranger.get(f"/organizations/{record_id}"),
                     stranger.patch(f"/organizations/{record_id}", json={"address": "x"}),
                     stranger.delete(f"/organizations/{record_id}"),
                     stranger.post(f"/organizations/{record_id}/submit"),
                     stranger.get(f"/organizations/{record_id}/progress"),
                     stranger.upload(f"/organizations/{record_id}/attachments/business_license")):
        assert response.status_code == 404
    assert stranger.get("/organizations").json["total"] == 0


def test_bureau_sees_only_its_region_and_no_drafts(owner, reviewer, make_api, submit_organization):
    in_region = submit_organization(owner)
    elsewhere = submit_organization(owner, region_code="652300")
    draft = owner.post("/organizations", json={"name": "草稿单位"}).json["id"]
    listed = {r["id"] for r in reviewer.get("/organizations").json["items"]}
    assert listed == {in_region}
    assert reviewer.get(f"/organizations/{elsewhere}").status_code == 404
    assert reviewer.get(f"/organizations/{draft}").status_code == 404
    changji = make_api("reviewer", "652300")
    assert {r["id"] for r in changji.get("/organizations").json["items"]} == {elsewhere}
    admin = make_api("admin")
    assert {r["id"] for r in admin.get("/organizations").json["items"]} == {in_region, elsewhere}


def test_list_tabs_and_paging(owner, reviewer, submit_organization, open_task_for):
    approved = submit_organization(owner)
    task_id = open_task_for(reviewer, approved)
    reviewer.post(f"/tasks/{task_id}/complete", json={"decision": "approve", "opinion": "同意"})
    in_review = submit_organization(owner)
    draft = owner.post("/organizations", json={"name": "草稿"}).json["id"]

    def ids(status=""):
        query = f"?status={status}" if status else ""
        return {r["id"] for r in owner.get(f"/organizations{query}").json["items"]}

    assert ids() == {approved, in_review, draft}
    assert ids("draft") == {draft}
    assert ids("in_review") == {in_review}
    assert ids("approved") == {approved}
    assert ids("terminated") == set()
    page = owner.get("/organizations?per_page=2&page=2").json
    assert page["total"] == 3 and len(page["items"]) == 1 and page["per_page"] == 2
    assert owner.get("/organizations?status=bogus").status_code == 422
    assert owner.get("/organizations?per_page=500").status_code == 422
    assert owner.get("/organizations?page=x").status_code == 422


def test_uscc_of_another_accounts_unit_is_refused(owner, make_api, submit_organization):
    code = factories.make_uscc()
    submit_organization(owner, uscc=code)
    other = make_api("owner")
    response = other.post("/organizations", json=factories.organization_data(uscc=code))
    assert response.status_code == 422 and "其他账号" in response.json["errors"]["uscc"][0]


def test_progress_shows_diagram_and_steps(owner, reviewer, create_ready_organization):
    record_id = create_ready_organization(owner)
    before = owner.get(f"/organizations/{record_id}/progress").json
    assert "<bpmn:definitions" in before["bpmn_xml"] and before["completed"] == [] and before["active"] == []
    owner.post(f"/organizations/{record_id}/submit")
    during = owner.get(f"/organizations/{record_id}/progress").json
    assert during["active"] == ["Task_review"] and "StartEvent_submit" in during["completed"]


def test_unknown_kind_is_404(owner):
    assert owner.get("/nothing-here").status_code == 404


@pytest.mark.parametrize("method", ["post", "patch"])
def test_non_object_json_is_400(owner, method):
    record_id = owner.post("/organizations", json={"name": "x"}).json["id"]
    path = "/organizations" if method == "post" else f"/organizations/{record_id}"
    response = getattr(owner, method)(path, json=["not", "an", "object"])
    assert response.status_code == 400


def test_search_by_name_or_uscc(owner):
    code = factories.make_uscc()
    data = factories.organization_data(name="昌吉吊装有限公司", uscc=code)
    wanted = owner.post("/organizations", json=data).json["id"]
    owner.post("/organizations", json=factories.organization_data(name="哈密建工"))
    assert {r["id"] for r in owner.get("/organizations?q=昌吉").json["items"]} == {wanted}
    assert {r["id"] for r in owner.get(f"/organizations?q={code[:10]}").json["items"]} == {wanted}
    assert owner.get(f"/organizations?q={code[4:12]}").json["total"] == 0  # codes match from their start
    assert owner.get("/organizations?q=不存在的单位").json["total"] == 0


def test_bureau_filters_todo_mine_all(owner, reviewer, make_api, submit_organization, decide):
    decided, waiting = submit_organization(owner), submit_organization(owner)
    decide(reviewer, decided)
    colleague = make_api("reviewer")
    assert {r["id"] for r in reviewer.get("/organizations?scope=todo").json["items"]} == {waiting}
    assert {r["id"] for r in reviewer.get("/organizations?scope=mine").json["items"]} == {decided}
    assert {r["id"] for r in reviewer.get("/organizations").json["items"]} == {decided, waiting}
    assert colleague.get("/organizations?scope=mine").json["total"] == 0
    assert reviewer.get("/organizations?scope=everything").status_code == 422


def test_bureau_list_page_shows_step_and_filer(app, owner, reviewer, submit_organization, login):
    submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/organizations").text
    for label in ("流程进度", "流程发起人", "待审批", "我发起的", "显示全部", owner.user.username, "<td>审批</td>"):
        assert label in page
