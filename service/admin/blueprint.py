"""Platform administration pages: 企业账号, staff, roles, review forms, bureaus, 企业规则, audit log."""

from __future__ import annotations

from flask import Blueprint

from .pages import admin_only

bp = admin_only(Blueprint("admin", __name__, url_prefix="/admin"))
