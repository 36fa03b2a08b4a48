"""流程管理 in the browser: the bpmn-js modeler with its properties panel edits a shipped chain, 部署 makes the
next version, and a broken diagram comes back with the lint's errors listed and marked on the canvas."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.accounts.operations import create_staff_user
from service.config import ROOT
from service.extensions import db
from service.process.models import ProcessDefinition
from service.process.operations import with_role_keys
from tests import factories
from tests.support.api import PASSWORD
from workflows.parser import parse_xml

pytestmark = pytest.mark.browser

CHAINS = sorted(p.stem for p in (ROOT / "bpmn_models").glob("*.bpmn"))


def _admin(live_server) -> str:
    def create() -> str:
        username = factories.unique_name("pm")
        create_staff_user({"username": username, "password": PASSWORD, "role": "admin"})
        db.session.commit()
        return username

    return live_server.run(create)


def _versions(live_server, key: str) -> dict[int, str]:
    query = select(ProcessDefinition.version, ProcessDefinition.bpmn_xml).where(ProcessDefinition.key == key)
    return live_server.run(lambda: {version: xml for version, xml in db.session.execute(query)})


def _signature(xml: str | bytes) -> list[tuple]:
    """Every element with its namespace, attributes and text: what the engine can read, layout aside."""
    out = []
    for el in parse_xml(xml).iter():
        if isinstance(el.tag, str):
            qname = etree.QName(el)
            out.append((qname.namespace, qname.localname, tuple(sorted(el.attrib.items())), (el.text or "").strip()))
    return sorted(out)


def _open_modeler(page: Page, key: str) -> None:
    page.goto("/")
    page.locator(".sidebar").get_by_role("link", name="流程管理", exact=True).click()
    expect(page.get_by_role("heading", name="流程管理", exact=True)).to_be_visible()
    page.locator(f"#chain-{key}").get_by_role("link", name="编辑", exact=True).first.click()
    expect(page.locator('#modeler[data-ready="true"]')).to_be_attached()
    expect(page.locator(".djs-palette")).to_be_visible()


def _click_flow(page: Page, flow_id: str) -> None:
    """Click on the sequence flow's own line: its last segment (the label sits over the middle of the flow)."""
    point = page.evaluate("""(id) => {
        const m = window.processModeler, canvas = m.get('canvas'), box = canvas.getContainer().getBoundingClientRect();
        const [from, to] = m.get('elementRegistry').get(id).waypoints.slice(-2);
        const at = { x: from.x + (to.x - from.x) * 0.6, y: from.y + (to.y - from.y) * 0.6 };
        const vb = canvas.viewbox();
        return { x: box.left + (at.x - vb.x) * vb.scale, y: box.top + (at.y - vb.y) * vb.scale };
    }""", flow_id)
    page.mouse.click(point["x"], point["y"])


def test_export_keeps_every_property_the_engine_reads(live_server, new_page, login):
    """Import then export, unchanged, of every shipped chain: formKey, outcome, serviceTaskOperator and its
    parameters, messageVariable, conditions and timers all survive the modeler."""
    page = new_page()
    login(page, _admin(live_server))
    for key in CHAINS:
        page.goto(f"/admin/processes/{key}/edit")
        expect(page.locator('#modeler[data-ready="true"]')).to_be_attached()
        exported = page.evaluate("async () => (await window.processModeler.saveXML({ format: true })).xml")
        deployed = live_server.run(lambda xml=exported: with_role_keys(xml.encode()))  # as 部署 stores it
        assert _signature(deployed) == _signature((ROOT / "bpmn_models" / f"{key}.bpmn").read_bytes()), key


