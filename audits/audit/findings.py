"""指摘事項 and their corrective actions (改善措置): create, answer, accept or return, overdue.

One model of 改善措置: a corrective action belongs either to an audit finding (one per finding) or to a
漏えい等事案 (one per 再発防止策, its `measure`); the schema refuses none or both. Both are answered by their
課, with evidence, and reviewed by whom duties.action_review_problem names (the audit's team, or the privacy
office for an incident's); both count as overdue by the same rule (OVERDUE_SQL) on every list and home page.

A finding has its own severity (高/中/低) and status (open/closed/withdrawn); its corrective action has
its own status (open → submitted → closed, or back to open when the auditor asks for more) and a due
date. Every step is written to action_events and to the activity log in the same transaction.
"""
from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from .. import duties
from ..activity import service as activity
from ..db import Conditions, transaction
from ..departments.service import department_code
from ..incidents.values import fiscal_year_sql
from ..revisions import UNCHECKED, is_current
from ..screen_dates import date_text
from ..timeutil import now, now_iso
from . import editing, values
from .plans import AuditError

FINDING_FIELDS = ("title", "clause", "severity", "request_kind", "request")


def _validate(data: dict) -> dict:
    row = {k: (data.get(k) or "").strip() for k in FINDING_FIELDS}
    if not row["title"]:
        raise AuditError("指摘の内容を入力してください。")
    if row["severity"] not in values.SEVERITIES:
        raise AuditError("重要度を選んでください。")
    if row["request_kind"] not in values.REQUEST_KINDS:
        raise AuditError("区分を選んでください。")
    if not row["request"]:
        raise AuditError("課に求める対応を入力してください。")
    row["wish_ending"] = None
    if row["request_kind"] == values.REQUEST_WISH:
        row["wish_ending"] = (data.get("wish_ending") or "").strip()
        if row["wish_ending"] not in values.WISH_ENDING_LABELS:
            raise AuditError("要望の結び（「努めていただきたい」か「取り組まれたい」）を選んでください。")
    return row


def _due_date(row: dict, due_date: str | None) -> str | None:
    """A 指摘 (改善を求める事項) needs its deadline; a 要望 has none (no corrective action follows it)."""
    if row["request_kind"] != values.REQUEST_IMPROVEMENT:
        return None
    if not due_date:
        raise AuditError("改善を求める事項には改善の期限を入力してください。")
    return due_date


def _create_action(db: Database, finding_id: int, department_id: int, due_date: str, user) -> None:
    action_id = db["corrective_actions"].insert({
        "finding_id": finding_id, "department_id": department_id, "due_date": due_date,
        "status": values.ACTION_OPEN, "revision": 0, "created_at": now_iso(), "updated_at": now_iso()}).last_pk
    _event(db, action_id, "create", user, to_status=values.ACTION_OPEN, comment=f"期限 {date_text(due_date)}")


def _finding_code(db: Database, finding_id: int) -> str:
    return db.execute("""SELECT d.code FROM audit_findings f JOIN departments d ON d.id = f.department_id
                         WHERE f.id = ?""", [finding_id]).fetchone()[0]


def _event(db: Database, action_id: int, event: str, user, *, from_status=None, to_status=None, comment=""):
    db["action_events"].insert({"action_id": action_id, "at": now_iso(), "user_id": user.id,
                                "username": user.username, "event": event, "from_status": from_status,
                                "to_status": to_status, "comment": comment or ""})


