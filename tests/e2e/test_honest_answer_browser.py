"""In a real browser: a date item never done is answered 「実施していない」 with its 改善予定 and no
file, and the sheet is submitted."""
from __future__ import annotations

from datetime import date, timedelta

from e2e.test_answer_browser import live_server_db
from e2e.test_browser import login

from audits.db import connect
from audits.sheets import service
from audits.sheets.answers import AnswerInput
from audits.summary.scoring import NOT_DONE
from builders_selfcheck import load, sheet_id, user


def _answer_all_but(db_path: str, code: str) -> tuple[int, str]:
    """Answer every open item of the 課's sheet truthfully except one date item that asks for evidence."""
    db = connect(db_path)
    sheet = load(db, sheet_id(db, code))
    staff = user(db, f"{code}.staff")
    open_items = [e.item for s in service.sheet_items(db, sheet) for e in s.items if e.applies and not e.answered]
    target = next(i for i in open_items if i["scale"] == "date" and i["evidence_required"])
    due = (date.today() + timedelta(days=90)).isoformat()
    for item in open_items:
        if item is target:
            continue
        negative = {"implementation": "not_done", "pia": "not_done", "date": "never"}.get(item["scale"], "unknown")
        service.save_answer(db, sheet, item, AnswerInput(value=negative, detail="行っていない。", plan_action="手順を定める。",
                                                         plan_due=due, plan_owner="庶務係長"),
                            base_revision=0, user=staff)
    db.conn.close()
    return sheet["id"], target["item_id"]


def test_a_date_item_never_done_is_answered_honestly_and_the_sheet_submitted(live_server, page):
    db_path = live_server_db(live_server)
    sid, item_id = _answer_all_but(db_path, "kenko")
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    page.goto(f"{live_server}/sheets/{sid}#item-{item_id}")
    card = page.locator(f"#item-{item_id}")
    assert "証跡必須（実施の場合）" in card.inner_text()
    card.get_by_label("実施していない（一度も行っていない）").check()
    card.get_by_label("具体的な実施内容").fill("操作ログを確認したことは一度もない。")
    card.get_by_label("何をするか").fill("毎月、操作ログを確認し、確認記録簿に記録する。")
    card.get_by_label("期限").fill((date.today() + timedelta(days=60)).isoformat())
    card.get_by_label("担当（係・職名）").fill("管理係長")
    card.get_by_role("button", name="この項目を保存").click()
    card.locator(".save-status").filter(has_text="保存しました").wait_for()   # in place, beside the item
    card = page.locator(f"#item-{item_id}")
    assert "実施していない" in card.locator("header").inner_text()          # the label of the stored not_done
    assert "証跡必須" not in card.inner_text()
    page.locator("form.action-submit button").click()
    page.wait_for_load_state()
    assert "提出できません" not in page.content()
    db = connect(db_path)
    status = db.execute("SELECT status FROM sheets WHERE id = ?", [sid]).fetchone()[0]
    value, category = db.execute("SELECT value, category FROM answers WHERE sheet_id = ? AND item_id = ?",
                                 [sid, item_id]).fetchone()
    files = db.execute("SELECT count(*) FROM answer_evidence e JOIN answers a ON e.answer_id = a.id "
                       "WHERE a.sheet_id = ? AND a.item_id = ?", [sid, item_id]).fetchone()[0]
    db.conn.close()
    assert (status, value, category, files) == ("submitted", "never", NOT_DONE, 0)
