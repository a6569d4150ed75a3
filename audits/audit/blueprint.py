"""The audit blueprint and what its templates share (labels, the home-page sections)."""
from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from .. import duties, roles
from ..db import get_db
from ..timeutil import now
from ..screen_dates import span_text
from . import values

bp = Blueprint("audit", __name__, url_prefix="/audit")

# The names of an audit's 課 with their 部 (「健康福祉部 健康づくり課」), in their order, joined with 「、」
# (SQL expression over an audit aliased `a`), for lists where several 課 share a name.
DEPARTMENT_NAMES = """(SELECT group_concat(name, '、') FROM (SELECT b.name || ' ' || d.name AS name
                       FROM audit_departments ad JOIN departments d ON d.id = ad.department_id
                       JOIN bureaus b ON b.id = d.bureau_id WHERE ad.audit_id = a.id ORDER BY ad.position))"""


def municipality() -> str:
    return current_app.config["MUNICIPALITY_NAME"]


def awaiting_review(actions: list[dict], user) -> list[dict]:
    """The corrective actions a 課 reported as done that `user`'s role reviews (duties.action_reviewer_role)."""
    return [a for a in actions if a["status"] == values.ACTION_SUBMITTED
            and user.has_role(duties.action_reviewer_role(a))]


def home_sections() -> dict:
    """What the home page shows about audits for the current user (called from templates/home)."""
    from . import factcheck, findings
    from .permissions import load_audit

    if not current_user.is_authenticated:
        return {}
    db = get_db()
    out: dict = {}
    if current_user.has_role(roles.CHIEF, roles.AUDITOR):
        out["open_actions"] = findings.action_list(db, open_only=True)
        out["overdue_count"] = sum(1 for a in out["open_actions"] if a["overdue"])
    if current_user.has_role(roles.AUDITOR):
        out["my_audits"] = list(db.query(
            f"""SELECT a.id, a.fiscal_year, a.status, {DEPARTMENT_NAMES} AS department_name,
                      (SELECT COUNT(*) FROM audit_comments c WHERE c.audit_id = a.id AND c.version = a.version
                       AND (c.response IS NULL OR c.response = '')) AS unanswered
               FROM audits a
               JOIN audit_auditors aa ON aa.audit_id = a.id AND aa.user_id = ?
               WHERE a.status != 'issued' ORDER BY a.fiscal_year DESC, a.id DESC""", [current_user.id]))
    if current_user.has_role(roles.CHIEF, roles.AUDITOR):
        # reported and awaiting review by this user's role (duties.action_reviewer_role)
        out["submitted_actions"] = awaiting_review(out["open_actions"], current_user)
    if current_user.has_role(roles.MANAGER, roles.STAFF) and current_user.department_ids:
        out["department_actions"] = findings.action_list(db, department_ids=current_user.department_ids,
                                                         open_only=True)
        ids = ",".join(str(int(i)) for i in sorted(current_user.department_ids))
        out["fact_checks"] = list(db.query(
            f"""SELECT a.id, a.fiscal_year, d.name AS department_name, ad.department_id FROM audits a
                JOIN audit_departments ad ON ad.audit_id = a.id JOIN departments d ON d.id = ad.department_id
                WHERE a.status = 'fact_check' AND ad.department_id IN ({ids})
                ORDER BY a.fiscal_year DESC, a.id, ad.position"""))
        for row in out["fact_checks"]:   # the 課's reply, its deadline and whether it is overdue
            states = factcheck.reply_states(db, load_audit(db, row["id"]), [row["department_id"]])
            row["reply"] = states[0] if states else None
    return out


@bp.app_context_processor
def _audit_template_helpers():
    from .drafting import when_and_where

    return {"audit_home_sections": home_sections, "AUDIT": values, "when_and_where": when_and_where,
            "today_iso": lambda: now().date().isoformat()}


@bp.app_template_filter("wareki_span")
def _wareki_span(audit):
    return span_text(audit["started_at"], audit["ended_at"]) if audit.get("started_at") else "（未記入）"
