"""The incident register's data access and rules: load with access checks, list, create, save with optimistic
locking, 経過 entries, the privacy office's 判定. Every change is logged in the same transaction.

Who may do what (PRODUCT.md roles):
- a 課's 保護管理者・保護担当者 register incidents for their 課, see and edit only incidents of their 課
  (a joint incident is seen by each of its 課);
- the 総括保護管理者 (privacy office) sees and edits all and confirms the 判定; the 監査責任者 reads all;
- the システム管理者 sees none unless it also holds one of those roles.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Mapping

from flask import abort, current_app
from flask_login import current_user
from sqlite_utils import Database

from .. import roles
from ..access import can_act_for_department, can_read_records_of_any, deny, records_department_ids
from ..activity import service as activity
from ..db import Conditions, get_db, transaction
from ..timeutil import now, now_iso
from . import deadlines as dl
from . import judgement

ACTION_LABELS = {
    "incident.create": "漏えい等事案の登録",
    "incident.update": "漏えい等事案の更新",
    "incident.event_add": "事案の経過の追加",
    "incident.judgement": "漏えい等事案の判定の確定",
    "incident.close": "漏えい等事案の完結",
    "incident.report_export": "漏えい等事案の報告の出力",
    "incident.items": "原因となった点検項目の関連付け",
    "audit.incident_link": "監査と漏えい等事案の関連付け",
    "audit.incident_unlink": "監査と漏えい等事案の関連付けの解除",
}


def init_app(app) -> None:
    activity.register_action_labels(app, ACTION_LABELS)


# The columns the edit form writes (the 判定 and the 課 are saved by their own paths).
FIELDS = ("title", "kind", "occurred_on", "discovered_at", "discovery_how", "medium", "persons",
          "persons_estimated", "persons_or_more", "items", "sensitive", "ordinance_sensitive", "mynumber",
          "property_damage", "wrongful_purpose", "summary", "secondary_harm", "cause", "prevention",
          "response_to_persons", "publication", "preliminary_reported_on", "final_reported_on", "notified_on",
          "notice_kind", "council_reported_on", "council_report_number")


class IncidentError(ValueError):
    """A save refused with a message for the user; `problems` maps a field to its reason."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class IncidentConflict(IncidentError):
    """Someone saved the incident after the form was loaded; `saved` is what is stored now."""

    def __init__(self, saved: dict, who: str):
        super().__init__(f"{who}さんがこの事案を先に保存しています。あなたの入力は消さずに残しています。"
                         "保存済みの内容を確かめ、必要なら取り入れてから、もう一度保存してください。")
        self.saved = saved


def today() -> date:
    return now().date()


def prompt_days() -> int:
    return int(current_app.config["INCIDENT_PROMPT_DAYS"])


def incident_departments(db: Database, incident_id: int) -> list[dict]:
    return list(db.query(
        """SELECT d.id, d.code, d.name, b.name AS bureau_name FROM incident_departments x
           JOIN departments d ON d.id = x.department_id JOIN bureaus b ON b.id = d.bureau_id
           WHERE x.incident_id = ? ORDER BY b.sort_order, d.sort_order, d.code""", [incident_id]))


def load_incident(db: Database, incident_id: int) -> dict | None:
    incident = next(db.query("SELECT * FROM incidents WHERE id = ?", [incident_id]), None)
    if incident is None:
        return None
    incident["departments"] = incident_departments(db, incident_id)
    incident["department_ids"] = [d["id"] for d in incident["departments"]]
    incident["department_name"] = "、".join(d["name"] for d in incident["departments"])
    incident["department_code"] = incident["departments"][0]["code"] if incident["departments"] else None
    return incident


def may_read_incident_id(db: Database, user, incident_id: int) -> bool:
    """The incident's records (its corrective actions' evidence, its report as an annex) are readable by whoever
    may read the incident."""
    ids = [r[0] for r in db.execute("SELECT department_id FROM incident_departments WHERE incident_id = ?",
                                    [incident_id])]
    return can_read_records_of_any(user, ids)


def may_edit(user, incident: Mapping) -> bool:
    return user.has_role(roles.CHIEF) or any(can_act_for_department(user, d) for d in incident["department_ids"])


def may_confirm_judgement(user) -> bool:
    return user.has_role(roles.CHIEF)


