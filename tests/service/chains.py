"""Building blocks for tests of the later chains: approved records made through the API, as a user would."""

import datetime as dt

from service.calendar import add_working_days
from tests import factories
from tests.service.conftest import approve_with_number, decide, open_task_for, submit_organization

INSTALLATION_SLOTS = [f"s{i}" for i in range(1, 12)]
REGISTRATION_SLOTS = [f"s{i}" for i in range(1, 10)]


def create_machine(api, category="T", **fields):
    response = api.post("/property-filings", json=factories.property_filing_data(category, **fields))
    assert response.status_code == 201, response.json
    record_id = response.json["id"]
    for slot in factories.PROPERTY_SLOTS:
        assert api.upload(f"/property-filings/{record_id}/attachments/{slot}").status_code == 201
    return record_id


def submit_machine(api, category="T", **fields):
    record_id = create_machine(api, category, **fields)
    response = api.post(f"/property-filings/{record_id}/submit")
    assert response.status_code == 200, response.json
    return record_id


def approved(api, reviewer, path, data, slots=()):
    record_id = api.post(f"/{path}", json=data).json["id"]
    for slot in slots:
        api.upload(f"/{path}/{record_id}/attachments/{slot}")
    assert api.post(f"/{path}/{record_id}/submit").status_code == 200
    task_id = open_task_for(reviewer, record_id)
    body = {"decision": "approve", "opinion": "同意"}
    if path == "property-filings":
        body["filing_number"] = reviewer.get(f"/tasks/{task_id}").json["form"]["defaults"]["filing_number"]
    assert reviewer.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    return record_id


def person(code, uscc, **overrides):
    row = {"code": code, "name": factories.unique_name("张"), "id_number": factories.make_id_number(),
           "unit_name": "新疆天山建设有限公司", "unit_uscc": uscc, "employed": True}
    row.update(overrides)
    return row


def installation_data(setup, **overrides):
    data = {"property_filing_id": setup["machine"], "project_id": setup["project"], "worker_ids": setup["workers"],
            "planned_date": add_working_days(dt.date.today(), 3).isoformat(),
            "personnel": [person(c, setup["uscc"]) for c in ("1103", "1104", "1105")]}
    data.update(overrides)
    return data


def uscc_of(api):
    return api.get(f"/organizations/{api.get('/me').json['organization_id']}").json["uscc"]


def build_site(make_api, reviewer):
    """An installed tower crane on a project that a construction unit builds."""
    owner, builder = make_api("owner"), make_api("construction")
    decide(reviewer, submit_organization(owner))
    decide(reviewer, submit_organization(builder, org_type="construction"))
    owner_uscc, builder_uscc = uscc_of(owner), uscc_of(builder)
    project_data = factories.project_data(installation_unit_uscc=owner_uscc, construction_unit_uscc=builder_uscc)
    project = approved(owner, reviewer, "projects", project_data)
    machine = submit_machine(owner)
    approve_with_number(reviewer, machine, "filing_number")
    installer = approved(owner, reviewer, "workers", factories.worker_data(category="08"), ("certificate",))
    setup = {"uscc": owner_uscc, "machine": machine, "project": project, "workers": [installer]}
    installation = approved(owner, reviewer, "installation-notices", installation_data(setup), INSTALLATION_SLOTS)
    driver_data = factories.worker_data(category="05")
    signaller_data = factories.worker_data(category="04")
    driver = approved(builder, reviewer, "workers", driver_data, ("certificate",))
    signaller = approved(builder, reviewer, "workers", signaller_data, ("certificate",))
    return {"builder": builder, "owner": owner, "uscc": builder_uscc, "project": project, "project_data": project_data,
            "installation": installation, "workers": [driver, signaller],
            "driver": driver_data, "signaller": signaller_data}


def registration_data(site, **overrides):
    uscc = site["uscc"]
    rows = [person("1106", uscc), person("1107", uscc),
            person("1108", uscc, name=site["signaller"]["name"], id_number=site["signaller"]["id_number"]),
            person("1109", uscc, name=site["driver"]["name"], id_number=site["driver"]["id_number"])]
    data = {"installation_notice_id": site["installation"], "project_id": site["project"],
            "supervision_unit_uscc": site["project_data"]["supervision_unit_uscc"], "using_unit_uscc": uscc,
            "manager_name": "王建华", "manager_id_number": factories.make_id_number(), "manager_phone": "13899887766",
            "longitude": "87.618733", "latitude": "43.792818", "worker_ids": site["workers"], "personnel": rows}
    data.update(overrides)
    return data


