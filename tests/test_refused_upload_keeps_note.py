"""A refused upload on the audit pages says why and keeps the note typed with the file (as the sheet page does)."""
from __future__ import annotations

import io

import pytest
from builders_audit import audit_for, user
from test_audit_findings import _issue

from checklists.model import MEDIUM

from audits.audit import findings, values, visits
from audits.audit.permissions import load_audit

# A Windows executable claiming to be a PDF: refused by structure, whatever its name says.
FAKE_PDF = b"MZ\x90\x00" + b"\x00" * 200


def _post(auth, url, note):
    return auth.post(url, {"ev-file": (io.BytesIO(FAKE_PDF), "kiroku.pdf"), "ev-note": note},
                     content_type="multipart/form-data")


def _files(db, table):
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_audit_evidence_refused_keeps_the_note(client, auth, db):
    audit_id = audit_for(db, "hoken")
    auth.login("auditor")
    before = _files(db, "audit_evidence")
    response = _post(auth, f"/audit/{audit_id}/evidence", "文書庫の現地メモ")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "「kiroku.pdf」を添付できませんでした" in page
    assert 'value="文書庫の現地メモ"' in page
    assert _files(db, "audit_evidence") == before


def test_check_evidence_refused_keeps_the_note_of_that_check_only(client, auth, db):
    audit_id = audit_for(db, "hoken")
    audit = load_audit(db, audit_id)
    item_pks = [r[0] for r in db.execute("SELECT id FROM checklist_items ORDER BY id LIMIT 2")]
    visits.add_checks(db, audit, item_pks, None, user(db, "auditor"))
    first, second = [r[0] for r in db.execute("SELECT id FROM audit_checks WHERE audit_id = ? ORDER BY id",
                                                [audit_id])][:2]
    auth.login("auditor")
    response = _post(auth, f"/audit/{audit_id}/evidence?check={second}", "書庫の写真")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "を添付できませんでした" in page
    assert f'id="ev-note-{second}" value="書庫の写真"' in page
    assert f'id="ev-note-{first}" value=""' in page


@pytest.fixture
def action_id(db):
    audit_id = audit_for(db, "hoken")
    findings.create_finding(
        db, load_audit(db, audit_id), {"title": "点検記録がない", "clause": "事務対応ガイド4-8-5", "severity": MEDIUM,
                                       "request_kind": values.REQUEST_IMPROVEMENT, "request": "記録する"},
        due_date="2099-04-30", user=user(db, "auditor"))
    _issue(db, audit_id)
    return db.execute("SELECT id FROM corrective_actions ORDER BY id DESC").fetchone()[0]


def test_action_evidence_refused_keeps_the_note(client, auth, db, action_id):
    auth.login("hoken.staff")
    response = _post(auth, f"/audit/actions/{action_id}/evidence", "点検記録の写し")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "「kiroku.pdf」を添付できませんでした" in page and "点検記録の写し" in page
    accepted = auth.post(f"/audit/actions/{action_id}/evidence",
                         {"ev-file": (io.BytesIO(b"check list"), "tenken.txt"), "ev-note": "点検記録"},
                         content_type="multipart/form-data")
    assert accepted.status_code == 302
