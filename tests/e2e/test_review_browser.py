"""In a real browser: the 課長's review of a submitted sheet shows two actions, and the reason box appears only when
returning; on the home page a sheet can be ticked only once its summary is open."""
from __future__ import annotations

import pytest
from builders_selfcheck import load, sheet_id
from e2e.test_answer_browser import live_server_db
from e2e.test_browser import login

from audits.db import connect

pytestmark = pytest.mark.slow


def _shimin(base: str) -> int:
    db = connect(live_server_db(base))
    try:
        return sheet_id(db, "shimin")
    finally:
        db.conn.close()


def _status(base: str, sid: int) -> str:
    db = connect(live_server_db(base))
    try:
        return load(db, sid)["status"]
    finally:
        db.conn.close()


def test_the_reason_box_appears_only_when_returning(live_server, page):
    sid = _shimin(live_server)
    login(page, live_server, "shimin.manager")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/sheets/{sid}")
    assert page.locator("#review").is_visible()
    approve = page.get_by_role("button", name="承認する", exact=True)
    assert approve.is_visible()
    reason = page.get_by_label("差戻しの理由")
    assert not reason.is_visible()                       # closed: no open reason box at the top
    assert page.locator(".sheet-actions textarea:visible").count() == 0

    page.locator("details.action-return > summary").click()
    assert reason.is_visible()
    assert page.locator(".sheet-actions textarea:visible").count() == 1

    # Returning without a reason: the browser keeps the form (required) and nothing is sent.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="差し戻す", exact=True).click()
    assert _status(live_server, sid) == "submitted"
    reason.fill("S-06 の点検記録簿を添付してください。")
    page.get_by_role("button", name="差し戻す", exact=True).click()
    page.wait_for_url(f"{live_server}/sheets/{sid}")
    page.get_by_text("差戻しの理由").wait_for()
    assert _status(live_server, sid) == "returned"


def test_a_sheet_is_ticked_inside_its_opened_summary(live_server, page):
    sid = _shimin(live_server)
    login(page, live_server, "shimin.manager")
    page.wait_for_url(live_server + "/")
    box = page.locator(f'#review-{sid} input[name="sheet"]')
    assert not box.is_visible()                          # the summary is closed: nothing to tick yet
    page.locator(f"#review-{sid} > summary").click()
    assert page.locator(f"#review-{sid} .review-summary").is_visible()
    box.check()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="チェックした点検票を承認する").click()
    page.get_by_text("件の点検票を承認しました").wait_for()
    assert _status(live_server, sid) == "approved"
