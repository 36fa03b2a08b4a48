"""Accounts: registration, login, tokens, profile, password, staff accounts."""

from __future__ import annotations

from flask import Flask

from .blueprint import init_login
from .operations import user_for_token


def init_app(app: Flask) -> None:
    """Session logins for the pages; bearer tokens for the API."""
    init_login(app)
    app.extensions["crane"].token_user = user_for_token
