"""The file store on a real S3-compatible server (moto): uploads, staged files, the orphan sweep, certificates,
and what happens while the store is away — an upload is refused in Chinese and nothing changes, a certificate's
files are retried by the outbox until the store is back."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

from flask import current_app
from sqlalchemy import select

from service.attachments.operations import sweep_orphans
from service.attachments.staging import from_token, stage, token_for
from service.attachments.storage import FileStore, key_for
from service.extensions import db
from service.process.models import Job, JobStatus
from service.process.worker import run_once
from service.storage import build_stores
from tests import factories


def test_an_upload_lives_in_the_bucket_and_is_downloaded_from_it(s3_store, moto_s3, owner, owner_page):
    bucket, prefix = s3_store
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    content = factories.PDF_BYTES + b"% in the object store"
    answer = owner.upload(f"/organizations/{record_id}/attachments/business_license", content)
    assert answer.status_code == 201, answer.json
    sha256 = answer.json["sha256"]
    assert f"{prefix}/files/{key_for(sha256)}" in moto_s3.keys(bucket)
    assert not (current_app.config["UPLOAD_DIR"] / key_for(sha256)).exists()  # not on this machine's disk
    page = owner_page.get(f"/organizations/{record_id}/files/business_license")
    assert page.status_code == 200 and page.data == content and page.mimetype == "application/pdf"


def test_a_staged_file_is_found_while_the_store_has_it(s3_store, owner):
    staged = stage(io.BytesIO(factories.PDF_BYTES + b"% staged"), "扫描件.pdf")
    token = token_for(staged, owner.user.id)
    assert from_token(token, owner.user.id) == staged
    assert from_token(token, owner.user.id + 1) is None
    FileStore().delete(staged.sha256)
    assert from_token(token, owner.user.id) is None


def test_the_sweep_removes_only_what_no_record_names(s3_store, owner):
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    named = owner.upload(f"/organizations/{record_id}/attachments/business_license",
                         factories.PDF_BYTES + b"% named").json["sha256"]
    orphan, _mime, _size = FileStore().save(io.BytesIO(factories.PDF_BYTES + b"% orphan"))
    assert sweep_orphans() == 0  # just stored: a page may still be about to attach it
    assert sweep_orphans(dt.timedelta(0)) == 1
    assert FileStore().exists(named) and not FileStore().exists(orphan)


def test_an_upload_while_the_store_is_away_is_refused_and_nothing_changes(s3_store, moto_s3, owner):
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    moto_s3.stop()
    answer = owner.upload(f"/organizations/{record_id}/attachments/business_license")
    assert answer.status_code == 503 and "文件存储" in answer.json["message"], answer.json
    assert owner.get(f"/organizations/{record_id}").json["attachments"] == []
    moto_s3.start()
    assert owner.upload(f"/organizations/{record_id}/attachments/business_license").status_code == 201
    assert [a["slot"] for a in owner.get(f"/organizations/{record_id}").json["attachments"]] == ["business_license"]


def test_certificate_files_live_in_the_bucket(s3_store, moto_s3, in_use, reviewer, issue_certificate):
    bucket, prefix = s3_store
    cert = issue_certificate(reviewer, in_use["registration"])
    stored = moto_s3.keys(bucket, f"{prefix}/certificates/")
    assert sorted(key.rsplit(".", 1)[1] for key in stored) == ["ofd", "pdf"]
    pdf = in_use["builder"].get(f"/certificates/{cert['number']}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.data == moto_s3.client().get_object(Bucket=bucket, Key=next(k for k in stored if k.endswith(".pdf")))[
        "Body"].read()


def _render_jobs() -> list[Job]:
    return db.session.scalars(select(Job).where(Job.kind == "certificate.render")
                              .execution_options(populate_existing=True)).all()


def test_certificate_files_wait_for_the_store_and_are_made_when_it_is_back(s3_store, moto_s3, in_use, reviewer,
                                                                            request_certificate):
    bucket, prefix = s3_store
    assert request_certificate(reviewer, in_use["registration"]).status_code == 202
    moto_s3.stop()
    for _ in range(10):
        run_once("test-worker")
    [job] = _render_jobs()
    assert job.status == JobStatus.PENDING and job.attempts >= 1 and "StoreUnavailable" in job.last_error
    certificate = reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json
    assert certificate["status"] == "issued"  # the number is taken; only its files wait
    moto_s3.start()
    deadline = time.monotonic() + 30
    while _render_jobs()[0].status != JobStatus.DONE:  # the outbox's back-off: seconds, not a day
        assert time.monotonic() < deadline, _render_jobs()[0].last_error
        run_once("test-worker")
        time.sleep(0.2)
    assert len(moto_s3.keys(bucket, f"{prefix}/certificates/")) == 2
    assert in_use["builder"].get(f"/certificates/{certificate['number']}/pdf").status_code == 200


def test_readiness_asks_the_object_store(s3_store, moto_s3, client):
    assert client.get("/readyz").status_code == 200
    moto_s3.stop()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json["failing"] == ["storage"], answer.json
    assert "文件存储" in answer.json["checks"]["storage"]


def test_a_missing_bucket_is_named(app, moto_s3, client, monkeypatch):
    stores = build_stores({"STORAGE_URL": "s3://no-such-bucket/crane", "S3_ENDPOINT_URL": moto_s3.url})
    monkeypatch.setitem(app.extensions, "crane.stores", stores)
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "no-such-bucket" in answer.json["checks"]["storage"], answer.json


def test_files_chosen_on_a_page_survive_a_failed_save_on_s3(s3_store, moto_s3, app, owner, login):
    bucket, prefix = s3_store
    browser = app.test_client()
    login(browser, owner.user.username)
    data = factories.organization_data()
    chosen = {"file_business_license": (io.BytesIO(factories.PDF_BYTES + b"% chosen once"), "执照.pdf")}
    failed = browser.post("/organizations/new", data={**data, "contact_phone": "1", **chosen},
                          content_type="multipart/form-data")
    assert failed.status_code == 422 and "已选择：执照.pdf" in failed.text
    assert any(key.startswith(f"{prefix}/files/") for key in moto_s3.keys(bucket))
    token = re.search(r'name="staged_business_license" value="([^"]+)"', failed.text)[1]
    assert browser.post("/organizations/new", data={**data, "staged_business_license": token}).status_code == 302
    record_id = owner.get("/organizations").json["items"][0]["id"]
    assert [a["filename"] for a in owner.get(f"/organizations/{record_id}").json["attachments"]] == ["执照.pdf"]


def test_a_page_upload_while_the_store_is_away_says_so(s3_store, moto_s3, app, owner, login):
    browser = app.test_client()
    login(browser, owner.user.username)
    moto_s3.stop()
    answer = browser.post("/organizations/new", data={
        **factories.organization_data(), "file_business_license": (io.BytesIO(factories.PDF_BYTES), "执照.pdf")},
        content_type="multipart/form-data")
    assert answer.status_code == 503 and "文件存储暂时无法访问" in answer.text
    assert owner.get("/organizations").json["total"] == 0
