"""What a person typed survives an expired session: a page form posted after the sign-in ran out (or with a
stale CSRF token) is kept in the session, the person signs in again, and the same form opens with it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from ..errors import answer

KEY = "resume_form"
#: the session is a cookie: a form larger than this is not kept (the page says so)
MAX_BYTES = 2500
#: never kept, not even for a minute
SECRETS = ("csrf_token", "password", "confirm_password", "old_password", "new_password")


def form_page() -> str:
    """Where the posted form was shown: the page it came from (same site), else the path it was posted to."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


def keep_posted_form() -> bool:
    """Keep the posted fields for the form's page; False when there was nothing to keep or it was too large."""
    fields = {k: v for k, v in request.form.lists() if k not in SECRETS and not k.startswith("staged_")}
    if not fields:
        return False
    if len(json.dumps(fields, ensure_ascii=False).encode()) > MAX_BYTES:
        return False
    session[KEY] = {"path": urlsplit(form_page()).path, "form": fields}
    return True


def resumed_form() -> MultiDict | None:
    """The fields kept for this page, once."""
    kept = session.get(KEY)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    session.pop(KEY, None)
    return MultiDict([(k, v) for k, values in kept.get("form", {}).items() for v in values])


def login_view() -> str:
    return current_app.login_manager.login_view or "accounts.login"


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _stale_page(_exc: CSRFError):
        """A page left open too long (its token belongs to a session that ended): back to it, with what was
        typed — the page asks to sign in first when the sign-in ran out too. Anything but a page's form (the
        modeler's XML, a script) is answered 400 as before."""
        if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return answer(400, "bad_request", "页面已过期，请刷新后重试")
        kept = keep_posted_form()
        login = url_for(login_view())
        if not current_user.is_authenticated and urlsplit(form_page()).path != login:
            # the sign-in ran out with the page: sign in, then back to it
            flash("登录已过期，请重新登录。" + ("您填写的内容已保留，登录后将回到原页面。" if kept else ""), "info")
            return redirect(url_for(login_view(), next=form_page()), 303)
        flash("页面已过期" + ("，已为您恢复填写的内容，请检查后重新提交" if kept else "，请重新填写后提交"), "info")
        return redirect(form_page(), 303)