def get_incident(incident_id: int, *, edit: bool = False) -> dict:
    """Load an incident for the current user: 404 when it does not exist, 403 (logged) for another 課's."""
    db = get_db()
    incident = load_incident(db, incident_id)
    if incident is None:
        abort(404)
    if not can_read_records_of_any(current_user, incident["department_ids"]):
        deny(f"漏えい等事案（番号 {incident_id}）を閲覧する権限がありません", incident["department_code"])
    if edit and not may_edit(current_user, incident):
        deny(f"漏えい等事案（番号 {incident_id}）を変更する権限がありません", incident["department_code"])
    incident["editable"] = may_edit(current_user, incident)
    return incident


def decorate(incident: dict, on: date, days: int) -> dict:
    """Add the deadlines and their states, as every page and list shows them."""
    clauses = judgement.effective_clauses(incident)
    items = dl.deadlines(incident, days, clauses)
    incident["deadlines"] = [
        {"key": d.key, "label": d.label, "basis": d.basis, "due": d.due, "done": d.done,
         "state": d.state(on), "state_label": d.state_label(on)} for d in items]
    incident["overdue"] = dl.any_overdue(items, on)
    nxt = dl.next_open(items)
    incident["next_deadline"] = ({"label": nxt.label, "due": nxt.due, "state_label": nxt.state_label(on)}
                                 if nxt else None)
    incident["report_required"] = judgement.report_required(clauses)
    return incident


# What a list row shows and what its deadlines and 判定 are computed from (not the long texts).
LIST_COLUMNS = ("id", "title", "kind", "discovered_at", "persons", "persons_estimated", "persons_or_more",
                "sensitive", "ordinance_sensitive", "mynumber", "property_damage", "wrongful_purpose",
                "preliminary_reported_on", "final_reported_on", "notified_on", "judgement_clauses", "judgement_at",
                "closed_at")


def list_incidents(db: Database, user, *, open_only: bool = False) -> list[dict]:
    """Incidents the user may see, overdue first, then by the next deadline, then newest 覚知 first."""
    visible = records_department_ids(user)
    where = Conditions()
    if visible is not None:
        clause = Conditions().ids("department_id", visible)
        where.add(f"i.id IN (SELECT incident_id FROM incident_departments {clause.sql()})", *clause.params)
    if open_only:
        where.add("i.closed_at IS NULL")
    rows = list(db.query(f"SELECT {', '.join('i.' + c for c in LIST_COLUMNS)} FROM incidents i {where.sql()} "
                         "ORDER BY i.discovered_at DESC", where.params))
    names: dict[int, list[str]] = {}
    if rows:
        ids = Conditions().ids("x.incident_id", [r["id"] for r in rows])
        for incident_id, name in db.execute(
                f"""SELECT x.incident_id, b.name || ' ' || d.name FROM incident_departments x JOIN departments d
                    ON d.id = x.department_id JOIN bureaus b ON b.id = d.bureau_id {ids.sql()} ORDER BY d.code""",
                ids.params):
            names.setdefault(incident_id, []).append(name)   # 部 and 課: five 健康づくり課 are told apart
    on, days = today(), prompt_days()
    for row in rows:
        row["department_name"] = "、".join(names.get(row["id"], []))
        decorate(row, on, days)
    far = date.max
    return sorted(rows, key=lambda r: (not r["overdue"],
                                       r["next_deadline"]["due"] if r["next_deadline"] else far))


def _check_order(values: Mapping, on: date) -> None:
    problems = dl.order_problems(values, on)
    if problems:
        raise IncidentError("日付の順序又は日付に誤りがあります。", problems)


def _check_departments(user, department_ids: list[int]) -> None:
    if not department_ids:
        raise IncidentError("課を1つ以上選んでください。", {"department_ids": "課を1つ以上選んでください。"})
    if not user.has_role(roles.CHIEF) and not any(can_act_for_department(user, d) for d in department_ids):
        raise IncidentError("自分の課を含めてください。",
                            {"department_ids": "登録できるのは自分の課の事案です（共同の事案は他の課も選べます）。"})


def create(db: Database, user, values: Mapping, department_ids: list[int]) -> int:
    """Register an incident for the user's 課 (or, for the privacy office, any 課)."""
    _check_departments(user, department_ids)
    _check_order(values, today())
    stamp = now_iso()
    with transaction(db):
        row = {key: values.get(key) for key in FIELDS}
        row.update({"created_at": stamp, "created_by": user.id, "updated_at": stamp, "updated_by": user.id,
                    "revision": 0})
        incident_id = db["incidents"].insert(row).last_pk
        db["incident_departments"].insert_all(
            {"incident_id": incident_id, "department_id": d} for d in sorted(set(department_ids)))
        code = db.execute("SELECT code FROM departments WHERE id = ?", [min(department_ids)]).fetchone()[0]
        activity.record(db, "incident.create", department_code=code, object_type="incident",
                        object_id=incident_id, detail={"title": row["title"], "kind": row["kind"],
                                                       "departments": sorted(set(department_ids))})
    return incident_id


