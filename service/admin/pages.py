"""What every administration page shares: the administrator-only guard."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from ..errors import Forbidden


def admin_only(bp: Blueprint) -> Blueprint:
    """Every view of ``bp`` requires a signed-in administrator; anyone else gets 403."""

    @bp.before_request
    @login_required
    def _guard() -> None:
        if not current_user.is_admin:
            raise Forbidden("仅自治区住建厅管理员可以访问平台管理")

    return bp
