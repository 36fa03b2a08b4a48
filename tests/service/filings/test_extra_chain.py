"""An eighth chain, defined here in the test tree — model, form, diagram and plugin — and registered only
through ``create_app(chains=…)``: it gets the API, the pages, the lists, its 办理时限 and its menu place
without a change to any shared file."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from forms import FormDef
from forms.definitions import form_from_json
from service import CHAINS, create_app
from service.accounts.operations import create_staff_user, issue_token, register
from service.calendar import add_working_days
from service.config import BPMN_DIR
from service.extensions import db
from service.filings.chains import Chain
from service.filings.models import FilingMixin
from service.reference import load_reference_data
from service.rules import operations as rules
from service.types import CHINA, china_today
from tests import factories
from tests.support.api import Api, IsolatedClient

INSPECTION_FORM = form_from_json({
    "key": "inspection", "title": "定期检验",
    "fields": [
        {"name": "machine_name", "label": "设备名称", "required": True, "max_length": 100},
        {"name": "region_code", "label": "所属地区", "type": "choice", "required": True, "options": "regions"},
        {"name": "inspected_on", "label": "检验日期", "type": "date", "required": True},
    ],
    "attachments": [{"slot": "report", "label": "检验报告", "required": True}],
})


@pytest.fixture(scope="module")
def inspection_chain(app, tmp_path_factory) -> type[Chain]:
    """The model's table exists only for this module; the diagram is the organization chain's, renamed."""

    class Inspection(FilingMixin, db.Model):
        __tablename__ = "test_inspection"
        machine_name: Mapped[str | None] = mapped_column(String(100))
        inspected_on: Mapped[dt.date | None]

    diagram_file = tmp_path_factory.mktemp("diagrams") / "inspection.bpmn"
    diagram_file.write_text((BPMN_DIR / "organization.bpmn").read_text("utf-8")
                       .replace('processRef="organization"', 'processRef="inspection"')
                       .replace('<bpmn:process id="organization" name="单位管理"',
                                '<bpmn:process id="inspection" name="定期检验"'), "utf-8")

    class InspectionChain(Chain):
        key, path, label, form_key = "inspection", "inspections", "定期检验", "inspection"
        model = Inspection
        filers = ("owner",)
        sla_days = 3
        list_columns: ClassVar[tuple[str, ...]] = ("machine_name", "inspected_on")
        search_columns = ("machine_name",)
        diagram = diagram_file

        @property
        def form(self) -> FormDef:
            return INSPECTION_FORM

        def check_values(self, actor: Any, record: Any, values: Any) -> None:
            from service.errors import Invalid

            if values.get("inspected_on") and values["inspected_on"] > china_today():
                raise Invalid.field("inspected_on", "检验日期不能晚于今天")

    Inspection.__table__.create(db.engine)
    yield InspectionChain
    db.session.remove()
    Inspection.__table__.drop(db.engine)
    db.metadata.remove(Inspection.__table__)


@pytest.fixture
def extra(app, inspection_chain):
    """The app with the eighth chain, on the test database; its own context while the test runs."""
    application = create_app({**{k: app.config[k] for k in ("DATA_DIR", "FONT_DIR")}, "TESTING": True,
                              "PASSWORD_HASH_FAST": True, "START_WORKER": False, "WTF_CSRF_ENABLED": False},
                             chains=(*CHAINS, inspection_chain))
    application.test_client_class = IsolatedClient
    with application.app_context():
        deployed = load_reference_data()
        db.session.commit()
        assert deployed == ["inspection"]  # the plugin's diagram, deployed like the shipped ones
        yield application
        db.session.remove()


def _account(application, kind: str) -> Api:
    username = factories.unique_name(kind)
    if kind == "owner":
        user = register({"email": f"{username}@example.cn", "username": username, "password": "passw0rd123",
                         "phone": "13800138000", "unit_type": "owner"})
    else:
        user = create_staff_user({"username": username, "password": "passw0rd123", "role": kind,
                                  "region_code": "650100"})
    token, _ = issue_token(user)
    db.session.commit()
    return Api(application.test_client(), user, token)


def test_an_extra_chain_gets_api_lists_review_and_sla(extra):
    owner, reviewer = _account(extra, "owner"), _account(extra, "reviewer")
    data = {"machine_name": "塔吊一号", "region_code": "650100", "inspected_on": "2026-11-02"}
    assert owner.post("/inspections", json={**data, "inspected_on": "2099-01-01"}).json["errors"] == {
        "inspected_on": ["检验日期不能晚于今天"]}
    record_id = owner.post("/inspections", json=data).json["id"]
    assert owner.post(f"/inspections/{record_id}/submit").json["errors"] == {"report": ["请上传检验报告"]}
    assert owner.upload(f"/inspections/{record_id}/attachments/report").status_code == 201
    assert owner.post(f"/inspections/{record_id}/submit").json["status"] == "in_review"

    tasks = reviewer.get("/tasks?kind=inspection").json["items"]
    assert [t["record_id"] for t in tasks] == [record_id]
    due = dt.datetime.fromisoformat(tasks[0]["due_at"]).astimezone(CHINA)
    assert due.date() == add_working_days(china_today(), 3) + dt.timedelta(days=1)  # its own 办理时限
    assert rules.definitions()["sla_days_inspection"].label == "定期检验审批时限"

    listed = reviewer.get("/inspections?status=in_review&q=塔吊").json
    assert [r["id"] for r in listed["items"]] == [record_id] and listed["total"] == 1
    assert reviewer.post(f"/tasks/{tasks[0]['id']}/complete",
                         json={"decision": "approve", "opinion": "合格"}).status_code == 200
    record = owner.get(f"/inspections/{record_id}").json
    assert record["status"] == "approved" and record["process_key"] == "inspection"
    assert [h["decision"] for h in record["history"]] == [None, "approve"]
    assert owner.get("/organizations").status_code == 200  # the shipped chains are all still there


def test_an_extra_chain_gets_pages_and_its_menu_place(extra):
    owner = _account(extra, "owner")
    pages = extra.test_client()
    assert pages.post("/login", data={"username": owner.user.username, "password": "passw0rd123"}).status_code == 302
    home = pages.get("/").text
    assert 'href="/inspections"' in home and "定期检验" in home
    assert home.index("拆卸告知") < home.index("定期检验")  # registered last, so last in the menu
    form = pages.get("/inspections/new").text
    assert "设备名称" in form and "检验报告" in form
    saved = pages.post("/inspections/new", data={"machine_name": "施工升降机", "region_code": "650100",
                                                 "inspected_on": "2026-10-01"})
    assert saved.status_code == 302
    listing = pages.get("/inspections").text
    assert "施工升降机" in listing and "待发起" in listing


def test_the_default_app_has_no_extra_chain(app, owner):
    assert "inspection" not in app.extensions["crane"].chains
    assert owner.get("/inspections").status_code == 404
    assert "sla_days_inspection" not in rules.definitions()
