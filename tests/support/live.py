"""Running parts for tests that need them: the ministry simulator as its own process, and accounts and an
approved 使用登记 made through the API of a served app (the browser tests' live server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.accounts.operations import create_staff_user, issue_token, register
from service.extensions import db
from tests import factories
from tests.support.api import PASSWORD, Api, IsolatedClient
from tests.support.records import REGISTRATION_SLOTS, registration_data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def simulator(data_dir: Path, delay: float = 0.3, register: Path | None = None) -> Iterator[str]:
    """``crane ministry-sim`` as a separate server process (with ``--register``); yields its URL."""
    port = free_port()
    env = {**os.environ, "CRANE_DATA_DIR": str(data_dir), "CRANE_MINISTRY_DELAY_SECONDS": str(delay),
           "DATABASE_URL": "sqlite://"}
    command = [str(Path(sys.executable).parent / "crane"), "ministry-sim", "--port", str(port)]
    if register is not None:
        command += ["--register", str(register)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            process.kill()
            raise RuntimeError(process.stdout.read().decode())
        yield url
    finally:
        process.terminate()
        process.wait(10)


def api_maker(live_server: Any):
    """``make_api`` (tests/conftest.py) for a served app: accounts made in its database, JSON with a token."""
    client = IsolatedClient(live_server.app, live_server.app.response_class)

    def make(kind: str = "owner", region: str = "650100") -> Api:
        def create() -> tuple[str, str]:
            username = factories.unique_name("live")
            if kind in ("owner", "construction"):
                user = register({"email": f"{username}@example.cn", "username": username, "password": PASSWORD,
                                 "phone": "13800138000", "unit_type": kind})
            else:
                user = create_staff_user({"username": username, "password": PASSWORD, "role": kind,
                                          "region_code": region})
            token, _ = issue_token(user)
            db.session.commit()
            return username, token

        username, token = live_server.run(create)
        return Api(client, username, token)  # ``user`` is the login name here: the row lives in another session

    return make


def approved_registration(live_server: Any, build_site: Any, approve_with_number: Any) -> dict[str, Any]:
    """An approved 使用登记 of a tower crane in 650100, filed by a construction unit (cf. the ``in_use`` fixture)."""
    make = api_maker(live_server)
    reviewer = make("reviewer")
    site = build_site(make, reviewer)
    builder = site["builder"]
    response = builder.post("/use-registrations", json=registration_data(site))
    assert response.status_code == 201, response.json
    registration = response.json["id"]
    for slot in REGISTRATION_SLOTS:
        assert builder.upload(f"/use-registrations/{registration}/attachments/{slot}").status_code == 201
    assert builder.post(f"/use-registrations/{registration}/submit").status_code == 200
    number = approve_with_number(reviewer, registration, "registration_number")
    unit = builder.get(f"/organizations/{builder.get('/me').json['organization_id']}").json["name"]
    return {"id": registration, "number": number, "reviewer": reviewer.user, "builder": builder.user, "unit": unit,
            "site": site, "reviewer_api": reviewer, "builder_api": builder}


@contextmanager
def crane(args: list[str], env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[str]:
    """``crane <args>`` as a process of its own (its output in ``log_path``); with ``port``, once /healthz
    answers there, yields its URL. Stopped (TERM, then KILL) on leaving."""
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "crane"), *args], env={**os.environ, **env},
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while port is not None:
            assert process.poll() is None, log_path.read_text()
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
