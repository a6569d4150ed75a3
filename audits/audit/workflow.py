"""The report's path: draft → 事実確認 by the audited 課 (comments and answers) → issued (frozen) → revised.

Issuing stores the content and the PDF as they were (audit_reports); a later change starts the next
version, and every issued version is kept.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta

from sqlite_utils import Database

from ..activity import service as activity
from ..db import Conditions, transaction
from ..notify import service as notices
from ..timeutil import JST, now, now_iso
from . import drafting, factcheck, report_pdf, values
from .permissions import load_audit
from .plans import AuditError


def _change_status(db: Database, audit: dict, expected: str, changes: dict) -> None:
    """Inside the caller's write transaction: move the audit from `expected` (at the version the caller read)
    with `changes`. When another request moved it first, nothing is written and AuditError says so."""
    assignments = ", ".join(f"{column} = ?" for column in changes)
    moved = db.execute(f"UPDATE audits SET {assignments} WHERE id = ? AND status = ? AND version = ?",
                       [*changes.values(), audit["id"], expected, audit["version"]]).rowcount
    if moved != 1:
        now = db.execute("SELECT status, version FROM audits WHERE id = ?", [audit["id"]]).fetchone()
        label = values.AUDIT_STATUS_LABELS.get(now[0], now[0]) if now else "削除済"
        raise AuditError(f"この監査は、画面を開いた後に他の操作で状態が変わっています（現在: {label}"
                         f"{f'、第{now[1]}版' if now else ''}）。画面を更新して確認してください。")


def default_reply_due() -> date:
    return now().date() + timedelta(days=values.FACT_CHECK_DAYS)


def send_for_fact_check(db: Database, audit: dict, user, reply_due: date | None = None) -> None:
    """Send the draft to the audited 課 with a reply deadline (default: FACT_CHECK_DAYS from today); the draft
    as each 課 reads it is frozen (factcheck.freeze) and every 課's reply starts pending."""
    if audit["status"] != values.FIELDWORK:
        raise AuditError("実施中の監査だけを事実確認に送れます。")
    reply_due = reply_due or default_reply_due()
    if reply_due < now().date():
        raise AuditError("事実確認の回答期限は、今日以後の日付にしてください。")
    missing = []
    if not audit["started_at"]:
        missing.append("実施日時")
    if not db.execute("SELECT 1 FROM audit_topics WHERE audit_id = ?", [audit["id"]]).fetchone():
        missing.append("監査項目")
    if not (audit["theme"] or "").strip():
        missing.append("監査の観点")
    if not (audit["conclusion"] or "").strip():
        missing.append("監査の結果（総括）")
    if missing:
        raise AuditError("事実確認に送る前に、次を記入してください: " + "、".join(missing))
    sent_at = now_iso()
    with transaction(db):
        _change_status(db, audit, values.FIELDWORK, {"status": values.FACT_CHECK, "fact_check_sent_at": sent_at,
                                                     "updated_at": sent_at, "updated_by": user.id})
        factcheck.freeze(db, load_audit(db, audit["id"]), user, reply_due, sent_at)
        activity.record(db, "audit.fact_check_send", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"version": audit["version"], "reply_due": reply_due.isoformat()})
        notices.fact_check_requested(db, audit, sent_at)


def _replying_department(audit: dict, department_id: int | None) -> dict:
    """The audited 課 a reply or comment is for (default: the audit's only 課)."""
    if audit["status"] != values.FACT_CHECK:
        raise AuditError("事実確認の期間ではないため、意見・回答を登録できません。")
    if department_id is None and len(audit["department_ids"]) == 1:
        department_id = audit["department_ids"][0]
    department = next((d for d in audit["departments"] if d["department_id"] == department_id), None)
    if department is None:
        raise AuditError("意見を出す課を、この監査の監査対象課から選んでください。")
    return department


def _still_in_fact_check(db: Database, audit: dict) -> None:
    """Inside the write transaction: the status read again, so no reply lands on a report issued meanwhile."""
    if db.execute("SELECT status FROM audits WHERE id = ?", [audit["id"]]).fetchone()[0] != values.FACT_CHECK:
        raise AuditError("事実確認の期間ではないため、意見・回答を登録できません。")


def confirm_no_comment(db: Database, audit: dict, user, department_id: int | None = None) -> None:
    """The 課 answers 「確認しました（意見なし）」 on the draft as it reads it now."""
    department = _replying_department(audit, department_id)
    with transaction(db):
        _still_in_fact_check(db, audit)
        factcheck.record_reply(db, audit, department["department_id"], values.REPLY_NO_COMMENT, user, now_iso())
        activity.record(db, "audit.fact_check_reply", department_code=department["code"], object_type="audit",
                        object_id=audit["id"], detail={"version": audit["version"], "reply": values.REPLY_NO_COMMENT})


