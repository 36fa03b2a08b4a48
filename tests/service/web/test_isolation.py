"""No authorisation leak: one company's records in one region, walked by every other kind of account — another
company in the same region, the other region's bureau staff of every role, an unassigned 监督员 — on every
route of the URL map that names a record, a task or a certificate, API and pages, every method. Each answer
is a refusal (404 for a record one may not see, 403 for a role that may not act), never the record, never a
409 or 422 that would tell it exists; and no list shows it."""

from __future__ import annotations

import io

import pytest
from werkzeug.routing import AnyConverter

from service.filings.chains import chain_at
from tests import factories

REFUSED = (403, 404)


@pytest.fixture
def company(in_use, reviewer, issue_certificate, open_task_for):
    """Company A's records of every chain (one in review, so an open task), its certificate and an attachment."""
    issue_certificate(reviewer, in_use["registration"])
    owner, builder = in_use["owner"], in_use["builder"]
    records: dict[str, set[int]] = {}
    for api in (owner, builder):
        for chain_path in ("organizations", "projects", "workers", "property-filings", "installation-notices",
                           "use-registrations", "dismantling-notices"):
            items = api.get(f"/{chain_path}?per_page=100").json["items"]
            records.setdefault(chain_path, set()).update(item["id"] for item in items)
    in_review = owner.post("/workers", json=factories.worker_data()).json["id"]
    owner.upload(f"/workers/{in_review}/attachments/certificate")
    assert owner.post(f"/workers/{in_review}/submit").status_code == 200
    records["workers"].add(in_review)
    task = open_task_for(reviewer, in_review)
    number = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json["number"]
    files = {item["id"] for path, ids in records.items() for record_id in ids
             for item in (owner.get(f"/{path}/{record_id}").json or {}).get("attachments", [])}
    files |= {item["id"] for path, ids in records.items() for record_id in ids
              for item in (builder.get(f"/{path}/{record_id}").json or {}).get("attachments", [])}
    return {"records": records, "registration": in_use["registration"], "task": task, "number": number,
            "attachments": sorted(files)}


@pytest.fixture
def outsiders(make_api, unit_owner, login, app):
    """Every account that must not see company A's records, each with an API token and a signed-in page client."""
    accounts = {"another company": unit_owner, "another builder": make_api("construction"),
                "unassigned supervisor": make_api("supervisor", "650100"),
                **{f"{role} of 652300": make_api(role, "652300") for role in ("reviewer", "chief", "supervisor")}}
    pages = {}
    for name, api in accounts.items():
        pages[name] = app.test_client()
        login(pages[name], api.user.username)
    return accounts, pages


def _urls(app, company):
    """(method, url) for every route naming one of company A's things, with A's ids filled in."""
    ids = {"registration_id": [company["registration"]], "task_id": [company["task"]],
           "number": [company["number"]], "attachment_id": company["attachments"]}
    for rule in app.url_map.iter_rules():
        names = rule.arguments - {"kind_path", "slot", "fmt", "how"}
        if not names or not names <= {"record_id", *ids}:
            continue
        for chain_path in company["records"] if "kind_path" in rule.arguments else [None]:
            pools = {**ids, "record_id": sorted(company["records"].get(chain_path, ()))}
            for value_set in zip(*(pools[n] for n in sorted(names)), strict=False):
                values = dict(zip(sorted(names), value_set, strict=True))
                if chain_path:
                    values["kind_path"] = chain_path
                for name in rule.arguments & {"fmt", "how"}:
                    values[name] = sorted(rule._converters[name].items)[0]
                if "slot" in rule.arguments:
                    slots = [s.slot for s in chain_at(chain_path).form.attachments]
                    if not slots:
                        continue
                    values["slot"] = slots[0]
                url = rule.build(values, append_unknown=False)[1]
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield method, url


def test_no_one_else_reaches_a_companys_records(app, company, outsiders):
    accounts, pages = outsiders
    leaks, tried = [], 0
    for method, url in _urls(app, company):
        assert isinstance(app.url_map.bind("").match(url, method)[0], str)  # the route exists
        for name, api in accounts.items():
            if method == "PUT":  # an upload: a real file, so only the record can be what is refused
                response = api.client.put(url, headers=api.headers, content_type="multipart/form-data",
                                          data={"file": (io.BytesIO(factories.PDF_BYTES), "scan.pdf")})
            elif url.startswith("/api/"):
                response = api.client.open(url, method=method, headers=api.headers, json={})
            else:
                response = pages[name].open(url, method=method, data={})
            tried += 1
            if response.status_code not in REFUSED:
                leaks.append(f"{name}: {method} {url} → {response.status_code}")
    print(f"{tried} requests by {len(accounts)} outsiders")
    assert tried > 300
    assert leaks == [], "\n".join(leaks)


def test_no_list_shows_another_companys_records(company, outsiders):
    accounts, _pages = outsiders
    for name, api in accounts.items():
        for chain_path, ids in company["records"].items():
            for scope in ("", "&scope=all"):
                response = api.get(f"/{chain_path}?per_page=100{scope}")
                shown = {item["id"] for item in response.json["items"]} if response.status_code == 200 else set()
                assert not shown & ids, f"{name} sees {chain_path} {shown & ids}"
        listed = api.get("/tasks?scope=all&per_page=100")
        assert listed.status_code in (200, 403)
        if listed.status_code == 200:
            assert company["task"] not in {t["id"] for t in listed.json["items"]}, name


def test_the_walk_covers_every_kind_of_route(app, company):
    """The walk above is only as good as its reach: every record, task and certificate route is in it."""
    reached = {app.url_map.bind("").match(url, method)[0] for method, url in _urls(app, company)}
    for rule in app.url_map.iter_rules():
        named = {"record_id", "registration_id", "task_id", "number", "attachment_id"}
        if rule.arguments & named and not rule.arguments - named - {"kind_path", "slot", "fmt", "how"}:
            assert rule.endpoint in reached, rule.rule
    assert not any(isinstance(c, AnyConverter) and not c.items for r in app.url_map.iter_rules()
                   for c in r._converters.values())
