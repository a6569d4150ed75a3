"""Two auditors never silently overwrite each other's text in an audit's record or report.

A form carries a fingerprint of the values it was loaded with (`fingerprint(…_values(…))` in a hidden
field). The save reads the same values again inside its write transaction; when they changed in the
meantime (someone else saved them), `check()` refuses with `EditConflict`, naming who saved and when.
The view keeps what the user typed, shows the saved values and gives the form the new fingerprint, so
a second, deliberate save goes through. Only the fields a form edits count: saving the interview notes
does not block someone writing the report.
"""
from __future__ import annotations

import hashlib
import json

from sqlite_utils import Database

from ..revisions import is_current
from ..screen_dates import datetime_text
from ..timeutil import now_iso
from .plans import AuditError


class EditConflict(AuditError):
    def __init__(self, who: str, when: str):
        super().__init__(f"{who}さんが {when} にこの内容を保存しています。あなたの入力は消さずに残しています。"
                         "保存済みの内容を確かめ、必要なら取り入れてから、もう一度保存してください。")


def fingerprint(values: dict) -> str:
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prose_values(db: Database, audit_id: int) -> dict:
    """What the report's prose form edits: the five texts and every 監査項目's result text."""
    row = db.execute("SELECT theme, selection_reason, conclusion, closing, other_text FROM audits WHERE id = ?",
                     [audit_id]).fetchone()
    topics = db.execute("SELECT id, result_text FROM audit_topics WHERE audit_id = ? ORDER BY id",
                        [audit_id]).fetchall()
    return {"theme": row[0] or "", "selection_reason": row[1] or "", "conclusion": row[2] or "",
            "closing": row[3] or "", "other_text": row[4] or "",
            "topics": {str(topic_id): text or "" for topic_id, text in topics}}


def record_values(db: Database, audit_id: int) -> dict:
    """What the record form edits: 日時, 場所, 実施手法, 出席者."""
    row = db.execute("SELECT started_at, ended_at, places, methods, attendees FROM audits WHERE id = ?",
                     [audit_id]).fetchone()
    return dict(zip(("started_at", "ended_at", "places", "methods", "attendees"), (v or "" for v in row)))


def department_record_values(db: Database, audit_id: int, department_id: int) -> dict:
    """What one 課's record form edits: its own 日時 and 場所."""
    row = db.execute("SELECT started_at, ended_at, places FROM audit_departments WHERE audit_id = ? "
                     "AND department_id = ?", [audit_id, department_id]).fetchone()
    return dict(zip(("started_at", "ended_at", "places"), (v or "" for v in row))) if row else {}


def notes_values(db: Database, audit_id: int, department_id: int) -> dict:
    row = db.execute("SELECT interview_notes FROM audit_departments WHERE audit_id = ? AND department_id = ?",
                     [audit_id, department_id]).fetchone()
    return {"interview_notes": (row[0] or "") if row else ""}


def touch(db: Database, audit_id: int, user, changes: dict | None = None) -> None:
    """Write `changes` to the audit row and count one more change (who, when, revision + 1 in SQL)."""
    changes = dict(changes or {})
    assignments = ", ".join(f"{column} = ?" for column in changes)
    db.execute(f"UPDATE audits SET {assignments + ', ' if assignments else ''}updated_at = ?, updated_by = ?, "
               "revision = revision + 1 WHERE id = ?", [*changes.values(), now_iso(), user.id, audit_id])


def finding_values(db: Database, finding_id: int) -> dict:
    """What the finding's edit form edits, its corrective action's due date included."""
    row = db.execute("""SELECT f.title, f.clause, f.severity, f.request_kind, f.request, f.topic_id, ca.due_date,
                               f.wish_ending
                        FROM audit_findings f LEFT JOIN corrective_actions ca ON ca.finding_id = f.id
                        WHERE f.id = ?""", [finding_id]).fetchone()
    return dict(zip(("title", "clause", "severity", "request_kind", "request", "topic_id", "due_date", "wish_ending"),
                    (v if v is not None else "" for v in row)))


def check(db: Database, audit_id: int, base: str | None, current: dict) -> None:
    """Inside the save's transaction: refuse when `current` is no longer what the form was loaded with, or
    when the form did not say (a missing or malformed `base` is a conflict; see revisions.py)."""
    if is_current(fingerprint(current), base):
        return
    row = db.execute("SELECT u.display_name, a.updated_at FROM audits a LEFT JOIN users u ON u.id = a.updated_by "
                     "WHERE a.id = ?", [audit_id]).fetchone()
    raise EditConflict(row[0] or "他の監査員", datetime_text(row[1]) if row[1] else "先ほど")
