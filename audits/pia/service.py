"""The register of 特定個人情報保護評価書 per 課: validation, saving (logged, overwrite-protected), lists."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_login import current_user
from sqlite_utils import Database

from ..access import can_maintain_assessments, can_read_department, deny
from ..activity import service as activity
from ..db import get_db, transaction
from ..revisions import UNCHECKED, is_current
from ..timeutil import now_iso
from .values import KIND_LABELS

NAME_MAX = 200
ACTION_LABELS = {
    "pia.create": "特定個人情報保護評価書の登録",
    "pia.update": "特定個人情報保護評価書の変更",
    "pia.report_export": "評価書ごとの点検結果の出力",
}


def init_app(app) -> None:
    activity.register_action_labels(app, ACTION_LABELS)


class AssessmentError(ValueError):
    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


class AssessmentConflict(AssessmentError):
    """Someone saved the 評価書 after the form was loaded."""


@dataclass(frozen=True)
class AssessmentInput:
    name: str
    kind: str
    published_on: str = ""
    active: bool = True


def _validate(db: Database, department_id: int, data: AssessmentInput, assessment_id: int | None) -> list[str]:
    errors = []
    name = data.name.strip()
    if not name:
        errors.append("事務の名称を入力してください。")
    elif len(name) > NAME_MAX:
        errors.append(f"事務の名称は{NAME_MAX}文字以内で入力してください。")
    elif db.execute("SELECT 1 FROM pia_assessments WHERE department_id = ? AND name = ? AND id IS NOT ?",
                    [department_id, name, assessment_id]).fetchone():
        errors.append(f"「{name}」の評価書は既に登録されています。")
    if data.kind not in KIND_LABELS:
        errors.append("評価の種類（全項目評価・重点項目評価・基礎項目評価）を選んでください。")
    if data.published_on:
        try:
            date.fromisoformat(data.published_on)
        except ValueError:
            errors.append("公表日は日付（例: 2025-04-01）で入力してください。")
    return errors


def _row(data: AssessmentInput) -> dict:
    return {"name": data.name.strip(), "kind": data.kind, "published_on": data.published_on or None,
            "active": 1 if data.active else 0}


def create_assessment(db: Database, department_id: int, data: AssessmentInput, *, user) -> int:
    """Register a 評価書; an open 点検計画 of the 課 gets its pia sheet at once (schedules.service)."""
    from ..schedules import service as schedules

    with transaction(db):
        if errors := _validate(db, department_id, data, None):
            raise AssessmentError(errors)
        stamp = now_iso()
        assessment_id = db["pia_assessments"].insert({
            "department_id": department_id, **_row(data), "revision": 0, "created_at": stamp,
            "created_by": user.id, "updated_at": stamp, "updated_by": user.id}).last_pk
        sheets = schedules.create_assessment_sheets(db, assessment_id) if data.active else 0
        activity.record(db, "pia.create", department_code=_department_code(db, department_id),
                        object_type="pia_assessment", object_id=assessment_id,
                        detail={**_logged(_row(data)), "sheets": sheets})
    return assessment_id


def update_assessment(db: Database, assessment_id: int, data: AssessmentInput, *, user,
                      expected_revision=UNCHECKED) -> None:
    """Change a 評価書 if nobody saved it since the form was loaded (the sheets already made keep their answers)."""
    from ..schedules import service as schedules

    with transaction(db):
        current = load_assessment(db, assessment_id)
        if not is_current(current["revision"], expected_revision):
            raise AssessmentConflict("他の利用者がこの評価書を変更しました。画面を更新して確認してください。")
        if errors := _validate(db, current["department_id"], data, assessment_id):
            raise AssessmentError(errors)
        db.execute("UPDATE pia_assessments SET name = :name, kind = :kind, published_on = :published_on, "
                   "active = :active, revision = revision + 1, updated_at = :at, updated_by = :by WHERE id = :id",
                   {**_row(data), "at": now_iso(), "by": user.id, "id": assessment_id})
        sheets = schedules.create_assessment_sheets(db, assessment_id) if data.active else 0
        before = {k: current[k] for k in ("name", "kind", "published_on", "active")}
        activity.record(db, "pia.update", department_code=current["department_code"],
                        object_type="pia_assessment", object_id=assessment_id,
                        detail={"before": _logged(before), "after": _logged(_row(data)), "sheets": sheets})


def _logged(row: dict) -> dict:
    """The fields as the log keeps them: the kind under its own key (the log's 「kind」 is an incident's kind)."""
    logged = dict(row)
    logged["assessment_kind"] = logged.pop("kind")
    return logged


def _department_code(db: Database, department_id: int) -> str:
    return db.execute("SELECT code FROM departments WHERE id = ?", [department_id]).fetchone()[0]


ASSESSMENT_QUERY = """
    SELECT a.*, d.code AS department_code, d.name AS department_name, b.name AS bureau_name
    FROM pia_assessments a JOIN departments d ON d.id = a.department_id JOIN bureaus b ON b.id = d.bureau_id
"""


def load_assessment(db: Database, assessment_id: int) -> dict | None:
    return next(db.query(ASSESSMENT_QUERY + " WHERE a.id = ?", [assessment_id]), None)


def department_assessments(db: Database, department_id: int, *, active_only: bool = False) -> list[dict]:
    where = " AND a.active = 1" if active_only else ""
    return list(db.query(ASSESSMENT_QUERY + f" WHERE a.department_id = ?{where} ORDER BY a.active DESC, a.id",
                         [department_id]))


def get_assessment(assessment_id: int, *, for_edit: bool = False) -> dict:
    """Load a 評価書 for the current user: readable with its 課, changed by those who maintain its register."""
    row = load_assessment(get_db(), assessment_id)
    if row is None:
        abort(404)
    allowed = (can_maintain_assessments if for_edit else can_read_department)(current_user, row["department_id"])
    if not allowed:
        deny(f"特定個人情報保護評価書（番号 {assessment_id}）を{'変更' if for_edit else '閲覧'}する権限がありません", row["department_code"])
    return row
