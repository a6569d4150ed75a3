"""Notifications: notices queued by the actions, the daily digest, `flask notify` mailing them through a real SMTP
server (aiosmtpd, in-process on 127.0.0.1), the in-app list, preferences, and the user's e-mail address."""
from __future__ import annotations

import email
import email.policy
import socket
import sqlite3
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from builders_selfcheck import load, sheet_id, user

from audits.db import connect, init_db
from audits.notify import categories as cat
from audits.notify import digest
from audits.sheets import service as sheets
from audits.timeutil import now


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    controller, box = start_server(smtp_port)
    yield box
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_port):
    """The demo city with mail configured; only shimin.staff, shimin.manager and kenko.staff keep an address
    (fewer messages to read), everyone else sees notices in the app only."""
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_STARTTLS=False, MAIL_FROM="tenken@example.jp",
                   PUBLIC_URL="https://tenken.example.jp")
    conn = sqlite3.connect(app.config["DATABASE"])
    with conn:
        conn.execute("UPDATE users SET email = NULL WHERE username NOT IN ('shimin.staff', 'shimin.manager', "
                     "'kenko.staff')")
        conn.execute("UPDATE notices SET mail_status = 'none'")  # the demo's own notices: not mailed here
    conn.close()
    return app


def _db(app):
    return connect(app.config["DATABASE"])


def notices_of(app, username: str, category: str | None = None) -> list[dict]:
    db = _db(app)
    try:
        sql = "SELECT n.* FROM notices n JOIN users u ON u.id = n.user_id WHERE u.username = ?"
        params = [username]
        if category:
            sql += " AND n.category = ?"
            params.append(category)
        return list(db.query(sql + " ORDER BY n.id", params))
    finally:
        db.conn.close()


def digest_bodies(app, db) -> dict[int, str]:
    with app.app_context():
        return {n.user_id: n.body for n in digest.build(db)}


def approve_shimin_sheet(app):
    """shimin.manager approves 市民課's submitted sheet through the page, as a browser would."""
    from conftest import Auth

    client = app.test_client()
    auth = Auth(client)
    auth.login("shimin.manager")
    db = _db(app)
    sid = sheet_id(db, "shimin")
    revision = load(db, sid)["status_revision"]
    db.conn.close()
    response = auth.post(f"/sheets/{sid}/approve", {"reason": "", "status_revision": revision})
    assert response.status_code == 302
    return sid


def test_approval_is_queued_in_the_request_and_mailed_in_japanese_by_notify(mail_app, inbox):
    sid = approve_shimin_sheet(mail_app)
    queued = [n for n in notices_of(mail_app, "shimin.staff", cat.SHEET_WORKFLOW) if n["link"] == f"/sheets/{sid}"]
    assert len(queued) == 1 and "承認されました" in queued[0]["subject"] and "令和" in queued[0]["subject"]
    assert inbox.messages == []                               # the request itself sends nothing

    result = mail_app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    mails = [m for m in inbox.to("shimin.staff@example.jp") if "承認されました" in m["Subject"]]
    assert len(mails) == 1
    message = mails[0]
    assert message["Subject"] == queued[0]["subject"] and "市民課" in message["Subject"]
    assert message["From"] == "tenken@example.jp"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "様" in body and "承認されました" in body and f"https://tenken.example.jp/sheets/{sid}" in body
    # shimin.manager approved it: no notice of their own action.
    assert not [m for m in inbox.to("shimin.manager@example.jp") if "承認されました" in m["Subject"]]
    assert notices_of(mail_app, "shimin.staff", cat.SHEET_WORKFLOW)[-1]["mail_status"] == cat.MAIL_SENT

    count = len(inbox.messages)
    again = mail_app.test_cli_runner().invoke(args=["notify"])
    assert again.exit_code == 0, again.output
    assert len(inbox.messages) == count                       # nothing is sent twice (digests included)
    assert "メールを 0 通送信しました" in again.output


