"""The ``crane`` command and the migrations."""

import threading

import pytest
from flask_migrate import check
from sqlalchemy import select, text

from service.accounts.models import Bureau, Region, User
from service.cli import MIGRATION_LOCK, main, prepare_database
from service.extensions import db
from service.process.models import ProcessDefinition
from service.reference import load_reference_data


def _run(app, *args):
    runner = app.test_cli_runner()
    return runner.invoke(main, list(args))


def test_user_create(app):
    result = _run(app, "user", "create", "--username", "cj_reviewer", "--password", "abc12345", "--role",
                  "reviewer", "--region", "652300")
    assert result.exit_code == 0, result.output
    assert "cj_reviewer" in result.output
    user = db.session.scalar(select(User).where(User.username == "cj_reviewer"))
    assert user.role == "reviewer" and user.region_code == "652300"
    assert user.password_hash.startswith("$argon2")


def test_user_create_errors_are_clear(app):
    result = _run(app, "user", "create", "--username", "x_reviewer", "--password", "abc12345", "--role", "reviewer")
    assert result.exit_code != 0 and "地区" in result.output
    result = _run(app, "user", "create", "--username", "x_reviewer", "--password", "abc", "--role", "admin")
    assert result.exit_code != 0 and "密码" in result.output
    assert db.session.scalar(select(User).where(User.username == "x_reviewer")) is None


def test_migrations_match_the_models(app):
    check()  # raises when the models have changes no migration covers


def test_reference_data(app):
    assert db.session.scalar(select(Region).where(Region.code == "652300")).name == "昌吉回族自治州"
    bureaus = db.session.scalars(select(Bureau)).all()
    assert len(bureaus) == 15 and all(b.name.endswith("住房和城乡建设局") for b in bureaus)
    definition = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == "organization"))
    assert definition.version == 1
    assert load_reference_data() == []  # idempotent: nothing deployed twice


def test_user_create_asks_for_the_password_when_not_given(app):
    """``--password`` stays for scripts; without it the password is read from a prompt or stdin, never argv."""
    from service.accounts.models import User
    from service.cli import main
    from service.extensions import db

    result = app.test_cli_runner().invoke(main, ["user", "create", "--username", "prompted_rev", "--role",
                                                 "reviewer", "--region", "650100"], input="Secret2026x\n")
    assert result.exit_code == 0, result.output
    assert "Secret2026x" not in result.output
    assert db.session.query(User).filter_by(username="prompted_rev").one().role == "reviewer"


def test_the_real_ministry_with_default_credentials_refuses_to_start(tmp_path, monkeypatch):
    import pytest

    from service import create_app
    from service.config import ConfigurationError

    monkeypatch.setenv("CRANE_MINISTRY_URL", "https://zwfw.mohurd.gov.cn/ecert")
    with pytest.raises(ConfigurationError, match="CRANE_MINISTRY_APP_KEY"):
        create_app({"DATA_DIR": str(tmp_path)})
    monkeypatch.setenv("CRANE_MINISTRY_APP_KEY", "xj-650000")
    monkeypatch.setenv("CRANE_MINISTRY_APP_SECRET", "a-real-secret")
    assert create_app({"DATA_DIR": str(tmp_path)}).config["MINISTRY_APP_KEY"] == "xj-650000"
    monkeypatch.delenv("CRANE_MINISTRY_APP_KEY")
    monkeypatch.setenv("CRANE_MINISTRY_URL", "http://127.0.0.1:5100")  # a simulator here: fine
    create_app({"DATA_DIR": str(tmp_path)})


def test_the_secret_key_file_is_the_owners_alone(tmp_path, monkeypatch):
    from service.config import from_environment

    monkeypatch.delenv("CRANE_SECRET_KEY", raising=False)
    config = from_environment({"DATA_DIR": str(tmp_path)})
    from service.config import _secret_key

    _secret_key(config["DATA_DIR"])
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_migrate_one_after_another(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the migration lock is PostgreSQL's (SQLite is one machine's)")
    finished = threading.Event()

    def start_another_process() -> None:
        with app.app_context():
            prepare_database()
            db.session.remove()
        finished.set()

    with db.engine.connect() as holder:  # a process migrating right now
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        thread = threading.Thread(target=start_another_process)
        thread.start()
        assert not finished.wait(1.5)  # waits its turn
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        holder.commit()
    assert finished.wait(30)
    thread.join()
