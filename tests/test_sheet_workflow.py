"""Sheet status transitions by role: every allowed and forbidden move."""
from __future__ import annotations

import pytest
from builders_selfcheck import load, sheet_id, user

from audits.sheets import service, workflow

# (status the sheet is in, action, username, allowed?)
CASES = [
    ("submitted", "approve", "shimin.manager", True),
    ("submitted", "approve", "shimin.staff", False),
    ("submitted", "approve", "hoken.manager", False),      # another 課's manager
    ("submitted", "approve", "chief", False),
    ("submitted", "approve", "auditor", False),
    ("submitted", "approve", "admin", False),
    ("submitted", "return", "shimin.manager", True),
    ("submitted", "return", "shimin.staff", False),
    ("submitted", "withdraw", "shimin.staff", True),
    ("submitted", "withdraw", "shimin.manager", True),
    ("submitted", "withdraw", "hoken.staff", False),
    ("submitted", "submit", "shimin.staff", False),          # already submitted
    ("approved", "reopen", "bunsho.manager", True),
    ("approved", "reopen", "bunsho.staff", False),
    ("approved", "approve", "bunsho.manager", False),
    ("approved", "return", "bunsho.manager", False),
    ("returned", "submit", "hoiku.staff", True),
    ("returned", "approve", "hoiku.manager", False),
    ("not_started", "approve", "sangyo.manager", False),
    ("not_started", "withdraw", "sangyo.staff", False),
]
DEPARTMENT_OF = {"submitted": "shimin", "approved": "bunsho", "returned": "hoiku", "not_started": "sangyo"}


@pytest.mark.parametrize("status,action,username,allowed", CASES)
def test_transition_matrix(db, status, action, username, allowed):
    sheet = load(db, sheet_id(db, DEPARTMENT_OF[status]))
    assert sheet["status"] == status
    actor = user(db, username)
    reason = "理由を記入" if workflow.TRANSITIONS[action].needs_reason else ""
    if allowed:
        new_status = service.transition(db, sheet, action, actor, reason=reason)
        assert new_status == workflow.TRANSITIONS[action].target
        assert load(db, sheet["id"])["status"] == new_status
        event = db.execute("SELECT action, username FROM sheet_events WHERE sheet_id = ? ORDER BY id DESC LIMIT 1",
                           [sheet["id"]]).fetchone()
        assert event == (action, username)
        assert db.execute("SELECT count(*) FROM activity_log WHERE action = ?", [f"sheet.{action}"]).fetchone()[0]
    else:
        with pytest.raises(service.TransitionError):
            service.transition(db, sheet, action, actor, reason=reason)
        assert load(db, sheet["id"])["status"] == status


@pytest.mark.parametrize("action", ["return", "reopen", "withdraw"])
def test_reason_is_required(db, action):
    code = "bunsho" if action == "reopen" else "shimin"
    sheet = load(db, sheet_id(db, code))
    with pytest.raises(service.TransitionError, match="理由"):
        service.transition(db, sheet, action, user(db, f"{code}.manager"), reason="  ")


def test_submission_lists_what_is_missing(db):
    sheet = load(db, sheet_id(db, "kenko"))  # answered 60 %
    with pytest.raises(service.TransitionError) as refused:
        service.transition(db, sheet, "submit", user(db, "kenko.staff"))
    problems = refused.value.problems
    assert problems and all(p.message == "未回答です" or "証跡" in p.message or "改善予定" in p.message
                            for p in problems)
    unanswered = db.execute(
        """SELECT count(*) FROM checklist_items i WHERE i.version_id = ? AND NOT EXISTS
           (SELECT 1 FROM answers a WHERE a.sheet_id = ? AND a.item_pk = i.id)""",
        [sheet["version_id"], sheet["id"]]).fetchone()[0]
    assert sum(1 for p in problems if p.message == "未回答です") == unanswered
    assert load(db, sheet["id"])["status"] == "answering"


def test_submit_page_links_each_missing_item(client, auth, db):
    sid = sheet_id(db, "kenko")
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{sid}/submit", {"reason": "", "status_revision": load(db, sid)["status_revision"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "提出できません" in html and 'href="#item-' in html


def test_approved_sheet_is_read_only(client, auth, db):
    sid = sheet_id(db, "bunsho")
    auth.login("bunsho.staff")
    html = client.get(f"/sheets/{sid}").get_data(as_text=True)
    assert "この項目を保存" not in html and "添付する</button>" not in html
    response = auth.post(f"/sheets/{sid}/items/G-01-02", {"value": "done", "detail": "x", "revision": "1"})
    assert response.status_code == 409


def test_stale_status_revision_is_refused(db):
    sheet = load(db, sheet_id(db, "shimin"))
    manager = user(db, "shimin.manager")
    service.transition(db, sheet, "approve", manager, expected_status_revision=sheet["status_revision"])
    reopened = load(db, sheet["id"])
    with pytest.raises(service.TransitionError, match="他の利用者"):
        service.transition(db, reopened, "reopen", manager, reason="x",
                           expected_status_revision=sheet["status_revision"])
