"""完工注销 and 到期失效 by hand, besides 撤销证件: each with a reason, reported to the ministry like the automatic
ones; an ended certificate's PDF and OFD say so on the page; 打印证书 says so; the list offers 打印证书."""

from __future__ import annotations

import subprocess

import ofdkit
import pytest
from sqlalchemy import select

from service.certificates.models import MinistryExchange
from service.config import ROOT
from service.extensions import db
from tests.support.documents import pdf_text

ARTIFACTS = ROOT / "test-artifacts" / "certificates"


@pytest.mark.parametrize(("how", "state", "operate", "cert_state", "mark", "feedback"), [
    ("complete", "completed", "05", "05", "已注销", "注销报送成功"),
    ("expire", "expired", "04", "06", "已失效", "过期失效报送成功"),
    ("revoke", "revoked", "05", "04", "已撤销", "注销报送成功"),
])
def test_ended_by_hand_reported_and_marked(in_use, reviewer, drain, issue_certificate, how, state, operate,
                                           cert_state, mark, feedback):
    cert = issue_certificate(reviewer, in_use["registration"])
    builder = in_use["builder"]
    valid_pdf = builder.get(f"/certificates/{cert['number']}/pdf").data
    assert mark not in "".join(pdf_text(valid_pdf).split())
    url = f"/certificates/{cert['number']}/{how}"
    assert builder.post(url, json={"reason": "x"}).status_code == 404  # the using unit may not end it
    missing = reviewer.post(url, json={})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    done = reviewer.post(url, json={"reason": "工程已完工，设备退场"})
    assert done.status_code == 200 and done.json["state"] == state and done.json["end_reason"] == "工程已完工，设备退场"
    assert reviewer.post(url, json={"reason": "again"}).status_code == 409
    drain()
    exchanges = db.session.scalars(select(MinistryExchange).order_by(MinistryExchange.id)).all()
    assert [(e.operate_type, e.return_code) for e in exchanges] == [("01", "1"), (operate, "1")]
    assert exchanges[1].record["certState"] == cert_state and exchanges[1].record["reason"] == "工程已完工，设备退场"
    assert reviewer.get(f"/use-registrations/{in_use['registration']}/certificate").json["feedback"][-1] == feedback

    pdf = builder.get(f"/certificates/{cert['number']}/pdf")
    assert pdf.status_code == 200 and mark in "".join(pdf_text(pdf.data).split())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # to look at: the page with its mark
    (ARTIFACTS / f"ended-{how}.pdf").write_bytes(pdf.data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(ARTIFACTS / f"ended-{how}.pdf"),
                    str(ARTIFACTS / f"ended-{how}")], check=True)
    with ofdkit.open(builder.get(f"/certificates/{cert['number']}/ofd").data) as document:
        assert mark in document.text()
        stamp = next(r for r in document.pages[0].runs if r.text == mark)
    assert 100 < stamp.x < 160  # across the middle of the 297 mm page
    assert reviewer.get(f"/verify/{cert['verify_code']}").json["state"] == state


def test_the_window_offers_every_ending_and_print_says_ended(in_use, reviewer, client, login, issue_certificate):
    cert = issue_certificate(reviewer, in_use["registration"])
    login(client, reviewer.user.username)
    window = f"/use-registrations/{in_use['registration']}/certificate"
    page = client.get(window).text
    for label in ("撤销证件", "完工注销", "到期失效"):
        assert f"{label}原因" in page
    response = client.post(f"{window}/expire", data={"reason": "检验不合格"})
    assert response.status_code == 302
    page = client.get(window).text
    assert "到期失效已办理" in page and "该证书已失效" in page and "检验不合格" in page
    assert reviewer.get(f"/verify/{cert['verify_code']}").json["state"] == "expired"


def test_the_list_offers_print(in_use, reviewer, client, login):
    login(client, reviewer.user.username)
    listing = client.get("/use-registrations").text
    assert f'href="/use-registrations/{in_use["registration"]}/certificate">打印证书</a>' in listing
