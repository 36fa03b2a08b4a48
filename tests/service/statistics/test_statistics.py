"""统计控制台: counts by chain, status and month, within what the caller may see."""

import datetime as dt


def test_counts_by_chain_status_and_month(owner, reviewer, make_api, submit_organization, decide):
    decide(reviewer, submit_organization(owner))
    submit_organization(owner)
    submit_organization(owner, region_code="652300")  # another bureau's
    owner.post("/organizations", json={"name": "草稿"})  # drafts are not the bureau's business
    data = reviewer.get("/statistics").json
    units = next(c for c in data["chains"] if c["process_key"] == "organization")
    assert units["by_status"] == {"approved": 1, "in_review": 1} and units["total"] == 2
    assert units["by_month"] == {dt.date.today().strftime("%Y-%m"): 2}
    admin = make_api("admin")
    everything = next(c for c in admin.get("/statistics").json["chains"] if c["process_key"] == "organization")
    assert everything["total"] == 3
    changji = next(c for c in admin.get("/statistics?region=652300").json["chains"]
                   if c["process_key"] == "organization")
    assert changji["total"] == 1


def test_only_bureau_and_admin(owner, make_api):
    assert owner.get("/statistics").status_code == 403
    assert make_api("supervisor").get("/statistics").status_code == 403


def test_console_page(app, owner, reviewer, submit_organization, login):
    submit_organization(owner)
    client = app.test_client()
    login(client, reviewer.user.username)
    page = client.get("/console").text
    for label in ("统计控制台", "按业务和状态", "单位管理", "产权备案", "拆卸告知", "流程中", "合计"):
        assert label in page
    assert "统计控制台" in client.get("/").text  # in the menu
