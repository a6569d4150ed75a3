"""In a real browser on a shared PC: unsaved drafts belong to the user who typed them; a form sent after the idle
timeout goes through the login page and comes back with what was typed; a form posted from another site ends
nobody's login."""
from __future__ import annotations

import re
import sqlite3

from conftest import DEMO_PASSWORD
from e2e.conftest import SERVERS
from e2e.test_browser import login

TEXT = "鍵付き書庫の鍵は係長が管理し、貸出簿に記録している（未保存）"


def _sheet(base: str) -> int:
    conn = sqlite3.connect(SERVERS[base])
    try:
        return conn.execute(
            """SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id JOIN schedules s
               ON s.id = h.schedule_id JOIN checklist_versions v ON v.id = h.version_id
               WHERE d.code = 'kenko' AND s.fiscal_year = 2025 AND v.checklist_id = 'general'""").fetchone()[0]
    finally:
        conn.close()


def _end_sessions_by_idle_time(base: str) -> None:
    """As if the PC had been left alone past the idle timeout."""
    conn = sqlite3.connect(SERVERS[base])
    with conn:
        conn.execute("UPDATE sessions SET last_seen = last_seen - 24 * 3600")
    conn.close()


def _type_a_draft(page, base: str, sheet_id: int):
    page.goto(f"{base}/sheets/{sheet_id}")
    form = page.locator("form.answer-form").first
    form.locator("textarea[name=detail]").fill(TEXT)
    return form


def _draft_keys(page) -> list[str]:
    return page.evaluate("Object.keys(window.localStorage).filter(function (k) { return k.indexOf('tenken-') === 0; })")


def test_a_form_sent_after_the_timeout_comes_back_with_the_draft_after_login(live_server, page):
    sheet_id = _sheet(live_server)
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    form = _type_a_draft(page, live_server, sheet_id)
    _end_sessions_by_idle_time(live_server)
    form.get_by_role("button", name="この項目を保存").click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    assert "自動的にログオフしました" in page.content()          # the login page, not the CSRF error
    page.get_by_label("利用者ID").fill("kenko.staff")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server}/sheets/{sheet_id}")
    form = page.locator("form.answer-form").first
    assert form.locator("textarea[name=detail]").input_value() == TEXT
    assert form.locator(".draft-notice").is_visible()


def test_the_next_user_on_the_same_pc_does_not_get_the_draft(live_server, page):
    sheet_id = _sheet(live_server)
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    _type_a_draft(page, live_server, sheet_id)
    assert _draft_keys(page)
    _end_sessions_by_idle_time(live_server)                 # left without logging out
    login(page, live_server, "kenko.manager")               # the next person at the PC, same 課
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/sheets/{sheet_id}")
    form = page.locator("form.answer-form").first
    assert form.locator("textarea[name=detail]").input_value() != TEXT
    assert form.locator(".draft-notice").is_hidden()
    assert _draft_keys(page) == []                          # the other user's drafts are gone from this browser


def test_logout_removes_ones_own_drafts(live_server, page):
    sheet_id = _sheet(live_server)
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    _type_a_draft(page, live_server, sheet_id)
    assert _draft_keys(page)
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/login")
    assert _draft_keys(page) == []


def test_a_form_posted_from_another_site_does_not_log_the_user_out(live_server, page):
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    page.route("http://attacker.example/**", lambda route: route.fulfill(
        content_type="text/html; charset=utf-8",
        body=f'<form method="post" action="{live_server}/logout"><button>景品を受け取る</button></form>'))
    page.goto("http://attacker.example/prize")
    page.get_by_role("button", name="景品を受け取る").click()
    page.wait_for_load_state()
    refusal = page.content()
    assert "不正な送信" in refusal
    page.goto(live_server + "/")
    assert page.url == live_server + "/"
    assert page.get_by_role("button", name="ログアウト").is_visible()   # still logged in
    assert "ログインの状態は変わっていません" in refusal
