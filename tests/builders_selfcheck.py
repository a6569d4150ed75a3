"""Small helpers for self-check tests: find demo sheets and items, act as demo users."""
from __future__ import annotations

from audits.auth.service import load_user
from audits.catalogue.service import decode_item
from audits.sheets import service as sheets


def sheet_id(db, code: str, checklist: str = "general", year: int = 2025) -> int:
    return db.execute(
        """SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id
           JOIN schedules s ON s.id = h.schedule_id JOIN checklist_versions v ON v.id = h.version_id
           WHERE d.code = ? AND v.checklist_id = ? AND s.fiscal_year = ?""", [code, checklist, year]).fetchone()[0]


def user(db, username: str):
    return load_user(db, db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0])


def item(db, sheet: dict, item_id: str) -> dict:
    return decode_item(next(db.query("SELECT * FROM checklist_items WHERE version_id = ? AND item_id = ?",
                                     [sheet["version_id"], item_id])))


def unanswered_item(db, sheet: dict, scale: str = "implementation", evidence_required: bool | None = None) -> dict:
    """An applicable item of the sheet with no answer yet."""
    sql = """SELECT i.* FROM checklist_items i WHERE i.version_id = ? AND i.scale = ?
             AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.sheet_id = ? AND a.item_pk = i.id)"""
    params = [sheet["version_id"], scale, sheet["id"]]
    if evidence_required is not None:
        sql += " AND i.evidence_required = ?"
        params.append(int(evidence_required))
    return decode_item(next(db.query(sql + " ORDER BY i.position LIMIT 1", params)))


def load(db, sheet_id_: int) -> dict:
    return sheets.load_sheet(db, sheet_id_)
