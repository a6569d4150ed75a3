"""Fixture builder for the aggregated report: inserts a tiny checklist, schedules, sheets and answers
directly (following audits/sheets/schema.py), so that every number of the report is known by hand.

`load_standard(db)` builds the fixture the tests compute by hand; see its docstring for the numbers.
"""
from __future__ import annotations

import json

from audits.db import transaction

CHECKLIST_ID = "tcheck"
CHECKLIST_TITLE = "テスト点検票"
# (item_id, section_id, section_title, severity, sources, question)
ITEMS = [
    ("T-01-01", "T-01", "管理体制", "高", ["GUIDE 4-8-2"], "保護担当者を文書で指名していますか。"),
    ("T-01-02", "T-01", "管理体制", "中", ["GUIDE 4-8-3"], "全職員が研修を受講していますか。"),
    ("T-02-01", "T-02", "システム", "中", ["GUIDE 4-8-6(3)", "CASE tokorozawa-juki"], "操作ログを毎月確認していますか。"),
    ("T-02-02", "T-02", "システム", "低", ["MYNUM 別添1 2-C-b"], "端末の盗難防止措置をとっていますか。"),
]
VALUE_OF = {"実施": "done", "課題あり": "partial", "未実施": "not_done", "該当しない": "na"}
STAMP = "2025-06-01T10:00:00+09:00"


def department(db, code: str) -> int:
    return db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()[0]


def checklist(db, version: int = 1, *, checklist_id: str = CHECKLIST_ID, title: str = CHECKLIST_TITLE,
              items=ITEMS) -> tuple[int, dict[str, int]]:
    """A checklist version with `items`; returns (version_id, {item_id: item_pk})."""
    with transaction(db):
        if not db.execute("SELECT 1 FROM checklists WHERE id = ?", [checklist_id]).fetchone():
            db["checklists"].insert({"id": checklist_id, "title": title, "origin": "custom", "created_at": STAMP})
        version_id = db["checklist_versions"].insert({
            "checklist_id": checklist_id, "version": version, "title": title, "description": "", "prefix": "T",
            "tags": "[]", "content_hash": f"{checklist_id}-{version}", "data": "{}", "source": "test",
            "created_at": STAMP}).last_pk
        pks = {}
        for position, (item_id, section_id, section_title, severity, sources, question) in enumerate(items, 1):
            pks[item_id] = db["checklist_items"].insert({
                "version_id": version_id, "item_id": item_id, "section_id": section_id,
                "section_title": section_title, "position": position, "question": question, "guidance": "",
                "evidence_hint": "", "evidence_required": 0, "scale": "implementation", "severity": severity,
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
            db["answers"].insert({
                "sheet_id": sheet_id, "item_pk": pks[item_id], "item_id": item_id,
                "value": None if auto else VALUE_OF[category], "category": "該当しない" if auto else category,
                "detail": detail or None, "na_reason": "プロファイルにより対象外" if auto else None,
                "auto_na": 1 if auto else 0, "revision": 1, "updated_at": STAMP})


def load_standard(db, *, with_previous_year: bool = True) -> dict:
    """The hand-computed fixture.

    年度 2025 (checklist version 2, due 2025-07-31):
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
    年度 2024 (checklist version 1):
      shimin  承認済  T-01-01 未実施, T-01-02 実施, T-02-01 未実施, T-02-02 該当しない(自動)
      hoken   承認済  T-01-01 未実施, T-01-02 実施, T-02-01 実施, T-02-02 該当しない
    → 2024 実施率 3/6 = 50.0%
    → like for like: shimin 3 pairs 1→2 (33.3% → 66.7%, +33.3), hoken 3 pairs 2→2 (±0.0),
       overall 6 pairs 3→4 (50.0% → 66.7%, +16.7); item T-01-01 0% → 50% (+50.0, 1 improved)
    """
    ids: dict = {}
    if with_previous_year:
        v1, pks1 = checklist(db, 1)
        s2024 = schedule(db, 2024, v1, due_date="2024-07-31")
        ids["2024_shimin"] = sh = sheet(db, s2024, "shimin", v1, "approved")
        answers(db, sh, pks1, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "未実施", "T-02-02": "auto"})
        ids["2024_hoken"] = sh = sheet(db, s2024, "hoken", v1, "approved")
        answers(db, sh, pks1, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "実施", "T-02-02": "該当しない"})
    v2, pks = checklist(db, 2)
    ids["pks"] = pks
    s2025 = ids["schedule"] = schedule(db, 2025, v2, due_date="2025-07-31")
    ids["shimin"] = sh = sheet(db, s2025, "shimin", v2, "approved")
    answers(db, sh, pks, {"T-01-01": "実施", "T-01-02": "実施", "T-02-01": "課題あり", "T-02-02": "auto"},
            detail="=HYPERLINK(\"http://example.com\")")
    ids["hoken"] = sh = sheet(db, s2025, "hoken", v2, "submitted")
    answers(db, sh, pks, {"T-01-01": "未実施", "T-01-02": "実施", "T-02-01": "実施", "T-02-02": "実施"})
    ids["kenko"] = sh = sheet(db, s2025, "kenko", v2, "approved")
    answers(db, sh, pks, {"T-01-01": "課題あり", "T-01-02": "未実施", "T-02-01": "実施", "T-02-02": "該当しない"})
    ids["hoiku"] = sh = sheet(db, s2025, "hoiku", v2, "answering", due_override="2099-03-31")
    answers(db, sh, pks, {"T-01-01": "未実施", "T-01-02": "未実施"})
    ids["kosodate"] = sheet(db, s2025, "kosodate", v2, "not_started")
    return ids
