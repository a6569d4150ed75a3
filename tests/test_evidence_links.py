"""Evidence belongs to its owner through link tables with real foreign keys (tenken-evidence 0001), and a database
of the previous release (evidence.owner_type/owner_id) is carried forward with every file still downloadable
by exactly those who could download it before."""
from __future__ import annotations

import io
import sqlite3

import pytest
import sample_files
from builders_audit import audit_for, user
from builders_evidence import as_previous_release

from audits.audit import visits
from audits.audit.permissions import load_audit
from audits.db import connect, init_db
from audits.evidence import service as evidence

PDF = sample_files.pdf()


def _upload(auth, path: str, name: str) -> None:
    response = auth.post(path, {"ev-file": (io.BytesIO(PDF), name), "ev-note": "移行前"},
                         content_type="multipart/form-data")
    assert response.status_code == 302


def _latest(db) -> int:
    return db.execute("SELECT max(id) FROM evidence").fetchone()[0]


def _files_of_every_kind(auth, db) -> dict[str, tuple[int, str, str]]:
    """kind -> (evidence id, a user who may download it, a user who may not)."""
    shimin = db.execute("SELECT id FROM departments WHERE code = 'shimin'").fetchone()[0]
    answer = db.execute("""SELECT e.id FROM evidence e JOIN answer_evidence l ON l.evidence_id = e.id
                           WHERE e.department_id = ? AND e.removed_at IS NULL ORDER BY e.id""", [shimin]).fetchone()[0]
    audit_id = audit_for(db, "shimin")
    audit = load_audit(db, audit_id)
    visits.add_checks(db, audit, [visits.candidate_items(db, audit)[0]["id"]], None, user(db, "auditor"))
    check_id = db.execute("SELECT id FROM audit_checks WHERE audit_id = ?", [audit_id]).fetchone()[0]
    auth.login("auditor")
    _upload(auth, f"/audit/{audit_id}/evidence", "現地メモ.pdf")
    on_audit = _latest(db)
    _upload(auth, f"/audit/{audit_id}/evidence?check={check_id}", "書庫.pdf")
    on_check = _latest(db)
    auth.logout()
    action_id, code = db.execute("""SELECT c.id, d.code FROM corrective_actions c JOIN departments d
                                    ON d.id = c.department_id WHERE c.status != 'closed' ORDER BY c.id""").fetchone()
    auth.login(f"{code}.staff")
    _upload(auth, f"/audit/actions/{action_id}/evidence", "改善記録.pdf")
    on_action = _latest(db)
    auth.logout()
    stranger = "shimin.staff" if code != "shimin" else "hoken.staff"
    return {"answer": (answer, "shimin.staff", "hoken.staff"), "audit": (on_audit, "auditor", "hoken.staff"),
            "audit_item": (on_check, "auditor", "hoken.staff"), "action": (on_action, f"{code}.staff", stranger)}


def _owners(db) -> dict[int, tuple]:
    return {evidence_id: (row["owner"], row["owner_id"]) for (evidence_id,) in db.execute("SELECT id FROM evidence")
            for row in [evidence.load(db, evidence_id)]}


def test_previous_release_database_keeps_every_owner_and_download(app, client, auth, db, tmp_path):
    files = _files_of_every_kind(auth, db)
    before = _owners(db)
    assert {kind for kind, _ in before.values()} == set(evidence.OWNERS)
    assert len(before) > 20  # the demo's answer files and the four above
    path = app.config["DATABASE"]
    db.conn.close()

    as_previous_release(path, tmp_path / "reference.db")
    old = connect(path)
    with old.conn:  # a file whose check was deleted by an earlier release, pointing at nothing
        orphan = old.execute("""INSERT INTO evidence (owner_type, owner_id, department_id, stored_name, original_name,
                                                      size, sha256, uploaded_at)
                                SELECT 'audit_item', 999999, department_id, stored_name, '迷子.pdf', size, sha256,
                                       uploaded_at FROM evidence WHERE id = ?""", [files["audit_item"][0]]).lastrowid
    assert old.execute("SELECT owner_type, owner_id FROM evidence WHERE id = ?", [files["action"][0]]).fetchone()[0] \
        == "action"
    old.conn.close()

    assert init_db(path) == ["tenken-evidence:0001_evidence_links"]

    db = connect(path)
    after = _owners(db)
    assert after == {**before, orphan: (None, None)}
    assert "owner_type" not in db["evidence"].columns_dict and "owner_id" not in db["evidence"].columns_dict
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.conn.close()
    for kind, (evidence_id, reader, stranger) in files.items():
        auth.login(reader)
        response = client.get(f"/evidence/{evidence_id}/download")
        assert response.status_code == 200 and response.data, kind
        assert kind == "answer" or response.data == PDF
        auth.logout()
        auth.login(stranger)
        assert client.get(f"/evidence/{evidence_id}/download").status_code == 403, kind
        auth.logout()
    auth.login("auditor")  # the orphan is kept and, as before, readable by nobody
    assert client.get(f"/evidence/{orphan}/download").status_code == 403
    assert init_db(path) == []  # nothing left to do the second time


def test_database_refuses_a_link_to_a_missing_owner_or_a_second_owner(db):
    evidence_id, answer_id = db.execute("SELECT evidence_id, answer_id FROM answer_evidence LIMIT 1").fetchone()
    new = db.execute("INSERT INTO evidence (department_id, stored_name, original_name, size, sha256, uploaded_at) "
                     "SELECT department_id, stored_name, 'x', size, sha256, uploaded_at FROM evidence WHERE id = ?",
                     [evidence_id]).lastrowid
    for owner, missing in (("answer", 999999), ("audit", 999999), ("audit_item", 999999), ("action", 999999)):
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            evidence.link(db, new, owner, missing)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):  # a link to a file that does not exist
        evidence.link(db, 999999, "answer", answer_id)
    audit_id = db.execute("SELECT id FROM audits ORDER BY id").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="another owner"):  # one file, one owner
        evidence.link(db, evidence_id, "audit", audit_id)
    with pytest.raises(sqlite3.IntegrityError):
        evidence.link(db, evidence_id, "answer", answer_id)
    db.conn.rollback()