def comments(db: Database, audit_id: int, version: int | None = None, department_ids=None) -> list[dict]:
    """事実確認 comments with the 課 each was made for; `department_ids` limits them to those 課."""
    where = Conditions().add("c.audit_id = ?", audit_id)
    if version is not None:
        where.add("c.version = ?", version)
    if department_ids is not None:
        where.ids("c.department_id", department_ids)
    return list(db.query(f"""SELECT c.*, d.name AS department_name FROM audit_comments c
                             LEFT JOIN departments d ON d.id = c.department_id
                             {where.sql()} ORDER BY c.id""", where.params))


def add_comment(db: Database, audit: dict, body: str, user, department_id: int | None = None) -> int:
    """A comment of one audited 課 on the draft (default: the audit's only 課); it is the 課's reply."""
    body = (body or "").strip()
    if not body:
        raise AuditError("意見を入力してください。")
    department = _replying_department(audit, department_id)
    with transaction(db):
        _still_in_fact_check(db, audit)
        factcheck.record_reply(db, audit, department["department_id"], values.REPLY_COMMENTED, user, now_iso())
        comment_id = db["audit_comments"].insert({
            "audit_id": audit["id"], "version": audit["version"], "body": body, "author_id": user.id,
            "author_name": user.display_name, "created_at": now_iso(),
            "department_id": department["department_id"]}).last_pk
        activity.record(db, "audit.comment_add", department_code=department["code"], object_type="audit",
                        object_id=audit["id"], detail={"comment": comment_id})
    return comment_id


def respond(db: Database, audit: dict, comment_id: int, response: str, user) -> None:
    response = (response or "").strip()
    if not response:
        raise AuditError("回答を入力してください。")
    with transaction(db):
        found = db.execute("""SELECT d.code FROM audit_comments c LEFT JOIN departments d ON d.id = c.department_id
                              WHERE c.id = ? AND c.audit_id = ?""", [comment_id, audit["id"]]).fetchone()
        if not found:
            raise AuditError("意見が見つかりません。")
        db["audit_comments"].update(comment_id, {"response": response, "responded_by": user.id,
                                                 "responded_by_name": user.display_name, "responded_at": now_iso()})
        activity.record(db, "audit.comment_respond", department_code=found[0], object_type="audit",
                        object_id=audit["id"], detail={"comment": comment_id})


def issue_date_problem(audit: dict, issued_on: date, reason: str) -> str | None:
    """None when the report may carry `issued_on` as its 発行日 (today, or an earlier day with a reason:
    a past audit recorded from paper), else why not."""
    today = now().date()
    if issued_on > today:
        return "発行日に未来の日付は指定できません。"
    started = (audit.get("started_at") or "")[:10]
    if started and issued_on.isoformat() < started:
        return "発行日は監査の実施日以後の日付にしてください。"
    if issued_on != today and not (reason or "").strip():
        return "発行日を今日以外にする理由（紙で発行した監査の記録など）を入力してください。"
    return None


def override_problem(db: Database, audit: dict, user) -> str | None:
    """Why this user may not issue without every 課's reply: only the audit's 監査責任者 (the team's lead) may."""
    if not db.execute("SELECT 1 FROM audit_auditors WHERE audit_id = ? AND user_id = ? AND lead = 1",
                      [audit["id"], user.id]).fetchone():
        return "回答のない課があるままの発行は、この監査の監査責任者（主担当）だけが行えます。"
    return None


