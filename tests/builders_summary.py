"""Fixture builder for the aggregated report: inserts a tiny checklist, schedules, sheets and answers
directly (following audits/sheets/schema.py), so that every number of the report is known by hand.

`load_standard(db)` builds the fixture the tests compute by hand; see its docstring for the numbers.
"""
from __future__ import annotations

import json

from audits.db import transaction
from audits.audit.values import REQUEST_IMPROVEMENT, RESULT_NEEDS_IMPROVEMENT, RESULT_PROPER
from audits.summary.scoring import DONE, NOT_APPLICABLE, NOT_DONE, PARTIAL
from checklists.model import SEVERITY_KEYS

CHECKLIST_ID = "tcheck"
CHECKLIST_TITLE = "テスト点検票"
# (item_id, section_id, section_title, severity, sources, question)
ITEMS = [
    ("T-01-01", "T-01", "管理体制", "高", ["GUIDE 4-8-2"], "保護担当者を文書で指名していますか。"),
    ("T-01-02", "T-01", "管理体制", "中", ["GUIDE 4-8-3"], "全職員が研修を受講していますか。"),
    ("T-02-01", "T-02", "システム", "中", ["GUIDE 4-8-6(3)", "CASE tokorozawa-juki"], "操作ログを毎月確認していますか。"),
    ("T-02-02", "T-02", "システム", "低", ["MYNUM 別添1 2-C-b"], "端末の盗難防止措置をとっていますか。"),
]
# Fixtures name categories and severities as a reader says them (実施, 高 …) or by their stored keys;
# the database gets the keys.
CATEGORY_KEYS = {"実施": DONE, "課題あり": PARTIAL, "未実施": NOT_DONE, "該当しない": NOT_APPLICABLE}
VALUE_OF = {DONE: "done", PARTIAL: "partial", NOT_DONE: "not_done", NOT_APPLICABLE: "na"}   # option of `implementation`


def category_key(category: str) -> str:
    return CATEGORY_KEYS.get(category, category)


def severity_key(severity: str) -> str:
    return SEVERITY_KEYS.get(severity, severity)


STAMP = "2025-06-01T10:00:00+09:00"


def department(db, code: str) -> int:
    return db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()[0]


def checklist(db, version: int = 1, *, checklist_id: str = CHECKLIST_ID, title: str = CHECKLIST_TITLE,
              items=ITEMS) -> tuple[int, dict[str, int]]:
    """A checklist version with `items`; returns (version_id, {item_id: item_pk})."""
    with transaction(db):
        if not db.execute("SELECT 1 FROM checklists WHERE id = ?", [checklist_id]).fetchone():
            db["checklists"].insert({"id": checklist_id, "title": title, "origin": "city", "created_at": STAMP})
        version_id = db["checklist_versions"].insert({
            "checklist_id": checklist_id, "version": version, "title": title, "description": "", "prefix": "T",
            "tags": "[]", "content_hash": f"{checklist_id}-{version}", "data": "{}", "source": "test",
            "created_at": STAMP}).last_pk
        pks = {}
        for position, (item_id, section_id, section_title, severity, sources, question) in enumerate(items, 1):
            pks[item_id] = db["checklist_items"].insert({
                "version_id": version_id, "item_id": item_id, "section_id": section_id,
                "section_title": section_title, "position": position, "question": question, "guidance": "",
                "evidence_hint": "", "evidence_required": 0, "scale": "implementation", "severity": severity_key(severity),
                "tags": "[]", "sources": json.dumps(sources, ensure_ascii=False)}).last_pk
    return version_id, pks


def schedule(db, year: int, version_id: int, *, due_date: str | None = None, title: str | None = None) -> int:
    with transaction(db):
        schedule_id = db["schedules"].insert({
            "fiscal_year": year, "title": title or f"{year}年度 自己点検", "open_date": f"{year}-05-01",
            "due_date": due_date or f"{year}-07-31", "target_mode": "picked", "status": "open",
            "created_at": STAMP}).last_pk
        db["schedule_versions"].insert({"schedule_id": schedule_id, "version_id": version_id})
    return schedule_id


