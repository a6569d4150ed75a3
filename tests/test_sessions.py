"""Server-side sessions: ending a session ends it for every copy of its cookie; a cross-site POST ends nothing;
a form sent after the idle timeout goes to the login page; the browser's drafts are tied to the user."""
from __future__ import annotations

import hashlib

from conftest import DEMO_PASSWORD, Auth, csrf_token, pass_idle_time, raw_connection

from audits.auth import sessions

COOKIE = "tenken_session"


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE).value


def browser_with(app, cookie: str):
    """Another browser holding a copy of a session cookie (e.g. copied from the shared PC before logout)."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def goes_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def user_id(app, username: str) -> int:
    with raw_connection(app) as conn:
        return conn.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]


# ------------------------------------------------------------------ ending a session ends every copy of its cookie

def test_a_cookie_copied_before_logout_does_not_work_after_it(app, client, auth):
    auth.login("shimin.staff")
    copied = cookie_of(client)
    assert browser_with(app, copied).get("/").status_code == 200     # the copy works while the session lives
    auth.logout()
    assert goes_to_login(browser_with(app, copied).get("/"))
    assert goes_to_login(browser_with(app, copied).get("/sheets/"))
    response = browser_with(app, copied).post("/account/password", data={"current_password": DEMO_PASSWORD,
                                                     "new_password": "stolen-pass-123", "confirm": "stolen-pass-123"})
    assert goes_to_login(response)


def test_the_cookie_is_an_opaque_id_stored_only_as_its_hash(app, client, auth):
    auth.login("shimin.staff")
    token = cookie_of(client)
    assert "shimin" not in token and str(user_id(app, "shimin.staff")) != token
    with raw_connection(app) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM sessions")}
    assert hashlib.sha256(token.encode()).hexdigest() in ids and token not in ids


def test_login_gives_a_new_id_and_the_one_from_before_login_stays_anonymous(app, client, auth):
    client.get("/login")
    planted = cookie_of(client)           # an id an attacker could have planted before the victim logs in
    auth.login("shimin.staff")
    assert cookie_of(client) != planted
    assert goes_to_login(browser_with(app, planted).get("/"))


def test_password_change_ends_every_other_session_and_the_old_cookie(app, client, auth):
    other = app.test_client()
    Auth(other).login("shimin.staff")
    auth.login("shimin.staff")
    before = cookie_of(client)
    response = auth.post("/account/password", {"current_password": DEMO_PASSWORD,
                                                "new_password": "brand-new-pass9", "confirm": "brand-new-pass9"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200                   # this browser continues, under a new id
    assert cookie_of(client) != before
    assert goes_to_login(browser_with(app, before).get("/"))
    assert goes_to_login(other.get("/"))


def test_deactivation_ends_the_users_sessions(app, client, auth):
    staff = app.test_client()
    Auth(staff).login("shimin.staff")
    auth.login("admin")
    uid = user_id(app, "shimin.staff")
    assert auth.post(f"/admin/users/{uid}/active").status_code == 302
    assert goes_to_login(staff.get("/"))


def test_admin_logs_a_user_out_of_every_device(app, client, auth):
    office, tablet = app.test_client(), app.test_client()
    Auth(office).login("shimin.staff")
    Auth(tablet).login("shimin.staff")
    bystander = app.test_client()
    Auth(bystander).login("kenko.staff")
    auth.login("admin")
    uid = user_id(app, "shimin.staff")
    page = client.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "ログイン中の端末" in page and "すべての端末からログアウト" in page and "Werkzeug" in page  # the browser
    response = auth.post(f"/admin/users/{uid}/sessions/end", follow_redirects=True)
    assert "2 件のセッションを終了" in response.get_data(as_text=True)
    assert goes_to_login(office.get("/")) and goes_to_login(tablet.get("/"))
    assert bystander.get("/").status_code == 200
    assert "ログイン中のセッションはありません" in client.get(f"/admin/users/{uid}").get_data(as_text=True)
    with raw_connection(app) as conn:
        assert conn.execute("SELECT count(*) FROM activity_log WHERE action = 'user.sessions_end'"
                            " AND object_id = ?", [str(uid)]).fetchone()[0] == 1


def test_only_an_admin_may_log_others_out(app, client, auth):
    victim = app.test_client()
    Auth(victim).login("admin")
    auth.login("shimin.manager")
    response = auth.post(f"/admin/users/{user_id(app, 'admin')}/sessions/end")
    assert response.status_code == 403
    assert victim.get("/").status_code == 200


# ------------------------------------------------------------------ a cross-site POST never ends a session

def cross_site_post(client, path: str, data: dict):
    """A form on another site posted to Tenken in the victim's browser: the SameSite=Lax cookie is not sent,
    but whatever cookie the answer sets replaces the one the browser holds."""
    held = cookie_of(client)
    client.delete_cookie(COOKIE)
    response = client.post(path, data=data)
    if client.get_cookie(COOKIE) is None:
        client.set_cookie(COOKIE, held)
    return response


def test_a_cross_site_post_gets_a_400_page_and_the_victim_stays_logged_in(client, auth):
    auth.login("shimin.staff")
    response = cross_site_post(client, "/logout", {})
    assert response.status_code == 400 and "不正な送信" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert COOKIE not in response.headers.get("Set-Cookie", "")
    assert "ログインの状態は変わっていません" in response.get_data(as_text=True)
    cross_site_post(client, "/account/password", {"current_password": "x", "new_password": "y", "confirm": "y"})
    assert client.get("/").status_code == 200


def test_a_post_with_the_cookie_but_a_wrong_token_ends_nothing(client, auth):
    auth.login("shimin.staff")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200


# ------------------------------------------------------------------ idle timeout

def test_the_cookie_outlives_the_timeout_so_the_server_can_tell_why(client, auth):
    response = auth.login("shimin.staff")
    cookie = response.headers["Set-Cookie"]
    assert "Expires" not in cookie and "Max-Age" not in cookie   # a browser-session cookie; the server times out


def test_a_form_sent_after_the_timeout_goes_to_the_login_page_and_back(make_app):
    app = make_app(IDLE_TIMEOUT_MINUTES=30)
    client = app.test_client()
    auth = Auth(client)
    auth.login("kenko.staff")
    token = csrf_token(client, "/sheets/1")
    pass_idle_time(app, 31)
    response = client.post("/sheets/1/items/G-01-01", data={"csrf_token": token, "value": "done"},
                           headers={"Referer": "http://localhost/sheets/1"})
    assert goes_to_login(response)                                # not the CSRF error page
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "自動的にログオフしました" in login_page
    token = csrf_token(client, "/login")
    back = client.post(response.headers["Location"], data={
        "username": "kenko.staff", "password": DEMO_PASSWORD, "csrf_token": token})
    assert back.headers["Location"] == "/sheets/1"                # back to the form, where the draft is restored
    with raw_connection(app) as conn:
        assert conn.execute("SELECT count(*) FROM activity_log WHERE action = 'session.timeout'"
                            " AND username = 'kenko.staff'").fetchone()[0] == 1


def test_a_form_sent_with_a_revoked_cookie_goes_to_the_login_page(app, client, auth):
    auth.login("shimin.staff")
    token = csrf_token(client, "/")
    with raw_connection(app) as conn:
        conn.execute("DELETE FROM sessions")
    response = client.post("/account/password", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/account/password"})
    assert goes_to_login(response) and "next=/account/password" in response.headers["Location"]
    assert "このセッションは終了しています" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_login_form_left_open_past_the_timeout_asks_again(app, client):
    token = csrf_token(client, "/login")
    pass_idle_time(app, 31)
    response = client.post("/login?next=/sheets/", data={
        "username": "shimin.staff", "password": DEMO_PASSWORD, "csrf_token": token})
    assert goes_to_login(response) and "next=/sheets/" in response.headers["Location"]
    assert "もう一度入力してください" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_long_ended_rows_are_removed_when_a_session_starts(app, client, auth):
    auth.login("shimin.staff")
    pass_idle_time(app, 30 + sessions.KEEP_ENDED_SECONDS / 60 + 1)
    app.test_client().get("/login")                               # any new session sweeps
    with raw_connection(app) as conn:
        assert conn.execute("SELECT count(*) FROM sessions WHERE user_id = ?",
                            [user_id(app, "shimin.staff")]).fetchone()[0] == 0


# ------------------------------------------------------------------ drafts in the browser belong to a user

def test_pages_name_the_user_whose_drafts_they_keep(app, client, auth):
    auth.login("kenko.staff")
    html = client.get("/sheets/1").get_data(as_text=True)
    assert f'<meta name="tenken-user" content="{user_id(app, "kenko.staff")}">' in html
    assert "data-clear-drafts" in html                            # the logout form clears them
    auth.logout()
    assert 'name="tenken-user"' not in client.get("/login").get_data(as_text=True)


# ------------------------------------------------------------------ migration

def test_the_sessions_migration_carries_an_existing_database_forward(tmp_path):
    from audits import create_app
    from audits.auth import service as users
    from audits.db import connect, init_db
    from audits.migrations import migration_sets, migrations as core

    path = tmp_path / "old.db"
    db = connect(str(path))
    for migration_set in migration_sets():
        migration_set.apply(db)
    # The release before: no sessions table (later migrations stay applied, so today's create_user works).
    db["sessions"].drop()
    db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = ?", [core.name, "0003_server_sessions"])
    db.conn.commit()
    assert not db["sessions"].exists()
    users.create_user(db, "old.admin", "旧管理者", "old-admin-pass1", ["admin"])
    db.conn.close()

    assert "tenken:0003_server_sessions" in init_db(str(path))
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE": str(path),
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    client = app.test_client()
    Auth(client).login("old.admin", "old-admin-pass1")
    assert client.get("/").status_code == 200


def test_a_backup_carries_no_session_so_a_restore_revives_none(app, client, auth, runner, tmp_path):
    import sqlite3

    auth.login("chief")
    assert raw_connection(app).execute("SELECT count(*) FROM sessions").fetchone()[0] >= 1
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "backup" / "tenken.db")
    assert copy.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    copy.close()
    assert client.get("/").status_code == 200            # the live session itself is untouched
