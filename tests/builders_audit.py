"""Fixture builders for the audit tests: a few 課, a tiny checklist, sheets and answers inserted directly
(following audits/sheets/schema.py), and audits made through the audit services."""
from __future__ import annotations

from audits.auth.service import load_user
from audits.audit import values
from audits.db import transaction
from audits.audit.values import REQUEST_IMPROVEMENT
from builders_summary import VALUE_OF, category_key, severity_key

STAMP = "2025-06-01T10:00:00+09:00"


def user(db, username: str):
    return load_user(db, db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0])


def department_id(db, code: str) -> int:
    return db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()[0]


def departments(db, codes: list[str]) -> dict[str, int]:
    with transaction(db):
        if not db.execute("SELECT 1 FROM bureaus WHERE code = 'tb'").fetchone():
            db["bureaus"].insert({"code": "tb", "name": "テスト部"})
        bureau = db.execute("SELECT id FROM bureaus WHERE code = 'tb'").fetchone()[0]
        for code in codes:
            db["departments"].insert({"code": code, "name": f"{code}課", "bureau_id": bureau, "active": 1})
    return {code: department_id(db, code) for code in codes}


def checklist(db, items: list[tuple[str, str]]) -> tuple[int, dict[str, int]]:
    """items: (item_id, severity); returns (version_id, {item_id: item_pk})."""
    with transaction(db):
        db["checklists"].insert({"id": "atest", "title": "監査テスト", "origin": "city", "created_at": STAMP})
        version_id = db["checklist_versions"].insert({
            "checklist_id": "atest", "version": 1, "title": "監査テスト", "prefix": "A", "tags": "[]",
            "content_hash": "atest-1", "data": "{}", "created_at": STAMP}).last_pk
        pks = {}
        for position, (item_id, severity) in enumerate(items, 1):
            pks[item_id] = db["checklist_items"].insert({
                "version_id": version_id, "item_id": item_id, "section_id": "A-01", "section_title": "テスト",
                "position": position, "question": f"{item_id} を行っていますか。", "scale": "implementation",
                "severity": severity_key(severity), "tags": "[]", "sources": "[]", "evidence_required": 0}).last_pk
    return version_id, pks


def schedule(db, year: int, version_id: int, due_date: str) -> int:
    with transaction(db):
        schedule_id = db["schedules"].insert({
            "fiscal_year": year, "title": f"{year} 自己点検", "open_date": f"{year}-05-01", "due_date": due_date,
            "target_mode": "picked", "status": "open", "created_at": STAMP}).last_pk
        db["schedule_versions"].insert({"schedule_id": schedule_id, "version_id": version_id})
    return schedule_id


def sheet(db, schedule_id: int, dept: int, version_id: int, status: str, answers: dict[str, str] | None = None,
          pks: dict[str, int] | None = None) -> int:
    with transaction(db):
        db["schedule_departments"].insert({"schedule_id": schedule_id, "department_id": dept}, replace=True)
        sheet_id = db["sheets"].insert({
            "schedule_id": schedule_id, "department_id": dept, "version_id": version_id, "status": status,
            "status_revision": 0, "created_at": STAMP, "updated_at": STAMP}).last_pk
        for item_id, category in (answers or {}).items():
            category = category_key(category)
            db["answers"].insert({"sheet_id": sheet_id, "item_pk": pks[item_id], "item_id": item_id,
                                  "value": VALUE_OF[category], "category": category, "revision": 1,
                                  "updated_at": STAMP})
    return sheet_id


def bare_audit(db, dept: int, year: int, *, open_findings: int = 0) -> int:
    """An audit row (and open findings) inserted directly, for the risk signals."""
    with transaction(db):
        audit_id = db["audits"].insert({"fiscal_year": year, "status": "issued",
                                        "version": 1, "revision": 0, "created_at": STAMP}).last_pk
        db["audit_departments"].insert({"audit_id": audit_id, "department_id": dept, "position": 1})
        for n in range(open_findings):
            db["audit_findings"].insert({"audit_id": audit_id, "department_id": dept, "title": f"指摘{n}",
                                         "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT, "request": "改善されたい",
                                         "status": "open", "position": n + 1})
    return audit_id


def audit_for(db, code: str, *, year: int = 2025, auditors=("auditor",)) -> int:
    """A new audit (実施中) of the demo 課 `code` ("shimin+hoken": a joint audit of both, in that order),
    with dates, places and one topic."""
    from audits.audit import plans, visits
    from audits.audit.permissions import load_audit

    lead = user(db, auditors[0])
    audit_id = visits.create_audit(db, fiscal_year=year, department_ids=[department_id(db, c) for c in code.split("+")],
                                   auditor_ids=[user(db, a).id for a in auditors], lead_id=lead.id,
                                   theme="ＦＡＸの使用の必要性を確認する。", selection_reason="自己点検の結果による。",
                                   user=lead)
    audit = load_audit(db, audit_id)
    visits.update_record(db, audit, fields={"started_at": "2026-02-18T09:30:00+09:00",
                                            "ended_at": "2026-02-18T11:00:00+09:00", "attendees": "課長"},
                         places=["執務室", "文書庫"], methods=["documents", "site"], user=lead)
    visits.add_topic(db, audit, "保有個人情報の取扱状況の確認")
    assert plans  # imported for callers that need AuditError
    return audit_id


def reply_all(db, audit_id: int) -> None:
    """Every audited 課 answers 「確認しました（意見なし）」 on the draft sent for 事実確認."""
    from audits.audit import workflow
    from audits.audit.permissions import load_audit

    audit = load_audit(db, audit_id)
    for department_id in audit["department_ids"]:
        workflow.confirm_no_comment(db, audit, user(db, "auditor"), department_id)
