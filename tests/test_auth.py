"""Login, one generic failure message, lock-out, idle timeout, logout by POST, CSRF, headers."""
from __future__ import annotations

from conftest import DEMO_PASSWORD, csrf_token, pass_idle_time

from audits.auth.routes import LOGIN_FAILED


def test_login_success_shows_home(client, auth):
    response = auth.login("shimin.staff", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ホーム" in html and "市民課" in html


def test_wrong_password_and_unknown_user_get_the_same_message(client, auth):
    wrong = auth.login("shimin.staff", "wrong-password-1").get_data(as_text=True)
    unknown = auth.login("nobody-here", "wrong-password-1").get_data(as_text=True)
    assert LOGIN_FAILED in wrong and LOGIN_FAILED in unknown
    assert client.get("/").status_code == 302  # still not logged in


def test_login_failures_are_logged(client, auth, db):
    auth.login("shimin.staff", "wrong-password-1")
    auth.login("shimin.staff")
    actions = [r["action"] for r in db.query("SELECT action FROM activity_log WHERE username = 'shimin.staff' ORDER BY id")]
    assert actions[-2:] == ["login.failure", "login.success"]


def test_lockout_after_repeated_failures_refuses_even_the_right_password(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3)
    client = app.test_client()
    from conftest import Auth

    auth = Auth(client)
    for _ in range(3):
        auth.login("hoken.staff", "wrong-password-1")
    response = auth.login("hoken.staff", DEMO_PASSWORD)
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # Another account is not affected.
    assert auth.login("shimin.staff").status_code == 302
    assert client.get("/").status_code == 200


def test_lockout_ends_after_the_window(make_app, db):
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=15)
    client = app.test_client()
    from conftest import Auth

    auth = Auth(client)
    auth.login("hoken.staff", "wrong-password-1")
    auth.login("hoken.staff", "wrong-password-1")
    # Age the failures beyond the window, as if 16 minutes had passed.
    db.execute("UPDATE login_failures SET at = '2000-01-01T00:00:00+09:00'")
    assert auth.login("hoken.staff").status_code == 302
    assert client.get("/").status_code == 200


def test_disabled_user_cannot_log_in(client, auth, db):
    db.execute("UPDATE users SET active = 0 WHERE username = 'shimin.staff'")
    response = auth.login("shimin.staff")
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_idle_timeout_logs_out(make_app):
    app = make_app(IDLE_TIMEOUT_MINUTES=30)
    client = app.test_client()
    from conftest import Auth

    Auth(client).login("shimin.staff")
    assert client.get("/").status_code == 200
    pass_idle_time(app, 31)
    response = client.get("/departments/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "自動的にログオフしました" in follow
    assert client.get("/").status_code == 302


def test_activity_within_timeout_keeps_session(make_app):
    app = make_app(IDLE_TIMEOUT_MINUTES=30)
    client = app.test_client()
    from conftest import Auth

    Auth(client).login("shimin.staff")
    pass_idle_time(app, 29)
    assert client.get("/").status_code == 200


def test_logout_is_post_only(client, auth):
    auth.login("shimin.staff")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(client, auth):
    response = client.post("/login", data={"username": "shimin.staff", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "不正な送信" in response.get_data(as_text=True)
    auth.login("shimin.staff")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_login_redirects_only_to_local_paths(client):
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "username": "shimin.staff", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client)
    response = client.post("/login?next=/departments/", data={
        "username": "shimin.staff", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/departments/"


def test_security_headers_and_cookie_flags(client, auth):
    response = auth.login("shimin.staff")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_external_assets(client, auth):
    auth.login("admin")
    for path in ["/", "/departments/", "/admin/users", "/log/", "/login"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html
        assert "http://" not in html and "https://" not in html, path


def test_password_change_invalidates_other_sessions(app, auth, client):
    other = app.test_client()
    from conftest import Auth

    Auth(other).login("shimin.staff")
    auth.login("shimin.staff")
    response = auth.post("/account/password", {"current_password": DEMO_PASSWORD,
                                                "new_password": "brand-new-pass9", "confirm": "brand-new-pass9"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200        # this session continues
    assert other.get("/").status_code == 302         # the other one is gone


def test_password_change_rejects_weak_password_and_keeps_input(client, auth):
    auth.login("shimin.staff")
    response = auth.post("/account/password", {"current_password": DEMO_PASSWORD,
                                                "new_password": "short", "confirm": "short"})
    assert "10文字以上" in response.get_data(as_text=True)


def test_form_sent_after_timeout_returns_to_its_page_after_login(make_app):
    app = make_app(IDLE_TIMEOUT_MINUTES=30)
    client = app.test_client()
    from conftest import Auth

    auth = Auth(client)
    auth.login("kenko.staff")
    token = csrf_token(client, "/")
    pass_idle_time(app, 31)
    response = client.post("/sheets/1/items/G-01-01", data={"csrf_token": token, "value": "done"},
                           headers={"Referer": "http://localhost/sheets/1"})
    assert response.status_code == 302
    assert "next=/sheets/1" in response.headers["Location"]
