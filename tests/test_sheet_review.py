"""The 課長's review: the summary at the top of a submitted sheet, approve and return, several sheets approved at once."""
from __future__ import annotations

import re

import pytest
from builders_selfcheck import load, sheet_id, user

from audits.screen_dates import date_text
from audits.sheets import review, service, workflow
from audits.summary import scoring


def _answer(db, sid: int, item_id: str) -> dict:
    return next(db.query("SELECT * FROM answers WHERE sheet_id = ? AND item_id = ?", [sid, item_id]))


def _set_answer(db, sid: int, item_id: str, **values) -> None:
    db.execute(f"UPDATE answers SET {', '.join(f'{k} = ?' for k in values)} WHERE sheet_id = ? AND item_id = ?",
               [*values.values(), sid, item_id])
    db.conn.commit()


def _done_items(db, sid: int) -> list[str]:
    """Items of the sheet answered 「実施している」 on the implementation scale, in sheet order."""
    return [r[0] for r in db.execute(
        """SELECT a.item_id FROM answers a JOIN checklist_items i ON i.id = a.item_pk
           WHERE a.sheet_id = ? AND i.scale = 'implementation' AND a.value = 'done' ORDER BY i.position""", [sid])]


@pytest.fixture
def shimin(db):
    """市民課's submitted 全課共通 sheet with a known gap, a known change since last year and a missing file."""
    sid = sheet_id(db, "shimin")
    before = sheet_id(db, "shimin", year=2024)
    both = [i for i in _done_items(db, sid) if i in set(_done_items(db, before))]
    gap, changed, same = both[0], both[1], both[2]
    _set_answer(db, sid, gap, value="partial", category=scoring.PARTIAL, plan_action="記録簿の様式を定めて毎月記録する",
                plan_due="2026-03-31", plan_owner="庶務係長")
    _set_answer(db, before, changed, value="not_done", category=scoring.NOT_DONE)
    owed = next(r[0] for r in db.execute(
        """SELECT a.id FROM answers a JOIN checklist_items i ON i.id = a.item_pk JOIN answer_evidence l
           ON l.answer_id = a.id WHERE a.sheet_id = ? AND i.evidence_required = 1 AND a.category = ?""",
        [sid, scoring.DONE]))
    db.execute("UPDATE evidence SET removed_at = '2025-08-01T10:00:00+09:00' WHERE id IN "
               "(SELECT evidence_id FROM answer_evidence WHERE answer_id = ?)", [owed])
    db.conn.commit()
    missing = db.execute("SELECT item_id FROM answers WHERE id = ?", [owed]).fetchone()[0]
    return {"id": sid, "gap": gap, "changed": changed, "same": same, "missing": missing}


def test_summary_lists_gaps_evidence_and_changes(db, shimin):
    summary = review.summary(db, load(db, shimin["id"]))
    gaps = {g.item_id: g for g in summary.gaps}
    assert gaps[shimin["gap"]].plan_action == "記録簿の様式を定めて毎月記録する"
    assert gaps[shimin["gap"]].category_label == scoring.CATEGORY_LABELS[scoring.PARTIAL]
    assert shimin["same"] not in gaps
    changes = {c.item_id: c for c in summary.changes}
    assert changes[shimin["changed"]].before == "実施していない"
    assert changes[shimin["changed"]].after == "実施している"
    assert shimin["gap"] in changes and shimin["same"] not in changes    # this year's gap is a change too
    assert shimin["missing"] in summary.evidence_missing
    assert summary.evidence_attached + len(summary.evidence_missing) == summary.evidence_owed
    owed = db.execute(
        """SELECT count(*) FROM answers a JOIN checklist_items i ON i.id = a.item_pk
           WHERE a.sheet_id = ? AND i.evidence_required = 1 AND a.category = ? AND a.auto_na = 0""",
        [shimin["id"], scoring.DONE]).fetchone()[0]
    assert summary.evidence_owed == owed


def test_a_date_answer_is_a_change_only_when_its_category_changes(db):
    sid = sheet_id(db, "shimin")
    before = sheet_id(db, "shimin", year=2024)
    row = db.execute(
        """SELECT a.item_id FROM answers a JOIN checklist_items i ON i.id = a.item_pk
           WHERE a.sheet_id = ? AND i.scale = 'date' AND a.category = ? ORDER BY i.position LIMIT 1""",
        [sid, scoring.DONE]).fetchone()
    if row is None:
        pytest.skip("no date item answered 実施 in the demo sheet")
    item_id = row[0]
    _set_answer(db, before, item_id, value="2024-07-01", category=scoring.DONE)
    assert item_id not in {c.item_id for c in review.summary(db, load(db, sid)).changes}
    _set_answer(db, before, item_id, value="never", category=scoring.NOT_DONE)
    change = next(c for c in review.summary(db, load(db, sid)).changes if c.item_id == item_id)
    assert change.before == "実施していない（一度も行っていない）"
    shown = date_text(_answer(db, sid, item_id)["value"])            # 和暦, as every date on a screen
    assert change.after == f"{shown}（{scoring.CATEGORY_LABELS[scoring.DONE]}）" and shown.startswith("令和")


