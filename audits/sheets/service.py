"""Sheets (点検票) and their answers: loading with access checks, saving with optimistic locking,
history, completeness and status changes."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_login import current_user
from sqlite_utils import Database

from .. import roles
from ..access import can_read_department_records, deny
from ..activity import service as activity
from ..catalogue import service as catalogue
from ..db import Conditions, get_db, in_clause, transaction
from ..evidence import service as evidence
from ..notify import service as notices
from ..paging import Sort
from ..revisions import UNCHECKED, is_current
from ..summary.scoring import NOT_APPLICABLE
from ..timeutil import now, now_iso
from . import workflow
from .answers import (ANSWER_FIELDS, EVIDENCE_CATEGORIES, GAP_CATEGORIES, AnswerInput, evidence_owed, normalise_value,
                      validate)

SHEET_QUERY = """
    SELECT h.*, d.code AS department_code, d.name AS department_name, b.name AS bureau_name,
           s.fiscal_year, s.title AS schedule_title, s.status AS schedule_status,
           coalesce(sd.due_date, s.due_date) AS due_date,
           v.checklist_id, v.version AS checklist_version, v.title AS checklist_title,
           pa.name AS assessment_name, pa.kind AS assessment_kind
    FROM sheets h
    JOIN departments d ON d.id = h.department_id JOIN bureaus b ON b.id = d.bureau_id
    JOIN schedules s ON s.id = h.schedule_id
    LEFT JOIN schedule_departments sd ON sd.schedule_id = h.schedule_id AND sd.department_id = h.department_id
    JOIN checklist_versions v ON v.id = h.version_id
    LEFT JOIN pia_assessments pa ON pa.id = h.assessment_id
"""


def load_sheet(db: Database, sheet_id: int) -> dict | None:
    return next(db.query(SHEET_QUERY + " WHERE h.id = ?", [sheet_id]), None)


def get_sheet(sheet_id: int) -> dict:
    """Load a sheet for the current user: the 課's members, the 監査責任者 and the 総括保護管理者."""
    sheet = load_sheet(get_db(), sheet_id)
    if sheet is None or sheet["removed_at"]:
        abort(404)
    if not can_read_department_records(current_user, sheet["department_id"]):
        deny(f"点検票（番号 {sheet_id}）を閲覧する権限がありません", sheet["department_code"])
    return sheet


def _evidence_policy(user, row: dict) -> bool:
    return can_read_department_records(user, row["department_id"])


def init_app(app) -> None:
    evidence.register_access_policy(app, "answer", _evidence_policy)


class AnswerConflict(Exception):
    """Someone saved this answer after the form was loaded; `current` is what they saved."""

    def __init__(self, current: dict):
        self.current = current
        super().__init__("conflict")


class AnswerInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("invalid")


class SheetLocked(Exception):
    """The sheet is not open for answers (submitted, approved) or the user may not answer."""


@dataclass
class SaveResult:
    answer_id: int
    revision: int
    category: str | None
    changed: bool


def _answer_row(db: Database, sheet_id: int, item_pk: int) -> dict | None:
    return next(db.query("SELECT * FROM answers WHERE sheet_id = ? AND item_pk = ?", [sheet_id, item_pk]), None)


def answer_snapshot(row: dict | None) -> dict:
    if not row:
        return {f: "" for f in ANSWER_FIELDS}
    return {f: row.get(f) or "" for f in ANSWER_FIELDS}


def ensure_answer_row(db: Database, sheet: dict, item: dict) -> dict:
    """An empty answer row, so that evidence can be attached before the answer is chosen."""
    with transaction(db):
        row = _answer_row(db, sheet["id"], item["id"])
        if row is None:
            db["answers"].insert({"sheet_id": sheet["id"], "item_pk": item["id"], "item_id": item["item_id"],
                                  "revision": 0, "auto_na": 0, "updated_at": now_iso()})
            row = _answer_row(db, sheet["id"], item["id"])
    return row


def _user_name(user) -> str:
    return getattr(user, "display_name", None) or getattr(user, "username", "")


def _advance_after_answer(db: Database, sheet: dict, user) -> None:
    target = workflow.AFTER_ANSWER.get(sheet["status"])
    if target:
        db.execute("UPDATE sheets SET status = ?, status_revision = status_revision + 1, updated_at = ? "
                   "WHERE id = ?", [target, now_iso(), sheet["id"]])
        db["sheet_events"].insert({"sheet_id": sheet["id"], "at": now_iso(), "user_id": user.id,
                                   "username": user.username, "action": "start", "from_status": sheet["status"],
                                   "to_status": target})
        sheet["status"] = target


