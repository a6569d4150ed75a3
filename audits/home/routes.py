"""The home page: one section per role the user holds; later features add their tasks here."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import roles
from ..db import get_db
from ..departments import service as departments
from ..sheets import service as sheets

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    db = get_db()
    context = {
        "my_departments": departments.list_departments(db, department_ids=current_user.department_ids)
        if current_user.department_ids else [],
    }
    year = sheets.latest_open_year(db)
    context["year"] = year
    if current_user.has_role(roles.MANAGER, roles.STAFF) and current_user.department_ids:
        mine = [r for r in sheets.progress_rows(db, department_ids=current_user.department_ids, overdue_first=True)
                if r["fiscal_year"] == year or r["status"] != "approved"]
        missing = sheets.missing_evidence_counts(db, [r["id"] for r in mine])
        for row in mine:
            row["missing_evidence"] = missing.get(row["id"], 0)
        context["my_sheets"] = mine
        if current_user.has_role(roles.MANAGER):
            context["awaiting_approval"] = [r for r in mine if r["status"] == "submitted"]
    if current_user.reads_every_department and year:
        rows = sheets.progress_rows(db, fiscal_year=year, overdue_first=True)
        context["org_progress"] = {
            "rows": rows,
            "total": len(rows),
            "submitted": sum(1 for r in rows if r["status"] == "submitted"),
            "approved": sum(1 for r in rows if r["status"] == "approved"),
            "overdue": sum(1 for r in rows if r["overdue"]),
            "returned": sum(1 for r in rows if r["status"] == "returned"),
        }
    if current_user.has_role(roles.CHIEF, roles.AUDITOR, roles.ADMIN):
        context["organisation"] = {
            "bureaus": db.execute("SELECT count(*) FROM bureaus").fetchone()[0],
            "departments": db.execute("SELECT count(*) FROM departments WHERE active = 1").fetchone()[0],
            "users": db.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0],
        }
    if current_user.has_role(roles.ADMIN, roles.AUDITOR):
        context["recent_log"] = list(db.query("SELECT * FROM activity_log ORDER BY id DESC LIMIT 8"))
    return render_template("home/index.html", **context)
