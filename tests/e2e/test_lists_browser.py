"""In a real browser, as the chief: the sheet list filters by 部, 状態 and 期限超過, searches by 課 name, sorts by a
column header and pages, keeping its filter form filled in after each step; the corrective-actions list shows only
overdue actions under 「期限超過」. Expected rows are read from the database with plain SQL."""
from __future__ import annotations

import pytest
from e2e.test_answer_browser import live_server_db
from e2e.test_browser import login

from audits.db import connect
from audits.timeutil import now

pytestmark = pytest.mark.slow

VISIBLE = """FROM sheets h JOIN schedules s ON s.id = h.schedule_id JOIN departments d ON d.id = h.department_id
             JOIN bureaus b ON b.id = d.bureau_id
             LEFT JOIN schedule_departments sd ON sd.schedule_id = h.schedule_id AND sd.department_id = h.department_id
             WHERE h.removed_at IS NULL AND s.status != 'draft'"""


def _query(base: str, sql: str, params=()) -> list[tuple]:
    db = connect(live_server_db(base))
    try:
        return [tuple(r) for r in db.execute(sql, list(params))]
    finally:
        db.conn.close()


def _shown(page) -> list[dict]:
    """The sheet list's rows as a reader sees them: the sheet (from its link), 課 and 部, 状態 cell."""
    rows = []
    for row in page.locator("table.progress-table tbody tr").all():
        cells = row.locator("td")
        link = cells.nth(2).locator("a").first.get_attribute("href")
        rows.append({"id": int(link.rsplit("/", 1)[1]), "department": cells.nth(1).inner_text(),
                     "status": cells.nth(3).inner_text()})
    return rows


def _form(page) -> dict:
    form = page.locator("#sheet-filters")
    return {"bureau": form.locator("select[name=bureau] option:checked").inner_text(),
            "status": form.locator("select[name=status] option:checked").inner_text(),
            "overdue": form.locator("input[name=overdue]").is_checked(),
            "q": form.locator("input[name=q]").input_value(),
            "sort": form.locator("select[name=sort]").input_value()}


def _total(page) -> int:
    return int(page.locator("#sheet-count").get_attribute("data-total"))


def test_the_chief_narrows_searches_sorts_and_pages_the_sheet_list(live_server, page):
    today = now().date().isoformat()
    login(page, live_server, "chief")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/sheets/")
    everything = _total(page)
    assert everything == _query(live_server, f"SELECT count(*) {VISIBLE}")[0][0]
    form = page.locator("#sheet-filters")

    # 部 + 状態 + 期限超過: exactly the 部's overdue sheets being answered.
    form.locator("select[name=bureau]").select_option(label="健康福祉部")
    form.locator("select[name=status]").select_option(label="回答中")
    form.locator("input[name=overdue]").check()
    form.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/sheets/?*overdue=1*")
    expected = {r[0] for r in _query(
        live_server, f"""SELECT h.id {VISIBLE} AND b.name = '健康福祉部' AND h.status = 'answering'
                         AND coalesce(sd.due_date, s.due_date) < ?""", [today])}
    rows = _shown(page)
    assert expected and {r["id"] for r in rows} == expected and _total(page) == len(expected) < everything
    assert all("健康福祉部" in r["department"] and "回答中" in r["status"] and "期限超過" in r["status"]
               for r in rows)
    assert _form(page) == {"bureau": "健康福祉部", "status": "回答中", "overdue": True, "q": "", "sort": ""}

    # Search by part of a 課 name within those conditions.
    form.locator("input[name=q]").fill("健康")
    form.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**q=*")
    kenko = {r[0] for r in _query(
        live_server, f"""SELECT h.id {VISIBLE} AND b.name = '健康福祉部' AND h.status = 'answering'
                         AND coalesce(sd.due_date, s.due_date) < ? AND d.name LIKE '%健康%'""", [today])}
    rows = _shown(page)
    assert kenko and {r["id"] for r in rows} == kenko and len(kenko) < len(expected)
    assert all(r["department"].startswith("健康づくり課") for r in rows)
    assert _form(page) == {"bureau": "健康福祉部", "status": "回答中", "overdue": True, "q": "健康", "sort": ""}

    # A wider list (承認済, more than one page): sort by the 回答期限 header, then page 2.
    page.get_by_role("link", name="条件を消す").click()
    page.wait_for_url(live_server + "/sheets/")
    form.locator("select[name=status]").select_option(label="承認済")
    form.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**status=approved*")
    approved = {r[0]: r[1] for r in _query(
        live_server, f"SELECT h.id, coalesce(sd.due_date, s.due_date) {VISIBLE} AND h.status = 'approved'")}
    assert _total(page) == len(approved) > 50
    page.locator("table.progress-table thead").get_by_role("link", name="回答期限").click()
    page.wait_for_url("**sort=due*")
    assert "▲" in page.locator("table.progress-table thead th", has_text="回答期限").inner_text()
    assert _form(page) == {"bureau": "すべて", "status": "承認済", "overdue": False, "q": "", "sort": "due"}
    first = _shown(page)
    assert len(first) == 50

    page.get_by_role("link", name="次へ").first.click()
    page.wait_for_url("**page=2*")
    second = _shown(page)
    assert "51〜" in page.locator("nav.pager").first.inner_text()
    assert len(second) == min(50, len(approved) - 50)
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    assert all("承認済" in r["status"] for r in first + second)
    dues = [approved[r["id"]] for r in first + second]
    assert dues == sorted(dues)                           # ascending 回答期限 across the two pages
    assert _form(page) == {"bureau": "すべて", "status": "承認済", "overdue": False, "q": "", "sort": "due"}


def _action_ids(page) -> list[int]:
    return [int(a.get_attribute("href").rsplit("/", 1)[1])
            for a in page.locator("table.list tbody tr td a[href*='/audit/actions/']").all()]


def test_the_corrective_actions_list_shows_only_overdue_actions_under_overdue(live_server, page):
    login(page, live_server, "chief")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/audit/actions")
    listed = _action_ids(page)
    assert int(page.locator("#action-count").get_attribute("data-total")) == len(listed)
    marks = ",".join("?" * len(listed))
    today = now().date().isoformat()
    overdue = {r[0] for r in _query(
        live_server, f"SELECT id FROM corrective_actions WHERE status != 'closed' AND due_date < ? AND id IN ({marks})",
        [today, *listed])}
    # Closed actions past their date are not overdue: the demo has some, so the filter can show too much.
    closed_late = {r[0] for r in _query(
        live_server, f"SELECT id FROM corrective_actions WHERE status = 'closed' AND due_date < ? AND id IN ({marks})",
        [today, *listed])}
    assert overdue and closed_late

    page.get_by_role("link", name="期限超過", exact=True).click()
    page.wait_for_url("**/audit/actions?overdue=1")
    shown = _action_ids(page)
    assert not closed_late & set(shown)
    assert set(shown) == overdue and len(shown) == len(overdue) < len(listed)
    assert int(page.locator("#action-count").get_attribute("data-total")) == len(shown)
    rows = page.locator("table.list tbody tr")
    assert all("期限超過" in rows.nth(i).inner_text() for i in range(rows.count()))
    # The chosen condition is shown as chosen (not a link); the others stay links.
    assert page.locator("main strong", has_text="期限超過").first.is_visible()
    assert page.get_by_role("link", name="未完了").is_visible()
