"""Server-side sessions: the cookie carries only a random id; everything else lives in the `sessions` table.

The table keeps the SHA-256 of the id (a copy of the database or a backup holds no usable cookie), the user,
the session's data (flask-login's user id, the CSRF token, flash messages), when it started, when it was last
used, and the browser and address it started from (shown to the administrator). Ending a session deletes its
row, so a copy of the cookie taken before logout, a password change, a deactivation or an administrator's
「すべての端末からログアウト」 no longer opens anything: the request is anonymous and gets the login page.

Rules kept here and nowhere else:
- a session unused for IDLE_TIMEOUT_MINUTES has ended (自動ログオフ); the request learns why (`ended`);
- the id changes whenever the user changes (login, logout) or a route asks for it (`renew()`): no fixation;
- a POST that arrived without the session cookie never sets one. A cross-site form post is such a request (the
  cookie is SameSite=Lax): answering it with a new cookie would replace, and so end, the victim's session;
- rows idle for longer than the timeout plus a grace period are deleted whenever a session starts (an indexed
  range delete), so the table stays small without a scheduled job.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import datetime

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from sqlite_utils import Database
from werkzeug.datastructures import CallbackDict

from ..db import get_db, transaction
from ..timeutil import JST, now_iso

# A session's last use is written at most this often (not on every request), to spare the database writes.
TOUCH_INTERVAL_SECONDS = 60
# Ended rows are kept this long after their timeout, so that a returning browser hears "自動ログオフ" rather than
# a bare "ログインしてください"; an ended row never opens a session again.
KEEP_ENDED_SECONDS = 12 * 3600

TIMED_OUT = "timeout"
REVOKED = "revoked"      # the cookie names no session: logged out, ended by an administrator, or never valid


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user_of(data: dict) -> int | None:
    """The user id flask-login keeps in the session (AuthenticatedUser.get_id())."""
    raw = data.get("_user_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


class ServerSession(CallbackDict, SessionMixin):
    """Flask's `session` for one request, backed by a row of the `sessions` table."""

    def __init__(self, data: dict | None = None, *, token: str | None = None, cookie_sent: bool = False,
                 last_seen: float | None = None, ended: str | None = None, ended_user: tuple | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(data or {}, on_update)
        self.token = token                    # the id in the cookie; None until the session is stored
        self.cookie_sent = cookie_sent        # the browser sent a session cookie (alive or not)
        self.loaded_user_id = _user_of(self)
        self.last_seen = last_seen
        self.ended = ended                    # why the cookie sent opened no session: TIMED_OUT, REVOKED or None
        self.ended_user = ended_user          # (id, username) of a session that timed out
        self.renew_requested = False
        self.modified = False

    def renew(self) -> None:
        """Keep the data but move it to a new id (the old one stops working), e.g. after a password change."""
        self.renew_requested = True


def _idle_seconds(app: Flask) -> int:
    return int(app.config["IDLE_TIMEOUT_MINUTES"]) * 60


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        db = get_db()
        row = db.execute(
            "SELECT s.data, s.last_seen, s.user_id, u.username FROM sessions s LEFT JOIN users u ON u.id = s.user_id"
            " WHERE s.id = ?", [_hash(token)]).fetchone()
        if row is None:
            return ServerSession(cookie_sent=True, ended=REVOKED)
        data, last_seen, user_id, username = row
        if time.time() - last_seen > _idle_seconds(app):
            with transaction(db):
                db.execute("DELETE FROM sessions WHERE id = ?", [_hash(token)])
            return ServerSession(cookie_sent=True, ended=TIMED_OUT,
                                 ended_user=(user_id, username) if user_id is not None else None)
        try:
            values = json.loads(data)
        except ValueError:
            values = {}
        return ServerSession(values, token=token, cookie_sent=True, last_seen=last_seen)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        user_id = _user_of(session)
        new_id_needed = session.renew_requested or user_id != session.loaded_user_id
        db = get_db()
        if session.token and (new_id_needed or not session):
            with transaction(db):
                db.execute("DELETE FROM sessions WHERE id = ?", [_hash(session.token)])
        if not session:
            if session.cookie_sent:
                response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
            return
        if session.token and not new_id_needed:
            stamp = time.time()
            stale = session.last_seen is None or stamp - session.last_seen >= TOUCH_INTERVAL_SECONDS
            if session.modified or (stale and request.endpoint != "static"):
                with transaction(db):
                    updated = db.execute("UPDATE sessions SET data = ?, last_seen = ? WHERE id = ?",
                                         [json.dumps(dict(session)), stamp, _hash(session.token)]).rowcount
                if not updated:  # ended while this request ran (e.g. 「すべての端末からログアウト」 of oneself)
                    response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
            return
        if not session.cookie_sent and request.method not in ("GET", "HEAD", "OPTIONS"):
            return  # see the module docstring: never answer a cookieless POST with a new session cookie
        token = secrets.token_urlsafe(32)
        stamp = time.time()
        with transaction(db):
            db.execute("DELETE FROM sessions WHERE last_seen < ?", [stamp - _idle_seconds(app) - KEEP_ENDED_SECONDS])
            db["sessions"].insert({
                "id": _hash(token), "user_id": user_id, "data": json.dumps(dict(session)),
                "created_at": now_iso(), "last_seen": stamp,
                "ip": request.remote_addr, "user_agent": (request.user_agent.string or "")[:300],
            })
        # No Expires: the cookie ends with the browser; the server ends the session after the idle timeout.
        response.set_cookie(
            name, token, httponly=self.get_cookie_httponly(app), secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app), domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app), partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")


def end_user_sessions(db: Database, user_id: int) -> int:
    """End every session of a user, wherever it is used. Joins the caller's transaction; returns how many."""
    with transaction(db):
        return db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id]).rowcount


def user_sessions(db: Database, user_id: int, idle_minutes: int) -> list[dict]:
    """The user's live sessions, most recently used first, for the administrator's page."""
    since = time.time() - idle_minutes * 60
    rows = list(db.query(
        "SELECT created_at, last_seen, ip, user_agent FROM sessions WHERE user_id = ? AND last_seen >= ?"
        " ORDER BY last_seen DESC", [user_id, since]))
    for row in rows:
        row["last_seen_at"] = datetime.fromtimestamp(row.pop("last_seen"), JST).isoformat(timespec="seconds")
    return rows
