"""Issue 16, finding 7: overwrite protection fails closed, and status changes are decided under the write lock.

A POST whose revision/base is missing or malformed is refused like any other conflict (same message, the saved
version shown, the typed text kept), never saved unchecked. Issuing a report twice from the same stale state
gives one issued report and a clear refusal, never an IntegrityError."""
from __future__ import annotations

import threading

import pytest
from builders_audit import audit_for, department_id, reply_all, user
from builders_selfcheck import load, sheet_id, unanswered_item

from audits.audit import drafting, findings, values, visits, workflow
from audits.audit.permissions import load_audit
from audits.audit.plans import AuditError
from audits.db import connect
from audits.revisions import UNCHECKED, form_fingerprint, form_revision, is_current
from audits.audit.values import REQUEST_IMPROVEMENT, RESULT_IMPROPER, RESULT_PROPER

MISSING_OR_MALFORMED = [None, "", "abc", "-1", "1e3", "٣", str(2**70), "0" * 64, "z" * 64]


def _form(data: dict, key: str, value) -> dict:
    return data if value is None else {**data, key: value}


@pytest.fixture
def audit_id(db):
    return audit_for(db, "shimin", auditors=("auditor", "auditor2"))


def test_the_parsers_never_let_a_bad_value_through():
    for raw in MISSING_OR_MALFORMED:
        assert form_revision(raw) in (None, 0)          # "0"*64 is a number, but 0 is only current at revision 0
        assert not is_current(0, form_fingerprint(raw))
    assert not is_current(0, None) and is_current(3, 3) and is_current(3, UNCHECKED)
    assert form_revision("7") == 7 and form_fingerprint("a" * 64) == "a" * 64


@pytest.mark.parametrize("base", [None, "", "abc", "0" * 64])
def test_the_conclusion_is_not_overwritten_by_a_post_without_its_base(client, auth, db, audit_id, base):
    drafting.save_prose(db, load_audit(db, audit_id), theme="観点", selection_reason="", conclusion="二人目が書いた総括。",
                        closing="", topic_texts={}, user=user(db, "auditor2"))
    auth.login("auditor")
    response = auth.post(f"/audit/{audit_id}/report", _form(
        {"theme": "観点", "selection_reason": "", "conclusion": "一人目が書いた総括。", "closing": ""}, "base", base))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "あなたの入力は消さずに残しています" in page and "一人目が書いた総括。</textarea>" in page
    assert "二人目が書いた総括。" in page
    assert load_audit(db, audit_id)["conclusion"] == "二人目が書いた総括。"


def _check(db, audit_id):
    audit = load_audit(db, audit_id)
    shimin = department_id(db, "shimin")
    item = next(i for i in visits.candidate_items(db, audit, shimin) if i["item_id"] == "G-04-01")
    topic = visits.topics(db, audit_id)[0]["id"]
    visits.add_checks(db, audit, [item["id"]], topic, user(db, "auditor"), shimin)
    check = next(c for c in visits.checks(db, audit) if c["item_id"] == "G-04-01")
    visits.save_check(db, audit, check["id"], result=RESULT_PROPER, note="二人目の確認", topic_id=topic, revision=0,
                      user=user(db, "auditor2"))
    return check["id"], topic


@pytest.mark.parametrize("revision", [None, "abc", str(2**70)])
def test_a_check_result_is_not_overwritten_by_a_post_without_its_revision(client, auth, db, audit_id, revision):
    check_id, topic = _check(db, audit_id)
    auth.login("auditor")
    prefix = f"c{check_id}-"                                            # each check's form has its own prefix
    response = auth.post(f"/audit/{audit_id}/checks/{check_id}", _form(
        {f"{prefix}result": RESULT_IMPROPER, f"{prefix}note": "一人目の確認", f"{prefix}topic_id": str(topic)},
        f"{prefix}revision", revision))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "この項目は他の画面で更新されています" in page and "一人目の確認" in page
    assert db.execute("SELECT result, note FROM audit_checks WHERE id = ?", [check_id]).fetchone() == (
        RESULT_PROPER, "二人目の確認")


