"""Demo self-check data: 令和6年度 answered and approved by every 課, 令和7年度 part-way.

Answers go through the same service as the web page (history, categories, status changes);
evidence files are small text files written straight into the upload folder.
"""
from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, timedelta
from pathlib import Path

from sqlite_utils import Database

from .. import private_files
from ..auth.service import load_user
from ..catalogue import service as catalogue
from ..db import transaction
from ..evidence import service as evidence
from ..sheets import service as sheets
from ..summary.scoring import NOT_APPLICABLE
from ..sheets.answers import GAP_CATEGORIES, AnswerInput, evaluate, evidence_owed
from . import service as schedules

CHECKLISTS = ("general", "operations", "outsourcing", "mynumber", "pia")
# 令和7年度: what state each 課 is left in (others: approved). Codes from audits/demo.py.
STATE_2025 = {
    "hoiku": "returned",
    "shimin": "submitted", "hoken": "submitted", "kosodate": "submitted", "shiminzei": "submitted",
    "kenko": "answering", "nozei": "answering", "seikatsu": "answering", "gakumu": "answering",
    "doro": "answering", "jutaku": "answering",
    "sangyo": "not_started", "nosei": "not_started", "kankyo": "not_started",
}
# Answers the demo audit of 健康づくり課 (audits/audit/demo.py) checks on site: the 課 said it does them.
# Honest negatives the demo shows: 資産税課 has never reviewed the 統合宛名システム's search log (所沢市's
# exact failure), says so, and owes an 改善予定 instead of an invented date.
HONEST_NEGATIVES = {("shisanzei", 2025, "S-03-05"): (
    "never", "検索ログはシステムで取得されているが、課としてこれまで一度も確認したことがない。")}
AUDITED_ITEMS = {"S-06-01", "S-06-02", "S-06-03", "G-01-04", "G-04-01", "G-04-03", "G-08-04", "G-04-06"}
RETURN_REASON = ("S-06（FAX）の短縮ダイヤルの点検について、点検日と点検者が記録されていません。"
                 "点検記録簿を添付し、実施内容を具体的に記載してください。")

DETAIL_DONE = [
    "{owner}が{freq}確認し、確認日・確認者を{record}に記録している。",
    "{record}により{freq}実施状況を確認し、保護管理者（課長）が決裁している。",
    "年度当初に手順を課内に周知し、{owner}が{freq}点検している。記録は{record}に保存。",
]
DETAIL_GAP = [
    "{owner}が確認しているが、記録を残していない月がある（{record}に欠落あり）。",
    "手順は定めているが、{freq}の確認が実施できていない。",
]
OWNERS = ["庶務係長", "管理係長", "課長補佐", "担当係長"]
FREQS = ["毎月", "四半期ごとに", "毎週", "年2回"]
RECORDS = ["確認記録簿", "点検チェックシート", "管理台帳", "決裁文書"]


def _user(db: Database, username: str):
    user_id = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]
    return load_user(db, user_id)


def _answer_for(item: dict, rng: random.Random, today: date, department_name: str,
                fixed: str | None = None) -> AnswerInput:
    scale = catalogue.scale(item["scale"])
    words = {"owner": rng.choice(OWNERS), "freq": rng.choice(FREQS), "record": rng.choice(RECORDS)}
    value = ""
    if fixed:
        value = fixed
    elif scale.kind == "choice":
        ids = [o.id for o in scale.options]
        weights = {"done": 82, "partial": 11, "not_done": 5, "na": 2, "special": 18, "sufficient": 72, "issues": 10}
        value = rng.choices(ids, weights=[weights.get(i, 1) for i in ids])[0]
    elif scale.kind == "date":
        value = (today - timedelta(days=rng.choice([7, 12, 20, 28, 33, 45, 70]))).isoformat()
    else:
        expect = item["expect"] or {}
        if "at_least" in expect:
            value = str(rng.choice([100, 100, 100, 96, 88]))
        else:
            value = str(rng.choice([0, 0, 0, 0, 1, 2]))
    answer = AnswerInput(value=value)
    option = scale.option(value)
    category = option.category if option else None
    if category == NOT_APPLICABLE:
        answer.na_reason = f"{department_name}では当該事務を行っていないため。"
        return answer
    category = evaluate(item, value, today=today).category
    template = rng.choice(DETAIL_GAP if category in GAP_CATEGORIES else DETAIL_DONE)
    answer.detail = template.format(**words)
    if category in GAP_CATEGORIES:
        answer.plan_action = f"{words['record']}の様式を見直し、{words['owner']}が{words['freq']}確認・記録する運用を定着させる。"
        answer.plan_due = (today + timedelta(days=rng.choice([60, 90, 120, 180]))).isoformat()
        answer.plan_owner = f"{department_name} {words['owner']}"
    return answer


