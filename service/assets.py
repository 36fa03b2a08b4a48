"""Front-end packages installed by npm (see package.json), served from node_modules.

Only the listed packages' distribution folders are reachable; send_from_directory refuses any path
that leaves them.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, send_from_directory, url_for

from .config import BPMN_JS_DIR, ECHARTS_DIR

VENDOR = {"bpmn-js": BPMN_JS_DIR, "echarts": ECHARTS_DIR}

bp = Blueprint("assets", __name__)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site; the pages name the SVG, this answers the rest."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    folder = VENDOR.get(package)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)
