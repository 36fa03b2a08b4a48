"""Process definition pages: versions, the bpmn-js modeler, deploy, upload/download, migration."""

from __future__ import annotations

from flask import Blueprint

from .pages import admin_only

bp = admin_only(Blueprint("admin_processes", __name__, url_prefix="/admin/processes"))
