"""流程管理 pages: versions per chain, download, deploy from the modeler (JSON) and the upload form, and the
per-instance migration preview; administrators only."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from service.accounts.operations import create_staff_user
from service.config import ROOT
from service.extensions import db
from service.process.models import HumanTask, ProcessDefinition, ProcessInstance, TaskStatus
from service.process.operations import with_role_keys
from tests.support.api import PASSWORD
from tests.support.diagrams import shipped, with_condition

CHAINS = sorted(p.stem for p in (ROOT / "bpmn_models").glob("*.bpmn"))
XML = {"Content-Type": "application/xml"}


def login(client, username: str):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def admin_page(app):
    create_staff_user({"username": "pm_admin", "password": PASSWORD, "role": "admin"})
    db.session.commit()
    return login(app.test_client(), "pm_admin")


@pytest.fixture
def reviewer_page(app, reviewer):
    return login(app.test_client(), reviewer.user.username)


def versions(key: str) -> list[int]:
    return list(db.session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version)))


def renamed_review(xml: str, name: str = "初审") -> bytes:
    assert xml.count('name="审批"') == 1
    return xml.replace('name="审批"', f'name="{name}"').encode("utf-8")


def test_list_shows_every_shipped_chain_with_its_version(admin_page):
    page = admin_page.get("/admin/processes")
    assert page.status_code == 200
    text = page.text
    assert "流程管理" in text
    for key in CHAINS:
        assert f'id="chain-{key}"' in text
        assert f"/admin/processes/{key}/bpmn?version=1" in text
        assert f"/admin/processes/{key}/edit?version=1" in text
        assert f"/admin/processes/{key}/upload" in text
    for label in ("单位管理", "使用登记证制证", "版本 1", "当前版本", "系统", "运行中实例数", "实例总数", "上传 .bpmn",
                  "查看", "编辑", "下载 .bpmn"):
        assert label in text, label


def test_download_gives_the_stored_xml(admin_page):
    response = admin_page.get("/admin/processes/organization/bpmn?version=1")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="organization-v1.bpmn"'
    assert response.text == shipped("organization")
    assert admin_page.get("/admin/processes/organization/bpmn?version=9").status_code == 404
    assert admin_page.get("/admin/processes/nosuch/bpmn").status_code == 404
    assert admin_page.get("/admin/processes/organization/bpmn?version=abc").status_code == 422


def test_deploying_a_changed_diagram_makes_version_2(admin_page):
    response = admin_page.post("/admin/processes/organization/deploy", data=renamed_review(shipped("organization")),
                               headers=XML)
    assert response.status_code == 201, response.json
    assert response.json == {"key": "organization", "version": 2}
    assert versions("organization") == [1, 2]
    assert "初审" in db.session.scalar(select(ProcessDefinition.bpmn_xml).where(
        ProcessDefinition.key == "organization", ProcessDefinition.version == 2))
    text = admin_page.get("/admin/processes").text
    chain = text[text.index('id="chain-organization"'):]
    chain = chain[:chain.index("</section>")]
    assert "版本 2" in chain and "pm_admin" in chain
    row2 = chain[chain.index("版本 2"):chain.index("版本 1")]
    assert "当前版本" in row2 and "当前版本" not in chain[chain.index("版本 1"):]
    assert admin_page.get("/admin/processes/organization/bpmn?version=2").text.count("初审") == 1


@pytest.mark.parametrize(("broken", "element_id"), [
    (lambda xml: xml.replace('name="reviewer"', 'name="nobody"').encode(), "Lane_reviewer"),
    (lambda xml: with_condition(xml, "Flow_approve", "__import__('os')"), "Flow_approve"),
])
def test_a_broken_diagram_is_refused_with_the_element(admin_page, broken, element_id):
    response = admin_page.post("/admin/processes/organization/deploy", data=broken(shipped("organization")),
                               headers=XML)
    assert response.status_code == 422
    assert element_id in [e["element_id"] for e in response.json["errors"]]
    assert all(set(e) == {"element_id", "message"} for e in response.json["errors"])
    assert versions("organization") == [1]


def test_a_doctype_diagram_is_refused_and_nothing_deployed(admin_page):
    xml = shipped("organization").replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY boom "审批审批审批">]>', 1)
    response = admin_page.post("/admin/processes/organization/deploy", data=xml.encode(), headers=XML)
    assert response.status_code == 422
    assert response.json["errors"][0]["element_id"] == "definitions"
    assert "DOCTYPE" in response.json["errors"][0]["message"]
    assert versions("organization") == [1]


def test_deploy_answers_other_errors_as_json(admin_page):
    empty = admin_page.post("/admin/processes/organization/deploy", data=b"", headers=XML)
    assert empty.status_code == 422 and empty.json["message"]
    unknown = admin_page.post("/admin/processes/nosuch/deploy", data=shipped("organization").encode(), headers=XML)
    assert unknown.status_code == 404 and "nosuch" in unknown.json["message"]
    # another chain's diagram: its process id is not this chain's
    wrong = admin_page.post("/admin/processes/worker/deploy", data=shipped("organization").encode(), headers=XML)
    assert wrong.status_code == 422 and "organization" in [e["element_id"] for e in wrong.json["errors"]]
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == len(CHAINS)


def test_upload_form_deploys_or_lists_the_problems(admin_page):
    good = {"bpmn": (io.BytesIO(renamed_review(shipped("worker"))), "worker.bpmn")}
    response = admin_page.post("/admin/processes/worker/upload", data=good, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/processes")
    assert "已部署为版本 2" in admin_page.get("/admin/processes").text
    assert versions("worker") == [1, 2]

    bad_xml = shipped("worker").replace('name="reviewer"', 'name="nobody"').encode()
    bad = {"bpmn": (io.BytesIO(bad_xml), "worker.bpmn")}
    response = admin_page.post("/admin/processes/worker/upload", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "流程图未通过检查" in response.text and "<code>Lane_reviewer</code>" in response.text
    assert versions("worker") == [1, 2]

    missing = admin_page.post("/admin/processes/worker/upload", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "请提交 BPMN 流程图" in missing.text


def test_show_and_edit_pages(admin_page):
    show = admin_page.get("/admin/processes/organization?version=1")
    assert show.status_code == 200
    assert "此版本上没有运行中的实例" in show.text and "/admin/processes/organization/diagram?version=1" in show.text
    diagram = admin_page.get("/admin/processes/organization/diagram?version=1").json
    assert diagram["process_version"] == 1 and diagram["completed"] == [] and diagram["active"] == []
    lanes = re.findall(r'<bpmn:lane [^>]*name="([^"]*)"', diagram["bpmn_xml"])
    assert lanes == ["申请单位", "地方住建局审批人员"]  # role names, as people read the diagram

    edit = admin_page.get("/admin/processes/certificate/edit")
    assert edit.status_code == 200
    assert "bpmn-modeler.production.min.js" in edit.text and "modeler.js" in edit.text
    assert "bpmn-font/css/bpmn-embedded.css" in edit.text
    raw = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', edit.text, re.S).group(1)
    config = json.loads(raw)
    assert config["key"] == "certificate" and config["version"] == 1
    assert "Catch_expired" in config["xml"] and "Definitions_certificate" in config["xml"]
    assert config["deploy_url"] == "/admin/processes/certificate/deploy"
    assert {"key": "reviewer", "name": "地方住建局审批人员"} in config["roles"]
    assert "review" in [f["key"] for f in config["forms"]]
    assert [o["value"] for o in config["outcomes"]] == ["completed", "revoked", "expired"]
    organization = json.loads(re.search(r'id="modeler-config">(.*?)</script>',
                                        admin_page.get("/admin/processes/organization/edit").text, re.S).group(1))
    assert [o["value"] for o in organization["outcomes"]] == ["approved", "terminated"]
    lanes = re.findall(r'<bpmn:lane [^>]*name="([^"]*)"', organization["xml"])
    assert lanes == ["申请单位", "地方住建局审批人员"]  # the modeler shows role names …
    keys = re.findall(r'<bpmn:lane [^>]*name="([^"]*)"', with_role_keys(organization["xml"].encode()).decode())
    assert keys == ["applicant", "reviewer"]  # … and 部署 stores the keys again
    for asset in ("bpmn-modeler.production.min.js", "assets/bpmn-font/css/bpmn-embedded.css"):
        assert admin_page.get(f"/vendor/bpmn-js/{asset}").status_code == 200
    assert admin_page.get("/static/modeler.js").status_code == 200
    assert admin_page.get("/static/modeler.css").status_code == 200


def test_deploy_with_the_csrf_header_as_the_modeler_sends_it(app, admin_page):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = admin_page.get("/admin/processes/organization/edit").text
        token = json.loads(re.search(r'id="modeler-config">(.*?)</script>', page, re.S).group(1))["csrf_token"]
        body = renamed_review(shipped("organization"))
        refused = admin_page.post("/admin/processes/organization/deploy", data=body, headers=XML)
        assert refused.status_code == 400
        accepted = admin_page.post("/admin/processes/organization/deploy", data=body,
                                   headers={**XML, "X-CSRFToken": token})
        assert accepted.status_code == 201 and accepted.json["version"] == 2
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_migrating_a_running_organization_filing(admin_page, owner, submit_organization):
    record_id = submit_organization(owner)
    assert owner.get(f"/organizations/{record_id}").json["process_version"] == 1
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.record_kind == "organization",
                                                                     ProcessInstance.record_id == record_id))
    assert admin_page.post("/admin/processes/organization/deploy", data=renamed_review(shipped("organization")),
                           headers=XML).status_code == 201

    listing = admin_page.get("/admin/processes/organization?version=1").text
    preview_url = f"/admin/processes/organization/instances/{instance_id}/migrate?version=2"
    assert f"#{instance_id}" in listing and preview_url in listing and "迁移预览" in listing and "审批" in listing

    preview = admin_page.get(preview_url)
    assert preview.status_code == 200
    assert "可以迁移" in preview.text and "版本 1 → 版本 2" in preview.text
    assert "Task_review" in preview.text and "确认迁移到版本 2" in preview.text

    response = admin_page.post(preview_url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/processes/organization?version=1")
    after = admin_page.get("/admin/processes/organization?version=1").text
    assert f"流程实例 {instance_id} 已从版本 1 迁移到版本 2" in after and "此版本上没有运行中的实例" in after
    assert owner.get(f"/organizations/{record_id}").json["process_version"] == 2
    instance = db.session.get(ProcessInstance, instance_id)
    assert db.session.get(ProcessDefinition, instance.definition_id).version == 2
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.status == TaskStatus.OPEN))
    assert task.name == "初审"
    # already on the latest version: nothing newer to move to
    assert admin_page.get(preview_url).status_code == 422


def test_an_unsafe_migration_is_not_offered_and_refused(admin_page, owner, submit_organization):
    record_id = submit_organization(owner)
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.record_id == record_id,
                                                                     ProcessInstance.record_kind == "organization"))
    # the step the filing stands on (Task_review) no longer exists under that id
    moved = shipped("organization").replace("Task_review", "Task_check").encode()
    assert admin_page.post("/admin/processes/organization/deploy", data=moved, headers=XML).status_code == 201
    url = f"/admin/processes/organization/instances/{instance_id}/migrate?version=2"
    preview = admin_page.get(url)
    assert preview.status_code == 200
    assert "不能迁移" in preview.text and "Task_review" in preview.text and "确认迁移" not in preview.text
    refused = admin_page.post(url)
    assert refused.status_code == 409 and "不能安全迁移" in refused.text
    assert owner.get(f"/organizations/{record_id}").json["process_version"] == 1
    # an instance of another chain is not found under this one
    assert admin_page.get(f"/admin/processes/worker/instances/{instance_id}/migrate?version=2").status_code == 404


def test_only_administrators_may_open_these_pages(reviewer_page, client, owner, submit_organization):
    record_id = submit_organization(owner)
    instance_id = db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.record_id == record_id))
    migrate = f"/admin/processes/organization/instances/{instance_id}/migrate?version=1"
    gets = ["/admin/processes", "/admin/processes/organization", "/admin/processes/organization?version=1",
            "/admin/processes/organization/bpmn?version=1", "/admin/processes/organization/edit",
            "/admin/processes/organization/diagram", migrate]
    diagram = renamed_review(shipped("organization"))
    posts = [("/admin/processes/organization/deploy", {"data": diagram, "headers": XML}),
             ("/admin/processes/organization/upload",
              {"data": {"bpmn": (io.BytesIO(b"<x/>"), "x.bpmn")}, "content_type": "multipart/form-data"}),
             (migrate, {})]
    for url in gets:
        assert reviewer_page.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url  # anonymous: to the login page
    for url, kwargs in posts:
        assert reviewer_page.post(url, **kwargs).status_code == 403, url
    assert versions("organization") == [1]