def test_submission_goes_to_the_departments_managers_only(app, db):
    sheet = load(db, sheet_id(db, "hoiku"))                   # returned in the demo, complete
    before = db.execute("SELECT max(id) FROM notices").fetchone()[0]
    sheets.transition(db, sheet, "submit", user(db, "hoiku.staff"))
    made = list(db.query("SELECT u.username, n.subject FROM notices n JOIN users u ON u.id = n.user_id "
                         "WHERE n.id > ?", [before]))
    assert [m["username"] for m in made] == ["hoiku.manager"]   # not the submitter, not another 課
    assert "提出されました" in made[0]["subject"] and "保育課" in made[0]["subject"]


def test_a_refused_action_queues_nothing(app, db):
    sheet = load(db, sheet_id(db, "hoiku"))
    before = db.execute("SELECT count(*) FROM notices").fetchone()[0]
    with pytest.raises(sheets.TransitionError):
        sheets.transition(db, sheet, "approve", user(db, "hoiku.manager"))   # returned: cannot be approved
    assert db.execute("SELECT count(*) FROM notices").fetchone()[0] == before


def test_mail_server_down_keeps_notices_pending_and_the_next_run_sends_them(mail_app, smtp_port):
    approve_shimin_sheet(mail_app)
    runner = mail_app.test_cli_runner()
    down = runner.invoke(args=["notify"])                     # nothing listens on the port yet
    assert down.exit_code == 1
    assert "再送" in down.output
    pending = notices_of(mail_app, "shimin.staff", cat.SHEET_WORKFLOW)[-1]
    assert pending["mail_status"] == cat.MAIL_PENDING and pending["mail_attempts"] == 1 and pending["mail_error"]

    controller, inbox = start_server(smtp_port)
    try:
        up = runner.invoke(args=["notify"])
        assert up.exit_code == 0, up.output
        assert len([m for m in inbox.to("shimin.staff@example.jp") if "承認されました" in m["Subject"]]) == 1
        # the digest made by the failed run is delivered too, once
        assert len([m for m in inbox.to("kenko.staff@example.jp") if "期限のお知らせ" in m["Subject"]]) == 1
    finally:
        controller.stop()
    assert notices_of(mail_app, "shimin.staff", cat.SHEET_WORKFLOW)[-1]["mail_status"] == cat.MAIL_SENT


