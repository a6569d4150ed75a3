"""Login, logout (POST only) and changing one's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..activity import service as activity
from ..db import get_db
from ..forms import EmptyForm
from . import service
from .forms import LoginForm, PasswordChangeForm

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "利用者ID又はパスワードが正しくありません。続けて失敗すると、しばらくの間ログインできなくなります。"


def _safe_next(target: str | None) -> str | None:
    """Only a local path may follow a login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(
            get_db(), form.username.data, form.password.data, ip=request.remote_addr,
            max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
            window_minutes=int(current_app.config["LOGIN_LOCKOUT_MINUTES"]),
        )
        if user is None:
            flash(LOGIN_FAILED, "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # nothing of the anonymous session carries over; its id changes with the user
        login_user(user)
        flash(f"{user.display_name} さん、ようこそ。", "success")
        return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        activity.record(get_db(), "logout")
        logout_user()
        session.clear()
        flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = get_db()
        if not service.verify_password(db, current_user.id, form.current_password.data):
            form.current_password.errors.append("現在のパスワードが正しくありません。")
        else:
            service.set_password(db, current_user.id, form.new_password.data, action="password.change")
            # That ended every session of the user, this one too: this browser continues under a new id.
            session.renew()
            flash("パスワードを変更しました。", "success")
            return redirect(url_for("home.index"))
    from ..notify.routes import preferences_form

    return render_template("auth/password.html", form=form, notice_form=preferences_form(current_user.id))
