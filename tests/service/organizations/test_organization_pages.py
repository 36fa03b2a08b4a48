"""单位管理 pages: labels from the manual, errors as 4xx pages, atomic saves, another unit's record hidden."""

import io

from sqlalchemy import func, select

from service.extensions import db
from service.organizations.models import Organization
from tests import factories


def test_list_page_has_the_manuals_tabs_and_actions(owner_page, owner):
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    page = owner_page.get("/organizations").text
    for label in ("全部", "待发起", "流程中", "通过", "终止", "添加", "查看", "发起审批"):
        assert label in page
    assert f"/organizations/{record_id}" in page


def test_add_with_bad_uscc_saves_nothing(owner_page):
    data = factories.organization_data()
    data["uscc"] = data["uscc"][:17] + ("0" if data["uscc"][17] != "0" else "1")
    response = owner_page.post("/organizations/new", data=data)
    assert response.status_code == 422 and "第18位" in response.text
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_add_with_a_bad_file_saves_nothing(owner_page):
    data = factories.organization_data()
    data["file_business_license"] = (io.BytesIO(b"GIF89a not allowed"), "licence.gif")
    response = owner_page.post("/organizations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 415 and "营业执照" in response.text
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_add_with_files_then_submit(owner_page, owner):
    data = factories.organization_data()
    for slot in factories.ORG_SLOTS:
        data[f"file_{slot}"] = (io.BytesIO(factories.PDF_BYTES), f"{slot}.pdf")
    response = owner_page.post("/organizations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    record_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    view = owner_page.get(f"/organizations/{record_id}").text
    assert "待发起" in view and "business_license.pdf" in view
    confirm = owner_page.get(f"/organizations/{record_id}/submit").text
    assert "乌鲁木齐市住房和城乡建设局" in confirm and "确定" in confirm
    assert owner_page.post(f"/organizations/{record_id}/submit").status_code == 302
    assert owner.get(f"/organizations/{record_id}").json["status"] == "in_review"
    download = owner_page.get(f"/organizations/{record_id}/files/business_license")
    assert download.status_code == 200 and download.data == factories.PDF_BYTES


def test_submit_incomplete_shows_what_is_missing(owner_page, owner):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    response = owner_page.post(f"/organizations/{record_id}/submit")
    assert response.status_code == 422
    assert "统一社会信用代码" in response.text and "请上传营业执照" in response.text


def test_other_units_record_page_is_404(app, owner, make_api, login):
    record_id = owner.post("/organizations", json={"name": "新疆建工"}).json["id"]
    stranger = make_api("owner")
    client = app.test_client()
    login(client, stranger.user.username)
    assert client.get(f"/organizations/{record_id}").status_code == 404
    assert client.get(f"/organizations/{record_id}/edit").status_code == 404
    assert client.post(f"/organizations/{record_id}/delete").status_code == 404
