"""Finding → corrective action lifecycle: the 課 answers with evidence, the auditor accepts or asks for more;
overdue actions show on the home pages of the 課, the 監査責任者 and the 総括保護管理者 until closed."""
from __future__ import annotations

import io
from datetime import date

import pytest
from builders_audit import audit_for, reply_all, user

from audits.audit import drafting, findings, values, workflow
from audits.audit.permissions import load_audit
from audits.audit.plans import AuditError
from audits.audit.values import REQUEST_IMPROVEMENT


def _issue(db, audit_id):
    drafting.save_prose(db, load_audit(db, audit_id), theme="観点", selection_reason="理由", conclusion="概ね適正",
                        closing="", topic_texts={}, user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, audit_id), user(db, "auditor"))
    reply_all(db, audit_id)
    workflow.issue(db, load_audit(db, audit_id), user(db, "auditor"), "みどり市")


@pytest.fixture
def finding(db):
    audit_id = audit_for(db, "hoken")
    finding_id = findings.create_finding(
        db, load_audit(db, audit_id), {"title": "短縮ダイヤルの点検記録がない", "clause": "事務対応ガイド4-8-5",
                                       "severity": values.HIGH, "request_kind": REQUEST_IMPROVEMENT,
                                       "request": "点検日と点検者を記録する"},
        due_date="2020-04-30", user=user(db, "auditor"))
    action_id = db.execute("SELECT id FROM corrective_actions WHERE finding_id = ?", [finding_id]).fetchone()[0]
    return audit_id, finding_id, action_id


def _revision(db, action_id) -> str:
    """The revision the action's page carries in its forms."""
    return str(_action(db, action_id)["revision"])


def _action(db, action_id):
    return next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]))


def test_a_finding_becomes_an_open_action_with_its_own_fields(db, finding):
    _audit_id, finding_id, action_id = finding
    row = db["audit_findings"].get(finding_id)
    action = _action(db, action_id)
    assert (row["severity"], row["status"]) == (values.HIGH, values.FINDING_OPEN)
    assert (action["status"], action["due_date"]) == (values.ACTION_OPEN, "2020-04-30")


def test_department_answers_only_after_issue(db, finding):
    audit_id, _finding_id, action_id = finding
    with pytest.raises(AuditError):
        findings.submit(db, _action(db, action_id), load_audit(db, audit_id), "対応した", user(db, "hoken.staff"))


def test_full_lifecycle_through_the_pages(client, auth, db, finding):
    audit_id, finding_id, action_id = finding
    _issue(db, audit_id)
    auth.login("hoken.staff")
    page = client.get(f"/audit/actions/{action_id}").get_data(as_text=True)
    assert "短縮ダイヤルの点検記録がない" in page and "期限超過" in page
    response = auth.post(f"/audit/actions/{action_id}/evidence",
                         {"ev-file": (io.BytesIO(b"check list"), "tenken.txt"), "ev-note": "点検記録"},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert auth.post(f"/audit/actions/{action_id}/submit", {"response": ""}).status_code == 400
    assert auth.post(f"/audit/actions/{action_id}/submit",
                     {"response": "短縮ダイヤルを全件点検し記録した。", "revision": _revision(db, action_id)}).status_code == 302
    assert _action(db, action_id)["status"] == values.ACTION_SUBMITTED
    auth.logout()

    auth.login("auditor")
    auth.post(f"/audit/actions/{action_id}/review", {"decision": "return", "comment": "点検者の記名も必要です。",
                                                     "due_date": "2099-06-30", "revision": _revision(db, action_id)})
    action = _action(db, action_id)
    assert (action["status"], action["due_date"]) == (values.ACTION_OPEN, "2099-06-30")
    auth.logout()

    auth.login("hoken.manager")
    auth.post(f"/audit/actions/{action_id}/submit", {"response": "点検者の記名欄を設けた。",
                                                     "revision": _revision(db, action_id)})
    auth.logout()
    auth.login("auditor")
    auth.post(f"/audit/actions/{action_id}/review", {"decision": "accept", "comment": "確認した。",
                                                     "revision": _revision(db, action_id)})
    assert _action(db, action_id)["status"] == values.ACTION_CLOSED
    assert db["audit_findings"].get(finding_id)["status"] == values.FINDING_CLOSED
    events = [e["event"] for e in findings.events(db, action_id)]
    assert events == ["create", "submit", "return", "submit", "accept"]
    logged = {r[0] for r in db.execute("SELECT action FROM activity_log WHERE object_type = 'corrective_action'")}
    assert {"action.submit", "action.return", "action.accept"} <= logged


def test_other_department_cannot_answer(client, auth, db, finding):
    audit_id, _finding_id, action_id = finding
    _issue(db, audit_id)
    auth.login("shimin.manager")
    assert auth.post(f"/audit/actions/{action_id}/submit", {"response": "x"}).status_code == 403
    assert _action(db, action_id)["status"] == values.ACTION_OPEN


def test_overdue_until_closed_on_every_home_page(client, auth, db, finding):
    audit_id, _finding_id, action_id = finding
    _issue(db, audit_id)
    overdue = findings.action_list(db, overdue_only=True, today=date(2020, 5, 1))
    assert [a["id"] for a in overdue] == [action_id]
    assert findings.action_list(db, overdue_only=True, today=date(2020, 4, 30)) == []
    for username in ("hoken.manager", "auditor", "chief"):
        auth.login(username)
        html = client.get("/").get_data(as_text=True)
        assert "短縮ダイヤルの点検記録がない" in html and "期限超過" in html, username
        auth.logout()
    auth.login("shimin.manager")
    assert "短縮ダイヤルの点検記録がない" not in client.get("/").get_data(as_text=True)
    auth.logout()
    action = _action(db, action_id)
    findings.submit(db, action, load_audit(db, audit_id), "対応した", user(db, "hoken.staff"))
    findings.accept(db, _action(db, action_id), load_audit(db, audit_id), "", user(db, "auditor"))
    assert action_id not in [a["id"] for a in findings.action_list(db, overdue_only=True)]
    auth.login("hoken.manager")
    assert "短縮ダイヤルの点検記録がない" not in client.get("/").get_data(as_text=True)


def test_accept_needs_a_report_from_the_department(db, finding):
    audit_id, _finding_id, action_id = finding
    with pytest.raises(AuditError):
        findings.accept(db, _action(db, action_id), load_audit(db, audit_id), "", user(db, "auditor"))


def test_withdrawn_finding_leaves_the_lists(db, finding):
    audit_id, finding_id, action_id = finding
    findings.withdraw_finding(db, load_audit(db, audit_id), finding_id, user(db, "auditor"))
    assert action_id not in [a["id"] for a in findings.action_list(db)]
    assert findings.findings(db, audit_id) == []
