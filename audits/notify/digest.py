"""The daily digest: for each person, at most one notice a day listing what is due within DUE_SOON_DAYS and what
is overdue — self-check sheets, corrective actions, incident deadlines.

"Overdue" is never decided here: each feature's own rule says it (sheets.service.progress_rows' `overdue`,
audit.findings.OVERDUE_SQL through action_list, incidents.deadlines through incidents.service.decorate).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from .. import roles
from ..pia.values import sheet_title
from ..timeutil import now
from ..screen_dates import date_text, nendo_text as nendo
from . import categories as cat
from .service import Notice, department_members, optouts

DUE_SOON_DAYS = 7
MEMBERS = (roles.MANAGER, roles.STAFF)


@dataclass(frozen=True)
class Line:
    category: str
    overdue: bool
    text: str
    link: str


def _due_soon(due: date | str | None, today: date) -> bool:
    if not due:
        return False
    due = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])
    return today <= due <= today + timedelta(days=DUE_SOON_DAYS)


def _when(due, overdue: bool) -> str:
    return f"期限 {date_text(due, weekday=True)}" + ("（期限超過）" if overdue else "")


def sheet_lines(db: Database, today: date) -> list[tuple[list[int], Line]]:
    from ..sheets import service as sheets
    from ..sheets.workflow import EDITABLE

    found = []
    for row in sheets.progress_rows(db):
        if not (row["overdue"] or (row["status"] in EDITABLE and _due_soon(row["due_date"], today))):
            continue
        text = (f"点検票 {row['department_name']} {sheet_title(row)}（{nendo(row['fiscal_year'])}・"
                f"{row['status_label']}）: {_when(row['due_date'], row['overdue'])}")
        found.append((department_members(db, [row["department_id"]], MEMBERS),
                      Line(cat.SHEET_DUE, row["overdue"], text, f"/sheets/{row['id']}")))
    return found


def action_lines(db: Database, today: date) -> list[tuple[list[int], Line]]:
    from ..audit import findings

    found = []
    for row in findings.action_list(db, open_only=True, today=today):
        overdue = bool(row["overdue"])
        if not (overdue or _due_soon(row["due_date"], today)):
            continue
        text = f"改善措置 {row['department_name']}「{row['title']}」: {_when(row['due_date'], overdue)}"
        found.append((department_members(db, [row["department_id"]], MEMBERS),
                      Line(cat.ACTION_DUE, overdue, text, f"/audit/actions/{row['id']}")))
    return found


def incident_lines(db: Database, today: date) -> list[tuple[list[int], Line]]:
    from ..incidents import deadlines as dl
    from ..incidents import service as incidents

    found = []
    columns = ", ".join(incidents.LIST_COLUMNS)
    for row in db.query(f"SELECT {columns} FROM incidents WHERE closed_at IS NULL ORDER BY id"):
        incidents.decorate(row, today, incidents.prompt_days())
        department_ids = [r[0] for r in db.execute(
            "SELECT department_id FROM incident_departments WHERE incident_id = ?", [row["id"]])]
        for deadline in row["deadlines"]:
            overdue = deadline["state"] == dl.OVERDUE and deadline["done"] is None
            if not (overdue or (deadline["done"] is None and _due_soon(deadline["due"], today))):
                continue
            text = f"漏えい等事案「{row['title']}」の{deadline['label']}: {_when(deadline['due'], overdue)}"
            found.append((department_members(db, department_ids, MEMBERS),
                          Line(cat.INCIDENT_DUE, overdue, text, f"/incidents/{row['id']}")))
    return found


def build(db: Database, today: date | None = None) -> list[Notice]:
    """Today's digests, one per person who has something due or overdue in a category they keep on."""
    today = today or now().date()
    per_user: dict[int, list[Line]] = defaultdict(list)
    for source in (sheet_lines, action_lines, incident_lines):
        for user_ids, line in source(db, today):
            for user_id in user_ids:
                per_user[user_id].append(line)
    notices = []
    for user_id, lines in sorted(per_user.items()):
        off = optouts(db, user_id)
        lines = [line for line in lines if line.category not in off]
        if not lines:
            continue
        overdue = [line for line in lines if line.overdue]
        soon = [line for line in lines if not line.overdue]
        subject = f"【点検】期限のお知らせ（期限超過 {len(overdue)}件・{DUE_SOON_DAYS}日以内 {len(soon)}件）"
        parts = [f"{date_text(today, weekday=True)}現在、次の期限が近づいているか、過ぎています。"]
        for heading, group in (("■ 期限超過", overdue), (f"■ {DUE_SOON_DAYS}日以内に期限", soon)):
            if group:
                parts.append(heading)
                parts += [f"・{line.text}" for line in group]
        notices.append(Notice(f"digest:{today.isoformat()}:user:{user_id}", user_id, cat.DIGEST,
                              subject, "\n".join(parts), lines[0].link if len(lines) == 1 else "/notices/"))
    return notices
