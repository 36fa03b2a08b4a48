"""Files no record names — a rolled-back save, a staged file never attached — are swept after a day; what an
attachment names, and anything younger, stays."""

from __future__ import annotations

import io
import os
import re
import time

from service.attachments.operations import sweep_orphans
from service.attachments.storage import FileStore, key_for
from service.cli import main
from tests import factories


def _stored(app, content: bytes, age_hours: float) -> str:
    sha256, _mime, _size = FileStore().save(io.BytesIO(content))
    old = time.time() - age_hours * 3600
    os.utime(app.config["UPLOAD_DIR"] / key_for(sha256), (old, old))
    return sha256


def test_orphans_older_than_a_day_go(app, owner):
    store = FileStore()
    record_id = owner.post("/organizations", json=factories.organization_data()).json["id"]
    kept = factories.PDF_BYTES + b"% named"
    owner.upload(f"/organizations/{record_id}/attachments/business_license", kept)
    named = _stored(app, kept, 48)
    orphan = _stored(app, factories.PDF_BYTES + b"% left behind", 48)
    young = _stored(app, factories.PDF_BYTES + b"% staged a minute ago", 0.01)
    assert sweep_orphans() >= 1
    assert store.exists(named) and store.exists(young)
    assert not store.exists(orphan)
    assert owner.client.get(f"/api/v1/organizations/{record_id}", headers=owner.headers).status_code == 200


def test_the_sweep_from_the_command_line(app):
    orphan = _stored(app, factories.PDF_BYTES + b"% from a rolled-back save", 5)
    result = app.test_cli_runner().invoke(main, ["sweep-files", "--older-than-hours", "2"])
    assert result.exit_code == 0 and re.search(r"已删除 [1-9]\d* 个无记录引用的文件", result.output)
    assert not FileStore().exists(orphan)
