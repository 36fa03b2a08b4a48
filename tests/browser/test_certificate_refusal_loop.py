"""The manual's loop 修改后再次制证, in the browser: the ministry (its own simulator process, started with a
national register that knows the driver is on a machine in use in 四川省) refuses; the using unit sees 住建部反馈
on its 使用登记, corrects the driver in a form where only what may change is editable; the bureau sees the
correction in its list and its 制证 window, makes the certificate again, and it is issued."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from service.certificates.gateway import forget_gateways
from service.config import ROOT
from tests import factories
from tests.support.live import approved_registration, simulator

pytestmark = pytest.mark.browser
def _wait_for_feedback(page: Page, live_server, drain, text: str) -> None:
    for _ in range(50):
        live_server.run(drain)
        page.reload()
        if text in page.locator("#ministry-feedback").inner_text():
            return
        page.wait_for_timeout(100)
    raise AssertionError(page.locator("#ministry-feedback").inner_text())


def test_refused_corrected_and_issued(live_server, new_page, shots, login, build_site, approve_with_number, drain,
                                     approved_record, tmp_path):
    config = live_server.app.config
    reg = approved_registration(live_server, build_site, approve_with_number)
    site, builder_api = reg["site"], reg["builder_api"]
    driver = site["driver"]
    register = tmp_path / "register.json"
    register.write_text(json.dumps({"people": [{"id_number": driver["id_number"], "name": driver["name"],
                                                "province": "四川省"}], "positions": []}), "utf-8")
    new_driver = factories.worker_data(category="05")
    approved_record(builder_api, reg["reviewer_api"], "workers", new_driver, ("certificate",))

    with simulator(tmp_path / "sim", delay=0.2, register=register) as url:
        config.update(MINISTRY_URL=url, MINISTRY_POLL_SECONDS=0.1, FONT_DIR=ROOT / ".cache" / "fonts")
        forget_gateways()
        try:
            # -- the bureau makes the certificate: the ministry refuses the driver ----------------------------
            reviewer = new_page()
            login(reviewer, reg["reviewer"])
            window = f"/use-registrations/{reg['id']}/certificate"
            reviewer.goto(window)
            reviewer.get_by_role("button", name="无登记证，点击制证").click()
            refusal = f"司机 {driver['name']} 已在四川省在用设备的使用登记证中登记"
            _wait_for_feedback(reviewer, live_server, drain, refusal)
            expect(reviewer.locator("#correction-note")).to_contain_text("等待使用单位按反馈修改")
            shots(reviewer, "refused-window")

            # -- the using unit sees 住建部反馈 on its 使用登记 and corrects the driver -------------------------
            builder = new_page()
            login(builder, reg["builder"])
            builder.goto(f"/use-registrations/{reg['id']}")
            notice = builder.locator(".record-notice")
            expect(notice).to_contain_text("住建部反馈：制证未通过")
            expect(notice).to_contain_text(refusal)
            shots(builder, "feedback-on-record")
            notice.get_by_role("link", name="按反馈修改").click()
            expect(builder.get_by_role("heading", name="使用登记 · 按住建部反馈修改")).to_be_visible()
            locked = builder.locator(".field.locked")
            expect(locked.filter(has_text="设备（已通过的安装告知）")).to_contain_text("出厂编号")
            expect(locked.filter(has_text="项目名称")).to_contain_text(site["project_data"]["name"])
            expect(builder.get_by_label("使用单位统一社会信用代码")).to_have_count(0)  # read-only: no input
            expect(builder.locator("input[type=file]")).to_have_count(0)
            builder.get_by_label(re.compile(new_driver["name"])).check()
            builder.get_by_label(re.compile(driver["name"])).uncheck()
            row = builder.locator("tr", has=builder.locator("select[name$='-code'] option[selected][value='1109']"))
            row.get_by_label("姓名").fill(new_driver["name"])
            row.get_by_label("身份证号").fill(new_driver["id_number"])
            shots(builder, "correction-form")
            builder.get_by_role("button", name="确定").click()
            expect(builder.locator(".flash.success")).to_contain_text("住建局将再次制证")
            expect(builder.locator(".record-notice")).to_contain_text("已按住建部反馈修改")
            expect(builder.locator("dl, table").first).to_contain_text(new_driver["name"])
            shots(builder, "corrected-record")

            # -- the bureau sees the correction and makes the certificate again: issued ------------------------
            reviewer.goto("/use-registrations")
            expect(reviewer.locator("tr", has_text=reg["number"])).to_contain_text("已按住建部反馈修改，待再次制证")
            shots(reviewer, "list-corrected")
            reviewer.goto(window)
            expect(reviewer.locator("#correction-note")).to_contain_text("按住建部反馈修改了数据")
            reviewer.get_by_role("button", name="已修改，再次制证").click()
            _wait_for_feedback(reviewer, live_server, drain, "赋码成功")
            expect(reviewer.locator("#certificate-number")).to_have_text(re.compile(r"650100T\(\d{4}\)\d{7}"))
            expect(reviewer.locator("#correction-note")).to_have_count(0)
            shots(reviewer, "issued-window")
        finally:
            config.update(MINISTRY_URL="", MINISTRY_POLL_SECONDS=0.0)
            forget_gateways()
