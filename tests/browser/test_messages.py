"""消息中心 in the browser: the unread count in the header, the list (全部 / 未读), a message opening its record,
标为已读 and 全部已读; and a reviewer's task message opening the task."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.live import api_maker

pytestmark = pytest.mark.browser


def test_the_message_centre(live_server, new_page, shots, login, submit_organization, decide):
    make = api_maker(live_server)
    owner, reviewer = make("owner"), make("reviewer")
    record_id = submit_organization(owner, name="克拉玛依起重设备有限公司")
    assert decide(reviewer, record_id, "return", "营业执照扫描件不清晰，请重新上传").status_code == 200
    assert owner.post(f"/organizations/{record_id}/submit", json={"opinion": "已重新上传"}).status_code == 200
    assert decide(reviewer, record_id, "approve", "材料齐全，同意").status_code == 200

    page = new_page()
    login(page, owner.user)
    inbox = page.locator(".topbar .inbox")
    expect(inbox).to_have_text(re.compile(r"消息中心\s*2"))
    inbox.click()
    expect(page.get_by_role("heading", name="消息中心")).to_be_visible()
    items = page.locator(".message-list > li.message")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("单位管理审批通过：克拉玛依起重设备有限公司")  # newest first
    expect(items.nth(1)).to_contain_text("营业执照扫描件不清晰，请重新上传")
    shots(page, "list")

    # a message opens its record and is read from then on
    page.get_by_role("link", name="单位管理被退回：克拉玛依起重设备有限公司").click()
    expect(page).to_have_url(re.compile(rf"/organizations/{record_id}$"))
    expect(inbox).to_have_text(re.compile(r"消息中心\s*1"))
    inbox.click()
    page.get_by_role("navigation", name="消息筛选").get_by_role("link", name="未读").click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("审批通过")
    shots(page, "unread")
    items.first.get_by_role("button", name="标为已读").click()
    expect(page.locator(".message-list")).to_contain_text("没有未读消息")
    expect(inbox).to_have_text("消息中心")

    # the reviewer: a task message for each round, 全部已读 in one click, a task message opens the task
    staff = new_page()
    login(staff, reviewer.user)
    expect(staff.locator(".topbar .inbox")).to_have_text(re.compile(r"消息中心\s*2"))
    staff.locator(".topbar .inbox").click()
    expect(staff.locator(".message-list > li.message.unread")).to_have_count(2)
    shots(staff, "staff-tasks")
    staff.get_by_role("button", name="全部已读").click()
    expect(staff.locator(".message-list > li.message.unread")).to_have_count(0)
    expect(staff.locator(".topbar .inbox")).to_have_text("消息中心")
    staff.locator(".message-title").first.click()
    expect(staff).to_have_url(re.compile(r"/tasks/\d+$"))
