"""Tables of the annual self-check: schedules (点検計画), sheets (点検票), answers, their history, evidence."""
from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from .. import constraints
from ..constraints import FLAG, Allowed

migrations = Migrations("tenken-selfcheck")


@migrations(name="0001_schedules_sheets_answers")
def selfcheck(db: Database) -> None:
    db["schedules"].create(
        {"id": int, "fiscal_year": int, "title": str, "open_date": str, "due_date": str,
         "target_mode": str, "target_tag": str, "status": str, "copied_from_id": int,
         "created_at": str, "created_by": int, "updated_at": str},
        pk="id", not_null={"fiscal_year", "title", "open_date", "due_date", "target_mode", "status"},
        defaults={"status": "draft", "target_mode": "all"},
    )
    db["schedules"].create_index(["fiscal_year"])
    db["schedule_versions"].create(
        {"schedule_id": int, "version_id": int}, pk=("schedule_id", "version_id"),
        foreign_keys=[("schedule_id", "schedules", "id"), ("version_id", "checklist_versions", "id")],
    )
    db["schedule_departments"].create(
        {"schedule_id": int, "department_id": int, "due_date": str}, pk=("schedule_id", "department_id"),
        foreign_keys=[("schedule_id", "schedules", "id"), ("department_id", "departments", "id")],
    )
    db["sheets"].create(
        {"id": int, "schedule_id": int, "department_id": int, "version_id": int, "status": str,
         "return_reason": str, "status_revision": int, "created_at": str, "updated_at": str,
         "submitted_at": str, "submitted_by": int, "approved_at": str, "approved_by": int,
         "removed_at": str, "removed_by": int},
        pk="id", not_null={"schedule_id", "department_id", "version_id", "status", "status_revision"},
        defaults={"status": "not_started", "status_revision": 0},
        foreign_keys=[("schedule_id", "schedules", "id"), ("department_id", "departments", "id"),
                      ("version_id", "checklist_versions", "id")],
    )
    db["sheets"].create_index(["schedule_id", "department_id", "version_id"], unique=True)
    db["sheets"].create_index(["department_id"])
    db["sheets"].create_index(["version_id"])
    db["sheet_events"].create(
        {"id": int, "sheet_id": int, "at": str, "user_id": int, "username": str, "action": str,
         "from_status": str, "to_status": str, "reason": str},
        pk="id", not_null={"sheet_id", "at", "action"},
        foreign_keys=[("sheet_id", "sheets", "id")],
    )
    db["sheet_events"].create_index(["sheet_id"])
    # category is derived from value and the item's scale when saved (実施/課題あり/未実施/該当しない),
    # so every aggregate is a GROUP BY in SQL. Items that do not apply to the 課 get a row with
    # auto_na = 1 when the sheet is created; an applicable item has a row once it is answered.
    db["answers"].create(
        {"id": int, "sheet_id": int, "item_pk": int, "item_id": str, "value": str, "category": str,
         "detail": str, "na_reason": str, "auto_na": int, "plan_action": str, "plan_due": str,
         "plan_owner": str, "evidence_note": str, "revision": int, "updated_at": str, "updated_by": int},
        pk="id", not_null={"sheet_id", "item_pk", "item_id", "revision", "auto_na"},
        defaults={"revision": 0, "auto_na": 0},
        foreign_keys=[("sheet_id", "sheets", "id"), ("item_pk", "checklist_items", "id")],
    )
    db["answers"].create_index(["sheet_id", "item_pk"], unique=True)
    db["answers"].create_index(["item_pk", "category"])
    db["answer_history"].create(
        {"id": int, "answer_id": int, "sheet_id": int, "item_id": str, "revision": int, "changed_at": str,
         "changed_by": int, "changed_by_name": str, "source": str, "before": str, "after": str},
        pk="id", not_null={"answer_id", "sheet_id", "revision", "changed_at", "after"},
        foreign_keys=[("answer_id", "answers", "id"), ("sheet_id", "sheets", "id")],
    )
    db["answer_history"].create_index(["answer_id"])
    # Evidence files: self-check answers, audit records and corrective actions share this table.
    # owner_type says which ('answer', 'audit_item', 'audit', 'action'); department_id decides access.
    # (tenken-evidence 0001 replaced owner_type/owner_id by one link table per owner kind, with foreign keys.)
    db["evidence"].create(
        {"id": int, "owner_type": str, "owner_id": int, "department_id": int, "sheet_id": int,
         "stored_name": str, "original_name": str, "content_type": str, "size": int, "sha256": str,
         "note": str, "uploaded_by": int, "uploaded_by_name": str, "uploaded_at": str,
         "removed_at": str, "removed_by": int, "removed_by_name": str},
        pk="id", not_null={"owner_type", "owner_id", "department_id", "stored_name", "original_name", "size",
                           "sha256", "uploaded_at"},
        foreign_keys=[("department_id", "departments", "id"), ("sheet_id", "sheets", "id")],
    )
    db["evidence"].create_index(["owner_type", "owner_id"])
    db["evidence"].create_index(["sheet_id"])


