"""Packaging: the wheel, installed outside the checkout, runs ``crane setup`` and ``crane serve``.

The project is built the way a release is (``python -m build``: the sdist, then the wheel from the sdist;
``pip wheel`` when ``build`` is not installed) and the wheel goes into a fresh virtual environment in a
temporary directory. The dependencies come from the running environment through a ``.pth`` file (nothing
is downloaded); the project itself only from the wheel, which the tests check.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import importlib.util
import json
import os
import re
import site
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BPMN_JS = ROOT / "node_modules" / "bpmn-js" / "dist"
#: the certificate font the test suite builds once and keeps (tests/conftest.py); `crane setup` reuses it
FONT_CACHE = ROOT / ".cache" / "fonts"
#: what pip says when the build backend (setuptools) cannot be fetched: the one case building is impossible
OFFLINE = re.compile(r"(No matching distribution found|satisf(?:y|ies) the requirement) for setuptools")
DIAGRAMS = sorted(p.stem for p in (ROOT / "bpmn_models").glob("*.bpmn"))


def _environment(**extra: str) -> dict[str, str]:
    """The current environment without what would point the command at the checkout or the suite's
    database (the session fixture sets DATABASE_URL)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "DATABASE_URL", "VIRTUAL_ENV")
           and not k.startswith(("CRANE_", "FLASK_"))}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"} | extra


def _has_distribution(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@dataclass
class Dists:
    wheel: Path
    sdist: Path | None


@dataclass
class Installed:
    venv: Path
    python: Path
    crane: Path


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    if _has_distribution("build"):  # (not find_spec: the checkout's build/ directory would pass for it)
        command = [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)]
    result = subprocess.run(command, cwd=out, capture_output=True, text=True, timeout=300, env=_environment(),
                            check=False)
    output = result.stdout + result.stderr
    if result.returncode and OFFLINE.search(output):
        pytest.skip("the build backend (setuptools) cannot be installed: no package index reachable")
    assert result.returncode == 0, output[-5000:]
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1, list(out.iterdir())
    return Dists(wheels[0], sdists[0] if sdists else None)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, dists: Dists) -> Installed:
    if importlib.util.find_spec("ensurepip") is None:
        pytest.skip("this Python cannot create virtual environments with pip (python3-venv is missing)")
    venv = tmp_path_factory.mktemp("installed") / "venv"
    assert not venv.is_relative_to(ROOT)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=_environment())
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    # The dependencies from this environment, after the new one's own site-packages (so the wheel wins);
    # the checkout is not among them (an editable install's finder is not run from a path added this way).
    ours = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    Path(purelib, "_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours if Path(p).is_dir()))
    result = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile",
                             str(dists.wheel)], capture_output=True, text=True, timeout=120, env=_environment(),
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return Installed(venv, python, venv / "bin" / "crane")


def _vendor_files(package: str) -> set[str]:
    """The files of an npm package the templates load from /vendor/<package>/."""
    pattern = re.compile(rf"package='{package}', filename='([^']+)'")
    return {m for path in (ROOT / "templates").rglob("*.html") for m in pattern.findall(path.read_text("utf-8"))}


def test_the_checkout_uses_its_own_layout():
    from service import config

    assert not config.INSTALLED
    assert config.TEMPLATE_DIR == ROOT / "templates" and config.BPMN_DIR == ROOT / "bpmn_models"
    assert config.default_data_dir() == ROOT / "instance"


def test_the_distributions_carry_the_package_data(dists: Dists):
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
    expected = {
        "service/bundled/templates/layout.html", "service/bundled/templates/accounts/login.html",
        "service/static/app.css", "service/migrations/alembic.ini", "service/migrations/script.py.mako",
        "service/migrations/env.py", "forms/organization.json",
        *(f"service/bundled/bpmn_models/{key}.bpmn" for key in DIAGRAMS),
        *(f"service/migrations/versions/{p.name}" for p in (ROOT / "service/migrations/versions").glob("*.py")),
    }
    for package in ("bpmn-js", "echarts"):
        if (ROOT / "node_modules" / package).is_dir():
            expected |= {f"service/bundled/{package}/{name}" for name in _vendor_files(package)}
    assert expected - names == set()
    assert not any(name.startswith(("tests/", "templates/", "bpmn_models/", "node_modules/")) for name in names)
    if dists.sdist is not None:  # the wheel above was built from it
        with tarfile.open(dists.sdist) as sdist:
            members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
        assert {"setup.py", "MANIFEST.in", "templates/layout.html", "service/migrations/alembic.ini",
                "service/static/app.css", *(f"bpmn_models/{key}.bpmn" for key in DIAGRAMS)} - members == set()


def test_the_installation_runs_from_the_wheel(installed: Installed, tmp_path: Path):
    probe = ("import json, service, service.config as c; "
             "print(json.dumps({'file': service.__file__, 'installed': c.INSTALLED, "
             "'templates': str(c.TEMPLATE_DIR), 'data': str(c.from_environment()['DATA_DIR'])}))")
    result = subprocess.run([str(installed.python), "-c", probe], cwd=tmp_path, env=_environment(),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert Path(found["file"]).is_relative_to(installed.venv), found
    assert found["installed"] and Path(found["templates"]).is_relative_to(installed.venv)
    # no checkout: the data directory defaults to instance/ where the command starts
    assert Path(found["data"]) == tmp_path.resolve() / "instance"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_setup_and_serve_outside_the_checkout(installed: Installed, tmp_path: Path):
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    env = _environment(CRANE_DATA_DIR=str(data), CRANE_FONT_DIR=str(FONT_CACHE))

    result = subprocess.run([str(installed.crane), "setup"], cwd=work, env=env, capture_output=True, text=True,
                            timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    with closing(sqlite3.connect(data / "crane.db")) as database:
        revisions = database.execute("SELECT version_num FROM alembic_version").fetchall()
        deployed = sorted(key for (key,) in database.execute("SELECT DISTINCT key FROM process_definition"))
    assert len(revisions) == 1
    assert deployed == DIAGRAMS
    assert not (work / "instance").exists()  # CRANE_DATA_DIR was used

    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([str(installed.crane), "serve", "--port", str(port), "--threads", "2"], cwd=work,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if _get(port, "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)

            status, page = _get(port, "/login")
            assert status == 200 and "登录" in page and "<form" in page, page[:2000]
            assert _get(port, "/static/app.css")[0] == 200
            vendor_status = _get(port, "/vendor/bpmn-js/bpmn-modeler.production.min.js")[0]
            # bpmn-js goes into the wheel when npm had installed it at build time; without it a clean 404
            assert vendor_status == (200 if BPMN_JS.is_dir() else 404)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