def save_answer(db: Database, sheet: dict, item: dict, answer: AnswerInput, *, base_revision: int, user,
                source: str = "web", today: date | None = None) -> SaveResult:
    """Save one answer if nobody changed it since `base_revision`; keep the before/after in history.

    Raises AnswerInvalid (field -> message), AnswerConflict (with the other person's answer) or
    SheetLocked. The check of the revision and the write happen under one write lock."""
    today = today or now().date()
    with transaction(db):
        fresh = db.execute("SELECT status FROM sheets WHERE id = ?", [sheet["id"]]).fetchone()[0]
        sheet = {**sheet, "status": fresh}
        if not workflow.may_edit_answers(user, sheet):
            raise SheetLocked(f"{workflow.STATUS_LABELS[fresh]}の点検票は変更できません。")
        current = _answer_row(db, sheet["id"], item["id"])
        if current and current["auto_na"]:
            raise SheetLocked("この項目はこの課に該当しないため回答できません。")
        current_revision = current["revision"] if current else 0
        if not is_current(current_revision, base_revision):
            raise AnswerConflict(current)
        evaluation = validate(item, answer, today=today,
                              stored_plan_due=(current or {}).get("plan_due"))
        if evaluation.errors:
            raise AnswerInvalid(evaluation.errors)
        values = answer.as_dict()
        values["value"] = normalise_value(item, values["value"])
        if evaluation.category not in GAP_CATEGORIES:
            values.update(plan_action="", plan_due="", plan_owner="")
        if evaluation.category != NOT_APPLICABLE:
            values["na_reason"] = ""
        before = answer_snapshot(current)
        before_category = current["category"] if current else None
        if current and before == {k: v or "" for k, v in values.items()} and before_category == evaluation.category:
            return SaveResult(current["id"], current_revision, evaluation.category, False)
        stamp = now_iso()
        stored = {k: (v or None) for k, v in values.items()}
        stored.update(category=evaluation.category, updated_at=stamp, updated_by=user.id)
        if current is None:
            answer_id = db["answers"].insert({"sheet_id": sheet["id"], "item_pk": item["id"],
                                              "item_id": item["item_id"], "auto_na": 0, "revision": 1,
                                              **stored}).last_pk
            revision = 1
        else:
            cursor = db.execute(
                f"UPDATE answers SET {', '.join(f'{k} = ?' for k in stored)}, revision = revision + 1 "
                "WHERE id = ? AND revision = ?", [*stored.values(), current["id"], current_revision])
            if cursor.rowcount != 1:  # cannot happen under the write lock; refuse rather than overwrite
                raise AnswerConflict(_answer_row(db, sheet["id"], item["id"]))
            answer_id, revision = current["id"], current_revision + 1
        after = {**values, "category": evaluation.category}
        db["answer_history"].insert({
            "answer_id": answer_id, "sheet_id": sheet["id"], "item_id": item["item_id"], "revision": revision,
            "changed_at": stamp, "changed_by": user.id, "changed_by_name": _user_name(user), "source": source,
            "before": json.dumps({**before, "category": before_category}, ensure_ascii=False),
            "after": json.dumps(after, ensure_ascii=False)})
        _advance_after_answer(db, sheet, user)
        db.execute("UPDATE sheets SET updated_at = ? WHERE id = ?", [stamp, sheet["id"]])
        activity.record(db, "answer.save", department_code=sheet["department_code"], object_type="answer",
                        object_id=answer_id, detail={"sheet": sheet["id"], "item": item["item_id"],
                                                     "revision": revision, "category": evaluation.category,
                                                     "source": source})
    return SaveResult(answer_id, revision, evaluation.category, True)


# --- reading a whole sheet -------------------------------------------------------------------

