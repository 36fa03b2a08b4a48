"""导出 of 待审批: every task of the list's scope and kind, the list's columns, the caller's region only."""

import io

from openpyxl import load_workbook

from service.tasks.exports import HEADERS
from service.tasks.operations import iter_tasks, list_tasks


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.data[:300]
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_the_export_holds_the_whole_scope(make_api, owner, reviewer, submit_organization, open_task_for):
    waiting = [submit_organization(owner) for _ in range(3)]
    submit_organization(owner, region_code="652300")  # another bureau's
    reviewer.post(f"/tasks/{open_task_for(reviewer, waiting[0])}/claim")
    claimable = reviewer.get("/tasks?scope=claimable").json
    rows = _rows(reviewer.get("/tasks/export?scope=claimable"))
    assert rows[0] == HEADERS
    assert len(rows) - 1 == claimable["total"] == 2
    assert [r[2] for r in rows[1:]] == [t["record_id"] for t in claimable["items"]]
    assert {r[1] for r in rows[1:]} == {"单位管理"} and {r[3] for r in rows[1:]} == {"乌鲁木齐市"}
    mine = _rows(reviewer.get("/tasks/export?scope=mine&kind=organization"))
    assert [(r[2], r[4]) for r in mine[1:]] == [(waiting[0], reviewer.user.username)]
    assert len(_rows(make_api("admin").get("/tasks/export?scope=all"))) - 1 == 4
    assert reviewer.get("/tasks/export?kind=nothing").status_code == 422


def test_chunks_keep_the_list_order(app, owner, reviewer, submit_organization):
    for _ in range(5):
        submit_organization(owner)
    listed, _ = list_tasks(reviewer.user, "all", None, 1, 200)
    assert [t.id for t in iter_tasks(reviewer.user, "all", None, chunk=2)] == [t.id for t in listed]


def test_the_page_exports_its_scope(app, owner, reviewer, submit_organization, login):
    submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/tasks?scope=all&kind=organization").text
    assert 'href="/tasks/export?scope=all&amp;kind=organization"' in page
    assert len(_rows(client.get("/tasks/export?scope=all&kind=organization"))) - 1 == 1
