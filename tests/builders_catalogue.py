"""Rows the catalogue tests need from other features, inserted directly following their schema.

A checklist version is "in use" once a sheet points at it (catalogue.service.version_in_use)."""
from __future__ import annotations

from audits.summary.scoring import DONE
from audits.timeutil import now_iso

CITY_YAML = """\
id: city-extra
title: みどり市独自の点検票
description: 窓口とFAXについて、みどり市が独自に確認する項目です。
prefix: C
tags: []
sections:
  - id: C-01
    title: 窓口の確認事項
    items:
      - id: C-01-01
        question: 窓口のカウンターに個人情報を記載した書類を放置していませんか。
        guidance: 離席時は書類を裏返すか引き出しに入れます。
        evidence_hint: 課内の点検記録
        scale: implementation
        severity: 中
        tags: [counter]
        sources: [GUIDE 4-8-5]
      - id: C-01-02
        question: FAXの送付票を複数人で確認していますか。
        guidance: 送信前に2人で確認し、確認者が記名します。
        evidence_hint: 送付票の控え
        scale: implementation
        severity: 高
        tags: [fax]
        sources: [GUIDE 4-8-5, CASE setagaya-fax]
"""


def use_version(db, version_id: int, department_code: str = "shimin") -> int:
    """Create a schedule and one sheet on the version (makes it "in use"); returns the sheet id."""
    department_id = db.execute("SELECT id FROM departments WHERE code = ?", [department_code]).fetchone()[0]
    with db.conn:
        schedule_id = db["schedules"].insert({
            "fiscal_year": 2025, "title": "令和7年度 自己点検", "open_date": "2025-06-01",
            "due_date": "2025-07-31", "target_mode": "all", "status": "open", "created_at": now_iso(),
        }).last_pk
        db["schedule_versions"].insert({"schedule_id": schedule_id, "version_id": version_id})
        sheet_id = db["sheets"].insert({
            "schedule_id": schedule_id, "department_id": department_id, "version_id": version_id,
            "status": "answering", "status_revision": 0, "created_at": now_iso(),
        }).last_pk
    return sheet_id


def answer(db, sheet_id: int, version_id: int, item_id: str, value: str = "done", category: str = DONE) -> int:
    item_pk = db.execute("SELECT id FROM checklist_items WHERE version_id = ? AND item_id = ?",
                         [version_id, item_id]).fetchone()[0]
    with db.conn:
        return db["answers"].insert({
            "sheet_id": sheet_id, "item_pk": item_pk, "item_id": item_id, "value": value, "category": category,
            "revision": 1, "auto_na": 0, "updated_at": now_iso(),
        }).last_pk


def counts(db) -> tuple[int, int, int]:
    """(checklists, versions, items) rows: compare before/after a rejected import."""
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("checklists", "checklist_versions", "checklist_items"))
