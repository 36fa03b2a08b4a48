"""首页: the account's nature, its records per chain, or the review tasks waiting for it."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from forms.codes import REGIONS

from .queries import home_summary

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("accounts/home.html", summary=home_summary(current_user), regions=REGIONS)
