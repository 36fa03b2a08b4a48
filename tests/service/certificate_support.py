"""Helpers for certificate tests: run the background work, read the files back."""

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

from flask import current_app
from lxml import etree
from sqlalchemy import select

from service.extensions import db
from service.process.models import Job
from service.process.worker import run_once

# The standard's schemas are test data beside the checkout (../shared), not part of the project.
_XSD_CANDIDATES = [Path(p) for p in (os.environ.get("CRANE_OFD_XSD_DIR"),) if p] + [
    Path(__file__).resolve().parents[3] / "shared" / "data" / "ofd-xsd", Path("/work/shared/data/ofd-xsd")]
XSD_DIR = next((p for p in _XSD_CANDIDATES if p.is_dir()), _XSD_CANDIDATES[0])
NUMBER = re.compile(r"^650100([TSW])\((\d{4})\)(\d{7})$")


def drain(limit: int = 50) -> None:
    """Run jobs and timers until nothing is left to do (the simulator answers at once in tests);
    no job may have failed on the way."""
    for _ in range(limit):
        with current_app.app_context():  # its own session, as each pass of a real worker has
            done = run_once("test-worker")
        if done == 0:
            errors = db.session.scalars(select(Job.last_error).where(Job.last_error.is_not(None))).all()
            assert errors == [], errors
            return
    raise AssertionError("background work did not settle")


def make(api, registration_id, **body):
    return api.post(f"/use-registrations/{registration_id}/certificate", json=body or None)


def issued(reviewer, registration_id):
    assert make(reviewer, registration_id).status_code == 202
    drain()
    cert = reviewer.get(f"/use-registrations/{registration_id}/certificate").json
    assert cert["status"] == "issued", cert
    return cert


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def ofd_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


SCHEMAS = {"OFD.xml": "OFD.xsd", "Doc_0/Document.xml": "Document.xsd", "Doc_0/PublicRes.xml": "Res.xsd",
           "Doc_0/Pages/Page_0/Content.xml": "Page.xsd"}


def schema_errors(parts: dict[str, bytes]) -> dict[str, list[str]]:
    errors = {}
    for name, xsd in SCHEMAS.items():
        schema = etree.XMLSchema(etree.parse(str(XSD_DIR / xsd)))
        if not schema.validate(etree.fromstring(parts[name])):
            errors[name] = [str(e) for e in schema.error_log]
    return errors
