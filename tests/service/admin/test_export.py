"""导出 of 企业账号 and 工作人员: every account the search finds, the page's columns, for administrators only."""

import io

from openpyxl import load_workbook

from service.admin.exports import HEADERS


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.data[:300]
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_accounts_export_with_the_search(app, make_api, login):
    admin = make_api("admin")
    owners = [make_api("owner", username=f"tianshan_{n}") for n in range(3)]
    make_api("construction", username="kunlun_1")
    make_api("reviewer", "652300", username="tianshan_staff")
    rows = _rows(admin.get("/admin/users/export?kind=enterprise&q=tianshan"))
    assert rows[0] == HEADERS["enterprise"]
    assert [r[0] for r in rows[1:]] == [o.user.username for o in owners]
    assert rows[1][1] == "产权单位" and rows[1][5] == "启用" and rows[1][6].year >= 2026  # a real date
    staff = _rows(admin.get("/admin/users/export?kind=staff&q=tianshan"))
    assert staff[1:] == [("tianshan_staff", "地方住建局审批人员", "昌吉回族自治州", None, None, "启用", staff[1][6])]
    assert owners[0].get("/admin/users/export").status_code == 403
    client = app.test_client()
    login(client, admin.user.username)
    page = client.get("/admin/enterprises?q=tianshan").text
    assert 'href="/admin/enterprises/export?q=tianshan"' in page
    assert len(_rows(client.get("/admin/enterprises/export?q=tianshan"))) - 1 == 3
    assert 'href="/admin/staff/export"' in client.get("/admin/staff").text
