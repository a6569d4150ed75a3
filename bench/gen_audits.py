"""Audits of the synthetic city: a plan per 年度, audits with topics, per-item 確認結果 against the 課's
answers, findings with corrective actions, prose proposed by audits/audit/drafting.py, and for issued
audits the frozen content and PDF exactly as workflow.issue stores them."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from audits.audit import drafting, report_pdf, values
from audits.audit.values import (REQUEST_IMPROVEMENT, RESULT_IMPROPER, RESULT_MOSTLY_PROPER,
                                 RESULT_NEEDS_IMPROVEMENT, RESULT_PROPER, RESULT_UNCHECKED)
from audits.audit.permissions import load_audit
from audits.sheets.answers import GAP_CATEGORIES
from audits.timeutil import JST

THEMES = ["特定個人情報の取扱状況と操作ログの確認状況", "公用申請と窓口での本人確認の取扱い",
          "委託先の管理と保有個人情報の保存・廃棄の状況"]
TOPICS = ["保有個人情報を取り扱う事務の実施状況の確認", "情報システムの利用と操作ログの確認状況",
          "保有個人情報の保存・保管及び廃棄の状況"]
REASON = "自己点検の結果、課題ありと回答した項目が多く、実地で取扱状況を確認する必要があるため。"
NOTES = {RESULT_PROPER: "自己点検の回答のとおり、記録簿により実施されていた",
         RESULT_MOSTLY_PROPER: "記録に一部欠落があるが運用は定着していた",
         RESULT_NEEDS_IMPROVEMENT: "確認の記録が残されていない月があった",
         RESULT_IMPROPER: "手順が定められておらず、実施されていなかった"}


def _results(rng, category: str | None) -> str:
    if category in GAP_CATEGORIES:
        return rng.choices([RESULT_MOSTLY_PROPER, RESULT_NEEDS_IMPROVEMENT, RESULT_IMPROPER], [3, 6, 1])[0]
    return rng.choices([RESULT_PROPER, RESULT_MOSTLY_PROPER, RESULT_NEEDS_IMPROVEMENT], [80, 14, 6])[0]


def build_year(b, year: int, municipality: str) -> None:
    """The 年度's audit plan and audits: earlier 年度 issued, this 年度 a third each issued / 事実確認中 / 実施中."""
    db, rng = b.db, b.rng
    candidates = [d for d in b.departments if d.code != "kansa"]
    current = year == b.years[-1]
    with db.conn:
        plan_id = db.execute(
            "INSERT INTO audit_plans (fiscal_year, theme, basis, notes, created_at, created_by, updated_at) "
            "VALUES (?, ?, '個人情報保護条例', '', ?, 2, ?)",
            [year, THEMES[year % len(THEMES)], f"{year}-04-10T10:00:00+09:00", f"{year}-04-10T10:00:00+09:00"]
        ).lastrowid
        targets = rng.sample(candidates, min(b.scale.audits(), len(candidates)))
        for n, d in enumerate(targets):
            status = "issued" if not current else ("issued", "fact_check", "fieldwork")[n % 3]
            _audit(b, year, plan_id, d, status, n, municipality)
    b.counts["audits"] = db.execute("SELECT count(*) FROM audits").fetchone()[0]
    b.counts["audit_findings"] = db.execute("SELECT count(*) FROM audit_findings").fetchone()[0]


