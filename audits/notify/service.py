"""Making notices and reading them back. Every notice is one row of `notices` per person, with a unique key:
making it again (a second `notify` run, the same event twice) changes nothing.

Event notices are queued by the action itself, inside its write transaction (so a rolled-back action leaves
no notice); `flask notify` mails them later, so a slow or broken mail server never reaches the user's request.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlite_utils import Database

from .. import roles
from ..db import Conditions, transaction
from ..pia.values import sheet_title
from ..timeutil import now_iso
from ..screen_dates import nendo_text as nendo
from . import categories as cat


@dataclass(frozen=True)
class Notice:
    key: str
    user_id: int
    category: str
    subject: str
    body: str
    link: str | None = None


def department_members(db: Database, department_ids: Iterable[int], role_keys: Iterable[str]) -> list[int]:
    """Active users holding one of `role_keys` in one of the 課."""
    where = Conditions().ids("ud.department_id", set(department_ids)).ids("r.role", set(role_keys))
    return [row[0] for row in db.execute(
        f"""SELECT DISTINCT u.id FROM users u JOIN user_departments ud ON ud.user_id = u.id
            JOIN user_roles r ON r.user_id = u.id {where.sql()} AND u.active = 1 ORDER BY u.id""", where.params)]


def optouts(db: Database, user_id: int) -> set[str]:
    return {row[0] for row in db.execute("SELECT category FROM notice_optouts WHERE user_id = ?", [user_id])}


def wants(db: Database, user_id: int, category: str) -> bool:
    return category not in optouts(db, user_id)


def set_preferences(db: Database, user_id: int, enabled: Iterable[str]) -> None:
    off = set(cat.CATEGORIES) - set(enabled)
    with transaction(db):
        db.execute("DELETE FROM notice_optouts WHERE user_id = ?", [user_id])
        db["notice_optouts"].insert_all({"user_id": user_id, "category": c} for c in sorted(off))


def add(db: Database, notice: Notice) -> bool:
    """Store the notice unless its key exists or its person turned the category off (a digest is filtered when
    it is built). True when a row was added. The e-mail is pending when the person has an address now."""
    if notice.category != cat.DIGEST and not wants(db, notice.user_id, notice.category):
        return False
    email = db.execute("SELECT email FROM users WHERE id = ?", [notice.user_id]).fetchone()
    status = cat.MAIL_PENDING if email and email[0] else cat.MAIL_NONE
    cursor = db.execute(
        """INSERT OR IGNORE INTO notices (key, user_id, category, subject, body, link, created_at, mail_status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [notice.key, notice.user_id, notice.category, notice.subject, notice.body, notice.link, now_iso(), status])
    return cursor.rowcount == 1


def exists(db: Database, key: str) -> bool:
    return db.execute("SELECT 1 FROM notices WHERE key = ?", [key]).fetchone() is not None


# --- events, queued by the action inside its transaction ---------------------------------------

_SHEET_EVENTS = {"submit": "提出されました", "return": "差し戻されました", "approve": "承認されました"}


def sheet_moved(db: Database, sheet: dict, action: str, user, event_id: int, reason: str = "") -> None:
    """A sheet was submitted (to the 課's 保護管理者), returned or approved (to its 保護担当者 and the submitter)."""
    if action not in _SHEET_EVENTS:
        return
    name = f"{sheet['department_name']} {sheet_title(sheet)}（{nendo(sheet['fiscal_year'])}）"
    if action == "submit":
        recipients = department_members(db, [sheet["department_id"]], [roles.MANAGER])
    else:
        recipients = department_members(db, [sheet["department_id"]], [roles.STAFF])
        if sheet.get("submitted_by"):
            recipients.append(sheet["submitted_by"])
    subject = f"【点検】点検票が{_SHEET_EVENTS[action]}: {name}"
    body = f"{sheet['department_name']}の点検票「{sheet_title(sheet)}」が{user.display_name}さんにより{_SHEET_EVENTS[action]}。"
    if action == "submit":
        body += "\n内容を確認し、承認又は差戻しをしてください。"
    if action == "return" and reason:
        body += f"\n差戻しの理由: {reason}"
    for user_id in sorted(set(recipients) - {user.id}):
        add(db, Notice(f"sheet:{sheet['id']}:event:{event_id}:user:{user_id}", user_id, cat.SHEET_WORKFLOW,
                       subject, body, f"/sheets/{sheet['id']}"))


def fact_check_requested(db: Database, audit: dict, sent_at: str) -> None:
    """The draft 監査報告書 went to the audited 課 for 事実確認: to their 保護管理者."""
    department_ids = [row[0] for row in db.execute(
        "SELECT department_id FROM audit_departments WHERE audit_id = ?", [audit["id"]])]
    subject = f"【点検】監査報告書案の事実確認の依頼（{nendo(audit['fiscal_year'])}）"
    body = ("監査報告書の案が事実確認のために送られました。内容を確認し、事実と異なる点があれば意見を登録してください。")
    for user_id in department_members(db, department_ids, [roles.MANAGER]):
        add(db, Notice(f"audit:{audit['id']}:fact_check:{sent_at}:user:{user_id}", user_id, cat.FACT_CHECK,
                       subject, body, f"/audit/{audit['id']}"))


# --- the in-app list -------------------------------------------------------------------------------

def unread_count(db: Database, user_id: int) -> int:
    return db.execute("SELECT count(*) FROM notices WHERE user_id = ? AND read_at IS NULL", [user_id]).fetchone()[0]


def for_user(db: Database, user_id: int, limit: int = 100) -> list[dict]:
    return list(db.query("SELECT * FROM notices WHERE user_id = ? ORDER BY id DESC LIMIT ?", [user_id, limit]))


def mark_all_read(db: Database, user_id: int) -> None:
    with transaction(db):
        db.execute("UPDATE notices SET read_at = ? WHERE user_id = ? AND read_at IS NULL", [now_iso(), user_id])