def finding_department(db: Database, audit: dict, department_id: int | None, check_id: int | None) -> dict:
    """The audited 課 a finding belongs to: the given one, else the check's, else the only 課 of the audit.
    Refused (AuditError) when it is not one of the audit's 課 or differs from the check's 課."""
    if check_id:
        found = db.execute("SELECT department_id FROM audit_checks WHERE id = ? AND audit_id = ?",
                           [check_id, audit["id"]]).fetchone()
        if found is None:
            raise AuditError("関係する点検項目が見つかりません。")
        if department_id and department_id != found[0]:
            raise AuditError("関係する点検項目は別の課の項目です。指摘事項の課と同じ課の項目を選んでください。")
        department_id = found[0]
    if department_id is None and len(audit["department_ids"]) == 1:
        department_id = audit["department_ids"][0]
    department = next((d for d in audit["departments"] if d["department_id"] == department_id), None)
    if department is None:
        raise AuditError("指摘事項の課を、この監査の監査対象課から選んでください。")
    return department


def create_finding(db: Database, audit: dict, data: dict, *, due_date: str, user, check_id: int | None = None,
                   topic_id: int | None = None, department_id: int | None = None) -> int:
    """A finding of one audited 課; a 指摘 also gets its corrective action for that 課 (due date required)."""
    row = _validate(data)
    due_date = _due_date(row, due_date)
    department = finding_department(db, audit, department_id, check_id)
    with transaction(db):
        position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM audit_findings WHERE audit_id = ?",
                              [audit["id"]]).fetchone()[0]
        if check_id and topic_id is None:
            found = db.execute("SELECT topic_id FROM audit_checks WHERE id = ?", [check_id]).fetchone()
            topic_id = found[0] if found else None
        finding_id = db["audit_findings"].insert({
            **row, "audit_id": audit["id"], "department_id": department["department_id"], "check_id": check_id,
            "topic_id": topic_id, "position": position, "status": values.FINDING_OPEN,
            "created_at": now_iso(), "created_by": user.id, "updated_at": now_iso()}).last_pk
        if due_date:
            _create_action(db, finding_id, department["department_id"], due_date, user)
        activity.record(db, "audit.finding_save", department_code=department["code"],
                        object_type="audit_finding", object_id=finding_id,
                        detail={"audit": audit["id"], "severity": row["severity"], "due_date": due_date})
    return finding_id


def update_finding(db: Database, audit: dict, finding_id: int, data: dict, *, due_date: str | None, user,
                   topic_id: int | None = None, base=UNCHECKED) -> None:
    """Save an edited finding; `base` (editing.py) refuses a save over someone else's edit. A 要望 made a 指摘
    gets its corrective action; a 指摘 made a 要望 loses it, unless the 課 has already reported on it."""
    row = _validate(data)
    due_date = _due_date(row, due_date)
    with transaction(db):
        editing.check(db, audit["id"], base, editing.finding_values(db, finding_id))
        action = db.execute("SELECT id, due_date, status FROM corrective_actions WHERE finding_id = ?",
                            [finding_id]).fetchone()
        if action and not due_date:
            if action[2] != values.ACTION_OPEN or db.execute(
                    "SELECT 1 FROM action_events WHERE action_id = ? AND event = 'submit'", [action[0]]).fetchone():
                raise AuditError("課が改善の報告をした指摘事項は、要望に変えられません。")
            db.execute("DELETE FROM action_events WHERE action_id = ?", [action[0]])
            db.execute("DELETE FROM corrective_actions WHERE id = ?", [action[0]])
        db["audit_findings"].update(finding_id, {**row, "topic_id": topic_id, "updated_at": now_iso()})
        if due_date and not action:
            department_id = db.execute("SELECT department_id FROM audit_findings WHERE id = ?",
                                       [finding_id]).fetchone()[0]
            _create_action(db, finding_id, department_id, due_date, user)
        elif action and due_date and action[1] != due_date:
            db["corrective_actions"].update(action[0], {"due_date": due_date, "updated_at": now_iso()})
            _event(db, action[0], "due_change", user, from_status=action[2], to_status=action[2],
                   comment=f"{action[1]} → {due_date}")
        activity.record(db, "audit.finding_save", department_code=_finding_code(db, finding_id),
                        object_type="audit_finding", object_id=finding_id, detail={"audit": audit["id"]})


