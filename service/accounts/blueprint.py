"""Account pages: 登录, 注册, 首页, 个人资料, 修改密码."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forms.codes import REGIONS, UNIT_TYPES

from ..errors import DomainError, Invalid
from ..extensions import db, login_manager
from . import operations
from .models import User
from .queries import home_summary

bp = Blueprint("accounts", __name__)


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "error"

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
    return url_for("accounts.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("accounts/login.html", form={})
    try:
        user = operations.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                       request.remote_addr or "")
    except DomainError as exc:
        db.session.commit()  # keep the failed attempt for throttling
        return render_template("accounts/login.html", form=request.form, error=exc.message), exc.status
    db.session.commit()
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("accounts/register.html", form={}, errors={}, unit_types=UNIT_TYPES)
    errors: dict[str, list[str]] = {}
    if request.form.get("password") != request.form.get("confirm_password"):
        errors["confirm_password"] = ["两次输入的密码不一致"]
    try:
        if errors:
            raise Invalid("两次输入的密码不一致", errors)
        user = operations.register(request.form)
    except DomainError as exc:
        db.session.rollback()
        return render_template("accounts/register.html", form=request.form, errors=exc.errors,
                               error=exc.message, unit_types=UNIT_TYPES), exc.status
    db.session.commit()
    login_user(user)
    flash("注册成功，已登录", "success")
    return redirect(url_for("accounts.home"))


@bp.get("/")
@login_required
def home():
    return render_template("accounts/home.html", summary=home_summary(current_user), regions=REGIONS)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "POST":
        try:
            operations.update_profile(current_user, request.form)
        except DomainError as exc:
            db.session.rollback()
            return render_template("accounts/profile.html", form=request.form, errors=exc.errors,
                                   error=exc.message, regions=REGIONS), exc.status
        db.session.commit()
        flash("个人资料已保存", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form={"email": current_user.email,
                                                          "phone": current_user.phone},
                           errors={}, regions=REGIONS)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    if request.method == "POST":
        f = request.form
        try:
            operations.change_password(current_user, f.get("old_password", ""), f.get("new_password", ""),
                                       f.get("confirm_password", ""))
        except DomainError as exc:
            db.session.rollback()
            return render_template("accounts/password.html", errors=exc.errors, error=exc.message), exc.status
        db.session.commit()
        login_user(current_user._get_current_object())  # this session stays signed in; the others end
        flash("密码已修改", "success")
        return redirect(url_for("accounts.password"))
    return render_template("accounts/password.html", errors={})
