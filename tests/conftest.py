"""Test set-up: one migrated database per run (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
emptied after every test; API clients with real bearer tokens; and the API flows every suite shares
(file, submit, review; run the background work), each a fixture returning the function."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select, text

from service import create_app
from service.accounts.operations import create_staff_user, issue_token, register
from service.certificates.gateway import forget_gateways
from service.cli import prepare_database
from service.config import ROOT
from service.extensions import db
from service.process.models import Job
from service.process.operations import forget_diagrams
from service.process.worker import run_once
from service.reference import load_reference_data
from tests import factories
from tests.support.api import PASSWORD, Api, IsolatedClient
from tests.support.records import INSTALLATION_SLOTS, installation_data

#: Regions never change; bureaus and roles are reloaded, so an edit in one test (企业规则, 角色) does not leak.
KEEP = {"region", "alembic_version"}


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    os.environ["DATABASE_URL"] = url
    application = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("data")), "TESTING": True,
                              "PASSWORD_HASH_FAST": True, "START_WORKER": False, "WTF_CSRF_ENABLED": False,
                              # built once (about 15 s) and kept between runs, like an installation's
                              "FONT_DIR": ROOT / ".cache" / "fonts",
                              "MINISTRY_URL": "", "MINISTRY_DELAY_SECONDS": 0.0, "MINISTRY_POLL_SECONDS": 0.0})
    application.test_client_class = IsolatedClient
    with application.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        prepare_database()  # the real migrations, so every run checks them
        yield application
        db.session.remove()


@pytest.fixture(autouse=True)
def clean_db(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")  # its application context stays pushed for the whole run
    yield
    db.session.rollback()
    _empty_tables()
    load_reference_data()
    db.session.commit()
    db.session.remove()  # no identities carried into the next test
    forget_diagrams()
    forget_gateways()


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text('UPDATE "user" SET organization_id = NULL'))
        db.session.execute(text("UPDATE organization SET instance_id = NULL"))
        for name in reversed(tables):  # children before parents
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_api(app: Flask, client: FlaskClient):
    def make(kind: str = "owner", region: str = "650100", username: str | None = None) -> Api:
        username = username or factories.unique_name("user")
        password = PASSWORD
        if kind in ("owner", "construction"):
            user = register({"email": f"{username}@example.cn", "username": username, "password": password,
                             "phone": "13800138000", "unit_type": kind})
        else:
            user = create_staff_user({"username": username, "password": password, "role": kind,
                                      "region_code": region if kind != "admin" else None})
        token, _ = issue_token(user)
        db.session.commit()
        return Api(client, user, token)
    return make


@pytest.fixture
def owner(make_api) -> Api:
    return make_api("owner")


@pytest.fixture
def reviewer(make_api) -> Api:
    return make_api("reviewer", "650100")


# -- API flows: what applicants and reviewers do, through the API as a user would -------------------------------
# Each fixture returns its function, so a test names the flows it uses; the functions act only on the
# ``Api`` clients they are handed, so the browser suite uses them against its served app too.


def _create_ready_organization(api: Api, **fields: str) -> int:
    """A complete 单位管理 draft with all four attachments, ready for 发起审批."""
    response = api.post("/organizations", json=factories.organization_data(**fields))
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in factories.ORG_SLOTS:
        assert api.upload(f"/organizations/{record_id}/attachments/{slot}").status_code == 201
    return record_id


def _submit_organization(api: Api, **fields: str) -> int:
    record_id = _create_ready_organization(api, **fields)
    response = api.post(f"/organizations/{record_id}/submit")
    assert response.status_code == 200, response.json
    return record_id


def _open_task_for(api: Api, record_id: int) -> int:
    items = api.get("/tasks?scope=all").json["items"]
    return next(t["id"] for t in items if t["record_id"] == record_id and t["status"] == "open")


def _decide(api: Api, record_id: int, decision: str = "approve", opinion: str = "同意"):
    return api.post(f"/tasks/{_open_task_for(api, record_id)}/complete",
                    json={"decision": decision, "opinion": opinion})


def _approve_with_number(reviewer: Api, record_id: int, field: str) -> str:
    """Approve with the number the form proposes (备案编号 / 使用登记编号)."""
    task_id = _open_task_for(reviewer, record_id)
    number = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"][field]
    body = {"decision": "approve", "opinion": "同意", field: number}
    assert reviewer.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    return number


def _approved_record(api: Api, reviewer: Api, path: str, data: dict, slots=()) -> int:
    """A record of ``path`` filed with ``data`` and ``slots`` uploaded, submitted and approved."""
    record_id = api.post(f"/{path}", json=data).json["id"]
    for slot in slots:
        api.upload(f"/{path}/{record_id}/attachments/{slot}")
    assert api.post(f"/{path}/{record_id}/submit").status_code == 200
    task_id = _open_task_for(reviewer, record_id)
    body = {"decision": "approve", "opinion": "同意"}
    if path == "property-filings":
        body["filing_number"] = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"]["filing_number"]
    assert reviewer.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    return record_id


def _create_machine(api: Api, category: str = "T", **fields) -> int:
    """A complete 产权备案 draft with its five attachments."""
    response = api.post("/property-filings", json=factories.property_filing_data(category, **fields))
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in factories.PROPERTY_SLOTS:
        assert api.upload(f"/property-filings/{record_id}/attachments/{slot}").status_code == 201
    return record_id


def _submit_machine(api: Api, category: str = "T", **fields) -> int:
    record_id = _create_machine(api, category, **fields)
    response = api.post(f"/property-filings/{record_id}/submit")
    assert response.status_code == 200, response.json
    return record_id


def _uscc_of(api: Api) -> str:
    return api.get(f"/organizations/{api.get('/me').json['organization_id']}").json["uscc"]


def _build_site(make_api, reviewer: Api) -> dict:
    """An installed tower crane on a project that a construction unit builds: the owner's approved unit,
    project, machine, installer and 安装告知; the builder's approved unit, driver and signaller."""
    owner, builder = make_api("owner"), make_api("construction")
    _decide(reviewer, _submit_organization(owner))
    _decide(reviewer, _submit_organization(builder, org_type="construction"))
    owner_uscc, builder_uscc = _uscc_of(owner), _uscc_of(builder)
    project_data = factories.project_data(installation_unit_uscc=owner_uscc, construction_unit_uscc=builder_uscc)
    project = _approved_record(owner, reviewer, "projects", project_data)
    machine = _submit_machine(owner)
    _approve_with_number(reviewer, machine, "filing_number")
    installer = _approved_record(owner, reviewer, "workers", factories.worker_data(category="08"), ("certificate",))
    setup = {"uscc": owner_uscc, "machine": machine, "project": project, "workers": [installer]}
    installation = _approved_record(owner, reviewer, "installation-notices", installation_data(setup),
                                    INSTALLATION_SLOTS)
    driver_data = factories.worker_data(category="05")
    signaller_data = factories.worker_data(category="04")
    driver = _approved_record(builder, reviewer, "workers", driver_data, ("certificate",))
    signaller = _approved_record(builder, reviewer, "workers", signaller_data, ("certificate",))
    return {"builder": builder, "owner": owner, "uscc": builder_uscc, "project": project, "project_data": project_data,
            "installation": installation, "workers": [driver, signaller],
            "driver": driver_data, "signaller": signaller_data}


