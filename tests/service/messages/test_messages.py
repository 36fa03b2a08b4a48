"""消息中心: a message for every event a person waits on, to the right people, in the step's own transaction;
reading them through the API and the pages; the unread count in every page's header; overdue reminders once."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import event, func, select, update

from service.cli import main
from service.errors import Conflict
from service.extensions import db
from service.filings.operations import STATUS_CHANGED
from service.messages.models import Message
from service.messages.operations import notify
from service.process.models import HumanTask
from service.process.worker import run_periodic
from service.types import utcnow
from service.workers.models import Worker


def _inbox(api, unread: bool = False) -> list[dict]:
    response = api.get("/messages" + ("?unread=1" if unread else ""))
    assert response.status_code == 200, response.json
    return response.json["items"]


def _only(api, event: str, kind: str | None = None) -> dict:
    found = [m for m in _inbox(api) if m["event"] == event and kind in (None, m["record_kind"])]
    assert len(found) == 1, _inbox(api)
    return found[0]


def _unread(api) -> int:
    return api.get("/me").json["unread_messages"]


# -- each event, to whom, in what words -----------------------------------------------------------------------
def test_returned_then_approved_to_the_filer_with_the_reason(owner, reviewer, make_api, submit_organization, decide):
    record_id = submit_organization(owner, name="天山起重设备有限公司")
    assert _inbox(owner) == []  # 发起审批 itself tells the filer nothing
    assert decide(reviewer, record_id, "return", "营业执照扫描件不清晰").status_code == 200
    returned = _only(owner, "returned")
    assert returned["record_kind"] == "organization" and returned["record_id"] == record_id
    assert "单位管理" in returned["title"] and "天山起重设备有限公司" in returned["title"]
    assert "退回" in returned["body"] and "营业执照扫描件不清晰" in returned["body"]
    assert returned["read_at"] is None and _unread(owner) == 1

    assert owner.post(f"/organizations/{record_id}/submit", json={"opinion": "已重新上传"}).status_code == 200
    assert decide(reviewer, record_id, "approve", "材料齐全").status_code == 200
    approved = _only(owner, "approved")
    assert "审批通过" in approved["title"]
    assert "天山起重设备有限公司" in approved["body"] and "材料齐全" in approved["body"]
    assert [m["event"] for m in _inbox(owner)] == ["approved", "returned"]  # newest first
    assert _inbox(reviewer, unread=True)[0]["event"] == "task"  # the reviewers hear of each round, not the outcome
    assert {m["event"] for m in _inbox(reviewer)} == {"task"}


def test_terminated_to_the_filer(owner, reviewer, submit_organization, decide):
    record_id = submit_organization(owner, name="昆仑吊装有限公司")
    decide(reviewer, record_id, "reject", "非本地区企业")
    terminated = _only(owner, "terminated")
    assert "不予通过" in terminated["title"] and "昆仑吊装有限公司" in terminated["title"]
    assert "非本地区企业" in terminated["body"] and terminated["record_id"] == record_id


def test_a_new_task_to_the_candidates_of_its_lane_and_region_only(owner, reviewer, make_api, submit_organization):
    colleague, elsewhere = make_api("reviewer", "650100"), make_api("reviewer", "650200")
    chief, stopped = make_api("chief", "650100"), make_api("reviewer", "650100")
    stopped.user.active = False
    db.session.commit()
    record_id = submit_organization(owner, name="博格达机械租赁有限公司")
    task = reviewer.get("/tasks").json["items"][0]
    for api in (reviewer, colleague):
        message = _only(api, "task")
        assert message["task_id"] == task["id"] and message["record_id"] == record_id
        assert "博格达机械租赁有限公司" in message["title"] and task["name"] in message["body"]
        assert "办理时限" in message["body"]
    for api in (elsewhere, chief, owner):
        assert _inbox(api) == []
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.user_id == stopped.user.id)) == 0


def test_the_dismantling_chain_tells_the_chief_the_supervisor_the_filer_and_the_using_unit(
        in_use, reviewer, open_task_for, submit_dismantling, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    builder, owner, chief, supervisor = in_use["builder"], in_use["owner"], in_use["chief"], in_use["supervisor"]
    issued = _only(builder, "certificate_issued")
    assert cert["number"] in issued["title"] and cert["number"] in issued["body"]
    assert (issued["record_kind"], issued["record_id"]) == ("use_registration", in_use["registration"])

    record_id = submit_dismantling(in_use)
    reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/complete", json={"decision": "approve",
                                                                               "opinion": "同意"})
    second = _only(chief, "task")  # the second level's candidates: the region's chief
    assert second["record_kind"] == "dismantling_notice" and "拆卸告知" in second["title"]
    task = chief.get("/tasks").json["items"][0]["id"]
    done = chief.post(f"/tasks/{task}/complete", json={"decision": "approve", "opinion": "同意拆卸",
                                                       "supervisor_id": supervisor.user.id})
    assert done.status_code == 200, done.json
    assigned = _only(supervisor, "task")  # assigned to them: no task to claim, the record to watch
    assert "监督" in assigned["title"] and assigned["record_id"] == record_id and assigned["task_id"] is None
    assert "同意拆卸" in _only(owner, "approved", "dismantling_notice")["body"]
    ended = _only(builder, "certificate_ended")
    assert "完工注销" in ended["title"] and cert["number"] in ended["body"] and "拆卸告知审批通过" in ended["body"]


def test_a_refused_certificate_tells_the_using_unit_the_ministrys_feedback(in_use, reviewer, drain,
                                                                            request_certificate):
    db.session.execute(update(Worker).where(Worker.id_number == in_use["driver"]["id_number"])
                       .values(valid_until=dt.date(2020, 1, 1)))
    db.session.commit()
    assert request_certificate(reviewer, in_use["registration"]).status_code == 202
    drain()
    failed = _only(in_use["builder"], "certificate_failed")
    assert "制证未通过" in failed["title"] and "住建部反馈" in failed["body"]
    assert "资格证书已过期" in failed["body"] and in_use["driver"]["name"] in failed["body"]
    assert failed["record_id"] == in_use["registration"]
    assert [m for m in _inbox(in_use["owner"]) if m["event"].startswith("certificate")] == []


def test_a_revoked_certificate_is_announced(in_use, reviewer, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    reviewer.post(f"/certificates/{cert['number']}/revoke", json={"reason": "提供虚假材料"})
    ended = _only(in_use["builder"], "certificate_ended")
    assert "撤销" in ended["title"] and "提供虚假材料" in ended["body"]


def test_a_message_is_written_with_its_step_or_not_at_all(app, owner, reviewer, submit_organization, decide):
    """A step that fails after its messages were written (here a later listener refuses) leaves none behind."""
    def refuse(*_args) -> None:
        raise Conflict("测试：此步骤失败")

    record_id = submit_organization(owner)
    listeners = app.extensions["crane"].listeners[STATUS_CHANGED]
    listeners.append(refuse)
    try:
        assert decide(reviewer, record_id, "return", "请补充").status_code == 409
    finally:
        listeners.remove(refuse)
    assert _inbox(owner) == [] and owner.get(f"/organizations/{record_id}").json["status"] == "in_review"
    assert decide(reviewer, record_id, "return", "请补充").status_code == 200
    assert _only(owner, "returned")


# -- overdue --------------------------------------------------------------------------------------------------
def _past_due(record_id: int) -> None:
    db.session.execute(update(HumanTask).where(HumanTask.record_id == record_id, HumanTask.status == "open")
                       .values(due_at=utcnow() - dt.timedelta(hours=1)))
    db.session.commit()


def test_overdue_once_to_the_candidates_and_the_chief(app, owner, reviewer, make_api, submit_organization,
                                                      create_ready_organization):
    chief, elsewhere = make_api("chief", "650100"), make_api("chief", "650200")
    record_id = submit_organization(owner, name="乌鲁木齐塔吊有限公司")
    second = make_api("owner")
    on_time = submit_organization(second)
    _past_due(record_id)
    result = app.test_cli_runner().invoke(main, ["remind-overdue"])
    assert result.exit_code == 0 and "已提醒 1 个" in result.output, result.output
    for api in (reviewer, chief):
        overdue = _only(api, "overdue")
        assert "超期" in overdue["title"] and "乌鲁木齐塔吊有限公司" in overdue["title"]
        assert "办理时限" in overdue["body"] and overdue["record_id"] == record_id
    assert [m for m in _inbox(elsewhere) if m["event"] == "overdue"] == []
    assert all(m["record_id"] != on_time for m in _inbox(chief))
    # the worker's periodic pass and the command again: nothing new, once per task
    assert run_periodic() == 0
    assert app.test_cli_runner().invoke(main, ["remind-overdue"]).output.startswith("已提醒 0 个")
    assert len([m for m in _inbox(reviewer) if m["event"] == "overdue"]) == 1


def test_overdue_of_a_claimed_task_goes_to_its_claimant_and_the_chief(owner, reviewer, make_api, open_task_for,
                                                                     submit_organization):
    colleague, chief = make_api("reviewer", "650100"), make_api("chief", "650100")
    record_id = submit_organization(owner)
    assert reviewer.post(f"/tasks/{open_task_for(reviewer, record_id)}/claim").status_code == 200
    _past_due(record_id)
    assert run_periodic() == 1
    assert _only(reviewer, "overdue") and _only(chief, "overdue")
    assert [m for m in _inbox(colleague) if m["event"] == "overdue"] == []


def test_two_workers_at_once_remind_once(app, owner, reviewer, submit_organization):
    _past_due(submit_organization(owner))
    counts, barrier = [], threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            counts.append(run_periodic())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert len([m for m in _inbox(reviewer) if m["event"] == "overdue"]) == 1


# -- reading: API ---------------------------------------------------------------------------------------------
def test_read_one_read_all_and_anothers_message_is_not_found(owner, reviewer, make_api, submit_organization, decide):
    record_id = submit_organization(owner)
    decide(reviewer, record_id, "return", "请补充材料")
    owner.post(f"/organizations/{record_id}/submit")
    decide(reviewer, record_id, "approve", "同意")
    first, second = _inbox(owner)
    assert _unread(owner) == 2
    assert reviewer.post(f"/messages/{first['id']}/read").status_code == 404  # another account's
    assert owner.post("/messages/999999/read").status_code == 404
    assert owner.post(f"/messages/{first['id']}/read").status_code == 204
    assert owner.post(f"/messages/{first['id']}/read").status_code == 204  # again: still read, no error
    assert _unread(owner) == 1
    assert [m["id"] for m in _inbox(owner, unread=True)] == [second["id"]]
    assert next(m for m in _inbox(owner) if m["id"] == first["id"])["read_at"] is not None
    assert _unread(reviewer) == 2  # untouched by the owner's reading
    assert owner.post("/messages/read-all").status_code == 204
    assert _unread(owner) == 0 and _inbox(owner, unread=True) == [] and len(_inbox(owner)) == 2
    assert _unread(reviewer) == 2


def test_the_list_pages_and_refuses_a_bad_filter(owner, reviewer, submit_organization, decide):
    record_id = submit_organization(owner)
    decide(reviewer, record_id, "return", "一")
    owner.post(f"/organizations/{record_id}/submit")
    decide(reviewer, record_id, "return", "二")
    page = owner.get("/messages?per_page=1&page=2").json
    assert page["total"] == 2 and page["page"] == 2 and page["per_page"] == 1 and "一" in page["items"][0]["body"]
    bad = owner.get("/messages?unread=yes")
    assert bad.status_code == 422 and "unread" in bad.json["errors"]
    assert owner.client.get("/api/v1/messages").status_code == 401


# -- reading: pages -------------------------------------------------------------------------------------------
def _unread_in_header(html: str) -> str | None:
    found = re.search(r'<span class="badge unread-count">(\d+)</span>', html)
    return found.group(1) if found else None


def test_the_header_counts_unread_and_the_page_lists_reads_and_opens(app, owner, reviewer, login, submit_organization,
                                                                     decide):
    page = app.test_client()
    login(page, owner.user.username)
    assert _unread_in_header(page.get("/").get_data(as_text=True)) is None
    record_id = submit_organization(owner, name="阿勒泰起重有限公司")
    decide(reviewer, record_id, "return", "请补充营业执照")
    owner.post(f"/organizations/{record_id}/submit")
    decide(reviewer, record_id, "approve", "同意")
    home = page.get("/").get_data(as_text=True)
    assert _unread_in_header(home) == "2" and "消息中心" in home
    html = page.get("/messages").get_data(as_text=True)
    assert "审批通过" in html and "请补充营业执照" in html and html.count('class="message unread"') == 2
    newest, older = _inbox(owner)

    # opening a message reads it and goes to its record
    opened = page.get(f"/messages/{older['id']}")
    assert opened.status_code == 302 and opened.location.endswith(f"/organizations/{record_id}")
    assert _unread_in_header(page.get("/messages").get_data(as_text=True)) == "1"
    unread_only = page.get("/messages?unread=1").get_data(as_text=True)
    assert "审批通过" in unread_only and "请补充营业执照" not in unread_only
    assert page.post(f"/messages/{newest['id']}/read").status_code == 303
    assert _unread_in_header(page.get("/").get_data(as_text=True)) is None
    assert "没有未读消息" in page.get("/messages?unread=1").get_data(as_text=True)
    # another account's message: not found, and not read by trying
    staff = app.test_client()
    login(staff, reviewer.user.username)
    assert staff.get(f"/messages/{newest['id']}").status_code == 404
    assert staff.post(f"/messages/{older['id']}/read").status_code == 404
    assert _unread_in_header(staff.get("/").get_data(as_text=True)) == "2"
    assert staff.post("/messages/read-all").status_code == 303
    assert _unread_in_header(staff.get("/").get_data(as_text=True)) is None


def test_staff_open_a_task_message_at_the_task(app, owner, reviewer, login, submit_organization):
    submit_organization(owner)
    message = _only(reviewer, "task")
    page = app.test_client()
    login(page, reviewer.user.username)
    opened = page.get(f"/messages/{message['id']}")
    assert opened.status_code == 302 and opened.location.endswith(f"/tasks/{message['task_id']}")
    assert page.get(opened.location).status_code == 200


@pytest.mark.parametrize("path", ["/messages", "/"])
def test_the_unread_count_is_one_query(app, owner, reviewer, login, submit_organization, decide, path):
    """Cheap: a page's header costs one COUNT of the account's unread messages (over the partial index)."""
    decide(reviewer, submit_organization(owner), "return", "请补充")
    page = app.test_client()
    login(page, owner.user.username)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert page.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    counts = [s for s in statements if "FROM message" in s and "count(" in s.lower() and "read_at IS NULL" in s]
    assert len(counts) == 1, statements


def test_a_long_title_is_shortened_rather_than_failing_the_step(owner):
    [message] = notify([owner.user], "approved", "单位管理审批通过：" + "名" * 300, "正文", "organization", 1)
    db.session.commit()
    assert len(message.title) == 200 and message.title.endswith("名…")
