"""On site with a tablet: text typed but not yet saved survives a reload (localStorage), and a save clears it."""
from __future__ import annotations

import sqlite3

from conftest import DEMO_PASSWORD
from e2e.conftest import SERVERS


def login(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("利用者ID").fill(username)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def _new_audit(db_path: str) -> int:
    from builders_audit import audit_for

    from audits.db import connect

    db = connect(db_path)
    try:
        return audit_for(db, "shimin")
    finally:
        db.conn.close()


def test_unsent_notes_are_restored_after_a_reload(live_server, page):
    audit_id = _new_audit(SERVERS[live_server])
    page.set_viewport_size({"width": 1180, "height": 820})
    login(page, live_server, "auditor")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/audit/{audit_id}")
    notes = page.get_by_label("聴き取り調査の記録")
    notes.fill("課長から短縮ダイヤルの点検手順を聴取")
    page.reload()                                          # as if the connection dropped before saving
    assert page.get_by_label("聴き取り調査の記録").input_value() == "課長から短縮ダイヤルの点検手順を聴取"
    assert "復元しました" in page.locator("#notes .autosave-status").inner_text()
    page.get_by_role("button", name="記録を保存").click()
    page.wait_for_url(f"{live_server}/audit/{audit_id}#notes")
    saved = sqlite3.connect(SERVERS[live_server]).execute(
        "SELECT interview_notes FROM audit_departments WHERE audit_id = ?", [audit_id]).fetchone()[0]
    assert saved == "課長から短縮ダイヤルの点検手順を聴取"
    page.reload()
    assert page.locator("#notes .autosave-status").inner_text() == ""    # saved: nothing left to restore