@migrations(name="0002_answer_history_by_sheet")
def answer_history_by_sheet(db: Database) -> None:
    # The answer page reads the whole history of one sheet (service.history: WHERE sheet_id = ?);
    # without this index that read scanned every history row of every 年度 (python -m bench).
    db["answer_history"].create_index(["sheet_id"])


def checks() -> dict:
    """Checked columns (constraints.py), each set from the constant that defines it."""
    from ..schedules.service import STATUS_LABELS as SCHEDULE_STATUSES, TARGET_MODES
    from ..summary.scoring import CATEGORIES
    from .workflow import STATUS_LABELS

    return {
        "schedules": {"status": Allowed(SCHEDULE_STATUSES), "target_mode": Allowed(TARGET_MODES)},
        "sheets": {"status": Allowed(STATUS_LABELS)},
        "sheet_events": {"from_status": Allowed(STATUS_LABELS, nullable=True),
                         "to_status": Allowed(STATUS_LABELS, nullable=True)},
        # NULL: saved without an answer yet (answers.evaluate).
        "answers": {"category": Allowed(CATEGORIES, nullable=True), "auto_na": FLAG},
    }


# The newest migration, registered before 0003_allowed_values on purpose: a database older than the constraints
# has its labels rewritten before 0003_allowed_values enforces the keys; one that has it gets this one alone.
@migrations(name="0004_category_keys", transactional=False)
def category_keys(db: Database) -> None:
    """answers.category stores stable keys (done / partial / not_done / na) instead of Japanese labels, and so
    does the category kept in each answer_history row's before/after; pages show scoring.CATEGORY_LABELS."""
    from ..db import transaction
    from ..summary.scoring import DONE, NOT_APPLICABLE, NOT_DONE, PARTIAL

    stored_before = {"実施": DONE, "課題あり": PARTIAL, "未実施": NOT_DONE, "該当しない": NOT_APPLICABLE}
    constraints.rewrite(db, checks(), "answers", "category", stored_before)
    labels = ", ".join("?" * len(stored_before))
    with transaction(db):
        for history_id, *snapshots in db.execute(
                f"""SELECT id, before, after FROM answer_history WHERE json_extract(before, '$.category') IN ({labels})
                    OR json_extract(after, '$.category') IN ({labels})""", [*stored_before, *stored_before]).fetchall():
            rewritten = []
            for text in snapshots:
                snapshot = json.loads(text) if text else None
                if isinstance(snapshot, dict) and snapshot.get("category") in stored_before:
                    snapshot["category"] = stored_before[snapshot["category"]]
                    text = json.dumps(snapshot, ensure_ascii=False)      # as service.save_answer writes it
                rewritten.append(text)
            db.execute("UPDATE answer_history SET before = ?, after = ? WHERE id = ?", [*rewritten, history_id])


@migrations(name="0003_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    constraints.enforce(db, checks())