def sheet(db, schedule_id: int, code: str, version_id: int, status: str, *, due_override: str | None = None) -> int:
    dept = department(db, code)
    with transaction(db):
        db["schedule_departments"].insert({"schedule_id": schedule_id, "department_id": dept,
                                           "due_date": due_override}, replace=True)
        return db["sheets"].insert({
            "schedule_id": schedule_id, "department_id": dept, "version_id": version_id, "status": status,
            "status_revision": 0, "created_at": STAMP, "updated_at": STAMP}).last_pk


def answers(db, sheet_id: int, pks: dict[str, int], categories: dict[str, str], *, detail: str = "") -> None:
    """categories: item_id -> 実施 / 課題あり / 未実施 / 該当しない, or 'auto' for an automatic 該当しない."""
    with transaction(db):
        for item_id, category in categories.items():
            auto = category == "auto"
            category = NOT_APPLICABLE if auto else category_key(category)
            db["answers"].insert({
                "sheet_id": sheet_id, "item_pk": pks[item_id], "item_id": item_id,
                "value": None if auto else VALUE_OF[category], "category": category,
                "detail": detail or None, "na_reason": "プロファイルにより対象外" if auto else None,
                "auto_na": 1 if auto else 0, "revision": 1, "updated_at": STAMP})


YEAR = 2021  # 令和３年度: a 年度 the demo municipality does not use (it has 令和６・７年度)


def load_standard(db, *, year: int = YEAR, with_previous_year: bool = True) -> dict:
    """The hand-computed fixture (年度 `year` and `year - 1`; below with the default 2021 / 2020).

    年度 2021 (checklist version 2, due 2021-07-31):
      shimin  承認済  T-01-01 実施, T-01-02 実施, T-02-01 課題あり, T-02-02 該当しない(自動)
      hoken   提出済  T-01-01 未実施, T-01-02 実施, T-02-01 実施, T-02-02 実施
      kenko   承認済  T-01-01 課題あり, T-01-02 未実施, T-02-01 実施, T-02-02 該当しない
      hoiku   回答中  (due overridden to 2099-03-31: not overdue; answers not counted)
      kosodate 未着手 (overdue)
    → 対象 5課 5票, 提出 3, 承認 2, 期限超過 1
    → cells 実施 6, 課題あり 2, 未実施 2, 該当しない 2: 実施率 6/10 = 60.0%
    → 評点 (重み 高3 中2 低1; 課題あり 0.5): shimin 6/7 = 85.7, hoken 5/8 = 62.5, kenko 3.5/7 = 50.0,
       overall 14.5/22 = 65.9
    → 実施率 per 課: shimin 2/3 = 66.7%, hoken 3/4 = 75.0%, kenko 1/3 = 33.3%
    → sections: T-01 実施3 課題あり1 未実施2 (50.0%), T-02 実施3 課題あり1 該当しない2 (75.0%)
    → weakest: T-01-01 (2: 未実施1 課題あり1), T-01-02 (1, 未実施), T-02-01 (1, 課題あり)
    年度 2020 (checklist version 1):
      shimin  承認済  T-01-01 未実施, T-01-02 実施, T-02-01 未実施, T-02-02 該当しない(自動)
      hoken   承認済  T-01-01 未実施, T-01-02 実施, T-02-01 実施, T-02-02 該当しない
    → 2020 実施率 3/6 = 50.0%
    → like for like: shimin 3 pairs 1→2 (33.3% → 66.7%, +33.3), hoken 3 pairs 2→2 (±0.0),
       overall 6 pairs 3→4 (50.0% → 66.7%, +16.7); item T-01-01 0% → 50% (+50.0, 1 improved)
    """
    ids: dict = {}
    if with_previous_year:
        v1, pks1 = checklist(db, 1)
        previous = schedule(db, year - 1, v1)
        ids["previous_shimin"] = sh = sheet(db, previous, "shimin", v1, "approved")
        answers(db, sh, pks1, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "未実施", "T-02-02": "auto"})
        ids["previous_hoken"] = sh = sheet(db, previous, "hoken", v1, "approved")
        answers(db, sh, pks1, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "実施", "T-02-02": "該当しない"})
    v2, pks = checklist(db, 2)
    ids["pks"] = pks
    current = ids["schedule"] = schedule(db, year, v2)
    ids["shimin"] = sh = sheet(db, current, "shimin", v2, "approved")
    answers(db, sh, pks, {"T-01-01": "実施", "T-01-02": "実施", "T-02-01": "課題あり", "T-02-02": "auto"},
            detail="=HYPERLINK(\"http://example.com\")")
    ids["hoken"] = sh = sheet(db, current, "hoken", v2, "submitted")
    answers(db, sh, pks, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "実施", "T-02-02": "実施"})
    ids["kenko"] = sh = sheet(db, current, "kenko", v2, "approved")
    answers(db, sh, pks, {"T-01-01": "課題あり", "T-01-02": "未実施", "T-02-01": "実施", "T-02-02": "該当しない"})
    ids["hoiku"] = sh = sheet(db, current, "hoiku", v2, "answering", due_override="2099-03-31")
    answers(db, sh, pks, {"T-01-01": "未実施", "T-01-02": "未実施"})
    ids["kosodate"] = sheet(db, current, "kosodate", v2, "not_started")
    return ids