def test_panel_writes_a_new_form_key_and_undo_takes_it_back(live_server, new_page, login):
    page = new_page()
    login(page, _admin(live_server))
    _open_modeler(page, "organization")
    # a new user task in the reviewer's lane: no extensionElements yet
    page.evaluate("""() => {
        const m = window.processModeler, registry = m.get('elementRegistry');
        const shape = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
        const created = m.get('modeling').createShape(shape, { x: 760, y: 300 }, registry.get('Lane_reviewer'));
        m.get('selection').select(created);
    }""")
    panel = page.locator("#modeler-panel")
    expect(panel.get_by_role("heading")).to_have_text("用户任务")
    expect(page.locator("#prop-form")).to_have_value("")
    page.select_option("#prop-form", "review")
    page.locator("#prop-name").fill("复核")
    page.locator("#prop-name").press("Enter")
    xml = page.evaluate("async () => (await window.processModeler.saveXML()).xml")
    task = re.search(r'<bpmn:userTask id="([^"]+)" name="复核">(.*?)</bpmn:userTask>', xml, re.S)
    assert task and '<spiffworkflow:property name="formKey" value="review" />' in task.group(2)
    page.evaluate("() => window.processModeler.get('commandStack').undo()")  # the name
    page.evaluate("() => window.processModeler.get('commandStack').undo()")  # the form
    xml = page.evaluate("async () => (await window.processModeler.saveXML()).xml")
    assert "复核" not in xml and xml.count('name="formKey"') == 2  # Task_review and Task_resubmit only

    # 下载 .bpmn saves what is on the canvas; 打开 .bpmn replaces it with a file
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 .bpmn").click()
    assert download.value.suggested_filename == "organization-edited.bpmn"
    assert _signature(download.value.path().read_bytes()) == _signature(xml)
    page.set_input_files("#modeler-open", str(ROOT / "bpmn_models" / "worker.bpmn"))
    expect(page.locator("#modeler-status")).to_have_text("已打开 worker.bpmn，尚未部署")
    expect(page.locator('[data-element-id="Participant_worker"]')).to_be_attached()
    expect(page.locator('[data-element-id="Participant_organization"]')).to_have_count(0)


def test_timer_and_outcome_fields(live_server, new_page, shot, login):
    """The certificate chain: its end events declare completed/revoked/expired, its expiry is a timer."""
    before = _versions(live_server, "certificate")
    page = new_page()
    login(page, _admin(live_server))
    _open_modeler(page, "certificate")
    page.click('[data-element-id="End_revoked"]')
    expect(page.locator("#prop-outcome")).to_have_value("revoked")
    options = page.locator("#prop-outcome option").all_inner_texts()
    assert options == ["（未指定结果）", "完工注销（completed）", "撤销证件（revoked）", "到期失效（expired）"]

    page.click('[data-element-id="Timer_expired"]')
    expect(page.locator("#modeler-panel").get_by_role("heading")).to_have_text("中间捕获事件")
    expect(page.locator("#prop-timer-type")).to_have_value("timeDate")
    expect(page.locator("#prop-timer-value")).to_have_value("expires_at")
    page.select_option("#prop-timer-type", "timeDuration")
    page.locator("#prop-timer-value").fill('"P30D"')
    page.locator("#prop-timer-value").press("Enter")
    shot(page, "timer")
    xml = page.evaluate("async () => (await window.processModeler.saveXML()).xml")
    timer = re.search(r'<bpmn:timerEventDefinition id="Timer_expired_def">(.*?)</bpmn:timerEventDefinition>', xml, re.S)
    assert timer and "timeDate" not in timer.group(1)
    assert re.search(r'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P30D"</bpmn:timeDuration>', timer.group(1))

    # an expression the modeler created is one the engine takes
    page.get_by_role("button", name="部署", exact=True).click()
    expect(page.locator("#modeler-status")).to_have_text(f"已部署为版本 {max(before) + 1}")
    deployed = _versions(live_server, "certificate")[max(before) + 1]
    assert parse_xml(deployed).xpath("//*[local-name()='timeDuration']/text()") == ['"P30D"']
    assert deployed.count("serviceTaskOperator") == (ROOT / "bpmn_models" / "certificate.bpmn").read_text().count(
        "serviceTaskOperator")