def test_no_previous_sheet_is_said(db):
    sid = sheet_id(db, "shimin")
    db.execute("UPDATE sheets SET removed_at = '2025-01-01' WHERE id = ?", [sheet_id(db, "shimin", year=2024)])
    db.conn.commit()
    summary = review.summary(db, load(db, sid))
    assert summary.previous_sheet_id is None and summary.changes == []


def test_the_manager_sees_the_summary_first_and_two_actions(client, auth, db, shimin):
    auth.login("shimin.manager")
    html = client.get(f"/sheets/{shimin['id']}").get_data(as_text=True)
    top = html.split('id="sheet-sections"')[0]
    summary = top.split('id="review"')[1]
    assert "記録簿の様式を定めて毎月記録する" in summary and "2026-03-31" in summary and "庶務係長" in summary
    assert f">{shimin['changed']}</a>" in summary.split("review-changes")[-1]
    assert "未添付 " in summary and f">{shimin['missing']}</a>" in summary
    actions = top.split('class="sheet-actions"')[1]
    assert actions.index("action-approve") < actions.index("action-return") < actions.index("action-withdraw")
    # the approve form carries no reason box; each reason box sits in a closed <details>, the return one required
    approve = actions.split('class="action-approve"')[1].split("</form>")[0]
    assert "<textarea" not in approve and f'data-confirm="{workflow.TRANSITIONS["approve"].confirm}"' in approve
    assert len(re.findall(r"<textarea", actions)) == len(re.findall(r'<details class="reason-action', actions)) == 2
    assert "<details open" not in actions
    assert re.search(r'<textarea id="reason-return" name="reason" rows="3" required>', actions)
    assert "差戻しの理由" in actions and "差し戻すの理由" not in actions


@pytest.mark.parametrize("username", ["shimin.staff", "chief", "auditor", "hoken.manager"])
def test_only_the_departments_manager_gets_the_review(client, auth, db, username):
    auth.login(username)
    response = client.get(f"/sheets/{sheet_id(db, 'shimin')}")
    assert 'id="review"' not in response.get_data(as_text=True)


def test_no_review_once_approved(client, auth, db):
    auth.login("bunsho.manager")
    assert 'id="review"' not in client.get(f"/sheets/{sheet_id(db, 'bunsho')}").get_data(as_text=True)


def test_return_without_reason_is_refused_and_with_one_returns(client, auth, db):
    sid = sheet_id(db, "shimin")
    auth.login("shimin.manager")
    revision = load(db, sid)["status_revision"]
    response = auth.post(f"/sheets/{sid}/return", {"reason": "  ", "status_revision": revision},
                         follow_redirects=True)
    assert "理由を記入してください" in response.get_data(as_text=True)
    assert load(db, sid)["status"] == workflow.SUBMITTED
    response = auth.post(f"/sheets/{sid}/return", {"reason": "G-01 の改善予定の期限を記入してください。",
                                                  "status_revision": revision}, follow_redirects=True)
    assert "点検票を「差戻し」にしました" in response.get_data(as_text=True)
    assert load(db, sid)["status"] == workflow.RETURNED


def test_approve_from_the_page(client, auth, db):
    sid = sheet_id(db, "shimin")
    auth.login("shimin.manager")
    auth.post(f"/sheets/{sid}/approve", {"status_revision": load(db, sid)["status_revision"]})
    assert load(db, sid)["status"] == workflow.APPROVED


def _submitted(db, code: str) -> list[int]:
    return [r[0] for r in db.execute(
        """SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id JOIN schedules s
           ON s.id = h.schedule_id WHERE d.code = ? AND h.status = 'submitted' AND s.fiscal_year = 2025
           ORDER BY h.id""", [code])]


def _resubmit_as(db, sid: int, username: str) -> None:
    """Withdraw the sheet and submit it again as `username` (so that they are the one who submitted it)."""
    actor = user(db, username)
    service.transition(db, load(db, sid), "withdraw", actor, reason="記入漏れを直すため")
    service.transition(db, load(db, sid), "submit", actor)


def test_home_lists_each_submitted_sheet_with_its_summary_and_the_box_inside(client, auth, db):
    ids = _submitted(db, "shimin")
    assert len(ids) >= 2
    _resubmit_as(db, ids[0], "shimin.manager")
    auth.login("shimin.manager")
    html = client.get("/").get_data(as_text=True)
    section = html.split('id="home-approval"')[1].split("</section>")[0]
    head, *blocks = section.split('<details class="review-item"')
    assert 'name="sheet"' not in head                    # every box sits inside a sheet's summary
    for sid in ids:
        block = next(b for b in blocks if f'id="review-{sid}"' in b)
        assert "課題のある項目" in block and "前年度" in block and "証跡が必要な" in block
        if sid == ids[0]:
            assert 'name="sheet"' not in block and "自分が提出" in block    # he submitted it: no box, the reason
        else:
            assert f'name="sheet" value="{sid}:{load(db, sid)["status_revision"]}"' in block