@pytest.fixture
def create_ready_organization():
    """``create_ready_organization(api, **fields)``: a 单位管理 draft ready for 发起审批; its id."""
    return _create_ready_organization


@pytest.fixture
def submit_organization():
    """``submit_organization(api, **fields)``: a complete 单位管理 filed for review; its id."""
    return _submit_organization


@pytest.fixture
def open_task_for():
    """``open_task_for(api, record_id)``: the id of the record's open task, as ``api`` lists it."""
    return _open_task_for


@pytest.fixture
def decide():
    """``decide(api, record_id, decision="approve", opinion="同意")``: complete the record's open task."""
    return _decide


@pytest.fixture
def approve_with_number():
    """``approve_with_number(reviewer, record_id, field)``: approve with the proposed number; the number."""
    return _approve_with_number


@pytest.fixture
def approved_record():
    """``approved_record(api, reviewer, path, data, slots=())``: a record filed and approved; its id."""
    return _approved_record


@pytest.fixture
def create_machine():
    """``create_machine(api, category="T", **fields)``: a complete 产权备案 draft; its id."""
    return _create_machine


@pytest.fixture
def submit_machine():
    """``submit_machine(api, category="T", **fields)``: a 产权备案 filed for review; its id."""
    return _submit_machine


@pytest.fixture
def build_site():
    """``build_site(make_api, reviewer)``: an installed tower crane on a construction unit's project."""
    return _build_site


# -- background work ---------------------------------------------------------------------------------------------


def _drain(limit: int = 50) -> None:
    """Run jobs and timers until nothing is left to do (the simulator answers at once in tests);
    no job may have failed on the way."""
    for _ in range(limit):
        with current_app.app_context():  # its own session, as each pass of a real worker has
            done = run_once("test-worker")
        if done == 0:
            errors = db.session.scalars(select(Job.last_error).where(Job.last_error.is_not(None))).all()
            assert errors == [], errors
            return
    raise AssertionError("background work did not settle")


@pytest.fixture
def drain():
    """``drain()``: the worker's passes, in the current app, until the jobs and due timers are done."""
    return _drain
