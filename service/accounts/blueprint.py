"""Account pages: 登录, 注册, 首页, 个人资料, 修改密码."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forms.codes import REGIONS, UNIT_TYPES

from ..errors import DomainError, Problems
from ..extensions import db, login_manager
from ..web.pages import shows_errors
from ..web.resume import form_page, keep_posted_form, resumed_form
from . import operations
from .models import User

bp = Blueprint("accounts", __name__)


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "error"

    @login_manager.unauthorized_handler
    def _sign_in_first():
        """Not signed in (or the sign-in ran out): to the login page, and back to where the person was —
        with what they had typed in a form kept for them."""
        if request.method == "POST" and keep_posted_form():
            flash("登录已过期，请重新登录。您填写的内容已保留，登录后将回到原页面。", "info")
        else:
            flash("请先登录", "error")
        return redirect(url_for("accounts.login", next=form_page() if request.method == "POST" else request.full_path))

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        user_id = session_id.split(":", 1)[0]
        user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) <= 9 else None
        if user is None or not user.active or user.get_id() != session_id:
            return None
        return user


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@shows_errors(lambda exc: render_template("accounts/login.html", form=request.form, error=exc.message),
              to_error_page=(404,))
def login():
    if request.method == "GET":  # the user name typed before a page ran out comes back
        return render_template("accounts/login.html", form=resumed_form() or {})
    user = operations.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                   request.remote_addr or "")
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        operations.end_sessions(current_user._get_current_object())
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("accounts.login"))


def _register_page(exc: DomainError | None = None) -> str:
    return render_template("accounts/register.html", form=request.form if exc else {},
                           errors=exc.errors if exc else {}, error=exc.message if exc else None,
                           unit_types=UNIT_TYPES)


@bp.route("/register", methods=["GET", "POST"])
@shows_errors(_register_page)
def register():
    if request.method == "GET":
        return _register_page()
    problems = Problems()
    if request.form.get("password") != request.form.get("confirm_password"):
        problems.add("confirm_password", "两次输入的密码不一致")
    user = operations.register(request.form, problems)
    login_user(user)
    flash("注册成功，已登录", "success")
    return redirect(url_for("home.index"))


def _profile_page(exc: DomainError | None = None) -> str:
    form = request.form if exc else {"email": current_user.email, "phone": current_user.phone}
    return render_template("accounts/profile.html", form=form, errors=exc.errors if exc else {},
                           error=exc.message if exc else None, regions=REGIONS)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
@shows_errors(_profile_page)
def profile():
    if request.method == "GET":
        return _profile_page()
    operations.update_profile(current_user, request.form)
    flash("个人资料已保存", "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@shows_errors(lambda exc: render_template("accounts/password.html", errors=exc.errors, error=exc.message))
def password():
    if request.method == "GET":
        return render_template("accounts/password.html", errors={})
    f = request.form
    operations.change_password(current_user, f.get("old_password", ""), f.get("new_password", ""),
                               f.get("confirm_password", ""))
    login_user(current_user._get_current_object())  # this session stays signed in; the others end
    flash("密码已修改", "success")
    return redirect(url_for("accounts.password"))
