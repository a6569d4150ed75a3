"""The home page: one section per role the user holds; later features add their tasks here."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import roles
from ..access import records_department_ids
from ..auth import service as users
from ..db import get_db
from ..departments import service as departments
from ..incidents import service as incidents
from ..incidents.values import KINDS
from ..sheets import listing as sheet_list
from ..sheets import review
from ..sheets import service as sheets
from ..sheets import workflow
from ..sheets.service import SheetFilter

bp = Blueprint("home", __name__)
HOME_DEPARTMENT_ROWS = 30
HOME_GRANT_ROWS = 10
HOME_INCIDENT_ROWS = 20


def _departments_behind(rows: list[dict]) -> list[dict]:
    """One line per 課 that has sheets not yet approved: overdue 課 first, then by due date."""
    found: dict[int, dict] = {}
    for row in rows:
        entry = found.setdefault(row["department_id"], {
            "department_id": row["department_id"], "name": row["department_name"], "bureau": row["bureau_name"],
            "due_date": row["due_date"], "overdue": False, "statuses": {}, "sheets": 0, "approved": 0,
            "returned_reason": None})
        entry["sheets"] += 1
        entry["approved"] += row["status"] == "approved"
        entry["overdue"] = entry["overdue"] or row["overdue"]
        entry["due_date"] = min(entry["due_date"] or "9999", row["due_date"] or "9999")
        if row["status"] != "approved":
            entry["statuses"][row["status_label"]] = entry["statuses"].get(row["status_label"], 0) + 1
        if row["status"] == "returned":
            entry["returned_reason"] = row["return_reason"]
    behind = [e for e in found.values() if e["approved"] < e["sheets"]]
    return sorted(behind, key=lambda e: (not e["overdue"], e["due_date"], e["bureau"], e["name"]))


def sheet_tiles(db, year: int) -> list[dict]:
    """The 年度's figures, each counted by the sheet list's own query and linked to that list with the same
    filter, so the number on the tile is the number of rows the link shows."""
    visible = records_department_ids(current_user)
    tiles = [("点検票", SheetFilter(fiscal_year=year)),
             ("提出済（承認待ち）", SheetFilter(fiscal_year=year, status=workflow.SUBMITTED)),
             ("承認済", SheetFilter(fiscal_year=year, status=workflow.APPROVED)),
             ("差戻し", SheetFilter(fiscal_year=year, status=workflow.RETURNED)),
             ("期限超過", SheetFilter(fiscal_year=year, overdue=True))]
    return [{"label": label, "count": sheets.count_sheets(db, flt, department_ids=visible),
             "url": sheet_list.list_url(flt), "warn": flt.overdue} for label, flt in tiles]


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
            context["awaiting_approval"] = review.pending(
                db, current_user, [r["id"] for r in mine if r["status"] == workflow.SUBMITTED])
            context["awaiting_url"] = sheet_list.list_url(SheetFilter(status=workflow.SUBMITTED))
    if current_user.reads_every_department and year:
        rows = sheets.progress_rows(db, fiscal_year=year, overdue_first=True, progress=False)
        departments_behind = _departments_behind(rows)
        # The heading's figure is the count of the list it links to (the same filter), as for the tiles.
        unapproved = SheetFilter(fiscal_year=year, unapproved=True)
        context["org_progress"] = {
            "tiles": sheet_tiles(db, year),
            "departments": departments_behind[:HOME_DEPARTMENT_ROWS],
            "departments_total": len(departments_behind),
            "unapproved_sheets": sheets.count_sheets(db, unapproved,
                                                     department_ids=records_department_ids(current_user)),
            "unapproved_url": sheet_list.list_url(unapproved),
        }
    if current_user.has_role(roles.CHIEF, roles.MANAGER, roles.STAFF):
        # The 課's and the privacy office's open incidents, overdue deadlines first.
        open_incidents = incidents.list_incidents(db, current_user, open_only=True)
        context["incidents"] = open_incidents[:HOME_INCIDENT_ROWS]
        context["incidents_total"] = len(open_incidents)   # the register's list shows them all (open by default)
        context["incident_kinds"] = KINDS
    if current_user.has_role(roles.CHIEF, roles.AUDITOR, roles.ADMIN):
        context["organisation"] = {
            "bureaus": db.execute("SELECT count(*) FROM bureaus").fetchone()[0],
            "departments": db.execute("SELECT count(*) FROM departments WHERE active = 1").fetchone()[0],
            "users": db.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0],
        }
    if current_user.has_role(roles.CHIEF):
        context["recent_grants"], context["grants_total"] = users.grant_history(db, limit=HOME_GRANT_ROWS)
    if current_user.has_role(roles.ADMIN, roles.AUDITOR):
        context["recent_log"] = list(db.query("SELECT * FROM activity_log ORDER BY id DESC LIMIT 8"))
    return render_template("home/index.html", **context)
