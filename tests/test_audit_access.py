"""Who sees what of an audit: the 課 sees its own findings and the issued report; never another 課's audit
record, and never its own before the draft is sent for 事実確認."""
from __future__ import annotations

import io

import pytest
from builders_audit import audit_for, user

from audits.audit import values, workflow
from audits.audit.permissions import load_audit
from audits.audit.values import REQUEST_IMPROVEMENT


def demo_audit(db) -> int:
    return db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                         JOIN departments d ON d.id = ad.department_id
                         WHERE d.code = 'kenko' AND a.fiscal_year = 2024""").fetchone()[0]


@pytest.fixture
def fresh(db):
    """A 市民課 audit still in the field (not yet sent for 事実確認), with a finding and on-site notes."""
    from audits.audit import findings, visits

    audit_id = audit_for(db, "shimin")
    audit = load_audit(db, audit_id)
    visits.save_notes(db, audit, "聴き取り：ＦＡＸ送付票に確認者の記名なし", user(db, "auditor"))
    findings.create_finding(db, audit, {"title": "送付票に確認者の記名がない", "severity": values.HIGH,
                                        "request_kind": REQUEST_IMPROVEMENT, "request": "２人で確認する"},
                            due_date="2026-05-31", user=user(db, "auditor"))
    return audit_id


def test_own_department_cannot_see_the_record_before_fact_check(client, auth, db, fresh):
    auth.login("shimin.staff")
    for path in (f"/audit/{fresh}", f"/audit/{fresh}/checks", f"/audit/{fresh}/factcheck",
                 f"/audit/{fresh}/report.pdf?draft=1"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "ＦＡＸ送付票" not in response.get_data(as_text=True)
    html = client.get("/audit/department").get_data(as_text=True)
    assert "送付票に確認者の記名がない" not in html
    assert db.execute("SELECT COUNT(*) FROM activity_log WHERE action = 'access.denied' AND username = 'shimin.staff'"
                      ).fetchone()[0] >= 4


def test_own_department_sees_the_draft_and_findings_after_fact_check_is_sent(client, auth, db, fresh):
    from audits.audit import drafting

    audit = load_audit(db, fresh)
    drafting.save_prose(db, audit, theme="観点", selection_reason="理由", conclusion="概ね適正", closing="",
                        topic_texts={}, user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, fresh), user(db, "auditor"))
    auth.login("shimin.staff")
    html = client.get(f"/audit/{fresh}").get_data(as_text=True)
    assert "送付票に確認者の記名がない" in html and "ＦＡＸ送付票に確認者の記名なし" in html
    # a finding becomes the 課's corrective action only when issued (test_audit_factcheck.py)
    assert "送付票に確認者の記名がない" not in client.get("/audit/department").get_data(as_text=True)
    assert client.get(f"/audit/{fresh}/report.pdf?draft=1").status_code == 200
    assert client.get(f"/audit/{fresh}/record").status_code == 403          # never edits


def test_other_department_never_sees_the_record(client, auth, db, fresh):
    workflow_ready(db, fresh)
    auth.login("hoken.manager")
    assert client.get(f"/audit/{fresh}").status_code == 403
    assert client.get(f"/audit/{fresh}/checks").status_code == 403
    assert client.get(f"/audit/{fresh}/report.pdf?draft=1").status_code == 403
    action_id = db.execute("SELECT id FROM corrective_actions ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert client.get(f"/audit/actions/{action_id}").status_code == 403


def workflow_ready(db, audit_id):
    from audits.audit import drafting

    drafting.save_prose(db, load_audit(db, audit_id), theme="観点", selection_reason="理由", conclusion="概ね適正",
                        closing="", topic_texts={}, user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, audit_id), user(db, "auditor"))


def test_issued_report_is_shared_but_the_record_is_not(client, auth, db):
    audit_id = demo_audit(db)
    auth.login("hoken.staff")
    response = client.get(f"/audit/{audit_id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/audit/{audit_id}").status_code == 403
    assert client.get(f"/audit/{audit_id}/report.pdf?draft=1").status_code == 403


def test_audited_department_sees_its_findings_and_issued_report(client, auth, db):
    audit_id = demo_audit(db)
    auth.login("kenko.manager")
    html = client.get("/audit/department").get_data(as_text=True)
    assert "文書保存箱において、廃棄年月日に誤記載" in html
    assert client.get(f"/audit/{audit_id}").status_code == 200
    assert client.get(f"/audit/{audit_id}/report.pdf").status_code == 200


@pytest.mark.parametrize("username,status", [("chief", 200), ("auditor", 200), ("admin", 403)])
def test_organisation_roles(client, auth, db, username, status):
    auth.login(username)
    assert client.get(f"/audit/{demo_audit(db)}").status_code == status
    assert client.get("/audit/").status_code == status


def test_chief_reads_but_does_not_edit(client, auth, db, fresh):
    auth.login("chief")
    assert client.get(f"/audit/{fresh}").status_code == 200
    assert client.get(f"/audit/{fresh}/record").status_code == 403
    assert auth.post(f"/audit/{fresh}/notes", {"interview_notes": "x"}).status_code == 403


def test_auditor_outside_the_team_reads_but_does_not_edit(client, auth, db):
    audit_id = audit_for(db, "hoken", auditors=("auditor",))
    auth.login("auditor2")
    assert client.get(f"/audit/{audit_id}").status_code == 200
    assert client.get(f"/audit/{audit_id}/record").status_code == 403


def test_audit_evidence_follows_the_audit_rules(client, auth, db, fresh):
    auth.login("auditor")
    response = auth.post(f"/audit/{fresh}/evidence", {"ev-file": (io.BytesIO(b"memo on site"), "memo.txt"),
                                                      "ev-note": "現地メモ"}, content_type="multipart/form-data")
    assert response.status_code == 302
    evidence_id = db.execute("SELECT evidence_id FROM audit_evidence ORDER BY evidence_id DESC").fetchone()[0]
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 200
    auth.logout()
    auth.login("shimin.staff")
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 403
    auth.logout()
    workflow_ready(db, fresh)
    auth.login("shimin.staff")
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 200


def test_unknown_audit_is_404(client, auth):
    auth.login("auditor")
    assert client.get("/audit/99999").status_code == 404
    assert client.get("/audit/actions/99999").status_code == 404