def withdraw_finding(db: Database, audit: dict, finding_id: int, user) -> None:
    """Withdraw an open finding (checked by the UPDATE itself: a second withdrawal changes nothing)."""
    with transaction(db):
        withdrawn = db.execute("UPDATE audit_findings SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                               [values.FINDING_WITHDRAWN, now_iso(), finding_id, values.FINDING_OPEN]).rowcount
        if withdrawn != 1:
            raise AuditError("この指摘事項は、既に取り下げられたか完了しています。")
        action = db.execute("SELECT id, status FROM corrective_actions WHERE finding_id = ?", [finding_id]).fetchone()
        if action:
            db["corrective_actions"].update(action[0], {"status": values.ACTION_CLOSED, "closed_at": now_iso(),
                                                        "updated_at": now_iso()})
            _event(db, action[0], "withdraw", user, from_status=action[1], to_status=values.ACTION_CLOSED)
        activity.record(db, "audit.finding_withdraw", department_code=_finding_code(db, finding_id),
                        object_type="audit_finding", object_id=finding_id)


def findings(db: Database, audit_id: int, *, include_withdrawn: bool = False, department_ids=None) -> list[dict]:
    """The audit's findings with their 課; `department_ids` limits them to those 課."""
    where = Conditions().add("f.audit_id = ?", audit_id)
    if not include_withdrawn:
        where.add("f.status != 'withdrawn'")
    if department_ids is not None:
        where.ids("f.department_id", department_ids)
    return list(db.query(
        f"""SELECT f.*, c.item_id, t.position AS topic_position, t.title AS topic_title,
                   d.name AS department_name, d.code AS department_code, ad.position AS department_position,
                   ca.id AS action_id, ca.status AS action_status, ca.due_date
            FROM audit_findings f LEFT JOIN audit_checks c ON c.id = f.check_id
            LEFT JOIN audit_topics t ON t.id = f.topic_id
            JOIN departments d ON d.id = f.department_id
            LEFT JOIN audit_departments ad ON ad.audit_id = f.audit_id AND ad.department_id = f.department_id
            LEFT JOIN corrective_actions ca ON ca.finding_id = f.id
            {where.sql()} ORDER BY COALESCE(t.position, 999), ad.position, f.position""", where.params))


# ----------------------------------------------------------------------------- corrective actions

def _today(today: date | None) -> str:
    return (today or now().date()).isoformat()


class ReviewRefused(AuditError):
    """Separation of duties: this user may not accept or return this corrective action (duties.py)."""


def _check_reviewer(db: Database, action: dict, audit: dict | None, user, act: str) -> None:
    if problem := duties.action_review_problem(db, user.id, action, audit, act):
        raise ReviewRefused(problem)


class ActionConflict(AuditError):
    """The corrective action changed after the page was opened (someone else reported or reviewed it)."""


def _current(db: Database, action: dict, revision) -> dict:
    """Inside the transaction: the action as stored now; refuses when it is not the revision the page showed."""
    current = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action["id"]]))
    if not is_current(current["revision"], revision):
        raise ActionConflict(
            "この改善措置は、画面を開いた後に更新されています（現在の状態: "
            f"{values.ACTION_STATUS_LABELS.get(current['status'], current['status'])}）。あなたの入力は残しています。"
            "最新の内容と経過を確かめてから、もう一度操作してください。")
    return current


def _update(db: Database, action_id: int, row: dict) -> None:
    assignments = ", ".join(f"{column} = ?" for column in row)
    db.execute(f"UPDATE corrective_actions SET {assignments}, updated_at = ?, revision = revision + 1 WHERE id = ?",
               [*row.values(), now_iso(), action_id])


