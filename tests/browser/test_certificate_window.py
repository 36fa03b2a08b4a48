"""使用登记证制作下载窗口 in the browser: the bureau's reviewer makes the certificate of an approved 使用登记,
the ministry (in-process simulator) codes it, the files download, the using unit sees them, the reviewer revokes it.

The approved 使用登记 is built through the JSON API (the ``build_site`` fixture of tests/conftest.py) against the
served app; the background work (the exchange with the ministry, the files) is run by the test, as the live server
starts no worker.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from service.certificates.gateway import forget_gateways
from service.config import ROOT
from service.types import china_today
from tests.support.documents import pdf_text
from tests.support.live import approved_registration

pytestmark = pytest.mark.browser


def _downloads(page: Page, registration: int) -> dict[str, bytes]:
    """Follow the window's 下载 links with the page's own session; both must answer with their file."""
    files = {}
    for fmt, mime in (("pdf", "application/pdf"), ("ofd", "application/ofd")):
        href = page.locator(f"#{fmt}-link").get_attribute("href")
        assert href == f"/use-registrations/{registration}/certificate/{fmt}"
        response = page.request.get(href)
        assert response.ok, (href, response.status)
        assert response.headers["content-type"].startswith(mime)
        files[fmt] = response.body()
    assert files["pdf"].startswith(b"%PDF-")
    assert files["ofd"].startswith(b"PK")  # OFD: a zip package
    return files


def test_certificate_window(live_server, new_page, artifacts, tmp_path, login, build_site, approve_with_number,
                            drain, shots):
    config = live_server.app.config
    config.update(MINISTRY_URL="", MINISTRY_DELAY_SECONDS=0.0, MINISTRY_POLL_SECONDS=0.0,
                  FONT_DIR=ROOT / ".cache" / "fonts")  # the font built once and kept, as in tests/conftest.py
    forget_gateways()
    reg = approved_registration(live_server, build_site, approve_with_number)
    window = f"/use-registrations/{reg['id']}/certificate"

    # -- before: the reviewer is offered 制证, nothing to download ---------------------------------------------
    reviewer = new_page()
    login(reviewer, reg["reviewer"])
    reviewer.goto(window)
    expect(reviewer.get_by_role("heading", name=re.compile("使用登记证制作下载窗口"))).to_contain_text(reg["number"])
    make = reviewer.locator("#make-certificate")
    expect(make).to_have_text("无登记证，点击制证")
    expect(reviewer.locator("#pdf-link, #ofd-link")).to_have_count(0)
    expect(reviewer.locator("#ministry-feedback")).to_have_text("")
    reviewer.screenshot(path=str(artifacts / "certificate-window-before.png"), full_page=True)

    # -- 制证: pending until the ministry has answered ---------------------------------------------------------
    make.click()
    expect(reviewer.get_by_role("status")).to_contain_text("已报送住建部")
    expect(reviewer.locator("#certificate-number")).to_contain_text("制证中")
    expect(reviewer.locator("#ministry-feedback")).to_have_text("制证中")
    expect(reviewer.locator("#make-certificate")).to_have_count(0)  # no second click while pending
    live_server.run(drain)

    # -- issued: the number, 赋码成功, the files --------------------------------------------------------------
    reviewer.reload()
    number_cell = reviewer.locator("#certificate-number")
    expect(number_cell).to_have_text(re.compile(rf"^\s*650100T\({china_today().year}\)0000001\s*$"))
    number = number_cell.inner_text().strip()
    expect(reviewer.locator("#ministry-feedback")).to_have_text("赋码成功")
    state = reviewer.locator("#certificate-state")
    expect(state).to_contain_text("当前状态：有效")
    valid_until = dt.date.fromisoformat(re.search(r"有效期至 (\S+)", state.inner_text())[1])
    assert valid_until > china_today()
    expect(reviewer.get_by_role("link", name="打印证书")).to_be_visible()
    reviewer.screenshot(path=str(artifacts / "certificate-window-issued.png"), full_page=True)

    files = _downloads(reviewer, reg["id"])
    text = "".join(pdf_text(files["pdf"]).split())  # the title is letter-spaced
    assert number in text and reg["unit"] in text and "建筑起重机械使用登记证" in text
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(files["pdf"])
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(artifacts / "certificate-pdf")],
                   check=True)
    assert (artifacts / "certificate-pdf.png").stat().st_size > 10_000

    # -- the using unit: the same certificate and its downloads, no 制证 nor 撤销 --------------------------------
    builder = new_page()
    login(builder, reg["builder"])
    builder.goto(window)
    expect(builder.locator("#certificate-number")).to_have_text(number)
    expect(builder.locator("#ministry-feedback")).to_have_text("赋码成功")
    expect(builder.locator("#pdf-link")).to_be_visible()
    expect(builder.locator("#ofd-link")).to_be_visible()
    expect(builder.locator("#make-certificate")).to_have_count(0)
    expect(builder.locator("input[name=reason]")).to_have_count(0)
    expect(builder.get_by_role("button", name="撤销证件")).to_have_count(0)
    assert _downloads(builder, reg["id"])["pdf"] == files["pdf"]  # made once, kept
    builder.screenshot(path=str(artifacts / "certificate-window-using-unit.png"), full_page=True)

    # -- the QR code's page, on a phone: no sign-in, every label on one line --------------------------------------
    code = reg["builder_api"].get(f"/use-registrations/{reg['id']}/certificate").json["verify_code"]
    public = new_page()
    public.set_viewport_size({"width": 390, "height": 800})
    public.goto(f"/verify/{code}")
    expect(public.get_by_role("heading", name="建筑起重机械使用登记证核验")).to_be_visible()
    expect(public.locator(".verdict")).to_contain_text("有效")
    for label in public.locator("table.record th").all():
        assert label.bounding_box()["height"] < 30, label.inner_text()  # one line, not a character a line
    assert public.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shots(public, "verify-page")

    # -- 撤销证件 by the reviewer, after the confirm dialog ------------------------------------------------------
    dialogs = []
    reviewer.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    reviewer.get_by_label("撤销证件原因").fill("设备存在重大安全隐患")
    reviewer.get_by_role("button", name="撤销证件").click()
    expect(reviewer.locator(".flash.success")).to_contain_text("撤销证件已办理")
    assert dialogs == ["确定撤销证件？将报送住建部，且不能撤回。"]
    expect(state).to_contain_text("当前状态：撤销证件（设备存在重大安全隐患）")
    expect(state.locator(".state.current")).to_have_text("撤销证件")
    expect(reviewer.get_by_role("button", name="撤销证件")).to_have_count(0)
    live_server.run(drain)  # the revocation is reported to the ministry
    reviewer.reload()
    expect(reviewer.locator("#ministry-feedback")).to_contain_text("注销报送成功")
    reviewer.screenshot(path=str(artifacts / "certificate-window-revoked.png"), full_page=True)
    builder.reload()
    expect(builder.locator("#certificate-state")).to_contain_text("当前状态：撤销证件")
    expect(builder.locator("#ended-note")).to_contain_text("该证书已撤销")  # 打印证书 says so