def test_dry_run_lists_what_it_would_send_and_changes_nothing(mail_app, inbox):
    approve_shimin_sheet(mail_app)
    db = _db(mail_app)
    before = db.execute("SELECT count(*), sum(mail_status = 'pending') FROM notices").fetchone()
    db.conn.close()
    result = mail_app.test_cli_runner().invoke(args=["notify", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "shimin.staff@example.jp" in result.output and "承認されました" in result.output
    assert "期限のお知らせ" in result.output
    assert inbox.messages == []
    db = _db(mail_app)
    assert db.execute("SELECT count(*), sum(mail_status = 'pending') FROM notices").fetchone() == before
    db.conn.close()


def test_without_a_mail_server_notices_still_appear_in_the_app(app):
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    assert "メール送信は設定されていません" in result.output
    digests = notices_of(app, "kenko.staff", cat.DIGEST)
    assert len(digests) == 1 and "点検票" in digests[0]["body"]
    assert app.test_cli_runner().invoke(args=["notify"]).exit_code == 0
    assert len(notices_of(app, "kenko.staff", cat.DIGEST)) == 1      # one digest a day at most


def test_mail_settings_without_a_sender_are_refused(make_app):
    app = make_app(SMTP_HOST="127.0.0.1")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code != 0 and "MAIL_FROM" in result.output


def test_digest_reuses_each_features_overdue_rule(app, db):
    today = now().date()
    # 健康づくり課's sheet is answered in part: due in 3 days (not overdue), then yesterday (overdue).
    kenko = load(db, sheet_id(db, "kenko"))
    db.execute("UPDATE schedule_departments SET due_date = ? WHERE schedule_id = ? AND department_id = ?",
               [(today + timedelta(days=3)).isoformat(), kenko["schedule_id"], kenko["department_id"]])
    db.conn.commit()
    body = digest_bodies(app, db)[user(db, "kenko.staff").id]
    soon = body.split("■ 7日以内に期限")[1]
    assert "点検票 健康づくり課" in soon
    assert "点検票 健康づくり課" not in body.split("■ 7日以内に期限")[0]

    db.execute("UPDATE schedule_departments SET due_date = ? WHERE schedule_id = ? AND department_id = ?",
               [(today - timedelta(days=1)).isoformat(), kenko["schedule_id"], kenko["department_id"]])
    db.conn.commit()
    row = next(r for r in sheets.progress_rows(db) if r["id"] == kenko["id"])
    assert row["overdue"]                                      # the sheet list's rule says so, and so does the digest
    body = digest_bodies(app, db)[user(db, "kenko.staff").id]
    assert "点検票 健康づくり課" in body.split("■ 期限超過")[1].split("■ 7日以内")[0]


def test_digest_lists_overdue_corrective_actions_and_incident_deadlines(app, db):
    today = now().date()
    action = db.execute("""SELECT ca.id, d.code FROM corrective_actions ca JOIN departments d ON d.id = ca.department_id
                           WHERE ca.incident_id IS NOT NULL LIMIT 1""").fetchone()
    assert action, "the demo has an incident's 再発防止策"
    db.execute("UPDATE corrective_actions SET status = 'open', due_date = ? WHERE id = ?",
               [(today - timedelta(days=2)).isoformat(), action[0]])
    db.conn.commit()
    bodies = digest_bodies(app, db)
    overdue_part = bodies[user(db, f"{action[1]}.staff").id].split("■ 期限超過")[1]
    assert "改善措置" in overdue_part
    # 保険年金課's USB case: the 確報 is overdue in the demo (incidents/deadlines.py says so).
    assert "確報" in bodies[user(db, "hoken.staff").id].split("■ 期限超過")[1]


def test_preferences_on_the_account_page_turn_categories_off(mail_app, inbox):
    from conftest import Auth

    client = mail_app.test_client()
    auth = Auth(client)
    auth.login("shimin.staff")
    page = client.get("/account/password").get_data(as_text=True)
    assert "お知らせの設定" in page and cat.CATEGORY_LABELS[cat.SHEET_WORKFLOW] in page
    keep = [c for c in cat.CATEGORIES if c not in (cat.SHEET_WORKFLOW, cat.SHEET_DUE)]
    response = auth.post("/notices/preferences", {"enabled": keep})
    assert response.status_code == 302
    assert "checked" not in client.get("/account/password").get_data(as_text=True).split(
        cat.CATEGORY_LABELS[cat.SHEET_WORKFLOW])[0].rsplit("<li>", 1)[1]

    sid = approve_shimin_sheet(mail_app)
    assert [n for n in notices_of(mail_app, "shimin.staff", cat.SHEET_WORKFLOW) if n["link"] == f"/sheets/{sid}"] == []
    assert mail_app.test_cli_runner().invoke(args=["notify"]).exit_code == 0
    assert not [m for m in inbox.to("shimin.staff@example.jp")
                if "承認されました" in m["Subject"] or "点検票" in m.get_content()]
    # kenko.staff kept everything: their digest names their sheet
    assert any("点検票 健康づくり課" in m.get_content() for m in inbox.to("kenko.staff@example.jp"))


def test_preferences_need_the_csrf_token(client, auth):
    auth.login("shimin.staff")
    client.post("/notices/preferences", data={"enabled": []})
    page = client.get("/account/password").get_data(as_text=True)
    assert page.count('checked') >= len(cat.CATEGORIES)      # nothing was turned off


def test_in_app_list_and_header_count_are_the_users_own(app, client, auth):
    assert notices_of(app, "shimin.manager")                  # the demo's submitted sheet told 市民課長
    auth.login("shimin.manager")
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="未読' in home
    page = client.get("/notices/").get_data(as_text=True)
    subject = notices_of(app, "shimin.manager")[0]["subject"]
    assert subject in page
    assert auth.post("/notices/read").status_code == 302
    assert 'aria-label="未読' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("kenko.staff")
    assert subject not in client.get("/notices/").get_data(as_text=True)


def test_fact_check_request_reaches_the_audited_departments_managers(app):
    # The demo's joint audit of 市民課 and 保険年金課 was sent for 事実確認.
    assert notices_of(app, "shimin.manager", cat.FACT_CHECK)
    assert notices_of(app, "hoken.manager", cat.FACT_CHECK)
    assert notices_of(app, "shimin.staff", cat.FACT_CHECK) == []
    assert notices_of(app, "sangyo.manager", cat.FACT_CHECK) == []


def test_admin_sets_an_email_address_and_a_malformed_one_is_refused(app, client, auth, db):
    auth.login("admin")
    target = user(db, "shimin.staff")
    form = {"username": "shimin.staff", "display_name": target.display_name, "roles": ["staff"],
            "departments": ["shimin"]}
    bad = auth.post(f"/admin/users/{target.id}", {**form, "email": "not an address"})
    assert bad.status_code == 200 and "メールアドレスの形式が正しくありません" in bad.get_data(as_text=True)
    assert db.execute("SELECT email FROM users WHERE id = ?", [target.id]).fetchone()[0] == "shimin.staff@example.jp"
    good = auth.post(f"/admin/users/{target.id}", {**form, "email": "hanako.sato@city.example.jp"})
    assert good.status_code == 302
    assert db.execute("SELECT email FROM users WHERE id = ?", [target.id]).fetchone()[0] == "hanako.sato@city.example.jp"
    auth.post(f"/admin/users/{target.id}", {**form, "email": ""})
    assert db.execute("SELECT email FROM users WHERE id = ?", [target.id]).fetchone()[0] is None


def test_the_migrations_carry_a_database_from_before_notifications_forward(tmp_path, demo_template):
    path = tmp_path / "old.db"
    import shutil

    shutil.copy(demo_template, path)
    conn = sqlite3.connect(path)
    with conn:   # as the release before: no e-mail column, no notification tables, those migrations not applied
        conn.execute("DROP TABLE notices")
        conn.execute("DROP TABLE notice_optouts")
        conn.execute("ALTER TABLE users DROP COLUMN email")
        conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'notify' OR name = '0005_user_email'")
    users_before = conn.execute("SELECT id, username, password_hash FROM users ORDER BY id").fetchall()
    conn.close()

    applied = init_db(str(path))
    assert "tenken:0005_user_email" in applied and "notify:0001_notices" in applied
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT id, username, password_hash FROM users ORDER BY id").fetchall() == users_before
        assert conn.execute("SELECT count(*) FROM users WHERE email IS NOT NULL").fetchone()[0] == 0
        with pytest.raises(sqlite3.IntegrityError):        # the category is checked by the database
            conn.execute("INSERT INTO notices (key, user_id, category, subject, body, created_at) "
                         "VALUES ('k', 1, 'spam', 's', 'b', 'now')")
    finally:
        conn.close()


def test_with_starttls_required_nothing_goes_out_in_clear_text(make_app, inbox, smtp_port):
    # The test server offers no STARTTLS: a city that asked for it must not have its mail sent unencrypted.
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_STARTTLS=True, MAIL_FROM="tenken@example.jp")
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 1 and "再送" in result.output
    assert inbox.messages == []
    db = _db(app)
    try:
        assert db.execute("SELECT count(*) FROM notices WHERE mail_status = 'sent'").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM notices WHERE mail_status = 'pending'").fetchone()[0] > 0
    finally:
        db.conn.close()


def test_create_user_takes_an_email_address(runner, db):
    result = runner.invoke(args=["create-user", "taro.yamada", "--role", "staff", "--dept", "shimin",
                                 "--password", "Kensa-2025-pass", "--email", "taro.yamada@example.jp"])
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT email FROM users WHERE username = 'taro.yamada'").fetchone()[0] == "taro.yamada@example.jp"


def test_create_user_refuses_a_malformed_address(runner, db):
    result = runner.invoke(args=["create-user", "jiro", "--role", "staff", "--dept", "shimin",
                                 "--password", "Kensa-2025-pass", "--email", "jiro@"])
    assert result.exit_code != 0 and "メールアドレスの形式" in result.output
    assert db.execute("SELECT count(*) FROM users WHERE username = 'jiro'").fetchone()[0] == 0