def _audit(b, year: int, plan_id: int, d, status: str, n: int, municipality: str) -> None:
    db, rng = b.db, b.rng
    if year == b.years[-1]:   # this 年度: visits of the last months, so that issued reports lie in the past
        start = datetime.combine(b.today - timedelta(days=45 + n), datetime.min.time(), JST).replace(hour=14)
    else:
        start = datetime(year, 11, 4, 14, tzinfo=JST) + timedelta(days=2 * n)
    end = start + timedelta(minutes=80)
    created = (start - timedelta(days=30)).isoformat(timespec="seconds")
    db.execute("INSERT INTO audit_plan_targets (plan_id, department_id, reason, created_at) VALUES (?, ?, ?, ?)",
               [plan_id, d.id, REASON, created])
    audit_id = db.execute(
        """INSERT INTO audits (plan_id, fiscal_year, theme, selection_reason, started_at,
           ended_at, places, methods, attendees, conclusion, closing, status, version, created_at,
           created_by, updated_at, updated_by, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 'fieldwork',
           1, ?, 2, ?, 2, 0)""",
        [plan_id, year, THEMES[year % len(THEMES)], REASON, start.isoformat(timespec="seconds"),
         end.isoformat(timespec="seconds"),
         json.dumps([f"{d.name} 執務室", "本庁舎地下１階文書庫"], ensure_ascii=False),
         json.dumps(["documents", "interview", "site"]), f"{d.name}長、担当係長",
         created, created]).lastrowid
    db.execute("INSERT INTO audit_departments (audit_id, department_id, position, schedule_id, interview_notes) "
               "VALUES (?, ?, 1, ?, ?)", [audit_id, d.id, b.schedules[year], "聴き取りの記録（ベンチマーク用）"])
    db.conn.executemany("INSERT INTO audit_auditors (audit_id, user_id, lead) VALUES (?, ?, ?)",
                   [(audit_id, 2, 1), (audit_id, 3, 0)])
    b.event(year, start - timedelta(days=30), 2, "audit.create", d.code, "audit", audit_id, {"fiscal_year": year})
    topic_ids = [db.execute("INSERT INTO audit_topics (audit_id, position, title, result_text) VALUES (?, ?, ?, '')",
                            [audit_id, p, t]).lastrowid for p, t in enumerate(TOPICS, 1)]
    items = db.execute(
        """SELECT i.id, i.item_id, i.question, i.sources, a.category FROM sheets s
           JOIN checklist_items i ON i.version_id = s.version_id
           LEFT JOIN answers a ON a.sheet_id = s.id AND a.item_pk = i.id
           WHERE s.schedule_id = ? AND s.department_id = ? AND coalesce(a.auto_na, 0) = 0
           ORDER BY s.version_id, i.position""", [b.schedules[year], d.id]).fetchall()
    chosen = sorted(rng.sample(range(len(items)), min(24, len(items))))
    at = end.isoformat(timespec="seconds")
    findings = 0
    for position, index in enumerate(chosen, 1):
        item_pk, item_id, question, sources, category = items[index]
        result = _results(rng, category) if status != "fieldwork" or position < 12 else RESULT_UNCHECKED
        topic = topic_ids[(position - 1) * len(topic_ids) // len(chosen)]
        check_id = db.execute(
            "INSERT INTO audit_checks (audit_id, department_id, topic_id, item_pk, item_id, position, result, note, "
            "updated_at, updated_by, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2, 1)",
            [audit_id, d.id, topic, item_pk, item_id, position, result, NOTES.get(result, ""), at]).lastrowid
        b.event(year, end, 2, "audit.check_save", d.code, "audit_check", check_id,
                {"audit": audit_id, "item": item_id, "result": result})
        if result in (RESULT_NEEDS_IMPROVEMENT, RESULT_IMPROPER) and findings < 4:
            findings += 1
            _finding(b, year, audit_id, d, check_id, topic, position, question, sources, result, end,
                     current=year == b.years[-1])
    audit = load_audit(db, audit_id)
    proposed = drafting.proposals(db, audit, municipality)
    for topic_id, text in proposed["topics"].items():
        db.execute("UPDATE audit_topics SET result_text = ? WHERE id = ?", [text, topic_id])
    changes = {"conclusion": proposed["conclusion"], "closing": proposed["closing"], "status": status}
    if status != "fieldwork":
        changes["fact_check_sent_at"] = (end + timedelta(days=14)).isoformat(timespec="seconds")
        b.event(year, end + timedelta(days=14), 2, "audit.fact_check_send", d.code, "audit", audit_id, {"version": 1})
    if status == "issued":
        changes["issued_at"] = (end + timedelta(days=40)).isoformat(timespec="seconds")
    db.execute(f"UPDATE audits SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?", [*changes.values(), audit_id])
    if status == "issued":
        content = drafting.report_content(db, load_audit(db, audit_id), municipality)
        pdf = report_pdf.render(content)
        digest = hashlib.sha256(pdf).hexdigest()
        db.execute("INSERT INTO audit_reports (audit_id, version, content, pdf, pdf_sha256, issued_at, issued_by, "
                   "issued_by_name) VALUES (?, 1, ?, ?, ?, ?, 2, '監査責任者 相川 聡子')",
                   [audit_id, json.dumps(content, ensure_ascii=False), pdf, digest, changes["issued_at"]])
        b.event(year, end + timedelta(days=40), 2, "audit.issue", d.code, "audit", audit_id,
                {"sha256": digest, "version": 1})


def _finding(b, year, audit_id, d, check_id, topic_id, position, question, sources, result, end, *, current) -> None:
    db, rng = b.db, b.rng
    clause = "、".join(json.loads(sources or "[]")[:2])
    severity = values.HIGH if result == RESULT_IMPROPER else rng.choice([values.MEDIUM, values.LOW])
    title = f"「{question.rstrip('。か')}」について、確認の記録が残されていない期間が見受けられた"
    finding_id = db.execute(
        """INSERT INTO audit_findings (audit_id, department_id, check_id, topic_id, position, title, clause, severity,
           request_kind, request, status, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?,
           ?, '確認の結果を記録簿に記録し、保護管理者が定期的に確認するよう改められたい', ?, ?, 2, ?)""",
        [audit_id, d.id, check_id, topic_id, position, title, clause, severity, REQUEST_IMPROVEMENT, "open",
         end.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")]).lastrowid
    due = (end + timedelta(days=rng.choice([60, 90, 120]))).date().isoformat()
    closed = not current and rng.random() < 0.8
    status = "closed" if closed else "open"
    closed_at = (end + timedelta(days=75)).isoformat(timespec="seconds") if closed else None
    action_id = db.execute(
        "INSERT INTO corrective_actions (finding_id, department_id, due_date, status, response, submitted_at, "
        "submitted_by, closed_at, created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [finding_id, d.id, due, status, "記録簿の様式を改め、毎月の確認を開始した。" if closed else None,
         closed_at, d.manager_id if closed else None, closed_at, end.isoformat(timespec="seconds"),
         closed_at or end.isoformat(timespec="seconds"), 2 if closed else 0]).lastrowid
    events = [(action_id, end.isoformat(timespec="seconds"), 2, "auditor", "create", None, "open", f"期限 {due}")]
    if closed:
        db.execute("UPDATE audit_findings SET status = 'closed', closed_at = ? WHERE id = ?", [closed_at, finding_id])
        events += [(action_id, closed_at, d.manager_id, b.users[d.manager_id], "submit", "open", "submitted", ""),
                   (action_id, closed_at, 2, "auditor", "accept", "submitted", "closed", "")]
        b.event(year, end + timedelta(days=75), 2, "action.accept", d.code, "corrective_action", action_id, {})
    db.conn.executemany("INSERT INTO action_events (action_id, at, user_id, username, event, from_status, to_status, "
                   "comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events)
    b.event(year, end, 2, "audit.finding_save", d.code, "audit_finding", finding_id,
            {"audit": audit_id, "due_date": due, "severity": severity})
