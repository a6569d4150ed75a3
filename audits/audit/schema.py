"""Tables of the audit (監査): plans, multi-year cycles, audits, checks, findings, corrective actions, reports.

Separate things keep separate fields, each with its own values (see `values.py`):
- audits.status            fieldwork / fact_check / issued        (the audit's own workflow)
- audit_checks.result      values.RESULTS, keys of 適正 / 概ね適正 / 要改善 / 不適正 / 未確認 (the auditor's 確認結果)
- audit_findings.severity  high / medium / low (高 / 中 / 低), audit_findings.status open / closed / withdrawn
- corrective_actions.status open / submitted / closed
The self-check sheets' own status stays on `sheets`; an audit points at the schedule whose answers it compares.
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from .. import constraints
from ..constraints import FLAG, Allowed
from ..db import transaction

migrations = Migrations("tenken-audit")


@migrations(name="0001_audit")
def audit(db: Database) -> None:
    # 年度ごとの監査計画: 監査の観点 (theme) and the target 課 with their 選定理由.
    db["audit_plans"].create(
        {"id": int, "fiscal_year": int, "theme": str, "basis": str, "notes": str,
         "created_at": str, "created_by": int, "updated_at": str},
        pk="id", not_null={"fiscal_year", "theme"},
    )
    db["audit_plans"].create_index(["fiscal_year"], unique=True)
    db["audit_plan_targets"].create(
        {"id": int, "plan_id": int, "department_id": int, "reason": str, "created_at": str},
        pk="id", not_null={"plan_id", "department_id", "reason"},
        foreign_keys=[("plan_id", "audit_plans", "id"), ("department_id", "departments", "id")],
    )
    db["audit_plan_targets"].create_index(["plan_id", "department_id"], unique=True)
    # 中期監査計画: a span of 年度 in which every 課 is audited at least once.
    db["audit_cycles"].create(
        {"id": int, "title": str, "start_year": int, "end_year": int, "notes": str,
         "created_at": str, "created_by": int},
        pk="id", not_null={"title", "start_year", "end_year"},
    )
    db["audit_cycle_departments"].create(
        {"cycle_id": int, "department_id": int, "planned_year": int},
        pk=("cycle_id", "department_id"), not_null={"planned_year"},
        foreign_keys=[("cycle_id", "audit_cycles", "id"), ("department_id", "departments", "id")],
    )
    # One audit of one 課. Places and methods are JSON lists; prose for the report lives here
    # (and in audit_topics.result_text) until issue, when audit_reports keeps a frozen copy.
    db["audits"].create(
        {"id": int, "plan_id": int, "fiscal_year": int, "department_id": int, "schedule_id": int,
         "theme": str, "selection_reason": str, "started_at": str, "ended_at": str, "places": str,
         "methods": str, "attendees": str, "interview_notes": str, "conclusion": str, "closing": str,
         "status": str, "version": int, "fact_check_sent_at": str, "issued_at": str,
         "created_at": str, "created_by": int, "updated_at": str, "updated_by": int, "revision": int},
        pk="id", not_null={"fiscal_year", "department_id", "status", "version", "revision"},
        defaults={"status": "fieldwork", "version": 1, "revision": 0, "places": "[]", "methods": "[]"},
        foreign_keys=[("plan_id", "audit_plans", "id"), ("department_id", "departments", "id"),
                      ("schedule_id", "schedules", "id")],
    )
    db["audits"].create_index(["fiscal_year"])
    db["audits"].create_index(["department_id"])
    # The audit team; independence (never one's own 課) is checked when a member is added.
    db["audit_auditors"].create(
        {"audit_id": int, "user_id": int, "lead": int},
        pk=("audit_id", "user_id"), defaults={"lead": 0},
        foreign_keys=[("audit_id", "audits", "id"), ("user_id", "users", "id")],
    )
    # 監査項目 ①②…: numbered topics; the report's section ５ has one （１）（２） per topic.
    db["audit_topics"].create(
        {"id": int, "audit_id": int, "position": int, "title": str, "result_text": str},
        pk="id", not_null={"audit_id", "position", "title"},
        foreign_keys=[("audit_id", "audits", "id")],
    )
    db["audit_topics"].create_index(["audit_id", "position"])
    # Per checklist item: the auditor's 確認結果 against the 課's self-check answer.
    db["audit_checks"].create(
        {"id": int, "audit_id": int, "topic_id": int, "item_pk": int, "item_id": str, "position": int,
         "result": str, "note": str, "updated_at": str, "updated_by": int, "revision": int},
        pk="id", not_null={"audit_id", "item_pk", "item_id", "result", "revision"},
        defaults={"result": "未確認", "revision": 0},
        foreign_keys=[("audit_id", "audits", "id"), ("topic_id", "audit_topics", "id"),
                      ("item_pk", "checklist_items", "id")],
    )
    db["audit_checks"].create_index(["audit_id", "item_pk"], unique=True)
    # 指摘事項: from a check or free-standing.
    db["audit_findings"].create(
        {"id": int, "audit_id": int, "department_id": int, "check_id": int, "topic_id": int, "position": int,
         "title": str, "clause": str, "severity": str, "request_kind": str, "request": str, "status": str,
         "created_at": str, "created_by": int, "updated_at": str, "closed_at": str},
        pk="id", not_null={"audit_id", "department_id", "title", "severity", "request_kind", "request", "status"},
        defaults={"status": "open"},
        foreign_keys=[("audit_id", "audits", "id"), ("department_id", "departments", "id"),
                      ("check_id", "audit_checks", "id"), ("topic_id", "audit_topics", "id")],
    )
    db["audit_findings"].create_index(["audit_id"])
    db["audit_findings"].create_index(["department_id", "status"])
    # 改善措置: one per finding, answered by the 課, accepted (closed) or returned by the auditor.
    db["corrective_actions"].create(
        {"id": int, "finding_id": int, "department_id": int, "due_date": str, "status": str, "response": str,
         "submitted_at": str, "submitted_by": int, "review_comment": str, "reviewed_at": str,
         "reviewed_by": int, "closed_at": str, "created_at": str, "updated_at": str, "revision": int},
        pk="id", not_null={"finding_id", "department_id", "due_date", "status", "revision"},
        defaults={"status": "open", "revision": 0},
        foreign_keys=[("finding_id", "audit_findings", "id"), ("department_id", "departments", "id")],
    )
    db["corrective_actions"].create_index(["finding_id"], unique=True)
    db["corrective_actions"].create_index(["department_id", "status", "due_date"])
    db["action_events"].create(
        {"id": int, "action_id": int, "at": str, "user_id": int, "username": str, "event": str,
         "from_status": str, "to_status": str, "comment": str},
        pk="id", not_null={"action_id", "at", "event"},
        foreign_keys=[("action_id", "corrective_actions", "id")],
    )
    db["action_events"].create_index(["action_id"])
    # 事実確認: the 課's comments on the draft and the auditor's answers.
    db["audit_comments"].create(
        {"id": int, "audit_id": int, "version": int, "body": str, "author_id": int, "author_name": str,
         "created_at": str, "response": str, "responded_by": int, "responded_by_name": str, "responded_at": str},
        pk="id", not_null={"audit_id", "version", "body", "created_at"},
        foreign_keys=[("audit_id", "audits", "id")],
    )
    db["audit_comments"].create_index(["audit_id"])
    # Issued reports, frozen: the content as issued (JSON) and the PDF as issued.
    db["audit_reports"].create(
        {"id": int, "audit_id": int, "version": int, "content": str, "pdf": bytes, "pdf_sha256": str,
         "issued_at": str, "issued_by": int, "issued_by_name": str},
        pk="id", not_null={"audit_id", "version", "content", "issued_at"},
        foreign_keys=[("audit_id", "audits", "id")],
    )
    db["audit_reports"].create_index(["audit_id", "version"], unique=True)


@migrations(name="0002_audit_departments")
def audit_departments(db: Database) -> None:
    """An audit covers one or more 課: audit_departments is the single source of truth for which.

    Per 課 it holds the compared self-check schedule, the 課's own 日時・場所 when it was visited apart from
    the others (NULL: the audit's), and the interview notes taken there (a 課 sees only its own before issue).
    Each existing audit gets its one 課 row; checks and 事実確認 comments get the 課 they belong to; the audit's
    former department_id, schedule_id and interview_notes columns are dropped. audits.other_text holds the
    auditor's own text for 「その他の事項」 in section ５ (NULL: the generated proposal).
    """
    db["audit_departments"].create(
        {"audit_id": int, "department_id": int, "position": int, "schedule_id": int, "started_at": str,
         "ended_at": str, "places": str, "interview_notes": str},
        pk=("audit_id", "department_id"), not_null={"position"},
        foreign_keys=[("audit_id", "audits", "id"), ("department_id", "departments", "id"),
                      ("schedule_id", "schedules", "id")],
    )
    db["audit_departments"].create_index(["department_id"])
    db.execute("""INSERT INTO audit_departments (audit_id, department_id, position, schedule_id, interview_notes)
                  SELECT id, department_id, 1, schedule_id, interview_notes FROM audits""")
    db["audit_checks"].add_column("department_id", int, fk="departments", fk_col="id")
    db.execute("UPDATE audit_checks SET department_id = (SELECT a.department_id FROM audits a "
               "WHERE a.id = audit_checks.audit_id)")
    db.execute("DROP INDEX IF EXISTS idx_audit_checks_audit_id_item_pk")
    db["audit_checks"].create_index(["audit_id", "department_id", "item_pk"], unique=True)
    db["audit_comments"].add_column("department_id", int, fk="departments", fk_col="id")
    db.execute("UPDATE audit_comments SET department_id = (SELECT a.department_id FROM audits a "
               "WHERE a.id = audit_comments.audit_id)")
    db["audits"].add_column("other_text", str)
    db.execute("DROP INDEX IF EXISTS idx_audits_department_id")
    db["audits"].transform(drop={"department_id", "schedule_id", "interview_notes"})


@migrations(name="0003_removed_check_evidence")
def removed_check_evidence(db: Database) -> None:
    """Evidence of a check that was taken off its audit (before visits.keep_check_evidence) was left pointing at
    the deleted check: nobody could download it. It moves to the audit named by the removal's log entry, as
    keep_check_evidence does today. A check id reused since (SQLite reuses the highest rowid) is told apart by
    time: the evidence was uploaded before that removal."""
    db.execute("""
        UPDATE evidence SET owner_type = 'audit',
               owner_id = (SELECT CAST(l.object_id AS INTEGER) FROM activity_log l
                           WHERE l.action = 'audit.check_add' AND l.object_type = 'audit'
                             AND json_extract(l.detail, '$.removed_check') = evidence.owner_id
                             AND l.at >= evidence.uploaded_at ORDER BY l.id LIMIT 1),
               note = trim(note || ' （外した確認項目の証跡）')
        WHERE owner_type = 'audit_item' AND EXISTS (
            SELECT 1 FROM activity_log l WHERE l.action = 'audit.check_add' AND l.object_type = 'audit'
              AND json_extract(l.detail, '$.removed_check') = evidence.owner_id AND l.at >= evidence.uploaded_at)""")


@migrations(name="0004_plans_within_years")
def plans_within_years(db: Database) -> None:
    """Remove audit plans for a 年度 no page can show (a URL once stored /audit/plans/99999), with their targets;
    an audit that pointed at such a plan keeps everything but the link."""
    from ..bounds import YEAR_MAX, YEAR_MIN

    outside = "SELECT id FROM audit_plans WHERE fiscal_year NOT BETWEEN ? AND ?"
    db.execute(f"UPDATE audits SET plan_id = NULL WHERE plan_id IN ({outside})", [YEAR_MIN, YEAR_MAX])
    db.execute(f"DELETE FROM audit_plan_targets WHERE plan_id IN ({outside})", [YEAR_MIN, YEAR_MAX])
    db.execute("DELETE FROM audit_plans WHERE fiscal_year NOT BETWEEN ? AND ?", [YEAR_MIN, YEAR_MAX])


@migrations(name="0005_report_options")
def report_options(db: Database) -> None:
    """What each 監査報告書 prints beside its body, chosen on the report page and saved with the audit:
    report_number (the 報告資料 number line above the title, e.g. 報告資料Ｎｏ．６－２; empty: none),
    show_annex (別表) and show_findings (指摘事項の一覧), both printed (1) for existing audits as before."""
    db["audits"].add_column("report_number", str)
    db["audits"].add_column("show_annex", int, not_null_default=1)
    db["audits"].add_column("show_findings", int, not_null_default=1)


def checks() -> dict:
    """Checked columns (constraints.py), each set from the constant in values.py that defines it."""
    from . import values

    action_statuses = Allowed(values.ACTION_STATUS_LABELS, nullable=True)
    return {
        "audits": {"status": Allowed(values.AUDIT_STATUS_LABELS)},
        "audit_auditors": {"lead": FLAG},
        "audit_checks": {"result": Allowed(values.RESULTS)},
        "audit_findings": {"severity": Allowed(values.SEVERITIES), "status": Allowed(values.FINDING_STATUS_LABELS),
                           "request_kind": Allowed(values.REQUEST_KINDS)},
        "corrective_actions": {"status": Allowed(values.ACTION_STATUS_LABELS)},
        "action_events": {"event": Allowed(values.ACTION_EVENT_LABELS), "from_status": action_statuses,
                          "to_status": action_statuses},
    }


@migrations(name="0006_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    # A database older than the constraints stores the labels; its columns are not checked yet, so the
    # labels become keys by plain updates before the keys are enforced (a database past this migration
    # gets the same through 0010_stable_keys and 0011_severity_keys).
    with transaction(db):
        _rewrite_legacy(db)
    constraints.enforce(db, checks())


@migrations(name="0007_fact_check_replies")
def fact_check_replies(db: Database) -> None:
    """事実確認 that means something (see workflow.py):
    - audit_fact_check_sends: one row per send, with the reply deadline and the draft as sent (JSON: per 課 id,
      the report's sections and items as that 課 reads them; factcheck.py);
    - audit_fact_check_replies: per audited 課 the reply to the latest send (pending / no_comment / commented)
      and `seen`, the draft as that 課 last confirmed or commented on it (the send's, until it replies);
    - audit_findings.issued_version: the version whose issue made the finding (and its corrective action) the
      課's to act on; NULL for a finding not issued yet. Existing findings of audits issued before get the
      first issued version."""
    db["audit_fact_check_sends"].create(
        {"id": int, "audit_id": int, "version": int, "sent_at": str, "sent_by": int, "due_date": str,
         "content": str},
        pk="id", not_null={"audit_id", "version", "sent_at", "due_date", "content"},
        foreign_keys=[("audit_id", "audits", "id")],
    )
    db["audit_fact_check_sends"].create_index(["audit_id"])
    db["audit_fact_check_replies"].create(
        {"audit_id": int, "department_id": int, "send_id": int, "state": str, "seen": str, "replied_at": str,
         "replied_by": int, "replied_by_name": str},
        pk=("audit_id", "department_id"), not_null={"send_id", "state", "seen"}, defaults={"state": "pending"},
        foreign_keys=[("audit_id", "audits", "id"), ("department_id", "departments", "id"),
                      ("send_id", "audit_fact_check_sends", "id")],
    )
    # A 事実確認 under way when this migration runs restarts: its 課 reply on the draft as it reads it now.
    for audit_id, version, sent_at in db.execute(
            "SELECT id, version, fact_check_sent_at FROM audits WHERE status = 'fact_check'").fetchall():
        sent_at = sent_at or "1970-01-01T00:00:00+09:00"
        send_id = db["audit_fact_check_sends"].insert({
            "audit_id": audit_id, "version": version, "sent_at": sent_at, "due_date": sent_at[:10],
            "content": "{}"}).last_pk
        db.execute("""INSERT INTO audit_fact_check_replies (audit_id, department_id, send_id, state, seen)
                      SELECT audit_id, department_id, ?, 'pending', '{}' FROM audit_departments
                      WHERE audit_id = ?""", [send_id, audit_id])
    db["audit_findings"].add_column("issued_version", int)
    db.execute("""UPDATE audit_findings SET issued_version = (SELECT MIN(r.version) FROM audit_reports r
                  WHERE r.audit_id = audit_findings.audit_id)""")


def reply_checks() -> dict:
    """Checked columns of the 事実確認 replies, apart from checks(): 0006 enforces checks() before 0007 creates
    the table."""
    from . import values

    return {"audit_fact_check_replies": {"state": Allowed(values.REPLY_STATE_LABELS)}}


@migrations(name="0008_fact_check_reply_states", transactional=False)
def fact_check_reply_states(db: Database) -> None:
    constraints.enforce(db, reply_checks())


def wish_checks() -> dict:
    """audit_findings.wish_ending, apart from checks(): 0006 enforces checks() before 0009 adds the column."""
    from . import values

    return {"audit_findings": {"wish_ending": Allowed(values.WISH_ENDING_LABELS, nullable=True)}}


# The labels 0001–0008 stored before the values became stable keys (frozen here: the constants moved on).
_LEGACY_RESULTS = {"適正": "proper", "概ね適正": "mostly_proper", "要改善": "needs_improvement", "不適正": "improper",
                   "未確認": "unchecked"}
_LEGACY_REQUEST_KINDS = {"改善を求める事項": "improvement", "要望": "wish"}
_LEGACY_SEVERITY_KEYS = {"高": "high", "中": "medium", "低": "low"}   # audit_findings.severity: 0011_severity_keys
_LEGACY_SEVERITIES = tuple(_LEGACY_SEVERITY_KEYS)


def _rewrite_legacy(db: Database) -> None:
    """Every stored label of 0001–0005 as its key, by plain updates (for columns no constraint checks yet)."""
    for table, column, mapping in (("audit_checks", "result", _LEGACY_RESULTS),
                                   ("audit_findings", "request_kind", _LEGACY_REQUEST_KINDS),
                                   ("audit_findings", "severity", _LEGACY_SEVERITY_KEYS)):
        for label, key in mapping.items():
            db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [key, label])


@migrations(name="0009_wish_ending")
def wish_ending(db: Database) -> None:
    """audit_findings.wish_ending says how a 要望 ends (values.WISH_ENDING_LABELS; NULL for a 指摘); a 要望 has
    no deadline and no corrective action (findings.py)."""
    db["audit_findings"].add_column("wish_ending", str)


@migrations(name="0010_stable_keys", transactional=False)
def stable_keys(db: Database) -> None:
    """audit_checks.result and audit_findings.request_kind hold stable keys (values.RESULT_LABELS /
    REQUEST_KIND_LABELS give the labels) instead of the Japanese labels; existing 要望 end as their sentence
    did before (「取り組まれたい」). Issued reports (audit_reports.content) keep the text they were issued with.
    The tables are rebuilt first with constraints that allow labels and keys (and both forms of the severity,
    renamed by its own migration in either order); init_db's enforce() then narrows them to the keys."""
    from . import values

    both = {**checks(), "audit_findings": {
        **checks()["audit_findings"], **wish_checks()["audit_findings"],
        "severity": Allowed(dict.fromkeys([*values.SEVERITIES, *_LEGACY_SEVERITIES])),
        "request_kind": Allowed(dict.fromkeys([*values.REQUEST_KINDS, *_LEGACY_REQUEST_KINDS]))}}
    both["audit_checks"] = {"result": Allowed(dict.fromkeys([*values.RESULTS, *_LEGACY_RESULTS]))}
    constraints.enforce(db, {table: both[table] for table in ("audit_checks", "audit_findings")})
    with db.atomic():
        for label, key in _LEGACY_RESULTS.items():
            db.execute("UPDATE audit_checks SET result = ? WHERE result = ?", [key, label])
        for label, key in _LEGACY_REQUEST_KINDS.items():
            db.execute("UPDATE audit_findings SET request_kind = ? WHERE request_kind = ?", [key, label])
        db.execute("UPDATE audit_findings SET wish_ending = ? WHERE request_kind = ? AND wish_ending IS NULL",
                   [values.ENDING_ENGAGE, values.REQUEST_WISH])


@migrations(name="0011_severity_keys", transactional=False)
def severity_keys(db: Database) -> None:
    """audit_findings.severity stores the items' stable keys (high / medium / low) instead of 高 / 中 / 低.
    Issued reports (audit_reports.content) and drafts sent for 事実確認 keep the text they were issued with."""
    both = {"audit_findings": {**checks()["audit_findings"], **wish_checks()["audit_findings"]}}
    constraints.rewrite(db, both, "audit_findings", "severity", _LEGACY_SEVERITY_KEYS)
