"""The activity log is append-only and hash-chained; verify-log finds the first bad row."""
from __future__ import annotations

import re
import sqlite3

import pytest

from audits.activity import service as activity


def test_verify_log_passes_on_fresh_log(runner):
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 0, result.output
    assert "操作ログは正常です" in result.output


def test_update_and_delete_are_refused_by_the_database(app):
    conn = sqlite3.connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE activity_log SET username = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM activity_log WHERE id = 2")
    conn.close()


def _tamper(app, sql: str):
    """Edit the database file as an attacker with file access would: around the triggers."""
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("DROP TRIGGER activity_log_no_update")
    conn.execute("DROP TRIGGER activity_log_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_verify_log_fails_after_a_row_is_altered(app, runner):
    _tamper(app, "UPDATE activity_log SET username = 'someone-else' WHERE id = 5")
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code != 0
    assert "行 5" in result.output


def test_verify_log_fails_after_a_row_is_deleted(app, runner):
    _tamper(app, "DELETE FROM activity_log WHERE id = 7")
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code != 0
    assert "行 7" in result.output


def test_verify_log_fails_after_the_last_row_is_deleted(app, runner):
    conn = sqlite3.connect(app.config["DATABASE"])
    last = conn.execute("SELECT max(id) FROM activity_log").fetchone()[0]
    conn.close()
    _tamper(app, f"DELETE FROM activity_log WHERE id = {last}")
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code != 0
    assert f"行 {last}" in result.output


def test_verify_log_fails_when_a_rehashed_row_breaks_the_chain(app, db, runner):
    # Altering a row and recomputing its own hash (even with the key) still breaks the link to the next row.
    row = next(db.query("SELECT * FROM activity_log WHERE id = 3"))
    row["username"] = "forged"
    forged_hash = activity.row_hash(row, activity.log_key())
    _tamper(app, f"UPDATE activity_log SET username = 'forged', hash = '{forged_hash}' WHERE id = 3")
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code != 0
    assert "行 4" in result.output


def test_log_screen_filters(client, auth, db):
    auth.login("shimin.staff", "wrong-password-1")
    auth.login("admin")
    html = client.get("/log/?action=login.failure").get_data(as_text=True)
    assert "ログイン失敗" in html and "shimin.staff" in html
    html = client.get("/log/?username=admin&action=login.success").get_data(as_text=True)
    assert "admin" in html and "shimin.staff" not in html
    html = client.get("/log/?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True)
    assert "該当する記録はありません" in html


def test_log_screen_filters_by_department(client, auth, db):
    auth.login("shimin.staff")
    client.get("/departments/1000")
    hoken = db.execute("SELECT id FROM departments WHERE code = 'hoken'").fetchone()[0]
    client.get(f"/departments/{hoken}")
    auth.logout()
    auth.login("auditor")
    html = client.get("/log/?department_code=hoken").get_data(as_text=True)
    assert "権限のないアクセス" in html and "shimin.staff" in html


# ------------------------------------------------------------------------------------------ the log in Japanese
def _log_page(client, **args) -> str:
    response = client.get("/log/", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html[html.index('<table class="list compact log">'):html.index("</table>")]
    assert "{" not in table, "raw JSON on the log page"
    return table


def test_log_names_each_object_and_says_what_changed(app, client, auth, db):
    from audits.auth import service as auth_service
    from audits.departments import service as departments
    from audits.screen_dates import nendo_text as nendo

    staff = db.execute("SELECT id FROM users WHERE username = 'shimin.staff'").fetchone()[0]
    admin = db.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    shimin = db.execute("SELECT id FROM departments WHERE code = 'shimin'").fetchone()[0]
    with app.app_context():
        auth_service.update_user(db, staff, "市民課 担当 改名", ["manager"], ["shimin"], actor_id=admin)
        departments.update_department(db, shimin, name="市民課（新）", bureau_code="shimin", tags=["counter"])
    auth.login("auditor")

    table = _log_page(client, action="user.update")
    assert "利用者の変更" in table and "利用者 市民課 担当 改名（shimin.staff）" in table
    assert "役割: 保護担当者 → 保護管理者" in table and "氏名: " in table

    table = _log_page(client, action="department.update")
    assert "課の変更" in table and "名称: 市民課 → 市民課（新）" in table and "課の属性: " in table

    table = _log_page(client, action="sheet.approve")
    assert re.search(r"点検票 \S+ [^<]*" + nendo(2025), table)
    assert "状態: 提出済 → 承認済" in table and "submitted" not in table

    table = _log_page(client, action="audit.create")
    assert f"監査 {nendo(2025)} 第1回 市民課（新）、保険年金課" in table
    assert f"年度: {nendo(2025)}" in table and "監査員: 監査責任者" in table

    table = _log_page(client, action="incident.create")
    assert "漏えい等事案 個人情報を含む文書の誤送信による漏えいのおそれ" in table
    assert "種類: 誤送付・誤送信" in table and "misdelivery" not in table

    table = _log_page(client, action="answer.save")
    assert re.search(r"点検票 [^<]+ の項目 [A-Z]-\d\d-\d\d", table) and "入力元: 画面" in table


def test_log_dates_are_wareki(client, auth):
    auth.login("auditor")
    table = _log_page(client)
    assert re.search(r"令和\S+年\S+月\S+日", table)
    assert not re.search(r"\d{4}-\d\d-\d\d", table)


def test_an_action_no_feature_registered_still_reads_as_text(app, client, auth, db):
    with app.app_context():
        activity.record(db, "legacy.something", object_type="thing", object_id=7, detail={"odd_key": "値"})
    auth.login("auditor")
    table = _log_page(client)
    assert "記録された操作（legacy.something）" in table
    assert "記録の対象（番号 7）" in table and "その他の項目: 値" in table


def test_every_kind_of_demo_entry_has_its_labels(app, db):
    """The newest row of each action the demo records: its action, object and every detail field have labels."""
    from audits.activity import describe

    rows = list(db.query("SELECT * FROM activity_log WHERE id IN (SELECT max(id) FROM activity_log GROUP BY action)"))
    assert len(rows) > 30
    with app.app_context():
        entries = describe.describe(db, rows)
    for row, entry in zip(rows, entries):
        text = " ".join([entry.action, entry.target, *entry.details])
        for fallback in ("記録された操作", "記録の対象", "その他の項目"):
            assert fallback not in text, (row["action"], text)
        assert "{" not in text and row["action"] not in text, text


def test_a_refused_access_reads_in_japanese_in_the_log(client, auth, db):
    auth.login("kenko.staff")
    assert client.get("/admin/users").status_code == 403
    sheet = db.execute("""SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id
                          WHERE d.code = 'shimin' LIMIT 1""").fetchone()[0]
    assert client.get(f"/sheets/{sheet}").status_code == 403
    auth.logout()
    auth.login("auditor")
    page = client.get("/log/?action=access.denied").get_data(as_text=True)
    assert "この操作ができる役割（" in page and "）ではありません" in page
    assert f"点検票（番号 {sheet}）を閲覧する権限がありません" in page
    assert "role not in" not in page and "not readable" not in page
