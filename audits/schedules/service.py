"""点検計画 (schedules): which checklists which 課 answer in a 年度, by when; opening one creates the sheets."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from ..activity import service as activity
from ..catalogue import service as catalogue
from ..db import transaction
from ..departments import service as departments
from ..summary.scoring import NOT_APPLICABLE
from ..pia import service as pia
from ..pia.values import PIA_CHECKLIST_ID
from ..timeutil import now, now_iso
from ..wareki import era_year, fiscal_year_of, nendo

TARGET_MODES = {"all": "全ての課", "tag": "プロファイルで指定", "picked": "課を個別に指定"}
STATUS_LABELS = {"draft": "準備中", "open": "実施中", "closed": "終了"}


class ScheduleError(ValueError):
    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


def current_fiscal_year() -> int:
    return fiscal_year_of(now().date())


@dataclass(frozen=True)
class ScheduleInput:
    fiscal_year: int
    title: str
    open_date: str
    due_date: str
    version_ids: list[int]
    target_mode: str = "all"
    target_tag: str = ""
    department_ids: list[int] = ()


def _validate(db: Database, data: ScheduleInput) -> list[str]:
    errors = []
    if not data.title.strip():
        errors.append("点検計画の名称を入力してください。")
    if not data.version_ids:
        errors.append("チェックリストを1つ以上選んでください。")
    try:
        opened, due = date.fromisoformat(data.open_date), date.fromisoformat(data.due_date)
        if due < opened:
            errors.append("回答期限は開始日以降の日付にしてください。")
    except (TypeError, ValueError):
        errors.append("開始日と回答期限を日付で入力してください。")
    if data.target_mode not in TARGET_MODES:
        errors.append("対象課の指定方法が不正です。")
    if data.target_mode == "tag" and data.target_tag not in departments.profile_tags():
        errors.append("対象とするプロファイルを選んでください。")
    if data.target_mode == "picked" and not data.department_ids:
        errors.append("対象の課を1つ以上選んでください。")
    return errors


def target_department_ids(db: Database, mode: str, tag: str, picked) -> list[int]:
    if mode == "all":
        return [r[0] for r in db.execute("SELECT id FROM departments WHERE active = 1 ORDER BY sort_order")]
    if mode == "tag":
        return [r[0] for r in db.execute(
            "SELECT d.id FROM departments d JOIN department_tags t ON t.department_id = d.id "
            "WHERE d.active = 1 AND t.tag = ? ORDER BY d.sort_order", [tag])]
    return sorted(set(int(i) for i in picked))


def create_schedule(db: Database, data: ScheduleInput, *, user_id: int | None = None,
                    copied_from_id: int | None = None) -> int:
    if errors := _validate(db, data):
        raise ScheduleError(errors)
    with transaction(db):
        stamp = now_iso()
        schedule_id = db["schedules"].insert({
            "fiscal_year": data.fiscal_year, "title": data.title.strip(), "open_date": data.open_date,
            "due_date": data.due_date, "target_mode": data.target_mode, "target_tag": data.target_tag or None,
            "status": "draft", "copied_from_id": copied_from_id, "created_at": stamp, "created_by": user_id,
            "updated_at": stamp}).last_pk
        db["schedule_versions"].insert_all({"schedule_id": schedule_id, "version_id": v} for v in data.version_ids)
        targets = target_department_ids(db, data.target_mode, data.target_tag, data.department_ids)
        db["schedule_departments"].insert_all({"schedule_id": schedule_id, "department_id": d} for d in targets)
        activity.record(db, "schedule.create", object_type="schedule", object_id=schedule_id,
                        detail={"fiscal_year": data.fiscal_year, "title": data.title, "versions": data.version_ids,
                                "departments": len(targets), "copied_from": copied_from_id})
    return schedule_id


def get_schedule(db: Database, schedule_id: int) -> dict | None:
    row = next(db.query("SELECT * FROM schedules WHERE id = ?", [schedule_id]), None)
    if row:
        row["versions"] = list(db.query(
            """SELECT v.id, v.checklist_id, v.version, v.title, v.tags FROM schedule_versions sv
               JOIN checklist_versions v ON v.id = sv.version_id WHERE sv.schedule_id = ? ORDER BY v.checklist_id""",
            [schedule_id]))
    return row


def list_schedules(db: Database) -> list[dict]:
    return list(db.query(
        """SELECT s.*,
             (SELECT count(*) FROM schedule_departments x WHERE x.schedule_id = s.id) AS department_count,
             (SELECT count(*) FROM sheets h WHERE h.schedule_id = s.id AND h.removed_at IS NULL) AS sheet_count,
             (SELECT count(*) FROM sheets h WHERE h.schedule_id = s.id AND h.removed_at IS NULL
                AND h.status = 'approved') AS approved_count
           FROM schedules s ORDER BY s.fiscal_year DESC, s.id DESC"""))


def _version_applies(db: Database, version: dict, department_id: int) -> bool:
    """A checklist whose own tags the 課 lacks (e.g. マイナンバー) gets no sheet at all."""
    needed = set(json.loads(version["tags"] or "[]"))
    return needed <= set(departments.department_tags(db, department_id))


def _create_sheet(db: Database, schedule_id: int, department_id: int, version_id: int,
                  assessment_id: int | None = None) -> int | None:
    existing = db.execute("SELECT id, removed_at FROM sheets WHERE schedule_id = ? AND department_id = ? "
                          "AND version_id = ? AND assessment_id IS ?",
                          [schedule_id, department_id, version_id, assessment_id]).fetchone()
    if existing:
        if existing[1]:  # re-adding a removed 課 brings its sheet (and answers) back
            db["sheets"].update(existing[0], {"removed_at": None, "removed_by": None, "updated_at": now_iso()})
            return existing[0]
        return None
    stamp = now_iso()
    sheet_id = db["sheets"].insert({
        "schedule_id": schedule_id, "department_id": department_id, "version_id": version_id,
        "status": "not_started", "status_revision": 0, "created_at": stamp, "updated_at": stamp,
        "assessment_id": assessment_id}).last_pk
    reasons = catalogue.applicability(db, version_id, departments.department_tags(db, department_id))
    items = db.execute("SELECT id, item_id FROM checklist_items WHERE version_id = ?", [version_id]).fetchall()
    db["answers"].insert_all({
        "sheet_id": sheet_id, "item_pk": pk, "item_id": item_id, "category": NOT_APPLICABLE,
        "na_reason": reasons[item_id], "auto_na": 1, "revision": 0, "updated_at": stamp,
    } for pk, item_id in items if reasons.get(item_id))
    return sheet_id


def _sheet_assessments(db: Database, version: dict, department_id: int) -> list[int | None]:
    """The sheets a 課 answers for a checklist: one, or for the pia checklist one per active 評価書
    (a 課 with none registered yet gets one sheet without a 評価書, as before the register existed)."""
    if version["checklist_id"] != PIA_CHECKLIST_ID:
        return [None]
    return [a["id"] for a in pia.department_assessments(db, department_id, active_only=True)] or [None]


def _create_sheets_for(db: Database, schedule: dict, department_id: int) -> int:
    created = 0
    for version in schedule["versions"]:
        if not _version_applies(db, version, department_id):
            continue
        for assessment_id in _sheet_assessments(db, version, department_id):
            if _create_sheet(db, schedule["id"], department_id, version["id"], assessment_id):
                created += 1
    return created


def _adopt_unassigned_sheet(db: Database, schedule_id: int, department_id: int, version_id: int,
                            assessment_id: int) -> bool:
    """The pia sheet a 課 got before it registered any 評価書 becomes the sheet of its first one (answers kept)."""
    return db.execute("UPDATE sheets SET assessment_id = ?, updated_at = ? WHERE schedule_id = ? AND department_id = ? "
                      "AND version_id = ? AND assessment_id IS NULL AND removed_at IS NULL",
                      [assessment_id, now_iso(), schedule_id, department_id, version_id]).rowcount > 0


def create_assessment_sheets(db: Database, assessment_id: int) -> int:
    """A 評価書 registered (or made active) while a 点検 is under way gets its pia sheet in each open 点検計画
    that targets its 課. Called inside the caller's transaction. Returns the number of sheets created or adopted."""
    department_id = db.execute("SELECT department_id FROM pia_assessments WHERE id = ?", [assessment_id]).fetchone()[0]
    created = 0
    for (schedule_id,) in db.execute(
            """SELECT s.id FROM schedules s JOIN schedule_departments sd ON sd.schedule_id = s.id
               WHERE s.status = 'open' AND sd.department_id = ? ORDER BY s.id""", [department_id]).fetchall():
        for version in get_schedule(db, schedule_id)["versions"]:
            if version["checklist_id"] != PIA_CHECKLIST_ID or not _version_applies(db, version, department_id):
                continue
            if _adopt_unassigned_sheet(db, schedule_id, department_id, version["id"], assessment_id) or \
                    _create_sheet(db, schedule_id, department_id, version["id"], assessment_id):
                created += 1
    return created


