"""Tables of the 評価書 register: one row per 特定個人情報保護評価書 of a 課, and the pia sheets that answer for it."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from .. import constraints
from ..constraints import FLAG, Allowed
from ..timeutil import now_iso

migrations = Migrations("tenken-pia")

# A sheet is one per (schedule, 課, checklist version) as before, except that pia sheets are one per 評価書.
ONE_PER_DEPARTMENT = "sheets_one_per_department"
ONE_PER_ASSESSMENT = "sheets_one_per_assessment"


def checks() -> dict:
    """Checked columns (constraints.py), each set from the constant that defines it."""
    from .values import KIND_LABELS

    # NULL kind: a 評価書 carried forward by 0001 whose kind the 課 has not set yet.
    return {"pia_assessments": {"kind": Allowed(KIND_LABELS, nullable=True), "active": FLAG}}


@migrations(name="0001_assessments")
def assessments(db: Database) -> None:
    db["pia_assessments"].create(
        {"id": int, "department_id": int, "name": str, "kind": str, "published_on": str, "active": int,
         "revision": int, "created_at": str, "created_by": int, "updated_at": str, "updated_by": int},
        pk="id", not_null={"department_id", "name", "active", "revision", "created_at"},
        defaults={"active": 1, "revision": 0},
        foreign_keys=[("department_id", "departments", "id")],
    )
    db["pia_assessments"].create_index(["department_id", "name"], unique=True)
    # Adding a column with a NULL default keeps every existing sheet as it is (no table rebuild).
    db.execute("ALTER TABLE sheets ADD COLUMN assessment_id INTEGER REFERENCES pia_assessments(id)")
    db["sheets"].create_index(["assessment_id"])
    for index in db["sheets"].indexes:
        if index.unique and index.columns == ["schedule_id", "department_id", "version_id"]:
            db.execute(f'DROP INDEX "{index.name}"')
    db.execute(f"CREATE UNIQUE INDEX {ONE_PER_DEPARTMENT} ON sheets (schedule_id, department_id, version_id) "
               "WHERE assessment_id IS NULL")
    db.execute(f"CREATE UNIQUE INDEX {ONE_PER_ASSESSMENT} ON sheets (schedule_id, assessment_id, version_id) "
               "WHERE assessment_id IS NOT NULL")
    _carry_forward(db)


def _carry_forward(db: Database) -> None:
    """Each 課 that already answered the pia checklist gets one 評価書 for those sheets, named after the 課 and
    with its kind unset (the 課 renames it and sets the kind: nothing is guessed)."""
    from .values import PIA_CHECKLIST_ID

    rows = db.execute(
        """SELECT DISTINCT d.id, d.name FROM sheets h JOIN checklist_versions v ON v.id = h.version_id
           JOIN departments d ON d.id = h.department_id
           WHERE v.checklist_id = ? AND h.assessment_id IS NULL ORDER BY d.id""", [PIA_CHECKLIST_ID]).fetchall()
    stamp = now_iso()
    for department_id, department_name in rows:
        assessment_id = db["pia_assessments"].insert({
            "department_id": department_id, "name": f"{department_name}の特定個人情報保護評価書",
            "kind": None, "active": 1, "revision": 0, "created_at": stamp, "updated_at": stamp}).last_pk
        db.execute("""UPDATE sheets SET assessment_id = ? WHERE department_id = ? AND assessment_id IS NULL
                        AND version_id IN (SELECT id FROM checklist_versions WHERE checklist_id = ?)""",
                   [assessment_id, department_id, PIA_CHECKLIST_ID])


@migrations(name="0002_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    constraints.enforce(db, checks())