def create_incident_action(db: Database, incident: dict, *, measure: str, department_id: int, due_date: str,
                           user) -> int:
    """A 再発防止策 of an incident becomes a corrective action of one of the incident's 課, with a due date."""
    measure = (measure or "").strip()
    if not measure:
        raise AuditError("再発防止策の内容を入力してください。")
    if not due_date:
        raise AuditError("改善の期限を入力してください。")
    if department_id not in incident["department_ids"]:
        raise AuditError("再発防止策を行う課を、この事案の課から選んでください。")
    with transaction(db):
        action_id = db["corrective_actions"].insert({
            "incident_id": incident["id"], "measure": measure, "department_id": department_id,
            "due_date": due_date, "status": values.ACTION_OPEN, "revision": 0, "created_at": now_iso(),
            "updated_at": now_iso()}).last_pk
        _event(db, action_id, "create", user, to_status=values.ACTION_OPEN, comment=f"期限 {date_text(due_date)}")
        activity.record(db, "action.create", department_code=department_code(db, department_id),
                        object_type="corrective_action", object_id=action_id,
                        detail={"incident": incident["id"], "due_date": due_date})
    return action_id


def submit(db: Database, action: dict, audit: dict | None, response: str, user, *,
           revision=UNCHECKED) -> None:
    """The 課 reports what it did (for an audit finding, after a report carrying it was issued; `audit` is None
    for an incident's action)."""
    if not db.execute(f"""SELECT 1 FROM corrective_actions ca LEFT JOIN audit_findings f ON f.id = ca.finding_id
                          WHERE ca.id = ? AND {ISSUED_ACTION_SQL}""", [action["id"]]).fetchone():
        raise AuditError("監査報告書の発行後に改善の状況を報告できます。")
    response = (response or "").strip()
    if not response:
        raise AuditError("実施した改善の内容を入力してください。")
    with transaction(db):
        action = _current(db, action, revision)
        if action["status"] == values.ACTION_CLOSED:
            raise AuditError("この改善措置は完了しています。")
        _update(db, action["id"], {"response": response, "status": values.ACTION_SUBMITTED,
                                   "submitted_at": now_iso(), "submitted_by": user.id})
        _event(db, action["id"], "submit", user, from_status=action["status"], to_status=values.ACTION_SUBMITTED,
               comment=response)
        activity.record(db, "action.submit", department_code=department_code(db, action["department_id"]),
                        object_type="corrective_action", object_id=action["id"])


def accept(db: Database, action: dict, audit: dict | None, comment: str, user, *, revision=UNCHECKED) -> None:
    """The reviewer confirms the improvement: action closed (and its finding, for an audit's)."""
    with transaction(db):
        action = _current(db, action, revision)
        if action["status"] != values.ACTION_SUBMITTED:
            raise AuditError("課から改善の報告がされていないため、完了にできません。")
        _check_reviewer(db, action, audit, user, "完了を確認する")
        _update(db, action["id"], {"status": values.ACTION_CLOSED, "review_comment": (comment or "").strip(),
                                   "reviewed_at": now_iso(), "reviewed_by": user.id, "closed_at": now_iso()})
        if action["finding_id"] is not None:
            db["audit_findings"].update(action["finding_id"], {"status": values.FINDING_CLOSED,
                                                               "closed_at": now_iso(), "updated_at": now_iso()})
        _event(db, action["id"], "accept", user, from_status=action["status"], to_status=values.ACTION_CLOSED,
               comment=comment)
        activity.record(db, "action.accept", department_code=department_code(db, action["department_id"]),
                        object_type="corrective_action", object_id=action["id"])