def audit(db, year: int, code: str, *, status: str = "issued", started_at: str | None = None,
          conclusion: str = "", fact_check_sent: bool = True, theme: str = "公用申請と操作ログの確認") -> int:
    """An audit of the 課 `code` ("a+b": a joint audit of several 課, in that order)."""
    with transaction(db):
        audit_id = db["audits"].insert({
            "fiscal_year": year, "theme": theme,
            "selection_reason": "自己点検の結果", "started_at": started_at, "ended_at": None,
            "conclusion": conclusion, "status": status, "version": 1, "revision": 0,
            "fact_check_sent_at": STAMP if fact_check_sent else None, "created_at": STAMP}).last_pk
        for position, one in enumerate(code.split("+"), start=1):
            db["audit_departments"].insert({"audit_id": audit_id, "department_id": department(db, one),
                                            "position": position})
        return audit_id


def audit_check(db, audit_id: int, item_pk: int, item_id: str, result: str, code: str | None = None) -> int:
    """A 確認結果 at the audit's 課 `code` (default: its first 課)."""
    dept = department(db, code) if code else db.execute(
        "SELECT department_id FROM audit_departments WHERE audit_id = ? ORDER BY position", [audit_id]).fetchone()[0]
    with transaction(db):
        return db["audit_checks"].insert({"audit_id": audit_id, "department_id": dept, "item_pk": item_pk,
                                          "item_id": item_id, "result": result, "revision": 0,
                                          "position": item_pk}).last_pk


def finding(db, audit_id: int, code: str, title: str, *, status: str = "open", severity: str = "高",
            action_due: str | None = None, action_status: str = "open", closed_at: str | None = None) -> int:
    """A finding and (when action_due is given) its corrective action."""
    dept = department(db, code)
    issued = db.execute("SELECT status = 'issued' FROM audits WHERE id = ?", [audit_id]).fetchone()[0]
    with transaction(db):
        finding_id = db["audit_findings"].insert({
            "audit_id": audit_id, "department_id": dept, "title": title, "severity": severity_key(severity),
            "request_kind": REQUEST_IMPROVEMENT, "request": "改善されたい。", "status": status,
            "issued_version": 1 if issued else None,        # as workflow.issue marks it
            "created_at": STAMP}).last_pk
        if action_due:
            db["corrective_actions"].insert({
                "finding_id": finding_id, "department_id": dept, "due_date": action_due, "status": action_status,
                "closed_at": closed_at, "created_at": STAMP, "revision": 0})
    return finding_id


CONCLUSION = "監査対象課における保有個人情報を取り扱う事務については、概ね適正であると判断する。以下にその理由を記載する。"


