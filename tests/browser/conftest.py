"""Browser tests: the real app behind waitress on a free local port, driven by headless Chromium.

The server gets its own data directory and SQLite database (even when TEST_DATABASE_URL points the rest of
the suite at PostgreSQL); DATABASE_URL is restored afterwards so the session ``app`` fixture is unaffected.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service import create_app
from service.cli import prepare_database
from service.config import ROOT
from service.extensions import db
from tests.support.api import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--lang=zh-CN", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@dataclass
class LiveServer:
    app: Flask
    url: str
    data_dir: Path

    def run(self, fn: Callable[[], Any]) -> Any:
        """Call ``fn`` inside the served app's context (to seed or inspect its database)."""
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from waitress import create_server

    data_dir = tmp_path_factory.mktemp("browser-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", f"sqlite:///{data_dir / 'browser.db'}")
        mp.delenv("CRANE_SECRET_KEY", raising=False)
        app = create_app({"DATA_DIR": str(data_dir), "PASSWORD_HASH_FAST": True, "START_WORKER": False})
    with app.app_context():
        prepare_database()
        db.session.remove()

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="crane-test")
    thread = threading.Thread(target=server.run, name="waitress-browser-test", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.effective_port}", data_dir=data_dir)
    finally:
        server.close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[[], Any]]:
    """Open pages in separate browser contexts (one per signed-in person), closed after the test."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def shot(artifacts: Path, request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot as test-artifacts/browser/<test>-<NN>-<step>.png."""
    counter = iter(range(1, 100))
    prefix = request.node.name.removeprefix("test_")

    def take(page: Any, step: str) -> Path:
        path = artifacts / f"{prefix}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def shots(shot: Callable[[Any, str], Path]) -> Callable[[Any, str], None]:
    """``shots(page, step)``: the page as a desktop (1366 px) and a phone (390 px) show it."""
    def take(page: Any, step: str) -> None:
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            shot(page, f"{step}-{width}")
        page.set_viewport_size({"width": 1366, "height": 900})

    return take


def _login(page: Any, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_contain_text(username)


@pytest.fixture
def login() -> Callable[[Any, str], None]:
    """``login(page, username)``: sign in through the login page as an account the fixtures made."""
    return _login
