"""Sessions, CSRF, security headers and the idle timeout (自動ログオフ)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .activity import service as activity
from .auth import service as users
from .auth import sessions
from .db import get_db

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "ログインしてください。"
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        return users.load_user(get_db(), int(user_id))
    except ValueError:
        return None


TIMED_OUT_MESSAGE = "一定時間操作がなかったため、自動的にログオフしました。もう一度ログインしてください。"
ENDED_MESSAGE = "このセッションは終了しています（ログアウト又は管理者の操作による）。もう一度ログインしてください。"
EXPIRED_FORM_MESSAGE = "画面を開いてから時間が経ったため、送信を受け付けませんでした。もう一度入力してください。"


def _return_path() -> str | None:
    """Where the user was: the page for a GET, the page the form was on for a POST (same host only)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def _handle_ended_session():
    """The browser sent a cookie whose session has ended (idle timeout, logout elsewhere, revoked).

    Runs before the CSRF check: a form sent after the timeout goes to the login page, not to the CSRF error;
    it is not applied, and back on its page after login the browser's draft (tenken.js, audit_autosave.js)
    restores what was typed.
    """
    ended = getattr(session, "ended", None)
    if ended is None or request.endpoint == "static":
        return None
    timed_out = ended == sessions.TIMED_OUT and session.ended_user is not None
    if timed_out:
        user_id, username = session.ended_user
        activity.record(get_db(), "session.timeout", user_id=user_id, username=username)
        flash(TIMED_OUT_MESSAGE, "warning")
    if request.endpoint == "auth.login":
        if request.method == "GET":
            return None
        if not timed_out:
            flash(EXPIRED_FORM_MESSAGE, "warning")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    if not timed_out:
        if request.method == "GET":
            return None  # anonymous now: login_required sends a protected page to the login page
        flash(ENDED_MESSAGE, "warning")
    return redirect(url_for("auth.login", next=None if request.endpoint == "auth.logout" else _return_path()))


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        # Personal data must not linger in shared browsers' caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "tenken_session"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session lifetime bounds the token

    app.session_interface = sessions.DatabaseSessionInterface()
    app.before_request(_handle_ended_session)  # before CSRFProtect's own check, which init_app registers
    csrf.init_app(app)
    login_manager.init_app(app)
    app.after_request(_security_headers)
