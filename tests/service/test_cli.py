"""The ``crane`` command and the migrations."""

from flask_migrate import check
from sqlalchemy import select

from service.accounts.models import Bureau, Region, User
from service.cli import main
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
