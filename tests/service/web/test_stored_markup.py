"""No stored markup runs: whatever text a record holds (here written straight into the database, past every
form check) is shown as text on every page that shows it and printed as text on the certificate's PDF and
OFD."""

from __future__ import annotations

import re

import ofdkit
from sqlalchemy import String

from service.extensions import db
from service.filings.chains import chains
from service.organizations.models import Organization
from tests.support.documents import ofd_parts, pdf_text, schema_errors

MARKUP = '"><script>x</script>'
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
FREE_TEXT = {"name", "no_spaces"}


def _store_markup_in_every_free_text_field() -> int:
    """Every free-text field (names, addresses, models: not codes, numbers or coordinates) of every record,
    and every unit's name."""
    written = 0
    for chain in chains().values():
        columns = chain.model.__table__.columns
        names = [f.name for f in chain.form.fields if f.type in ("string", "text") and set(f.validators) <= FREE_TEXT
                 and f.name in columns and isinstance(columns[f.name].type, String)
                 and (columns[f.name].type.length or 999) >= len(MARKUP)]
        for record in db.session.scalars(db.select(chain.model)):
            for name in names:
                setattr(record, name, MARKUP)
                written += 1
    for unit in db.session.scalars(db.select(Organization)):
        unit.name = MARKUP + str(unit.id)  # names are unique
    db.session.commit()
    return written


def _pages(in_use, reviewer_id_of_task):
    yield "/"
    for chain in chains().values():
        yield f"/{chain.path}?scope=all"
        for record_id in db.session.scalars(db.select(chain.model.id)):
            yield f"/{chain.path}/{record_id}"
            yield f"/{chain.path}/{record_id}/progress"
    yield "/tasks?scope=all"
    yield f"/use-registrations/{in_use['registration']}/certificate"


def test_markup_in_records_is_text_on_pages_and_certificates(app, in_use, reviewer, make_api, login,
                                                           issue_certificate):
    assert _store_markup_in_every_free_text_field() > 20
    cert = issue_certificate(reviewer, in_use["registration"])
    builder = in_use["builder"]

    pdf = builder.get(f"/certificates/{cert['number']}/pdf")
    assert MARKUP in "".join(pdf_text(pdf.data).split())  # printed as it was typed, not interpreted
    ofd = builder.get(f"/certificates/{cert['number']}/ofd")
    assert schema_errors(ofd_parts(ofd.data)) == {}
    with ofdkit.open(ofd.data) as document:
        assert MARKUP in document.text()

    shown = 0
    for api in (in_use["owner"], builder, reviewer, make_api("admin")):
        browser = app.test_client()
        login(browser, api.user.username)
        for url in [*_pages(in_use, None), f"/verify/{cert['verify_code']}", "/admin/users", "/admin/audit"]:
            response = browser.get(url)
            if response.status_code != 200:
                continue  # not this account's page
            html = response.get_data(as_text=True)
            assert "<script>x</script>" not in html, url
            assert not re.search(r'"\s*>\s*<script', html), url
            shown += html.count(ESCAPED)
    assert shown > 50  # the markup did reach the pages, as text