def open_schedule(db: Database, schedule_id: int) -> int:
    """Start the 点検: one sheet per target 課 and checklist. Returns the number of sheets created."""
    with transaction(db):
        schedule = get_schedule(db, schedule_id)
        if schedule["status"] != "draft":
            raise ScheduleError("この点検計画は既に開始しています。")
        created = 0
        for (department_id,) in db.execute("SELECT department_id FROM schedule_departments WHERE schedule_id = ?",
                                           [schedule_id]).fetchall():
            created += _create_sheets_for(db, schedule, department_id)
        db["schedules"].update(schedule_id, {"status": "open", "updated_at": now_iso()})
        activity.record(db, "schedule.open", object_type="schedule", object_id=schedule_id,
                        detail={"sheets": created})
    return created


def close_schedule(db: Database, schedule_id: int) -> None:
    """End an open 点検 (the status is checked by the UPDATE itself, under the write lock)."""
    with transaction(db):
        closed = db.execute("UPDATE schedules SET status = 'closed', updated_at = ? WHERE id = ? AND status = 'open'",
                            [now_iso(), schedule_id]).rowcount
        if closed != 1:
            raise ScheduleError("この点検計画は開始前か、既に終了しています。")
        activity.record(db, "schedule.close", object_type="schedule", object_id=schedule_id)