def test_bulk_approve_refuses_the_sheet_the_manager_submitted_himself(client, auth, db):
    ids = _submitted(db, "shimin")
    own, others = ids[0], ids[1:]
    _resubmit_as(db, own, "shimin.manager")
    auth.login("shimin.manager")
    picks = [f"{sid}:{load(db, sid)['status_revision']}" for sid in ids]
    html = auth.post("/sheets/approve", {"sheet": picks}, follow_redirects=True).get_data(as_text=True)
    assert load(db, own)["status"] == workflow.SUBMITTED
    assert all(load(db, sid)["status"] == workflow.APPROVED for sid in others)
    assert f"{len(others)} 件の点検票を承認しました" in html
    refused = html.split("次の 1 件は承認されませんでした")[1].split("</")[0]
    assert review.sheet_name(load(db, own)) in refused and "職務の分離" in refused
    approvals = db.execute("SELECT count(*) FROM sheet_events WHERE action = 'approve' AND sheet_id IN ({})".format(
        ",".join("?" * len(ids))), ids).fetchone()[0]
    assert approvals == len(others)


def test_bulk_approve_refuses_a_sheet_changed_after_its_summary_was_shown(client, auth, db):
    sid = _submitted(db, "shimin")[0]
    shown = load(db, sid)["status_revision"]
    _resubmit_as(db, sid, "shimin.staff")    # withdrawn and submitted again: the summary shown is out of date
    auth.login("shimin.manager")
    html = auth.post("/sheets/approve", {"sheet": [f"{sid}:{shown}"]}, follow_redirects=True).get_data(as_text=True)
    assert "承認されませんでした" in html and "他の利用者" in html
    assert load(db, sid)["status"] == workflow.SUBMITTED


def test_bulk_approve_never_reaches_another_departments_sheet(client, auth, db):
    other = _submitted(db, "hoken")[0]
    auth.login("shimin.manager")
    html = auth.post("/sheets/approve", {"sheet": [f"{other}:{load(db, other)['status_revision']}"]},
                     follow_redirects=True).get_data(as_text=True)
    assert "承認されませんでした" in html and "保険年金課" not in html.split("承認されませんでした")[1][:200]
    assert load(db, other)["status"] == workflow.SUBMITTED


@pytest.mark.parametrize("username", ["shimin.staff", "chief", "auditor", "admin"])
def test_bulk_approve_is_for_managers_only(client, auth, db, username):
    sid = _submitted(db, "shimin")[0]
    auth.login(username)
    response = auth.post("/sheets/approve", {"sheet": [f"{sid}:{load(db, sid)['status_revision']}"]})
    assert response.status_code == 403
    assert load(db, sid)["status"] == workflow.SUBMITTED


@pytest.mark.parametrize("picks", [[], ["x"], ["99999999999999999999:1"], ["1:"], [":"]])
def test_bulk_approve_with_nothing_or_nonsense_picked_approves_nothing(client, auth, db, picks):
    auth.login("shimin.manager")
    before = db.execute("SELECT count(*) FROM sheets WHERE status = 'approved'").fetchone()[0]
    response = auth.post("/sheets/approve", {"sheet": picks}, follow_redirects=True)
    assert response.status_code == 200
    assert "承認" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sheets WHERE status = 'approved'").fetchone()[0] == before


def test_bulk_approve_without_csrf_is_refused(client, auth, db):
    sid = _submitted(db, "shimin")[0]
    auth.login("shimin.manager")
    client.post("/sheets/approve", data={"sheet": [f"{sid}:{load(db, sid)['status_revision']}"]})
    assert load(db, sid)["status"] == workflow.SUBMITTED


def test_a_pia_sheet_is_compared_with_last_years_sheet_of_the_same_assessment(db):
    sid = sheet_id(db, "shimin", checklist="pia")
    sheet = load(db, sid)
    before = sheet_id(db, "shimin", checklist="pia", year=2024)
    assert sheet["assessment_id"] is not None
    assert review.previous_sheet(db, sheet)["id"] == before
    other = db["pia_assessments"].insert({"department_id": sheet["department_id"], "name": "別の事務", "active": 1,
                                          "revision": 0, "created_at": "2025-04-01T09:00:00+09:00"}).last_pk
    db.execute("UPDATE sheets SET assessment_id = ? WHERE id = ?", [other, before])
    db.conn.commit()
    assert review.previous_sheet(db, sheet) is None