def load_audits(db, ids: dict, *, year: int = YEAR) -> dict:
    """Audits of the fixture (after load_standard).

    kenko 年度 2021: 発行済, checks 適正 2 / 要改善 1, findings: 「操作ログの確認記録がない」 (open, action due
      {year+1}-01-31: overdue), 「研修の未受講者がいる」 (closed {year}-12-20), one withdrawn (not counted)
    hoken 年度 2021: 実施中, not yet sent for 事実確認 (its 課 does not see it), no findings
    hoken 年度 2020: a finding 「委託先の確認が未実施」 whose action is still open (due 2099-12-31)
    → 監査 2件; 指摘事項（当年度）2; 対応中 2 (期限超過 1); 当年度中に完了 1
    """
    pks = ids["pks"]
    kenko = audit(db, year, "kenko", started_at=f"{year}-11-10T14:00:00+09:00", conclusion=CONCLUSION)
    audit_check(db, kenko, pks["T-01-01"], "T-01-01", RESULT_PROPER)
    audit_check(db, kenko, pks["T-01-02"], "T-01-02", RESULT_PROPER)
    audit_check(db, kenko, pks["T-02-01"], "T-02-01", RESULT_NEEDS_IMPROVEMENT)
    finding(db, kenko, "kenko", "操作ログの確認記録がない", action_due=f"{year + 1}-01-31")
    finding(db, kenko, "kenko", "研修の未受講者がいる", status="closed", severity="中",
            action_due=f"{year}-12-31", action_status="closed", closed_at=f"{year}-12-20T10:00:00+09:00")
    finding(db, kenko, "kenko", "取り下げた指摘", status="withdrawn", action_due=f"{year}-12-31")
    hoken = audit(db, year, "hoken", status="fieldwork", started_at=f"{year}-12-01T10:00:00+09:00",
                  fact_check_sent=False)
    old = audit(db, year - 1, "hoken", started_at=f"{year - 1}-10-01T10:00:00+09:00", conclusion=CONCLUSION)
    finding(db, old, "hoken", "委託先の確認が未実施", action_due="2099-12-31")
    return {"kenko_audit": kenko, "hoken_audit": hoken, "old_audit": old}


def load_large_city(db, *, departments: int = 500, year: int = YEAR, checklists=("general", "operations"),
                    seed: int = 7) -> None:
    """A large city for the speed test: `departments` 課 in 20 部, every one with a sheet per checklist in `year`
    and `year - 1` (submitted or approved), answered at random (fixed seed): about 120 answers per 課 and 年度."""
    import random

    rng = random.Random(seed)
    versions = {row[0]: row[1] for row in db.execute(
        "SELECT checklist_id, max(id) FROM checklist_versions WHERE checklist_id IN (%s) GROUP BY checklist_id"
        % ",".join("?" * len(checklists)), list(checklists))}
    items = {cl: db.execute("SELECT id, item_id FROM checklist_items WHERE version_id = ?", [vid]).fetchall()
             for cl, vid in versions.items()}
    categories = [DONE] * 80 + [PARTIAL] * 10 + [NOT_DONE] * 5 + [NOT_APPLICABLE] * 5
    with transaction(db):
        bureau_ids = [db["bureaus"].insert({"code": f"big{b:02d}", "name": f"第{b + 1}部", "sort_order": 100 + b}).last_pk
                      for b in range(20)]
        dept_ids = [db["departments"].insert({"code": f"big{d:03d}", "name": f"第{d + 1}課",
                                               "bureau_id": bureau_ids[d % 20], "sort_order": d, "active": 1,
                                               "created_at": STAMP}).last_pk for d in range(departments)]
        db.conn.executemany("INSERT INTO department_tags (department_id, tag) VALUES (?, 'counter')",
                       [(d,) for d in dept_ids[::3]])
        for y in (year - 1, year):
            schedule_id = db["schedules"].insert({
                "fiscal_year": y, "title": f"{y}年度 自己点検", "open_date": f"{y}-05-01", "due_date": f"{y}-07-31",
                "target_mode": "all", "status": "open", "created_at": STAMP}).last_pk
            for checklist_id, version_id in versions.items():
                db.execute("INSERT INTO schedule_versions VALUES (?, ?)", [schedule_id, version_id])
            answer_rows = []
            for dept in dept_ids:
                for checklist_id, version_id in versions.items():
                    status = "approved" if rng.random() < 0.7 else "submitted"
                    sheet_id = db.execute(
                        "INSERT INTO sheets (schedule_id, department_id, version_id, status, status_revision, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
                        [schedule_id, dept, version_id, status, STAMP, STAMP]).lastrowid
                    for item_pk, item_id in items[checklist_id]:
                        category = rng.choice(categories)
                        answer_rows.append((sheet_id, item_pk, item_id, VALUE_OF[category], category, STAMP))
            db.conn.executemany(
                "INSERT INTO answers (sheet_id, item_pk, item_id, value, category, auto_na, revision, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 0, 1, ?)", answer_rows)
