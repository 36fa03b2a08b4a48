"""``GET /api/v1/attachments/{id}``: the file itself, for whoever may see its record (api.md v1.1)."""

from tests import factories


def test_a_record_lists_its_files_and_each_downloads_for_who_may_see_it(owner, reviewer, make_api, client,
                                                                       submit_organization):
    record_id = submit_organization(owner)
    files = owner.get(f"/organizations/{record_id}").json["attachments"]
    assert {"id", "slot", "filename", "size", "sha256"} <= set(files[0])
    first = files[0]
    mine = owner.get(f"/attachments/{first['id']}")
    assert mine.status_code == 200 and mine.mimetype == "application/pdf" and mine.data == factories.PDF_BYTES
    assert first["filename"] in mine.headers["Content-Disposition"]
    assert reviewer.get(f"/attachments/{first['id']}").data == factories.PDF_BYTES  # the bureau reviewing it
    assert make_api("owner").get(f"/attachments/{first['id']}").status_code == 404  # another unit
    assert make_api("reviewer", "652300").get(f"/attachments/{first['id']}").status_code == 404  # another region
    assert owner.get("/attachments/999999").status_code == 404
    assert client.get(f"/api/v1/attachments/{first['id']}").status_code == 401
