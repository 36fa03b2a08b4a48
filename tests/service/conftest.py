import pytest

from tests import factories


def create_ready_organization(api, **fields) -> int:
    """A complete 单位管理 draft with all four attachments, ready for 发起审批."""
    response = api.post("/organizations", json=factories.organization_data(**fields))
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in factories.ORG_SLOTS:
        assert api.upload(f"/organizations/{record_id}/attachments/{slot}").status_code == 201
    return record_id


def submit_organization(api, **fields) -> int:
    record_id = create_ready_organization(api, **fields)
    response = api.post(f"/organizations/{record_id}/submit")
    assert response.status_code == 200, response.json
    return record_id


def open_task_for(api, record_id: int) -> int:
    items = api.get("/tasks?scope=all").json["items"]
    return next(t["id"] for t in items if t["record_id"] == record_id and t["status"] == "open")


def decide(api, record_id: int, decision: str = "approve", opinion: str = "同意"):
    return api.post(f"/tasks/{open_task_for(api, record_id)}/complete", json={"decision": decision, "opinion": opinion})


def approve_with_number(reviewer, record_id: int, field: str):
    """Approve with the number the form proposes (备案编号 / 使用登记编号)."""
    task_id = open_task_for(reviewer, record_id)
    number = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"][field]
    body = {"decision": "approve", "opinion": "同意", field: number}
    assert reviewer.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    return number


@pytest.fixture
def unit_owner(owner, reviewer):
    """An owner account whose 单位 (乌鲁木齐市) is approved."""
    decide(reviewer, submit_organization(owner))
    return owner


@pytest.fixture
def site(make_api, reviewer):
    """An installed tower crane on a project that a construction unit builds (see chains.build_site)."""
    from tests.service.chains import build_site

    return build_site(make_api, reviewer)


@pytest.fixture
def in_use(site, reviewer, make_api):
    """The site's crane registered for use, an installer (08) of the owner, and the region's chief and supervisor."""
    from tests.service.chains import REGISTRATION_SLOTS, approved, registration_data

    builder = site["builder"]
    record_id = builder.post("/use-registrations", json=registration_data(site)).json["id"]
    for slot in REGISTRATION_SLOTS:
        builder.upload(f"/use-registrations/{record_id}/attachments/{slot}")
    builder.post(f"/use-registrations/{record_id}/submit")
    approve_with_number(reviewer, record_id, "registration_number")
    installer_data = factories.worker_data(category="08")
    installer = approved(site["owner"], reviewer, "workers", installer_data, ("certificate",))
    return {**site, "registration": record_id, "installer": installer, "installer_data": installer_data,
            "chief": make_api("chief", "650100"), "supervisor": make_api("supervisor", "650100")}
