"""Reading certificate files back: the PDF's text, the OFD package's parts checked against the standard's schemas."""

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

# The standard's schemas are test data beside the checkout (../shared), not part of the project.
_XSD_CANDIDATES = [Path(p) for p in (os.environ.get("CRANE_OFD_XSD_DIR"),) if p] + [
    Path(__file__).resolve().parents[3] / "shared" / "data" / "ofd-xsd", Path("/work/shared/data/ofd-xsd")]
XSD_DIR = next((p for p in _XSD_CANDIDATES if p.is_dir()), _XSD_CANDIDATES[0])
NUMBER = re.compile(r"^650100([TSW])\((\d{4})\)(\d{7})$")


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
