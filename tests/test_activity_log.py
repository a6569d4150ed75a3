"""The activity log is append-only and hash-chained; verify-log finds the first bad row."""
from __future__ import annotations

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
