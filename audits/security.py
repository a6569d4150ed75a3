"""Sessions, CSRF, security headers and the idle timeout (自動ログオフ)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit
from datetime import timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFProtect

from .activity import service as activity
from .auth import service as users
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
        raw_id, token = user_id.split(":", 1)
        return users.load_user(get_db(), int(raw_id), token)
    except ValueError:
        return None


def _enforce_idle_timeout():
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    limit_seconds = int(current_app.config["IDLE_TIMEOUT_MINUTES"]) * 60
    last_seen = session.get("last_seen")
    stamp = time.time()
    if last_seen is not None and stamp - float(last_seen) > limit_seconds:
        activity.record(get_db(), "session.timeout")
        logout_user()
        session.clear()
        flash("一定時間操作がなかったため、自動的にログオフしました。もう一度ログインしてください。", "warning")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        # A form sent after the timeout is not applied; back on its page after login, the answer
        # forms restore what was typed from the browser's draft storage.
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc == request.host and referrer.path.startswith("/"):
            return redirect(url_for("auth.login", next=referrer.path + (f"?{referrer.query}" if referrer.query else "")))
        return redirect(url_for("auth.login"))
    session["last_seen"] = stamp
    return None


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
    minutes = int(app.config["IDLE_TIMEOUT_MINUTES"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "tenken_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session lifetime bounds the token

    csrf.init_app(app)
    login_manager.init_app(app)

    @app.before_request
    def _before():
        session.permanent = True
        return _enforce_idle_timeout()

    app.after_request(_security_headers)
