"""In a real browser: answer an item, attach a file, and see both on the page."""
from __future__ import annotations

import sqlite3

import sample_files
from e2e.test_browser import login


def test_staff_answers_an_item_with_a_file(live_server, page, tmp_path):
    db_path = live_server_db(live_server)
    conn = sqlite3.connect(db_path)
    sheet_id, item_id = conn.execute(
        """SELECT h.id, i.item_id FROM sheets h JOIN departments d ON d.id = h.department_id
           JOIN schedules s ON s.id = h.schedule_id JOIN checklist_items i ON i.version_id = h.version_id
           JOIN checklist_versions v ON v.id = h.version_id
           WHERE d.code = 'kenko' AND s.fiscal_year = 2025 AND v.checklist_id = 'general' AND i.scale = 'implementation'
             AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.sheet_id = h.id AND a.item_pk = i.id)
           ORDER BY i.position LIMIT 1""").fetchone()
    conn.close()
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/sheets/{sheet_id}#item-{item_id}")
    card = page.locator(f"#item-{item_id}")
    # The plan fields appear only for a gap answer.
    assert card.locator("fieldset.plan").is_hidden()
    card.get_by_label("一部実施（課題あり）").check()
    assert card.locator("fieldset.plan").is_visible()
    card.get_by_label("実施している").check()
    card.get_by_label("具体的な実施内容").fill("庶務係長が毎月確認し、確認記録簿に記録している。")
    card.get_by_role("button", name="この項目を保存").click()
    card.locator(".save-status").filter(has_text="保存しました").wait_for()   # in place, beside the item
    card = page.locator(f"#item-{item_id}")
    evidence = tmp_path / "確認記録簿.pdf"
    evidence.write_bytes(sample_files.pdf())
    card.locator("input[type=file]").set_input_files(str(evidence))
    card.get_by_label("メモ").fill("令和7年度 確認記録簿")
    card.get_by_role("button", name="添付する").click()
    page.wait_for_load_state()
    card = page.locator(f"#item-{item_id}")
    assert card.get_by_role("link", name="確認記録簿.pdf").is_visible()
    assert "庶務係長が毎月確認" in card.locator("textarea[name=detail]").input_value()
    assert "確認記録簿" in card.locator(".files").inner_text()


def test_unsaved_text_survives_a_reload(live_server, page):
    conn = sqlite3.connect(live_server_db(live_server))
    sheet_id = conn.execute(
        """SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id JOIN schedules s
           ON s.id = h.schedule_id JOIN checklist_versions v ON v.id = h.version_id
           WHERE d.code = 'kenko' AND s.fiscal_year = 2025 AND v.checklist_id = 'general'""").fetchone()[0]
    conn.close()
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/sheets/{sheet_id}")
    form = page.locator("form.answer-form").first
    form.locator("textarea[name=detail]").fill("まだ保存していない大事な文章")
    page.reload()
    form = page.locator("form.answer-form").first
    assert form.locator("textarea[name=detail]").input_value() == "まだ保存していない大事な文章"
    assert form.locator(".draft-notice").is_visible()


def live_server_db(base: str) -> str:
    from e2e.conftest import SERVERS

    return SERVERS[base]