def _write_evidence(db: Database, upload_folder: Path, *, answer_id: int, sheet: dict, item: dict, user,
                    when: str) -> None:
    name = secrets.token_hex(16)
    body = (f"（デモ用の証跡）{sheet['department_name']} {item['item_id']}\n{item['evidence_hint']}\n"
            f"記録日: {when[:10]}\n").encode("utf-8")
    shard = private_files.make_dir(upload_folder / name[:2])
    private_files.write_bytes(shard / name, body)
    evidence_id = db["evidence"].insert({
        "department_id": sheet["department_id"],
        "sheet_id": sheet["id"], "stored_name": f"{name[:2]}/{name}",
        "original_name": f"{item['item_id']}_{item['evidence_hint'][:20].replace('/', '・')}.txt",
        "content_type": "text/plain", "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
        "note": "デモデータ", "uploaded_by": user.id, "uploaded_by_name": user.display_name, "uploaded_at": when}).last_pk
    evidence.link(db, evidence_id, "answer", answer_id)


def _answer_sheet(db: Database, sheet_id: int, rng: random.Random, today: date, upload_folder: Path | None,
                  fraction: float = 1.0) -> None:
    sheet = sheets.load_sheet(db, sheet_id)
    staff = _user(db, f"{sheet['department_code']}.staff")
    entries = [e for s in sheets.sheet_items(db, sheet) for e in s.items if e.applies]
    audited = sheet["department_code"] == "kenko" and sheet["fiscal_year"] == 2024
    for entry in entries[: int(len(entries) * fraction)]:
        fixed, detail = HONEST_NEGATIVES.get((sheet["department_code"], sheet["fiscal_year"], entry.item["item_id"]),
                                             (None, None))
        if audited and entry.item["item_id"] in AUDITED_ITEMS:
            fixed = "done"
        answer = _answer_for(entry.item, rng, today, sheet["department_name"], fixed)
        answer.detail = detail or answer.detail
        result = sheets.save_answer(db, sheet, entry.item, answer, base_revision=0, user=staff, today=today)
        if upload_folder and evidence_owed(entry.item, result.category):
            _write_evidence(db, upload_folder, answer_id=result.answer_id, sheet=sheet, item=entry.item, user=staff,
                            when=f"{today.isoformat()}T10:00:00+09:00")


def _finish(db: Database, sheet_id: int, state: str) -> None:
    sheet = sheets.load_sheet(db, sheet_id)
    staff = _user(db, f"{sheet['department_code']}.staff")
    manager = _user(db, f"{sheet['department_code']}.manager")
    if state in ("submitted", "approved", "returned"):
        sheets.transition(db, sheet, "submit", staff)
    if state == "approved":
        sheets.transition(db, sheet, "approve", manager)
    if state == "returned":
        sheets.transition(db, sheet, "return", manager, reason=RETURN_REASON)


def _sheets_in_order(db: Database, schedule_id: int) -> list[tuple[int, str, bool]]:
    """(sheet id, 課コード, extra) of a schedule: a 課's second and later 評価書 sheets ("extra") come last and are
    answered from their own random sequence, so the other sheets' demo answers stay what they were before the
    評価書 register existed."""
    return [(r[0], r[1], bool(r[2])) for r in db.execute(
        """SELECT h.id, d.code,
                  h.assessment_id IS NOT NULL AND h.assessment_id > (
                    SELECT min(x.assessment_id) FROM sheets x WHERE x.schedule_id = h.schedule_id
                      AND x.department_id = h.department_id AND x.version_id = h.version_id) AS extra
           FROM sheets h JOIN departments d ON d.id = h.department_id
           WHERE h.schedule_id = ? ORDER BY extra, h.id""", [schedule_id]).fetchall()]


def load(db: Database, upload_folder: str | None = None) -> None:
    """Create the demo schedules once (skipped when a 2024 schedule exists)."""
    if db.execute("SELECT 1 FROM schedules WHERE fiscal_year = 2024").fetchone():
        return
    folder = Path(upload_folder) if upload_folder else None
    from ..pia import demo as pia_demo

    pia_demo.load(db)  # the 評価書 the pia sheets are made for
    latest = {v["checklist_id"]: v["id"] for v in catalogue.latest_versions(db)}
    admin = _user(db, "admin")
    rng = random.Random(2024)
    with transaction(db):
        first = schedules.create_schedule(db, schedules.ScheduleInput(
            fiscal_year=2024, title="令和6年度 個人情報保護・特定個人情報保護 自己点検", open_date="2024-06-03",
            due_date="2024-09-30", version_ids=[latest[c] for c in CHECKLISTS if c in latest]), user_id=admin.id)
        schedules.open_schedule(db, first)
        extra_rng = random.Random(2024 + 1000)
        for sheet_id, _code, extra in _sheets_in_order(db, first):
            _answer_sheet(db, sheet_id, extra_rng if extra else rng, date(2024, 7, 16), folder)
            _finish(db, sheet_id, "approved")
        schedules.close_schedule(db, first)

        second = schedules.copy_to_next_year(db, first, user_id=admin.id)
        schedules.open_schedule(db, second)
        kenko = db.execute("SELECT id FROM departments WHERE code = 'kenko'").fetchone()[0]
        schedules.set_due_override(db, second, kenko, "2025-10-31")
        rng, extra_rng = random.Random(2025), random.Random(2025 + 1000)
        for sheet_id, code, extra in _sheets_in_order(db, second):
            state = STATE_2025.get(code, "approved")
            if state == "not_started":
                continue
            _answer_sheet(db, sheet_id, extra_rng if extra else rng, date(2025, 7, 22), folder,
                          fraction=0.6 if state == "answering" else 1.0)
            if state != "answering":
                _finish(db, sheet_id, state)
