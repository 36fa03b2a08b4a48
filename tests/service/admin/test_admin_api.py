"""The administrator's API: changing approval chains by deploying diagrams, migrations, roles, forms,
accounts, bureaus, 企业规则 and the audit log — and nobody else reaching any of it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from service.calendar import add_working_days
from service.extensions import db
from service.process.models import HumanTask, ProcessDefinition
from service.types import CHINA, china_today, utcnow
from tests.support.diagrams import shipped, with_added_level, with_condition

XML = {"Content-Type": "application/xml"}


def deploy(admin, key, xml):
    return admin.client.post(f"/api/v1/admin/processes/{key}", data=xml, headers={**admin.headers, **XML})


def versions(key):
    return db.session.scalar(select(func.count()).where(ProcessDefinition.key == key))


def test_added_review_level_with_a_new_role_changes_new_filings_only(admin, unit_owner, reviewer, make_api,
                                                                     open_task_for, decide, approve_with_number,
                                                                     submit_machine):
    # 分管副局长 signs off 产权备案 after the reviewer: a new role, a diagram change, a form already shipped
    assert admin.post("/admin/roles", json={"key": "deputy", "name": "分管副局长"}).status_code == 201
    created = admin.post("/admin/users", json={"username": "fuju01", "password": "passw0rd123", "role": "deputy",
                                               "region_code": "650100"})
    assert created.status_code == 201 and created.json["role"] == "deputy"
    deputy = make_api("deputy", "650100")
    running = submit_machine(unit_owner)

    xml = admin.get("/admin/processes/property_filing/bpmn").text
    changed = with_added_level(xml, "deputy", "review_property_filing", first_form="review")
    answer = deploy(admin, "property_filing", changed)
    assert answer.status_code == 201 and answer.json == {"key": "property_filing", "version": 2}
    fresh = submit_machine(unit_owner)

    # the running filing finishes on version 1: the reviewer's approval with a number ends it
    approve_with_number(reviewer, running, "filing_number")
    old = unit_owner.get(f"/property-filings/{running}").json
    assert old["status"] == "approved" and old["process_version"] == 1

    # the new one: the reviewer's 审批 (no number asked) hands it to the deputy
    task = reviewer.get(f"/tasks/{open_task_for(reviewer, fresh)}").json
    assert "filing_number" not in task["form"]["schema"]["properties"]
    decide(reviewer, fresh, opinion="初审同意")
    assert unit_owner.get(f"/property-filings/{fresh}").json["status"] == "in_review"
    (level2,) = deputy.get("/tasks").json["items"]
    assert level2["name"] == "复审" and level2["role"] == "deputy"
    assert reviewer.post(f"/tasks/{level2['id']}/claim").status_code == 403
    number = approve_with_number(deputy, fresh, "filing_number")
    new = unit_owner.get(f"/property-filings/{fresh}").json
    assert new["status"] == "approved" and new["process_version"] == 2 and new["filing_number"] == number
    assert [h["task"] for h in new["history"]] == ["发起审批", "审批", "复审"]

    listed = {(p["key"], p["version"]): p for p in admin.get("/admin/processes").json}
    assert listed[("property_filing", 2)]["latest"] and not listed[("property_filing", 1)]["latest"]
    assert listed[("property_filing", 2)]["deployed_by"] == admin.user.username
    assert listed[("property_filing", 1)]["instances"] == 1 and listed[("property_filing", 2)]["instances"] == 1
    assert admin.get("/admin/processes/property_filing/bpmn?version=1").text == shipped("property_filing")
    actions = [e["action"] for e in admin.get("/admin/audit").json["items"]]
    assert {"role.create", "user.create", "process.deploy"} <= set(actions)


XXE = """<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>"""
LAUGHS = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><bpmn:definitions xmlns:bpmn="x">&lol3;</bpmn:definitions>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_doctypes_are_refused_outright(admin, xml):
    answer = deploy(admin, "organization", xml.encode())
    assert answer.status_code == 422 and answer.json["error"] == "diagram_rejected"
    assert "root:" not in answer.get_data(as_text=True)
    assert versions("organization") == 1


def test_code_in_a_diagram_is_refused_with_the_element_named_and_never_run(admin, tmp_path):
    marker = tmp_path / "pwned"
    hostile = with_condition(shipped("organization"), "Flow_approve",
                             f"__import__('os').system('touch {marker}')")
    answer = deploy(admin, "organization", hostile)
    assert answer.status_code == 422
    assert "Flow_approve" in {e["element_id"] for e in answer.json["errors"]}
    script = shipped("organization").replace(
        '<bpmn:userTask id="Task_resubmit"', '<bpmn:scriptTask id="Script_x"><bpmn:script>'
        f"open('{marker}', 'w')</bpmn:script></bpmn:scriptTask>\n    <bpmn:userTask id=\"Task_resubmit\"")
    answer = deploy(admin, "organization", script.encode())
    assert answer.status_code == 422 and "Script_x" in {e["element_id"] for e in answer.json["errors"]}
    assert not marker.exists() and versions("organization") == 1


@pytest.mark.parametrize(("edit", "element"), [
    (lambda x: x.replace('name="reviewer"', 'name="nobody"'), "Lane_reviewer"),
    (lambda x: x.replace('value="review" />', 'value="no_such_form" />'), "Task_review"),
    (lambda x: x.replace('decision == "reject"', 'decision == "approve"'), "Gateway_decision"),   # overlap
    (lambda x: x.replace('decision == "reject"', 'decision == "rejected"'), "Gateway_decision"),  # gap
    (lambda x: x.replace('sourceRef="Task_resubmit" targetRef="Task_review"', 'sourceRef="Task_resubmit" '
                         'targetRef="Task_resubmit"'), "Task_resubmit"),  # a user task with no way out
    (lambda x: x.replace("<bpmn:outgoing>Flow_resubmitted</bpmn:outgoing>", "")
     .replace('<bpmn:sequenceFlow id="Flow_resubmitted" sourceRef="Task_resubmit" targetRef="Task_review" />', ""),
     "Task_resubmit"),
    (lambda x: x.replace("<bpmn:process id=", "<bpmn:process id=").replace('"organization" name', '"other" name'),
     "other"),
], ids=["unknown-role", "unknown-form", "overlap", "gap", "no-way-out", "no-outgoing", "wrong-key"])
def test_each_lint_rule_refuses_through_the_api(admin, edit, element):
    answer = deploy(admin, "organization", edit(shipped("organization")).encode())
    assert answer.status_code == 422, answer.json
    assert element in {e["element_id"] for e in answer.json["errors"]}, answer.json["errors"]
    assert all(e["message"] for e in answer.json["errors"])
    assert versions("organization") == 1


def test_deploy_answers_4xx_for_bad_requests(admin):
    assert deploy(admin, "no_such_chain", shipped("organization").encode()).status_code == 404
    assert deploy(admin, "organization", b"").status_code == 422
    assert deploy(admin, "organization", b"<not xml").status_code == 422
    assert deploy(admin, "organization", b"<x/>" + b" " * (2 * 1024 * 1024 + 1)).status_code == 413
    assert admin.get("/admin/processes/organization/bpmn?version=9").status_code == 404
    assert admin.get("/admin/processes/organization/bpmn?version=x").status_code == 422


def _instance_of(api, path, record_id):
    return db.session.scalar(select(HumanTask.instance_id).where(HumanTask.record_id == record_id,
                                                                 HumanTask.record_kind == path))


def test_migration_is_previewed_then_applied_only_where_safe(admin, owner, reviewer, make_api, submit_organization,
                                                             decide):
    chief = make_api("chief", "650100")
    waiting = submit_organization(owner)
    other = make_api("owner")
    returned = submit_organization(other)
    decide(reviewer, returned, "return", "请补充材料")
    assert deploy(admin, "organization", with_added_level(shipped("organization"), "chief", "review")).status_code \
        == 201
    waiting_instance = _instance_of(admin, "organization", waiting)
    returned_instance = _instance_of(admin, "organization", returned)

    preview = admin.get(f"/admin/instances/{waiting_instance}/migration").json
    assert preview["safe"] and preview["problems"] == [] and (preview["from_version"], preview["to_version"]) == (1, 2)
    assert preview["active_before"] == ["Task_review"] == preview["active_after"]
    assert owner.get(f"/organizations/{waiting}").json["process_version"] == 1  # a preview changes nothing

    refused = admin.get(f"/admin/instances/{returned_instance}/migration").json
    assert not refused["safe"] and any("Gateway_decision" in p for p in refused["problems"])
    answer = admin.post(f"/admin/instances/{returned_instance}/migration")
    assert answer.status_code == 409 and "Gateway_decision" in answer.json["message"]
    assert other.get(f"/organizations/{returned}").json["process_version"] == 1

    assert admin.post(f"/admin/instances/{waiting_instance}/migration").status_code == 200
    moved = owner.get(f"/organizations/{waiting}").json
    assert moved["process_version"] == 2 and moved["history"][-1]["task"] == "流程迁移：版本 1 → 2"
    decide(reviewer, waiting)  # on version 2 the reviewer's approval now goes on to the chief
    assert owner.get(f"/organizations/{waiting}").json["status"] == "in_review"
    decide(chief, waiting)
    assert owner.get(f"/organizations/{waiting}").json["status"] == "approved"
    assert admin.post(f"/admin/instances/{waiting_instance}/migration").status_code == 409  # finished
    assert "process.migrate" in [e["action"] for e in admin.get("/admin/audit").json["items"]]


ADMIN_ENDPOINTS = [
    ("get", "/admin/processes"), ("get", "/admin/processes/organization/bpmn"),
    ("post", "/admin/processes/organization"), ("get", "/admin/processes/organization/versions/1/instances"),
    ("get", "/admin/instances/1/migration"), ("post", "/admin/instances/1/migration"),
    ("get", "/admin/roles"), ("post", "/admin/roles"), ("get", "/admin/forms"), ("put", "/admin/forms/review"),
    ("get", "/admin/rules"), ("patch", "/admin/rules"), ("get", "/admin/users"), ("post", "/admin/users"),
    ("patch", "/admin/users/1"), ("post", "/admin/users/1/reset-password"), ("get", "/admin/bureaus"),
    ("patch", "/admin/bureaus/650100"), ("get", "/admin/audit"),
]


@pytest.mark.parametrize("role", ["owner", "construction", "reviewer", "chief", "supervisor"])
def test_nobody_but_the_administrator_reaches_the_admin_api(make_api, client, role):
    api = make_api(role)
    for method, path in ADMIN_ENDPOINTS:
        answer = getattr(api, method)(path, json={})
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert getattr(client, method)("/api/v1" + path, json={}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 8


def test_review_forms_are_defined_by_the_administrator_and_named_by_diagrams(admin, owner, reviewer, make_api,
                                                                             submit_organization, decide):
    form = {"title": "副局长复审", "fields": [
        {"name": "decision", "label": "审批结果", "type": "choice", "required": True, "options": "review_decisions"},
        {"name": "site_visit", "label": "是否现场核查", "type": "boolean"},
        {"name": "opinion", "label": "复审意见", "type": "text", "required": True, "max_length": 300}]}
    xml = with_added_level(shipped("organization"), "chief", "review_deputy")
    assert deploy(admin, "organization", xml).json["errors"][0]["element_id"] == "Task_level2"  # not yet defined
    assert admin.put("/admin/forms/review_deputy", json=form).status_code == 200
    assert deploy(admin, "organization", xml).status_code == 201
    chief = make_api("chief", "650100")

    record = submit_organization(owner)
    decide(reviewer, record)
    (task,) = chief.get("/tasks").json["items"]
    shown = chief.get(f"/tasks/{task['id']}").json["form"]
    assert shown["schema"]["title"] == "副局长复审" and "site_visit" in shown["schema"]["properties"]
    bad = chief.post(f"/tasks/{task['id']}/complete", json={"decision": "approve", "opinion": "x", "site_visit": "?"})
    assert bad.status_code == 422 and "site_visit" in bad.json["errors"]
    body = {"decision": "approve", "opinion": "同意", "site_visit": "是"}
    ok = chief.post(f"/tasks/{task['id']}/complete", json=body)
    assert ok.status_code == 200 and owner.get(f"/organizations/{record}").json["status"] == "approved"
    listed = {f["key"]: f for f in admin.get("/admin/forms").json}
    assert listed["review_deputy"]["custom"] and not listed["review"]["custom"]


@pytest.mark.parametrize(("key", "definition", "field"), [
    ("organization", {"title": "x", "fields": []}, "key"),  # a record's form is not a review form
    ("review_use_registration", {"title": "x", "fields": [  # a shipped field the rules read cannot go
        {"name": "decision", "label": "审批结果", "type": "choice", "options": "review_decisions"},
        {"name": "opinion", "label": "意见", "type": "text"}]}, "definition"),
    ("review_x", {"title": "x", "fields": [{"name": "opinion", "label": "意见", "type": "text"}]}, "definition"),
    ("review_x", {"title": "x", "fields": [
        {"name": "decision", "label": "审批结果", "type": "choice", "options": "review_decisions"},
        {"name": "typename", "label": "x"}]}, "definition"),
    ("review_x", {"title": "x", "fields": [{"name": "decision", "label": "x", "type": "nope"}]}, "definition"),
    ("Bad Key", {"title": "x", "fields": []}, "key"),
])
def test_bad_form_definitions_are_refused(admin, key, definition, field):
    answer = admin.put(f"/admin/forms/{key}", json=definition)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert [e for e in admin.get("/admin/audit").json["items"] if e["action"] == "form.save"] == []


def test_platform_rules_apply_where_they_are_used(admin, unit_owner, reviewer, open_task_for, submit_machine):
    answer = admin.patch("/admin/rules", json={"filing_number_pattern": "BA-{region}-{year}-{seq:04d}",
                                               "sla_days_property_filing": 3})
    assert answer.status_code == 200
    assert {r["key"]: r["value"] for r in answer.json}["sla_days_property_filing"] == 3
    record = submit_machine(unit_owner)
    task_id = open_task_for(reviewer, record)
    task = reviewer.get(f"/tasks/{task_id}").json
    assert task["form"]["defaults"]["filing_number"] == f"BA-650100-{china_today().year}-0001"
    last_day = add_working_days(china_today(), 3)
    assert dt.datetime.fromisoformat(task["due_at"]) == dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA)
    assert not task["overdue"]
    (entry,) = [e for e in admin.get("/admin/audit").json["items"] if e["action"] == "rules.update"]
    assert entry["before"]["sla_days_property_filing"] == 7 and entry["after"]["sla_days_property_filing"] == 3


@pytest.mark.parametrize(("changes", "field"), [
    ({"sla_days_use_registration": 0}, "sla_days_use_registration"),
    ({"position_distance_m": "近"}, "position_distance_m"),
    ({"certificate_validity_months": True}, "certificate_validity_months"),
    ({"filing_number_pattern": "{region}-{seq}-{year}"}, "filing_number_pattern"),
    ({"filing_number_pattern": "{__class__}{seq}"}, "filing_number_pattern"),
    ({"registration_number_pattern": "{region:05d}{seq}"}, "registration_number_pattern"),
    ({"no_such_rule": 1}, "no_such_rule"),
])
def test_bad_rule_values_are_refused_and_nothing_is_saved(admin, changes, field):
    before = admin.get("/admin/rules").json
    answer = admin.patch("/admin/rules", json={"position_distance_m": 10, **changes})
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert admin.get("/admin/rules").json == before


def test_overdue_review_tasks_are_marked(admin, unit_owner, reviewer, open_task_for, decide, submit_machine):
    record = submit_machine(unit_owner)
    task_id = open_task_for(reviewer, record)
    task = db.session.get(HumanTask, task_id)
    assert task.due_at is not None
    for shift, overdue in ((dt.timedelta(minutes=1), False), (-dt.timedelta(minutes=1), True)):
        task.due_at = utcnow() + shift
        db.session.commit()
        assert reviewer.get(f"/tasks/{task_id}").json["overdue"] is overdue
        assert [t["overdue"] for t in reviewer.get("/tasks?scope=all").json["items"]] == [overdue]
    decide(reviewer, record, "return", "请补充")
    resubmit = db.session.scalars(select(HumanTask).where(HumanTask.role == "applicant")).all()
    assert resubmit and all(t.due_at is None for t in resubmit)


def test_accounts_are_disabled_enabled_and_reset_by_the_administrator(admin, owner, client):
    found = admin.get(f"/admin/users?q={owner.user.username[:6]}").json
    assert owner.user.id in [u["id"] for u in found["items"]]
    assert admin.patch(f"/admin/users/{owner.user.id}", json={"active": False}).status_code == 200
    assert owner.get("/me").status_code == 401  # its tokens stop working at once
    login = {"username": owner.user.username, "password": "passw0rd123"}
    assert client.post("/api/v1/auth/token", json=login).status_code == 401
    assert admin.patch(f"/admin/users/{owner.user.id}", json={"active": True}).status_code == 200
    assert client.post("/api/v1/auth/token", json=login).status_code == 200
    password = admin.post(f"/admin/users/{owner.user.id}/reset-password").json["password"]
    assert client.post("/api/v1/auth/token", json=login).status_code == 401
    assert client.post("/api/v1/auth/token", json={**login, "password": password}).status_code == 200
    assert admin.patch(f"/admin/users/{admin.user.id}", json={"active": False}).status_code == 422
    assert admin.patch(f"/admin/users/{owner.user.id}", json={"role": "reviewer"}).status_code == 422
    actions = [e["action"] for e in admin.get("/admin/audit").json["items"]]
    assert actions[:3] == ["user.reset_password", "user.enable", "user.disable"]


def test_staff_roles_and_regions_are_changed_by_the_administrator(admin, reviewer, make_api):
    assert admin.patch(f"/admin/users/{reviewer.user.id}", json={"role": "chief", "region_code": "650200"}).json[
        "role"] == "chief"
    assert admin.patch(f"/admin/users/{reviewer.user.id}", json={"region_code": "999999"}).status_code == 422
    assert admin.patch(f"/admin/users/{reviewer.user.id}", json={"role": "no_role"}).status_code == 422
    assert admin.post("/admin/roles", json={"key": "Deputy!", "name": ""}).status_code == 422
    assert admin.post("/admin/roles", json={"key": "reviewer", "name": "重复"}).status_code == 409
    staff = admin.get("/admin/users?kind=staff").json["items"]
    assert {"chief"} <= {u["role"] for u in staff if u["id"] == reviewer.user.id}


def test_bureaus_are_edited_with_a_valid_uscc(admin):
    base = "11650100MB1234567"
    good = base + uscc.calc_check_digit(base)
    bad = base + ("0" if good[-1] != "0" else "1")
    assert admin.patch("/admin/bureaus/650100", json={"uscc": bad}).status_code == 422
    answer = admin.patch("/admin/bureaus/650100", json={"uscc": good, "name": "乌鲁木齐市住房和城乡建设局"})
    assert answer.status_code == 200 and answer.json["uscc"] == good
    assert admin.patch("/admin/bureaus/000000", json={"name": "x"}).status_code == 404
    (entry,) = [e for e in admin.get("/admin/audit").json["items"] if e["action"] == "bureau.update"]
    assert entry["after"]["uscc"] == good and entry["before"]["uscc"] != good


def test_a_form_change_that_would_break_a_chain_in_force_is_refused(admin):
    # an optional 审批结果 could be left empty, and no way out of the chains' gateways fits an empty decision
    optional = {"title": "审批", "fields": [
        {"name": "decision", "label": "审批结果", "type": "choice", "options": "review_decisions"},
        {"name": "opinion", "label": "审批意见", "type": "text", "required": True}]}
    answer = admin.put("/admin/forms/review", json=optional)
    assert answer.status_code == 422
    assert any(p.startswith("流程 organization 版本 1：Gateway_decision") for p in answer.json["errors"]["definition"])
    assert admin.get("/admin/forms").json[0]["custom"] is False
    narrowed = {**optional, "fields": [{**optional["fields"][0], "required": True, "options": [["approve", "通过"],
                                                                                             ["reject", "不予通过"]]},
                                       optional["fields"][1]]}
    assert admin.put("/admin/forms/review", json=narrowed).status_code == 200  # fewer choices leave no gap


@pytest.mark.parametrize("definition", [
    {"title": ["x"], "fields": []}, {"title": "x", "fields": [{"name": 5, "label": "x"}]},
    {"title": "x", "fields": [{"name": "a", "label": 3}]}, {"title": "x", "fields": "decision"},
    {"title": "x", "fields": [["decision"]]}, {"title": "x", "fields": [{"name": "a", "label": "x", "options": 5}]},
    {"title": "x", "fields": [], "attachments": [{}]},
])
def test_malformed_form_definitions_are_422_not_500(admin, definition):
    answer = admin.put("/admin/forms/review_x", json=definition)
    assert answer.status_code == 422 and "definition" in answer.json["errors"], answer.json