def return_for_more(db: Database, action: dict, audit: dict | None, comment: str, user, *, due_date: str = "",
                    revision=UNCHECKED) -> None:
    """The reviewer asks for more: back to open, with the reason (and optionally a new due date)."""
    comment = (comment or "").strip()
    if not comment:
        raise AuditError("追加で求める対応を入力してください。")
    with transaction(db):
        action = _current(db, action, revision)
        if action["status"] != values.ACTION_SUBMITTED:
            raise AuditError("課から改善の報告がされていないため、差し戻せません。")
        _check_reviewer(db, action, audit, user, "差し戻す")
        row = {"status": values.ACTION_OPEN, "review_comment": comment, "reviewed_at": now_iso(),
               "reviewed_by": user.id}
        if due_date:
            row["due_date"] = due_date
        _update(db, action["id"], row)
        _event(db, action["id"], "return", user, from_status=action["status"], to_status=values.ACTION_OPEN,
               comment=comment + (f"（期限 {date_text(due_date)}）" if due_date else ""))
        activity.record(db, "action.return", department_code=department_code(db, action["department_id"]),
                        object_type="corrective_action", object_id=action["id"])


def events(db: Database, action_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM action_events WHERE action_id = ? ORDER BY id", [action_id]))


# A finding becomes the 課's corrective action when a report carrying it is issued (workflow.issue sets
# issued_version); an incident's 再発防止策 is one at once. Every list of corrective actions keeps to it (SQL over
# `ca` and its finding `f`).
ISSUED_ACTION_SQL = "(ca.incident_id IS NOT NULL OR f.issued_version IS NOT NULL)"
# The overdue rule, for every list of corrective actions (SQL over `ca`, with :today).
OVERDUE_SQL = "(ca.status != 'closed' AND ca.due_date < :today)"
# The 年度 of an incident's 覚知, SQL over `i`.
INCIDENT_YEAR_SQL = fiscal_year_sql("i.discovered_at")


def action_list(db: Database, *, department_ids=None, open_only: bool = False, overdue_only: bool = False,
                today: date | None = None, fiscal_year: int | None = None,
                incident_id: int | None = None) -> list[dict]:
    """Corrective actions with their owner (a finding and its audit, or an incident) and 課; `overdue` is
    computed against today (JST). `title` is the finding's, or the incident's 再発防止策 (`measure`);
    `source` is 'finding' or 'incident'. A finding's action is listed once the finding was issued, for the
    auditor as for the 課 (ISSUED_ACTION_SQL); an incident's at once."""
    where, params = ["(f.id IS NULL OR f.status != 'withdrawn')", ISSUED_ACTION_SQL], {"today": _today(today)}
    if department_ids is not None:
        ids = sorted(department_ids) or [-1]
        where.append(f"ca.department_id IN ({','.join(str(int(i)) for i in ids)})")
    if open_only or overdue_only:
        where.append("ca.status != 'closed'")
    if overdue_only:
        where.append(OVERDUE_SQL)
    if fiscal_year:
        where.append(f"COALESCE(a.fiscal_year, {INCIDENT_YEAR_SQL}) = :year")
        params["year"] = fiscal_year
    if incident_id is not None:
        where.append("ca.incident_id = :incident")
        params["incident"] = incident_id
    return list(db.query(
        f"""SELECT ca.*, COALESCE(f.title, ca.measure) AS title, f.severity, f.request_kind, f.request,
                   f.status AS finding_status, f.audit_id, i.title AS incident_title,
                   CASE WHEN ca.incident_id IS NULL THEN 'finding' ELSE 'incident' END AS source,
                   COALESCE(a.fiscal_year, {INCIDENT_YEAR_SQL}) AS fiscal_year,
                   a.issued_at AS audit_issued_at, d.code AS department_code, d.name AS department_name,
                   (SELECT b.name FROM bureaus b WHERE b.id = d.bureau_id) AS bureau_name,
                   {OVERDUE_SQL} AS overdue
            FROM corrective_actions ca LEFT JOIN audit_findings f ON f.id = ca.finding_id
            LEFT JOIN audits a ON a.id = f.audit_id LEFT JOIN incidents i ON i.id = ca.incident_id
            JOIN departments d ON d.id = ca.department_id
            WHERE {' AND '.join(where)}
            ORDER BY overdue DESC, ca.status = 'closed', ca.due_date, ca.id""", params))
