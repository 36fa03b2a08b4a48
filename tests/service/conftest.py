"""Fixtures the service packages' tests share: signed-in page clients and the records later chains start
from (an approved unit, an installed crane, a crane registered for use, a 拆卸告知)."""

import datetime as dt

import pytest

from service.calendar import add_working_days
from service.storage import build_stores
from tests import factories
from tests.support.api import PASSWORD
from tests.support.records import DISMANTLING_SLOTS, REGISTRATION_SLOTS, person, registration_data
from tests.support.s3 import CREDENTIALS, MotoS3


def _login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def login():
    """``login(client, username, password=PASSWORD)``: sign a test client in through the login page."""
    return _login


@pytest.fixture
def owner_page(app, owner):
    """A page client signed in as ``owner``."""
    client = app.test_client()
    assert _login(client, owner.user.username).status_code == 302
    return client


@pytest.fixture
def unit_owner(owner, reviewer, decide, submit_organization):
    """An owner account whose 单位 (乌鲁木齐市) is approved."""
    decide(reviewer, submit_organization(owner))
    return owner


@pytest.fixture
def site(make_api, reviewer, build_site):
    """An installed tower crane on a project that a construction unit builds (see ``build_site``)."""
    return build_site(make_api, reviewer)


@pytest.fixture
def in_use(site, reviewer, make_api, approve_with_number, approved_record):
    """The site's crane registered for use, an installer (08) of the owner, and the region's chief and supervisor."""
    builder = site["builder"]
    record_id = builder.post("/use-registrations", json=registration_data(site)).json["id"]
    for slot in REGISTRATION_SLOTS:
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    builder.post(f"/use-registrations/{record_id}/submit")
    approve_with_number(reviewer, record_id, "registration_number")
    installer_data = factories.worker_data(category="08")
    installer = approved_record(site["owner"], reviewer, "workers", installer_data, ("certificate",))
    return {**site, "registration": record_id, "installer": installer, "installer_data": installer_data,
            "chief": make_api("chief", "650100"), "supervisor": make_api("supervisor", "650100")}


def _dismantling_data(state, **overrides):
    uscc = state["owner"].get(f"/organizations/{state['owner'].get('/me').json['organization_id']}").json["uscc"]
    rows = [person(c, uscc) for c in ("1110", "1111", "1112")]
    rows.append(person("1113", uscc, name=state["installer_data"]["name"],
                       id_number=state["installer_data"]["id_number"]))
    data = {"use_registration_id": state["registration"], "worker_ids": [state["installer"]],
            "planned_date": add_working_days(dt.date.today(), 3).isoformat(), "personnel": rows}
    data.update(overrides)
    return data


def _submit_dismantling(state, **overrides):
    owner = state["owner"]
    response = owner.post("/dismantling-notices", json=_dismantling_data(state, **overrides))
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in DISMANTLING_SLOTS:
        owner.upload(f"/dismantling-notices/{record_id}/attachments/{slot}")
    assert owner.post(f"/dismantling-notices/{record_id}/submit").status_code == 200
    return record_id


@pytest.fixture
def dismantling_data():
    """``dismantling_data(in_use, **overrides)``: a 拆卸告知 body for the ``in_use`` crane (the owner's unit)."""
    return _dismantling_data


@pytest.fixture
def submit_dismantling():
    """``submit_dismantling(in_use, **overrides)``: that 拆卸告知 filed with its attachments; its id."""
    return _submit_dismantling

def _request_certificate(api, registration_id, **body):
    return api.post(f"/use-registrations/{registration_id}/certificate", json=body or None)


@pytest.fixture
def request_certificate():
    """``request_certificate(api, registration_id, **body)``: 制证 for a 使用登记; the response."""
    return _request_certificate


@pytest.fixture
def issue_certificate(drain):
    """``issue_certificate(reviewer, registration_id)``: 制证, the background work run; the issued certificate."""
    def issue(reviewer, registration_id):
        assert _request_certificate(reviewer, registration_id).status_code == 202
        drain()
        cert = reviewer.get(f"/use-registrations/{registration_id}/certificate").json
        assert cert["status"] == "issued", cert
        return cert
    return issue


@pytest.fixture(scope="session")
def moto_s3():
    """A real S3-compatible server (moto) for the run; ``stop()`` / ``start()`` take it away and bring it back."""
    server = MotoS3()
    server.start()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in CREDENTIALS.items():
            mp.setenv(name, value)
        yield server
    server.stop()


@pytest.fixture
def s3_store(app, moto_s3, monkeypatch):
    """The app's files and certificates in a fresh bucket of ``moto_s3`` for this test; (bucket, prefix)."""
    bucket, prefix = moto_s3.new_bucket(), "crane/test"
    stores = build_stores({"STORAGE_URL": f"s3://{bucket}/{prefix}", "S3_ENDPOINT_URL": moto_s3.url})
    monkeypatch.setitem(app.extensions, "crane.stores", stores)
    yield bucket, prefix
    if moto_s3.server is None:  # a test that took it away leaves it running for the next
        moto_s3.start()
