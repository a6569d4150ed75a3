"""Audit plans per 年度 (監査の観点, target 課 with 選定理由), 中期監査計画 and the independence rule."""
from __future__ import annotations

from sqlite_utils import Database

from ..activity import service as activity
from ..bounds import YEAR_MAX, YEAR_MIN
from ..db import transaction
from ..timeutil import now_iso
from . import values


class AuditError(ValueError):
    """A user-facing reason (Japanese) why an audit change was refused."""


def auditors(db: Database) -> list[dict]:
    """Active users holding the auditor role, with the names of their 課."""
    return list(db.query(
        """SELECT u.id, u.username, u.display_name,
                  (SELECT group_concat(d.name, '、') FROM user_departments ud JOIN departments d ON d.id = ud.department_id
                   WHERE ud.user_id = u.id) AS departments
           FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'auditor'
           WHERE u.active = 1 ORDER BY u.username"""))


def get_plan(db: Database, fiscal_year: int) -> dict | None:
    return next(db.query("SELECT * FROM audit_plans WHERE fiscal_year = ?", [fiscal_year]), None)


def plan_years(db: Database) -> list[int]:
    """Every 年度 with a plan or an audit (within the years a page can show: bounds.YEAR_MIN … YEAR_MAX)."""
    years = {r[0] for r in db.execute("SELECT fiscal_year FROM audit_plans UNION SELECT fiscal_year FROM audits")
             if YEAR_MIN <= r[0] <= YEAR_MAX}
    return sorted(years, reverse=True)


def save_plan(db: Database, fiscal_year: int, *, theme: str, basis: str, notes: str, user) -> int:
    theme = (theme or "").strip()
    if not theme:
        raise AuditError("監査の観点を入力してください。")
    with transaction(db):
        plan = get_plan(db, fiscal_year)
        row = {"theme": theme, "basis": (basis or "").strip() or values.DEFAULT_BASIS,
               "notes": (notes or "").strip(), "updated_at": now_iso()}
        if plan:
            plan_id = plan["id"]
            db["audit_plans"].update(plan_id, row)
        else:
            plan_id = db["audit_plans"].insert({"fiscal_year": fiscal_year, "created_at": now_iso(),
                                                "created_by": user.id, **row}).last_pk
        activity.record(db, "audit.plan_save", object_type="audit_plan", object_id=plan_id,
                        detail={"fiscal_year": fiscal_year})
    return plan_id


def plan_targets(db: Database, plan_id: int) -> list[dict]:
    return list(db.query(
        """SELECT t.*, d.code, d.name AS department_name,
                  (SELECT b.name FROM bureaus b WHERE b.id = d.bureau_id) AS bureau_name,
                  (SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                   WHERE a.plan_id = t.plan_id AND ad.department_id = t.department_id
                   ORDER BY a.id DESC LIMIT 1) AS audit_id
           FROM audit_plan_targets t JOIN departments d ON d.id = t.department_id
           WHERE t.plan_id = ? ORDER BY t.id""", [plan_id]))


def set_target(db: Database, plan_id: int, department_id: int, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise AuditError("選定理由を入力してください。")
    with transaction(db):
        code = db.execute("SELECT code FROM departments WHERE id = ?", [department_id]).fetchone()
        if code is None:
            raise AuditError("課が見つかりません。")
        existing = db.execute("SELECT id FROM audit_plan_targets WHERE plan_id = ? AND department_id = ?",
                              [plan_id, department_id]).fetchone()
        if existing:
            db["audit_plan_targets"].update(existing[0], {"reason": reason})
        else:
            db["audit_plan_targets"].insert({"plan_id": plan_id, "department_id": department_id, "reason": reason,
                                             "created_at": now_iso()})
        activity.record(db, "audit.plan_target", department_code=code[0], object_type="audit_plan",
                        object_id=plan_id, detail={"reason": reason})


def remove_target(db: Database, plan_id: int, department_id: int) -> None:
    with transaction(db):
        db.execute("DELETE FROM audit_plan_targets WHERE plan_id = ? AND department_id = ?", [plan_id, department_id])
        activity.record(db, "audit.plan_target", object_type="audit_plan", object_id=plan_id,
                        detail={"removed_department_id": department_id})


# ----------------------------------------------------------------------------- 中期監査計画

def save_cycle(db: Database, *, title: str, start_year: int, end_year: int, notes: str, user,
               cycle_id: int | None = None) -> int:
    if not (title or "").strip():
        raise AuditError("計画の名称を入力してください。")
    if end_year < start_year or end_year - start_year > 9:
        raise AuditError("終了年度は開始年度以後、10年以内としてください。")
    row = {"title": title.strip(), "start_year": start_year, "end_year": end_year, "notes": (notes or "").strip()}
    with transaction(db):
        if cycle_id:
            db["audit_cycles"].update(cycle_id, row)
            db.execute("DELETE FROM audit_cycle_departments WHERE cycle_id = ? AND planned_year NOT BETWEEN ? AND ?",
                       [cycle_id, start_year, end_year])
        else:
            cycle_id = db["audit_cycles"].insert({**row, "created_at": now_iso(), "created_by": user.id}).last_pk
        activity.record(db, "audit.cycle_save", object_type="audit_cycle", object_id=cycle_id, detail=row)
    return cycle_id


def list_cycles(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM audit_cycles ORDER BY start_year DESC, id DESC"))


def set_planned_years(db: Database, cycle_id: int, planned: dict[int, int | None]) -> None:
    """department_id -> planned 年度 (None clears it)."""
    cycle = db["audit_cycles"].get(cycle_id)
    with transaction(db):
        for department_id, year in planned.items():
            db.execute("DELETE FROM audit_cycle_departments WHERE cycle_id = ? AND department_id = ?",
                       [cycle_id, department_id])
            if year:
                if not cycle["start_year"] <= year <= cycle["end_year"]:
                    raise AuditError("予定年度は計画期間内の年度を選んでください。")
                db["audit_cycle_departments"].insert({"cycle_id": cycle_id, "department_id": department_id,
                                                      "planned_year": year})
        activity.record(db, "audit.cycle_save", object_type="audit_cycle", object_id=cycle_id,
                        detail={"planned": len([y for y in planned.values() if y])})


def cycle_coverage(db: Database, cycle_id: int) -> list[dict]:
    """Every active 課 with its planned 年度 and the 年度 in which the cycle reached it (audited), if any."""
    cycle = db["audit_cycles"].get(cycle_id)
    return list(db.query(
        """SELECT d.id, d.code, d.name, b.name AS bureau_name, cd.planned_year,
                  (SELECT min(a.fiscal_year) FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                   WHERE ad.department_id = d.id AND a.fiscal_year BETWEEN :start AND :end) AS audited_year
           FROM departments d JOIN bureaus b ON b.id = d.bureau_id
           LEFT JOIN audit_cycle_departments cd ON cd.department_id = d.id AND cd.cycle_id = :cycle
           WHERE d.active = 1 ORDER BY b.sort_order, b.code, d.sort_order, d.code""",
        {"start": cycle["start_year"], "end": cycle["end_year"], "cycle": cycle_id}))