@dataclass
class SheetItem:
    item: dict
    answer: dict | None
    evidence: list[dict] = field(default_factory=list)

    @property
    def applies(self) -> bool:
        return not (self.answer and self.answer["auto_na"])

    @property
    def answered(self) -> bool:
        return bool(self.answer and self.answer["value"] is not None and self.answer["category"])

    @property
    def unanswered(self) -> bool:
        """Still to be answered: applies to the 課 and has no answer (the page's 未回答, the first blocker)."""
        return self.applies and not self.answered

    @property
    def live_evidence(self) -> list[dict]:
        return [e for e in self.evidence if not e["removed_at"]]

    @property
    def evidence_expected(self) -> bool:
        """Show 「証跡 必須」: the item asks for evidence and the answer (if any) claims 実施."""
        return (self.applies and bool(self.item["evidence_required"])
                and (not self.answered or evidence_owed(self.item, self.answer["category"])))

    @property
    def missing_evidence(self) -> bool:
        return (self.applies and self.answered and evidence_owed(self.item, self.answer["category"])
                and not self.live_evidence)


@dataclass
class SheetSection:
    id: str
    title: str
    items: list[SheetItem]

    @property
    def applicable(self) -> int:
        return sum(1 for i in self.items if i.applies)

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.applies and i.answered)


def sheet_entry(db: Database, sheet: dict, item: dict) -> SheetItem:
    """One item of the sheet with its answer and files (as sheet_items() gives them), for the card of a saved item."""
    answer = _answer_row(db, sheet["id"], item["id"])
    files = evidence.for_owners(db, "answer", [answer["id"]]) if answer else {}
    return SheetItem(item, answer, files.get(answer["id"], []) if answer else [])


def sheet_items(db: Database, sheet: dict) -> list[SheetSection]:
    items = catalogue.version_items(db, sheet["version_id"])
    answers = {row["item_pk"]: row for row in db.query("SELECT * FROM answers WHERE sheet_id = ?", [sheet["id"]])}
    files = evidence.for_owners(db, "answer", [a["id"] for a in answers.values()])
    sections: list[SheetSection] = []
    for item in items:
        answer = answers.get(item["id"])
        entry = SheetItem(item, answer, files.get(answer["id"], []) if answer else [])
        if not sections or sections[-1].id != item["section_id"]:
            sections.append(SheetSection(item["section_id"], item["section_title"], []))
        sections[-1].items.append(entry)
    return sections


# What stops a submission, in the order the list on the page shows them.
UNANSWERED_BLOCKER = "unanswered"
PLAN_BLOCKER = "plan"
EVIDENCE_BLOCKER = "evidence"
BLOCKER_LABELS = {UNANSWERED_BLOCKER: "未回答の項目", PLAN_BLOCKER: "改善予定が記入されていない項目",
                  EVIDENCE_BLOCKER: "証跡（必須）が添付されていない項目"}
BLOCKER_MESSAGES = {UNANSWERED_BLOCKER: "未回答です", PLAN_BLOCKER: "改善予定が記入されていません",
                    EVIDENCE_BLOCKER: "証跡（必須）が添付されていません"}


@dataclass(frozen=True)
class Problem:
    item_id: str
    question: str
    kind: str

    @property
    def message(self) -> str:
        return BLOCKER_MESSAGES[self.kind]


def blocker(entry: SheetItem) -> str | None:
    """What keeps this item from being submitted (one of the *_BLOCKER kinds), or None."""
    if not entry.applies:
        return None
    if entry.unanswered:
        return UNANSWERED_BLOCKER
    if entry.answer["category"] in GAP_CATEGORIES and not (
            entry.answer["plan_action"] and entry.answer["plan_due"] and entry.answer["plan_owner"]):
        return PLAN_BLOCKER
    if entry.missing_evidence:
        return EVIDENCE_BLOCKER
    return None


def completeness(db: Database, sheet: dict, sections: list[SheetSection] | None = None) -> list[Problem]:
    """Everything that stops submission, all at once: unanswered applicable items, missing plans, missing
    required evidence (in the order of the sheet)."""
    problems = []
    for section in sections if sections is not None else sheet_items(db, sheet):
        for entry in section.items:
            if kind := blocker(entry):
                problems.append(Problem(entry.item["item_id"], entry.item["question"], kind))
    return problems