def test_record_notes_and_finding_need_their_base(client, auth, db, audit_id):
    visits.update_record(db, load_audit(db, audit_id), fields={"attendees": "二人目の記録"}, places=["会議室"],
                         methods=[], user=user(db, "auditor2"))
    shimin = department_id(db, "shimin")
    visits.save_notes(db, load_audit(db, audit_id), "二人目の聴き取り", user(db, "auditor2"), shimin)
    auth.login("auditor")
    response = auth.post(f"/audit/{audit_id}/record", {"attendees": "一人目の記録", "places": "執務室"})
    assert response.status_code == 409 and "一人目の記録</textarea>" in response.get_data(as_text=True)
    assert load_audit(db, audit_id)["attendees"] == "二人目の記録"
    response = auth.post(f"/audit/{audit_id}/notes", {"interview_notes": "一人目の聴き取り", "department_id": shimin})
    assert response.status_code == 302 and "conflict=" in response.headers["Location"]
    assert db.execute("SELECT interview_notes FROM audit_departments WHERE audit_id = ? AND department_id = ?",
                      [audit_id, shimin]).fetchone()[0] == "二人目の聴き取り"

    finding_id = findings.create_finding(db, load_audit(db, audit_id), {
        "title": "二人目の指摘", "clause": "", "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT, "request": "対応されたい"},
        department_id=shimin, due_date="2099-03-31", user=user(db, "auditor2"))
    response = auth.post(f"/audit/findings/{finding_id}/edit", {
        "title": "一人目の指摘", "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT, "request": "対応されたい",
        "due_date": "2099-03-31", "topic_id": ""})
    assert response.status_code == 409 and "一人目の指摘" in response.get_data(as_text=True)
    assert db["audit_findings"].get(finding_id)["title"] == "二人目の指摘"


def test_a_departments_own_date_and_place_need_their_base(client, auth, db):
    joint = audit_for(db, "shimin+hoken", auditors=("auditor", "auditor2"))
    hoken = department_id(db, "hoken")
    visits.update_department_record(db, load_audit(db, joint), hoken, started_at="2026-01-20T14:00:00+09:00",
                                    ended_at="", places=["二人目の場所"], user=user(db, "auditor2"))
    auth.login("auditor")
    response = auth.post(f"/audit/{joint}/record", {"part": f"department-{hoken}", f"d{hoken}-places": "一人目の場所",
                                                    f"d{hoken}-started_at": "2026-01-21T10:00"})
    assert response.status_code == 409 and "一人目の場所" in response.get_data(as_text=True)
    assert db.execute("SELECT places FROM audit_departments WHERE audit_id = ? AND department_id = ?",
                      [joint, hoken]).fetchone()[0] == '["二人目の場所"]'


def test_an_answer_without_its_revision_is_a_conflict_even_on_a_first_save(client, auth, db):
    sid = sheet_id(db, "kenko")
    item = unanswered_item(db, load(db, sid), evidence_required=False)["item_id"]
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{sid}/items/{item}", {"value": "done", "detail": "入力した内容"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "あなたの入力は下に残してあります" in page and "入力した内容" in page
    assert db.execute("SELECT value FROM answers WHERE sheet_id = ? AND item_id = ?", [sid, item]).fetchone() in (
        None, (None,), ("",))


def test_a_sheet_status_change_without_its_revision_is_refused(client, auth, db):
    sid = sheet_id(db, "kenko")
    status = load(db, sid)["status"]
    auth.login("kenko.staff")
    response = auth.post(f"/sheets/{sid}/submit", {"reason": ""}, follow_redirects=True)
    assert "他の利用者がこの点検票の状態を変更しました" in response.get_data(as_text=True)
    assert load(db, sid)["status"] == status


def _fact_check(db, audit_id):
    drafting.save_prose(db, load_audit(db, audit_id), theme="観点", selection_reason="理由", conclusion="概ね適正",
                        closing="", topic_texts={}, user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, audit_id), user(db, "auditor"))
    reply_all(db, audit_id)


def test_a_double_issue_from_the_same_stale_state_issues_once(db, audit_id):
    _fact_check(db, audit_id)
    stale = load_audit(db, audit_id)
    workflow.issue(db, stale, user(db, "auditor"), "みどり市")
    with pytest.raises(AuditError, match="他の操作で状態が変わっています（現在: 発行済"):
        workflow.issue(db, stale, user(db, "auditor2"), "みどり市")
    assert db.execute("SELECT COUNT(*) FROM audit_reports WHERE audit_id = ?", [audit_id]).fetchone()[0] == 1
    with pytest.raises(AuditError):
        workflow.send_for_fact_check(db, {**stale, "status": "fieldwork"}, user(db, "auditor"))
    fresh = load_audit(db, audit_id)
    workflow.revise(db, fresh, user(db, "auditor"))
    with pytest.raises(AuditError):
        workflow.revise(db, fresh, user(db, "auditor"))                   # a second revise starts no version 3
    assert load_audit(db, audit_id)["version"] == 2


def test_two_simultaneous_issues_give_one_report(app, db, audit_id):
    _fact_check(db, audit_id)
    stale = load_audit(db, audit_id)
    barrier, outcomes = threading.Barrier(2), []

    def issue(username):
        own = connect(app.config["DATABASE"])
        try:
            barrier.wait()
            workflow.issue(own, stale, user(own, username), "みどり市")
            outcomes.append("issued")
        except AuditError as error:
            outcomes.append(str(error))
        finally:
            own.conn.close()

    threads = [threading.Thread(target=issue, args=(name,)) for name in ("auditor", "auditor2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("issued") == 1 and any("状態が変わっています" in o for o in outcomes), outcomes
    assert db.execute("SELECT COUNT(*) FROM audit_reports WHERE audit_id = ?", [audit_id]).fetchone()[0] == 1


def test_a_finding_is_withdrawn_once(db, audit_id):
    finding_id = findings.create_finding(db, load_audit(db, audit_id), {
        "title": "指摘", "clause": "", "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT, "request": "対応されたい"},
        department_id=department_id(db, "shimin"), due_date="2099-03-31", user=user(db, "auditor"))
    findings.withdraw_finding(db, load_audit(db, audit_id), finding_id, user(db, "auditor"))
    with pytest.raises(AuditError, match="既に取り下げられた"):
        findings.withdraw_finding(db, load_audit(db, audit_id), finding_id, user(db, "auditor"))


def test_a_schedule_is_closed_once(client, auth, db):
    from audits.schedules import service as schedules

    schedule = db.execute("SELECT id FROM schedules WHERE status = 'open' LIMIT 1").fetchone()[0]
    schedules.close_schedule(db, schedule)
    with pytest.raises(schedules.ScheduleError):
        schedules.close_schedule(db, schedule)
    auth.login("admin")
    response = auth.post(f"/schedules/{schedule}/close", {}, follow_redirects=True)
    assert response.status_code == 200 and "既に終了しています" in response.get_data(as_text=True)
