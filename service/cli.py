"""The ``crane`` command: serve, worker, user create, and Flask-Migrate's ``db`` group."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from sqlalchemy import text
from waitress import serve

from . import create_app
from .accounts.operations import create_staff_user
from .attachments.operations import sweep_orphans
from .certificates.fonts import ensure_subset
from .certificates.simulator import NationalRegister
from .certificates.simulator import create_app as create_simulator
from .config import metrics_multiprocess_dir
from .errors import DomainError
from .extensions import db
from .messages.operations import remind_overdue
from .process.worker import start_in_process, worker_loop
from .reference import load_reference_data
from .web.metrics import serve_on_port

log = logging.getLogger(__name__)


def _app(*_: object) -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """建筑起重机械电子证照管理服务平台."""


#: the PostgreSQL advisory lock that makes processes starting at once migrate one after another
MIGRATION_LOCK = 0x6372616E65  # "crane"


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Web and worker processes, on one machine or several, may start together after an upgrade: on
    PostgreSQL they take turns, so that no two apply the same migration (SQLite has one machine, one writer)."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


def prepare_database() -> list[str]:
    """Apply migrations and load reference data; safe to run on every start, by several processes at once."""
    with _one_at_a_time():
        upgrade()
        deployed = load_reference_data()
        db.session.commit()
    return deployed


@main.command("setup")
def setup_command() -> None:
    """Apply migrations, load reference data and build the certificate font, then exit."""
    deployed = prepare_database()
    click.echo(f"数据库已就绪；部署流程：{', '.join(deployed) or '无新增'}")
    click.echo(f"证书字体：{ensure_subset(current_app.config['FONT_DIR'])}")


@main.command("ministry-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
@click.option("--delay", type=float, default=None, help="答复延迟（秒），默认取 CRANE_MINISTRY_DELAY_SECONDS")
@click.option("--register", "register_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="全国在用设备登记（JSON：people、positions），默认取 CRANE_MINISTRY_REGISTER")
def ministry_sim_command(host: str, port: int, delay: float | None, register_file: Path | None) -> None:
    """Run the ministry simulator (住建部赋码接口) as its own server."""
    config = current_app.config
    delay = config["MINISTRY_DELAY_SECONDS"] if delay is None else delay
    register_file = register_file or (Path(config["MINISTRY_REGISTER"]) if config["MINISTRY_REGISTER"] else None)
    try:
        register = NationalRegister.load(register_file) if register_file else None
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"全国登记文件 {register_file} 格式有误：{exc}") from None
    app = create_simulator(delay, config["MINISTRY_APP_KEY"], config["MINISTRY_APP_SECRET"], register)
    held = f"，全国登记 {len(register.people)} 人、{len(register.positions)} 个位置" if register else ""
    click.echo(f"住建部接口模拟器: http://{host}:{port}/ （答复延迟 {delay:g} 秒{held}）")
    serve(app, host=host, port=port, threads=4, ident="ministry-sim")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="每个进程的线程数")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Web 进程数；大于 1 时由 gunicorn 运行（仅 Linux）")
@click.option("--no-worker", is_flag=True, help="不在 Web 进程内运行后台任务（由 crane worker 进程运行）")
def serve_command(host: str, port: int, threads: int, workers: int, no_worker: bool) -> None:
    """Migrate, load reference data, start the background worker and serve."""
    prepare_database()
    app = current_app._get_current_object()
    _say(app, f"建筑起重机械电子证照管理服务平台: http://{host}:{port}/")
    metrics_dir = metrics_multiprocess_dir()
    if workers > 1:
        _exec_gunicorn(host, port, threads, workers, no_worker, Path(metrics_dir or tempfile.mkdtemp("-metrics")))
    if metrics_dir:
        _forget_counts(Path(metrics_dir))
    if app.config["START_WORKER"] and not no_worker:
        start_in_process(app)
    if app.config["METRICS_PORT"]:
        serve_on_port(app, host, app.config["METRICS_PORT"])
    serve(app, host=host, port=port, threads=threads, ident="crane")


def _say(app: Flask, message: str) -> None:
    """A word at start: a log line when the logs are JSON (so that every line is), else plain text."""
    if app.config["LOG_FORMAT"] == "json":
        log.info(message)
    else:
        click.echo(message)


def _forget_counts(metrics_dir: Path) -> None:
    """An earlier run's counts are not this one's (prometheus-client's multiprocess files)."""
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):
        stale.unlink()


def _exec_gunicorn(host: str, port: int, threads: int, workers: int, no_worker: bool,
                   metrics_dir: Path) -> NoReturn:
    """Become gunicorn with ``workers`` processes. A new interpreter, so that each worker's metrics go to the
    shared directory from the first import on (prometheus-client decides that when it is imported)."""
    if not sys.platform.startswith("linux"):
        raise click.ClickException("--workers 大于 1 需要 Linux（gunicorn）；其他系统请运行多个 crane serve 进程")
    _forget_counts(metrics_dir)
    env = dict(os.environ)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    if no_worker:
        env["CRANE_START_WORKER"] = "0"
    command = [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf",
               "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
               "--worker-class", "gthread", "service.wsgi:app"]
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # noqa: S606 - our interpreter, our arguments


@main.command("worker")
@click.option("--host", default="127.0.0.1", show_default=True, help="CRANE_METRICS_PORT 监听的地址")
def worker_command(host: str) -> None:
    """Run a background worker (jobs and timers) until interrupted."""
    app = current_app._get_current_object()
    if app.config["METRICS_PORT"]:  # what the jobs count (ministry exchanges, certificates) is counted here
        serve_on_port(app, host, app.config["METRICS_PORT"])
    stop = threading.Event()
    try:
        worker_loop(app, stop)
    except KeyboardInterrupt:
        stop.set()


def _stdin_is_piped() -> bool:
    return not sys.stdin.isatty()


@main.command("sweep-files")
@click.option("--older-than-hours", default=24, show_default=True, type=click.IntRange(min=1))
def sweep_files_command(older_than_hours: int) -> None:
    """Remove stored files that no attachment names (a rolled-back save, a staged file never attached)."""
    removed = sweep_orphans(dt.timedelta(hours=older_than_hours))
    click.echo(f"已删除 {removed} 个无记录引用的文件")


@main.command("remind-overdue")
def remind_overdue_command() -> None:
    """Remind of review tasks past their 办理时限 (what the worker does hourly), once per task."""
    reminded = remind_overdue()
    db.session.commit()
    click.echo(f"已提醒 {reminded} 个超期审批任务")


@main.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--password", default=None,
              help="留空则提示输入（不会出现在进程列表或历史记录中）；也可从标准输入读取")
@click.option("--role", required=True, help="reviewer | chief | supervisor | admin")
@click.option("--region", "region_code", default=None, help="地区代码，如 650100")
@click.option("--email", default=None)
@click.option("--phone", default=None)
def user_create(username: str, password: str, role: str, region_code: str | None, email: str | None,
                phone: str | None) -> None:
    """Create a bureau staff or administrator account."""
    if password is None:  # asked for, so it stays out of the process list and the shell's history
        password = click.prompt("密码", hide_input=True, confirmation_prompt=not _stdin_is_piped(),
                                err=True)
    try:
        user = create_staff_user({"username": username, "password": password, "role": role,
                                  "region_code": region_code, "email": email, "phone": phone})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    click.echo(f"已创建账号 {user.username}（{user.nature}）id={user.id}")