def update(db: Database, user, incident_id: int, values: Mapping, department_ids: list[int],
           revision: int) -> None:
    """Save the form; refused with IncidentConflict when someone saved it since it was loaded (`revision` counts
    the form's saves only: a 経過 entry, the 判定 or closing does not make an open form stale)."""
    _check_departments(user, department_ids)
    _check_order(values, today())
    with transaction(db):
        saved = load_incident(db, incident_id)
        if saved["revision"] != revision:
            who = db.execute("SELECT display_name FROM users WHERE id = ?", [saved["updated_by"]]).fetchone()
            raise IncidentConflict(saved, who[0] if who else "他の職員")
        changes = {key: values.get(key) for key in FIELDS}
        changed = sorted(k for k in FIELDS if saved.get(k) != changes[k])
        before_departments = set(saved["department_ids"])
        db.execute(
            f"UPDATE incidents SET {', '.join(f'{k} = ?' for k in FIELDS)}, updated_at = ?, updated_by = ?, "
            "revision = revision + 1 WHERE id = ?", [*changes.values(), now_iso(), user.id, incident_id])
        if set(department_ids) != before_departments:
            db.execute("DELETE FROM incident_departments WHERE incident_id = ?", [incident_id])
            db["incident_departments"].insert_all(
                {"incident_id": incident_id, "department_id": d} for d in sorted(set(department_ids)))
            changed.append("departments")
        activity.record(db, "incident.update", department_code=saved["department_code"], object_type="incident",
                        object_id=incident_id, detail={"fields": changed, "revision": revision + 1})


def events(db: Database, incident_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM incident_events WHERE incident_id = ? ORDER BY on_date, "
                         "coalesce(at_time, ''), id", [incident_id]))


def add_event(db: Database, user, incident: Mapping, on_date: date, at_time: str | None, text: str) -> int:
    problem = dl.event_problem(on_date, today())
    if problem:
        raise IncidentError(problem, {"on_date": problem})
    with transaction(db):
        event_id = db["incident_events"].insert(
            {"incident_id": incident["id"], "on_date": on_date.isoformat(), "at_time": at_time or None,
             "text": text, "created_at": now_iso(), "created_by": user.id}).last_pk
        activity.record(db, "incident.event_add", department_code=incident["department_code"],
                        object_type="incident", object_id=incident["id"],
                        detail={"event_id": event_id, "on_date": on_date.isoformat()})
    return event_id


def confirm_judgement(db: Database, user, incident_id: int, clauses: set[int], mynumber_report: bool | None,
                      reason: str) -> None:
    """The privacy office confirms which 号 apply, with its reason; the app's proposal at that moment is kept."""
    if not may_confirm_judgement(user):
        raise IncidentError("判定を確定できるのは総括保護管理者です。")
    if not reason.strip():
        raise IncidentError("判定の理由を入力してください。", {"reason": "判定の理由を入力してください。"})
    if not clauses <= set(judgement.CLAUSES):
        raise IncidentError("施行規則第43条の号は第1号から第5号です。")
    with transaction(db):
        incident = load_incident(db, incident_id)
        db.execute(
            """UPDATE incidents SET judgement_proposal = ?, judgement_clauses = ?, judgement_mynumber = ?,
               judgement_reason = ?, judgement_by = ?, judgement_at = ? WHERE id = ?""",
            [judgement.proposal_json(incident), json.dumps(sorted(clauses)),
             None if mynumber_report is None else int(mynumber_report), reason.strip(), user.id, now_iso(),
             incident_id])
        activity.record(db, "incident.judgement", department_code=incident["department_code"],
                        object_type="incident", object_id=incident_id,
                        detail={"clauses": sorted(clauses), "proposed": sorted(judgement.proposed_clauses(incident)),
                                "mynumber_report": mynumber_report})


def close(db: Database, user, incident: Mapping) -> None:
    """The privacy office marks the incident done (no longer listed as open)."""
    if not may_confirm_judgement(user):
        raise IncidentError("事案を完結にできるのは総括保護管理者です。")
    with transaction(db):
        db.execute("UPDATE incidents SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                   [now_iso(), incident["id"]])
        activity.record(db, "incident.close", department_code=incident["department_code"], object_type="incident",
                        object_id=incident["id"])