def issue(db: Database, audit: dict, user, municipality: str, *, issued_at: str | None = None,
          issued_on: date | None = None, reason: str = "", override_reason: str = "") -> int:
    """Freeze the content and the PDF as version N; returns the audit_reports id.

    Every audited 課 must have answered the draft as it stands (factcheck.missing_replies), unless the
    監査責任者 overrides with `override_reason` (logged with the 課 concerned; printed nowhere).
    `issued_on`: the 発行日 printed when it is not today (the reason goes to the activity log only);
    `issued_at`: a full timestamp, for the demo only. The audit's findings not issued before become the 課's
    corrective actions (issued_version)."""
    if audit["status"] != values.FACT_CHECK:
        raise AuditError("事実確認を経た監査報告書だけを発行できます。先に事実確認に送ってください。")
    detail = {}
    if issued_on is not None:
        problem = issue_date_problem(audit, issued_on, reason)
        if problem:
            raise AuditError(problem)
        if issued_on != now().date():
            issued_at = datetime.combine(issued_on, time(9, 0), JST).isoformat(timespec="seconds")
            detail = {"issued_on": issued_on.isoformat(), "reason": reason.strip()}
    issued_at = issued_at or now_iso()
    with transaction(db):
        # Status and comments are read again under the write lock: a second request (a double click,
        # another auditor) finds the report issued and is refused, never stored twice.
        _change_status(db, audit, values.FACT_CHECK, {"status": values.ISSUED, "issued_at": issued_at,
                                                      "updated_at": issued_at, "updated_by": user.id})
        unanswered = db.execute("""SELECT COUNT(*) FROM audit_comments WHERE audit_id = ? AND version = ?
                                   AND (response IS NULL OR response = '')""",
                                [audit["id"], audit["version"]]).fetchone()[0]
        if unanswered:
            raise AuditError(f"回答していない事実確認の意見が{unanswered}件あります。回答してから発行してください。")
        current = load_audit(db, audit["id"])
        missing = factcheck.missing_replies(db, current)
        if missing:
            names = "、".join(m["label"] for m in missing)
            if not (override_reason or "").strip():
                raise AuditError(f"事実確認の回答がそろっていません（{names}）。課の回答（意見なし、又は意見への回答済み）を"
                                 "待つか、監査責任者が理由を記入して発行してください。")
            if problem := override_problem(db, audit, user):
                raise AuditError(problem)
            detail["override"] = {"reason": override_reason.strip(), "departments": [m["label"] for m in missing]}
        db.execute("UPDATE audit_findings SET issued_version = ? WHERE audit_id = ? AND issued_version IS NULL",
                   [audit["version"], audit["id"]])
        content = drafting.report_content(db, {**current, "issued_at": issued_at}, municipality)
        pdf = report_pdf.render(content)
        report_id = db["audit_reports"].insert({
            "audit_id": audit["id"], "version": audit["version"],
            "content": json.dumps(content, ensure_ascii=False), "pdf": pdf,
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(), "issued_at": issued_at, "issued_by": user.id,
            "issued_by_name": user.display_name}).last_pk
        activity.record(db, "audit.issue", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"version": audit["version"],
                                                       "sha256": hashlib.sha256(pdf).hexdigest(), **detail})
    return report_id


def revise(db: Database, audit: dict, user) -> None:
    """Start the next version of an issued report; the issued versions stay as they are."""
    if audit["status"] != values.ISSUED:
        raise AuditError("発行済みの監査報告書だけを改訂できます。")
    with transaction(db):
        _change_status(db, audit, values.ISSUED, {"status": values.FIELDWORK, "version": audit["version"] + 1,
                                                  "updated_at": now_iso(), "updated_by": user.id})
        activity.record(db, "audit.revise", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"version": audit["version"] + 1})


def issued_reports(db: Database, audit_id: int) -> list[dict]:
    return list(db.query("""SELECT id, audit_id, version, pdf_sha256, issued_at, issued_by_name FROM audit_reports
                            WHERE audit_id = ? ORDER BY version DESC""", [audit_id]))


def issued_pdf(db: Database, audit_id: int, version: int | None = None) -> tuple[int, bytes] | None:
    """(version, pdf bytes) of the given or latest issued version."""
    if version is None:
        row = db.execute("SELECT version, pdf FROM audit_reports WHERE audit_id = ? ORDER BY version DESC LIMIT 1",
                         [audit_id]).fetchone()
    else:
        row = db.execute("SELECT version, pdf FROM audit_reports WHERE audit_id = ? AND version = ?",
                         [audit_id, version]).fetchone()
    return (row[0], row[1]) if row else None


def report_pdf_bytes(db: Database, audit: dict, municipality: str, *, version: int | None = None,
                     draft: bool = False, department_ids=None) -> tuple[bytes, str]:
    """The PDF to hand out: the issued one (latest or `version`), else the current draft marked 案
    (for an audited 課 of several, `department_ids` limits the draft's annex and findings to its own)."""
    if not draft:
        found = issued_pdf(db, audit["id"], version)
        if found:
            return found[1], _report_name(audit, f"第{found[0]}版")
        if version is not None:
            raise AuditError(f"第{version}版は発行されていません。")
    content = drafting.report_content(db, audit, municipality, department_ids=department_ids)
    return report_pdf.render(content, draft=True), _report_name(audit, "案")


def _report_name(audit: dict, version: str) -> str:
    """監査報告書_令和7年度_健康づくり課_第1版.pdf: the audited 課 by name (codes mean nothing to a reader)."""
    from ..downloads import file_name
    from ..wareki import hankaku, nendo

    names = [d["name"] for d in audit.get("departments") or []] or [audit.get("department_name") or ""]
    return file_name("監査報告書", nendo(audit["fiscal_year"], digits=hankaku), "・".join(names), version,
                     extension="pdf")