def add_department(db: Database, schedule_id: int, department_id: int, due_date: str | None = None) -> int:
    """Add a 課 to a schedule; if the schedule is open its sheets are created at once."""
    with transaction(db):
        schedule = get_schedule(db, schedule_id)
        db["schedule_departments"].upsert({"schedule_id": schedule_id, "department_id": department_id,
                                           "due_date": due_date or None}, pk=("schedule_id", "department_id"))
        created = _create_sheets_for(db, schedule, department_id) if schedule["status"] == "open" else 0
        activity.record(db, "schedule.add_department", department_code=departments.department_code(db, department_id),
                        object_type="schedule", object_id=schedule_id, detail={"sheets": created})
    return created


def answered_count(db: Database, schedule_id: int, department_id: int) -> int:
    return db.execute(
        """SELECT count(*) FROM answers a JOIN sheets s ON s.id = a.sheet_id
           WHERE s.schedule_id = ? AND s.department_id = ? AND a.auto_na = 0 AND a.value IS NOT NULL""",
        [schedule_id, department_id]).fetchone()[0]


def remove_department(db: Database, schedule_id: int, department_id: int, *, confirmed: bool, user) -> None:
    """Take a 課 out of a schedule. Sheets with answers need `confirmed`; they are set aside, not deleted."""
    with transaction(db):
        answered = answered_count(db, schedule_id, department_id)
        if answered and not confirmed:
            raise ScheduleError(f"この課の点検票には回答が {answered} 件あります。対象から外すには確認欄にチェックしてください"
                                "（回答は削除されず、記録として残ります）。")
        stamp = now_iso()
        db.execute("UPDATE sheets SET removed_at = ?, removed_by = ? WHERE schedule_id = ? AND department_id = ? "
                   "AND removed_at IS NULL", [stamp, user.id, schedule_id, department_id])
        db.execute("DELETE FROM schedule_departments WHERE schedule_id = ? AND department_id = ?",
                   [schedule_id, department_id])
        activity.record(db, "schedule.remove_department", department_code=departments.department_code(db, department_id),
                        object_type="schedule", object_id=schedule_id, detail={"answered": answered})