def blockers_by_kind(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    """The problems grouped for the list on the page: (label, problems) for each kind that has any."""
    return [(label, found) for kind, label in BLOCKER_LABELS.items()
            if (found := [p for p in problems if p.kind == kind])]


def progress(db: Database, sheet: dict, section_id: str) -> dict:
    """Answered / applicable items of one section and of the whole sheet (the figures beside the section index),
    counted as SHEET_PROGRESS counts them."""
    rows = db.execute(
        """SELECT i.section_id = ? AS here, count(*) AS applicable,
                  sum(a.category IS NOT NULL) AS answered
           FROM checklist_items i LEFT JOIN answers a ON a.sheet_id = ? AND a.item_pk = i.id
           WHERE i.version_id = ? AND coalesce(a.auto_na, 0) = 0 GROUP BY here""",
        [section_id, sheet["id"], sheet["version_id"]]).fetchall()
    counts = {bool(here): {"answered": answered or 0, "applicable": applicable} for here, applicable, answered in rows}
    empty = {"answered": 0, "applicable": 0}
    section = counts.get(True, empty)
    other = counts.get(False, empty)
    return {"section": section, "total": {k: section[k] + other[k] for k in empty}}


class TransitionError(Exception):
    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        super().__init__(message)


def transition(db: Database, sheet: dict, action: str, user, *, reason: str = "",
               expected_status_revision=UNCHECKED) -> str:
    """Move the sheet (see workflow.py). Returns the new status."""
    with transaction(db):
        fresh = load_sheet(db, sheet["id"])
        if not is_current(fresh["status_revision"], expected_status_revision):
            raise TransitionError("他の利用者がこの点検票の状態を変更しました。画面を更新して確認してください。")
        try:
            move = workflow.check(user, fresh, action)
        except workflow.TransitionRefused as refused:
            raise TransitionError(str(refused))
        reason = reason.strip()
        if move.needs_reason and not reason:
            raise TransitionError("理由を記入してください。")
        if move.needs_complete and (problems := completeness(db, fresh)):
            raise TransitionError(f"未完了の項目が {len(problems)} 件あるため提出できません。", problems)
        stamp = now_iso()
        changes = {"status": move.target, "updated_at": stamp}
        if action == "submit":
            changes.update(submitted_at=stamp, submitted_by=user.id, return_reason=None)
        elif action == "approve":
            changes.update(approved_at=stamp, approved_by=user.id)
        elif action == "return":
            changes.update(return_reason=reason)
        elif action == "reopen":
            changes.update(approved_at=None, approved_by=None)
        db.execute(f"UPDATE sheets SET {', '.join(f'{k} = ?' for k in changes)}, "
                   "status_revision = status_revision + 1 WHERE id = ?", [*changes.values(), fresh["id"]])
        event_id = db["sheet_events"].insert({"sheet_id": fresh["id"], "at": stamp, "user_id": user.id,
                                              "username": user.username, "action": action,
                                              "from_status": fresh["status"], "to_status": move.target,
                                              "reason": reason or None}).last_pk
        notices.sheet_moved(db, fresh, action, user, event_id, reason)
        activity.record(db, f"sheet.{action}", department_code=fresh["department_code"], object_type="sheet",
                        object_id=fresh["id"], detail={"from": fresh["status"], "to": move.target,
                                                       "reason": reason or None})
    return move.target


def events(db: Database, sheet_id: int) -> list[dict]:
    """The sheet's status changes, each with `person`: the user's name and role (山田 花子（保護管理者）),
    or the login id when the user no longer exists."""
    rows = list(db.query(
        """SELECT e.*, u.display_name,
                  (SELECT group_concat(r.role) FROM user_roles r WHERE r.user_id = e.user_id) AS role_keys
           FROM sheet_events e LEFT JOIN users u ON u.id = e.user_id
           WHERE e.sheet_id = ? ORDER BY e.id""", [sheet_id]))
    for row in rows:
        titles = "・".join(roles.role_label(r) for r in sorted((row.pop("role_keys") or "").split(","), key=_role_order)
                          if r)
        name = row.pop("display_name") or row["username"] or ""
        row["person"] = f"{name}（{titles}）" if titles else name
    return rows


def _role_order(role: str) -> int:
    return roles.ROLES.index(role) if role in roles.ROLES else len(roles.ROLES)


def history(db: Database, sheet_id: int, item_id: str | None = None) -> dict[str, list[dict]]:
    """item_id -> changes, newest first, with before/after decoded (of one item when `item_id` is given)."""
    found: dict[str, list[dict]] = {}
    where, params = ("sheet_id = ? AND item_id = ?", [sheet_id, item_id]) if item_id else ("sheet_id = ?", [sheet_id])
    for row in db.query(f"SELECT * FROM answer_history WHERE {where} ORDER BY id DESC", params):
        row["before"] = json.loads(row["before"] or "{}")
        row["after"] = json.loads(row["after"] or "{}")
        found.setdefault(row["item_id"], []).append(row)
    return found


# --- lists for home pages and the sheet index ---------------------------------------------

LIST_COLUMNS = """
    SELECT h.id, h.status, h.return_reason, h.department_id, h.updated_at, d.code AS department_code,
           d.name AS department_name, b.name AS bureau_name, s.fiscal_year, s.title AS schedule_title,
           coalesce(sd.due_date, s.due_date) AS due_date, v.title AS checklist_title, v.checklist_id,
           h.assessment_id, pa.name AS assessment_name, pa.kind AS assessment_kind
"""
# Per sheet (aliased h): the items that apply and those answered. Two counts per sheet: read only for the rows shown.
PROGRESS_COUNTS = """
           (SELECT count(*) FROM checklist_items i WHERE i.version_id = h.version_id)
             - (SELECT count(*) FROM answers a WHERE a.sheet_id = h.id AND a.auto_na = 1) AS applicable,
           (SELECT count(*) FROM answers a WHERE a.sheet_id = h.id AND a.auto_na = 0
              AND a.category IS NOT NULL) AS answered
"""
PROGRESS_FROM = """
    FROM sheets h
    JOIN departments d ON d.id = h.department_id JOIN bureaus b ON b.id = d.bureau_id
    JOIN schedules s ON s.id = h.schedule_id
    LEFT JOIN schedule_departments sd ON sd.schedule_id = h.schedule_id AND sd.department_id = h.department_id
    JOIN checklist_versions v ON v.id = h.version_id
    LEFT JOIN pia_assessments pa ON pa.id = h.assessment_id
    WHERE h.removed_at IS NULL AND s.status != 'draft'
"""

# The overdue rule for a sheet (workflow.is_overdue, which gives the rows' flag) in SQL, for filters and order:
# still editable (not submitted or approved), and the 課's due date has passed (the due day is still in time).
OVERDUE_SQL = f"(h.status IN ({', '.join('?' * len(workflow.EDITABLE))}) AND coalesce(sd.due_date, s.due_date) < ?)"


def _overdue_params(today: str) -> list:
    return [*sorted(workflow.EDITABLE), today]


@dataclass(frozen=True)
class SheetFilter:
    """What a sheet list shows: each field narrows it, the empty value does not."""
    fiscal_year: int | None = None
    bureau_id: int | None = None
    department_id: int | None = None
    checklist_id: str = ""
    status: str = ""
    overdue: bool = False
    text: str = ""            # part of the 課's name or code
    unapproved: bool = False  # every status but 承認済


# Orders of the sheet list (?sort=key or -key): the label and the primary columns; ties keep the default order.
STATUS_ORDER = (workflow.RETURNED, workflow.NOT_STARTED, workflow.ANSWERING, workflow.SUBMITTED, workflow.APPROVED)
SHEET_SORTS = {
    "department": ("課（組織順）", ("b.sort_order", "b.code", "d.sort_order", "d.code")),
    "due": ("回答期限", ("coalesce(sd.due_date, s.due_date)",)),
    "status": ("状態", ("CASE h.status " + " ".join(f"WHEN '{key}' THEN {n}" for n, key in enumerate(STATUS_ORDER))
                      + " END",)),
    "updated": ("更新日時", ("h.updated_at",)),
}
_DEFAULT_ORDER = ("s.fiscal_year DESC, coalesce(sd.due_date, s.due_date), b.sort_order, d.sort_order, v.checklist_id, "
                  "h.assessment_id, h.id")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _sheet_conditions(flt: SheetFilter, department_ids, today: str) -> Conditions:
    where = Conditions()
    if department_ids is not None:
        where.ids("h.department_id", department_ids)
    if flt.fiscal_year:
        where.add("s.fiscal_year = ?", flt.fiscal_year)
    if flt.bureau_id:
        where.add("d.bureau_id = ?", flt.bureau_id)
    if flt.department_id:
        where.add("h.department_id = ?", flt.department_id)
    if flt.checklist_id:
        where.add("v.checklist_id = ?", flt.checklist_id)
    if flt.status:
        where.add("h.status = ?", flt.status)
    if flt.unapproved:
        where.add("h.status != ?", workflow.APPROVED)
    if flt.overdue:
        where.add(OVERDUE_SQL, *_overdue_params(today))
    if flt.text:
        where.add("(d.name LIKE ? ESCAPE '\\' OR d.code LIKE ? ESCAPE '\\')", _like(flt.text), _like(flt.text))
    return where


def count_sheets(db: Database, flt: SheetFilter = SheetFilter(), *, department_ids=None) -> int:
    """How many sheets `sheet_rows` lists for the same filter (for paging and for the home page's figures)."""
    if department_ids is not None and not department_ids:
        return 0
    where = _sheet_conditions(flt, department_ids, now().date().isoformat())
    return db.execute(f"SELECT count(*) {PROGRESS_FROM} {where.sql('AND')}", where.params).fetchone()[0]


def sheet_rows(db: Database, flt: SheetFilter = SheetFilter(), *, department_ids=None, sort: Sort | None = None,
               overdue_first: bool = False, limit: int | None = None, offset: int = 0,
               progress: bool = True) -> list[dict]:
    """Sheets of published schedules, filtered, with their progress (`applicable`, `answered`) unless `progress`
    is False; `department_ids` None for every 課.

    Order: `sort` (a key of SHEET_SORTS) if given, else overdue first when asked, then 年度 (newest), due date,
    部 and 課 in the organisation's order, checklist."""
    if department_ids is not None and not department_ids:
        return []
    today = now().date().isoformat()
    where = _sheet_conditions(flt, department_ids, today)
    params = list(where.params)
    order = ""
    if sort is not None and sort.key in SHEET_SORTS:
        direction = " DESC" if sort.descending else ""
        order = "".join(f"{column}{direction}, " for column in SHEET_SORTS[sort.key][1])
    elif overdue_first:
        order = f"CASE WHEN {OVERDUE_SQL} THEN 0 ELSE 1 END, "
        params += _overdue_params(today)
    sql = f"{LIST_COLUMNS} {PROGRESS_FROM} {where.sql('AND')} ORDER BY {order}{_DEFAULT_ORDER}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    rows = list(db.query(sql, params))
    if progress:
        # Counted after the order and the page: at 500 課, counting the answers of every matching sheet first
        # would cost more than the rest of the list.
        clause, id_params = in_clause("h.id", [row["id"] for row in rows])
        counts = {r["id"]: r for r in db.query(f"SELECT h.id, {PROGRESS_COUNTS} FROM sheets h WHERE {clause}",
                                               id_params)}
        for row in rows:
            row.update(applicable=counts[row["id"]]["applicable"], answered=counts[row["id"]]["answered"])
    for row in rows:
        row["overdue"] = workflow.is_overdue(row, today)
        row["status_label"] = workflow.STATUS_LABELS[row["status"]]
    return rows


def progress_rows(db: Database, *, department_ids=None, fiscal_year: int | None = None, status: str = "",
                  overdue_first: bool = False, progress: bool = True) -> list[dict]:
    return sheet_rows(db, SheetFilter(fiscal_year=fiscal_year, status=status), department_ids=department_ids,
                      overdue_first=overdue_first, progress=progress)


def latest_open_year(db: Database) -> int | None:
    row = db.execute("SELECT max(fiscal_year) FROM schedules WHERE status != 'draft'").fetchone()
    return row[0] if row else None


def missing_evidence_counts(db: Database, sheet_ids) -> dict[int, int]:
    """sheet id -> answers that owe evidence (answers.evidence_owed) but have none (removed files not counted)."""
    ids = sorted(set(sheet_ids))
    if not ids:
        return {}
    categories = sorted(EVIDENCE_CATEGORIES)
    rows = db.execute(
        f"""SELECT a.sheet_id, count(*) FROM answers a JOIN checklist_items i ON i.id = a.item_pk
            WHERE a.sheet_id IN ({','.join('?' * len(ids))}) AND i.evidence_required = 1 AND a.auto_na = 0
              AND a.category IN ({','.join('?' * len(categories))})
              AND NOT EXISTS (SELECT 1 FROM answer_evidence l JOIN evidence e ON e.id = l.evidence_id
                              WHERE l.answer_id = a.id AND e.removed_at IS NULL)
            GROUP BY a.sheet_id""", [*ids, *categories]).fetchall()
    return dict(rows)