def test_edit_deploy_then_a_refused_diagram(live_server, new_page, shot, login):
    before = _versions(live_server, "organization")
    page = new_page()
    login(page, _admin(live_server))
    _open_modeler(page, "organization")
    shot(page, "modeler-opened")

    # -- rename 审批 in the panel and deploy ------------------------------------------------------------------
    page.click('[data-element-id="Task_review"]')
    panel = page.locator("#modeler-panel")
    expect(panel.get_by_role("heading")).to_have_text("用户任务")
    expect(panel).to_contain_text("Task_review")
    expect(page.locator("#prop-form")).to_have_value("review")
    expect(page.locator("#prop-name")).to_have_value("审批")
    page.locator("#prop-name").fill("初审（浏览器）x")
    page.locator("#prop-name").press("Backspace")  # edits the field, never deletes the selected task
    page.locator("#prop-name").press("Tab")
    expect(page.locator('[data-element-id="Task_review"]')).to_contain_text("初审（浏览器）")
    shot(page, "task-renamed")
    page.get_by_role("button", name="部署", exact=True).click()
    version = max(before) + 1
    expect(page.locator("#modeler-status")).to_have_text(f"已部署为版本 {version}")
    expect(page.locator("#modeler-version")).to_have_text(str(version))
    expect(page.locator(".lint-badge")).to_have_count(0)
    shot(page, "deployed")

    after = _versions(live_server, "organization")
    assert sorted(after) == [*sorted(before), version]
    deployed = after[version]
    assert "初审（浏览器）" in deployed
    root = parse_xml(deployed)
    assert root.xpath("//*[@id='Task_review']//*[local-name()='property'][@name='formKey']/@value") == ["review"]
    assert root.xpath("//*[@id='End_approved']//*[local-name()='property'][@name='outcome']/@value") == ["approved"]
    assert root.xpath("//*[local-name()='lane']/@name") == ["applicant", "reviewer"]

    # -- break it: a lane without a role, an unsafe condition -----------------------------------------------------
    lane = page.locator('[data-element-id="Lane_reviewer"]')
    expect(lane).to_contain_text("地方住建局审批人员")  # lanes read as roles' names, stored as keys (above)
    lane.click(position={"x": 15, "y": 40})  # the lane's label strip, clear of the shapes inside it
    expect(panel.get_by_role("heading")).to_have_text("泳道")
    expect(page.locator("#prop-role")).to_have_value("reviewer")
    page.select_option("#prop-role", "")
    _click_flow(page, "Flow_approve")
    expect(panel.get_by_role("heading")).to_have_text("连线")
    expect(page.locator("#prop-condition")).to_have_value('decision == "approve"')
    page.locator("#prop-condition").fill("__import__('os')")
    page.locator("#prop-condition").press("Tab")
    page.get_by_role("button", name="部署", exact=True).click()

    errors = page.locator("#modeler-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("Lane_reviewer")
    expect(errors).to_contain_text("Flow_approve")
    expect(errors).to_contain_text("不是已知角色")
    expect(page.locator("#modeler-status")).to_contain_text("未部署")
    expect(page.locator('.djs-element.lint-error[data-element-id="Lane_reviewer"]')).to_have_count(1)
    expect(page.locator('.djs-element.lint-error[data-element-id="Flow_approve"]')).to_have_count(1)
    expect(page.locator(".djs-overlay .lint-badge")).to_have_count(2)
    expect(page.locator(".lint-badge").first).to_be_visible()
    shot(page, "refused")
    assert sorted(_versions(live_server, "organization")) == sorted(after)

    # -- clicking an error selects its element; fixing the lane and the flow clears the marks on the next deploy --
    errors.locator("li", has_text="Lane_reviewer").click()
    expect(page.locator("#prop-role")).to_be_visible()
    page.select_option("#prop-role", "reviewer")
    _click_flow(page, "Flow_approve")
    page.locator("#prop-condition").fill('decision == "approve"')
    page.locator("#prop-condition").press("Tab")
    page.get_by_role("button", name="部署", exact=True).click()
    expect(page.locator("#modeler-status")).to_have_text(f"已部署为版本 {version + 1}")
    expect(page.locator(".lint-badge")).to_have_count(0)
    expect(errors).to_be_hidden()

    # -- the list shows the new current version --------------------------------------------------------------------
    page.goto("/admin/processes")
    chain = page.locator("#chain-organization")
    expect(chain.locator("tbody tr").first).to_contain_text(f"版本 {version + 1}")
    expect(chain.locator("tbody tr").first).to_contain_text("当前版本")
    shot(page, "list")

    # -- 查看: the version's diagram, drawn with the role names -----------------------------------------------------
    chain.locator("tbody tr").first.get_by_role("link", name="查看", exact=True).click()
    expect(page.locator('#progress-diagram[data-ready="true"]')).to_be_attached()
    expect(page.locator("#progress-diagram")).to_contain_text("地方住建局审批人员")
    expect(page.locator("#progress-version")).to_contain_text(f"流程版本 {version + 1}")
    shot(page, "version")