def set_due_override(db: Database, schedule_id: int, department_id: int, due_date: str | None) -> None:
    if due_date:
        date.fromisoformat(due_date)
    with transaction(db):
        db.execute("UPDATE schedule_departments SET due_date = ? WHERE schedule_id = ? AND department_id = ?",
                   [due_date or None, schedule_id, department_id])
        activity.record(db, "schedule.due_override", department_code=departments.department_code(db, department_id),
                        object_type="schedule", object_id=schedule_id, detail={"due_date": due_date})


def _next_year(iso: str) -> str:
    day = date.fromisoformat(iso)
    try:
        return day.replace(year=day.year + 1).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28).isoformat()


def _next_year_title(title: str, fiscal_year: int) -> str:
    """「令和6年度 …」→「令和7年度 …」, 「2024年度 …」→「2025年度 …」; else the year is appended."""
    era, year = era_year(date(fiscal_year, 12, 31))
    next_era, next_year = era_year(date(fiscal_year + 1, 12, 31))
    for old, new in ((f"{era}{year}年度", f"{next_era}{next_year}年度"),
                     (nendo(fiscal_year), nendo(fiscal_year + 1)),
                     (f"{fiscal_year}年度", f"{fiscal_year + 1}年度")):
        if old in title:
            return title.replace(old, new)
    return f"{title}（{nendo(fiscal_year + 1)}）"


def copy_to_next_year(db: Database, schedule_id: int, *, user_id: int | None = None) -> int:
    """Next 年度's schedule: same targets and dates a year later, each checklist at its latest version."""
    schedule = get_schedule(db, schedule_id)
    latest = {v["checklist_id"]: v["id"] for v in catalogue.latest_versions(db)}
    version_ids = [latest[v["checklist_id"]] for v in schedule["versions"] if v["checklist_id"] in latest]
    picked = [r[0] for r in db.execute("SELECT department_id FROM schedule_departments WHERE schedule_id = ?",
                                       [schedule_id])]
    title = _next_year_title(schedule["title"], schedule["fiscal_year"])
    return create_schedule(db, ScheduleInput(
        fiscal_year=schedule["fiscal_year"] + 1, title=title, open_date=_next_year(schedule["open_date"]),
        due_date=_next_year(schedule["due_date"]), version_ids=version_ids, target_mode=schedule["target_mode"],
        target_tag=schedule["target_tag"] or "", department_ids=picked), user_id=user_id, copied_from_id=schedule_id)


def schedule_departments(db: Database, schedule_id: int) -> list[dict]:
    """Each target 課 with its effective due date and the state of its sheets."""
    return list(db.query(
        """SELECT d.id, d.code, d.name, b.name AS bureau_name, sd.due_date AS due_override,
                  coalesce(sd.due_date, s.due_date) AS due_date,
                  (SELECT count(*) FROM sheets h WHERE h.schedule_id = s.id AND h.department_id = d.id
                     AND h.removed_at IS NULL) AS sheets,
                  (SELECT count(*) FROM sheets h WHERE h.schedule_id = s.id AND h.department_id = d.id
                     AND h.removed_at IS NULL AND h.status = 'approved') AS approved,
                  (SELECT count(*) FROM sheets h WHERE h.schedule_id = s.id AND h.department_id = d.id
                     AND h.removed_at IS NULL AND h.status IN ('submitted', 'approved')) AS submitted
           FROM schedule_departments sd JOIN schedules s ON s.id = sd.schedule_id
           JOIN departments d ON d.id = sd.department_id JOIN bureaus b ON b.id = d.bureau_id
           WHERE sd.schedule_id = ? ORDER BY b.sort_order, d.sort_order""", [schedule_id]))
