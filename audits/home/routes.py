"""The home page: one section per role the user holds; later features add their tasks here."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import roles
from ..db import get_db
from ..departments import service as departments

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    db = get_db()
    context = {
        "my_departments": departments.list_departments(db, department_ids=current_user.department_ids)
        if current_user.department_ids else [],
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
