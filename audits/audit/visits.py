"""The audit record and the visit: team, 日時・場所・実施手法・出席者, 監査項目, per-item 確認結果, notes."""
from __future__ import annotations

import json

from sqlite_utils import Database

from ..activity import service as activity
from ..db import Conditions, transaction
from ..departments.service import department_code
from ..duties import independence_problem
from ..evidence import service as evidence
from ..revisions import UNCHECKED, is_current
from ..sheets.answers import display_value
from ..timeutil import now_iso
from . import editing, values
from .plans import AuditError




# A 課 answers the pia checklist once per 特定個人情報保護評価書 (pia/), so it may hold several sheets of one version
# in a schedule; an audit check (per 課 and item) compares with the first of them, never one row per sheet.
FIRST_SHEET = """SELECT min(x.id) FROM sheets x WHERE x.schedule_id = {sheet}.schedule_id
                   AND x.department_id = {sheet}.department_id AND x.version_id = {sheet}.version_id
                   AND x.removed_at IS NULL"""


def self_check_schedule(db: Database, department_id: int, fiscal_year: int) -> int | None:
    """The latest schedule up to the audit 年度 in which the 課 has a sheet (its answers are compared)."""
    row = db.execute(
        """SELECT sc.id FROM schedules sc JOIN sheets s ON s.schedule_id = sc.id
           WHERE s.department_id = ? AND s.removed_at IS NULL AND sc.fiscal_year <= ?
           ORDER BY sc.fiscal_year DESC, sc.id DESC LIMIT 1""", [department_id, fiscal_year]).fetchone()
    return row[0] if row else None


def _independence(db: Database, auditor_ids, department_ids) -> None:
    for auditor_id in auditor_ids:
        for department_id in department_ids:
            if problem := independence_problem(db, auditor_id, department_id):
                raise AuditError(problem)


def create_audit(db: Database, *, fiscal_year: int, department_ids: list[int], auditor_ids: list[int],
                 lead_id: int, theme: str, selection_reason: str, user, plan_id: int | None = None) -> int:
    """Register an audit of one or more 課 (in the given order); refuses (AuditError with the reason) an
    auditor who belongs to any of them."""
    department_ids = list(dict.fromkeys(department_ids or []))
    if not department_ids:
        raise AuditError("監査対象課を1つ以上選んでください。")
    if not auditor_ids:
        raise AuditError("監査を担当する監査員を1人以上選んでください。")
    _independence(db, auditor_ids, department_ids)
    if not (selection_reason or "").strip():
        raise AuditError("選定理由を入力してください。")
    with transaction(db):
        audit_id = db["audits"].insert({
            "plan_id": plan_id, "fiscal_year": fiscal_year,
            "theme": (theme or "").strip(), "selection_reason": selection_reason.strip(),
            "status": values.FIELDWORK, "version": 1, "revision": 0, "places": "[]", "methods": "[]",
            "created_at": now_iso(), "created_by": user.id, "updated_at": now_iso(), "updated_by": user.id,
        }).last_pk
        for position, department_id in enumerate(department_ids, start=1):
            db["audit_departments"].insert({"audit_id": audit_id, "department_id": department_id,
                                            "position": position,
                                            "schedule_id": self_check_schedule(db, department_id, fiscal_year)})
        for auditor_id in auditor_ids:
            db["audit_auditors"].insert({"audit_id": audit_id, "user_id": auditor_id,
                                         "lead": int(auditor_id == lead_id)})
        codes = [department_code(db, i) for i in department_ids]
        activity.record(db, "audit.create", department_code=codes[0], object_type="audit", object_id=audit_id,
                        detail={"fiscal_year": fiscal_year, "auditors": auditor_ids, "departments": codes})
    return audit_id


def add_department(db: Database, audit: dict, department_id: int, user) -> None:
    """Add a 課 while the audit is in the field; refused if a team member belongs to it."""
    if audit["status"] != values.FIELDWORK:
        raise AuditError("監査対象課は、実施中（報告書作成中）の監査でだけ追加できます。")
    found = db.execute("SELECT code, active FROM departments WHERE id = ?", [department_id]).fetchone()
    if found is None or not found[1]:
        raise AuditError("課が見つかりません。")
    if department_id in audit["department_ids"]:
        raise AuditError("この課はすでに監査対象課です。")
    _independence(db, [member["id"] for member in team(db, audit["id"])], [department_id])
    with transaction(db):
        position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM audit_departments WHERE audit_id = ?",
                              [audit["id"]]).fetchone()[0]
        db["audit_departments"].insert({"audit_id": audit["id"], "department_id": department_id, "position": position,
                                        "schedule_id": self_check_schedule(db, department_id, audit["fiscal_year"])})
        editing.touch(db, audit["id"], user)
        activity.record(db, "audit.department_add", department_code=found[0], object_type="audit",
                        object_id=audit["id"])


def remove_department(db: Database, audit: dict, department_id: int, user) -> None:
    """Take a 課 off the audit while in the field: never the last one, nor one with checks or findings."""
    if audit["status"] != values.FIELDWORK:
        raise AuditError("監査対象課は、実施中（報告書作成中）の監査でだけ外せます。")
    if department_id not in audit["department_ids"]:
        raise AuditError("この課は監査対象課ではありません。")
    if len(audit["department_ids"]) == 1:
        raise AuditError("監査対象課がなくなるため、外せません。")
    for table, label in (("audit_checks", "確認する点検項目"), ("audit_findings", "指摘事項"),
                         ("audit_comments", "事実確認の意見")):
        if db.execute(f"SELECT 1 FROM {table} WHERE audit_id = ? AND department_id = ?",
                      [audit["id"], department_id]).fetchone():
            raise AuditError(f"この課には{label}が記録されているため、外せません。先に{label}を外してください。")
    with transaction(db):
        db.execute("DELETE FROM audit_departments WHERE audit_id = ? AND department_id = ?",
                   [audit["id"], department_id])
        for position, row in enumerate(db.execute(
                "SELECT department_id FROM audit_departments WHERE audit_id = ? ORDER BY position",
                [audit["id"]]).fetchall(), start=1):
            db.execute("UPDATE audit_departments SET position = ? WHERE audit_id = ? AND department_id = ?",
                       [position, audit["id"], row[0]])
        editing.touch(db, audit["id"], user)
        activity.record(db, "audit.department_remove", department_code=department_code(db, department_id),
                        object_type="audit", object_id=audit["id"])


def team(db: Database, audit_id: int) -> list[dict]:
    return list(db.query(
        """SELECT u.id, u.username, u.display_name, aa.lead FROM audit_auditors aa JOIN users u ON u.id = aa.user_id
           WHERE aa.audit_id = ? ORDER BY aa.lead DESC, u.username""", [audit_id]))


def set_team(db: Database, audit: dict, auditor_ids: list[int], lead_id: int) -> None:
    if not auditor_ids:
        raise AuditError("監査を担当する監査員を1人以上選んでください。")
    _independence(db, auditor_ids, audit["department_ids"])
    with transaction(db):
        db.execute("DELETE FROM audit_auditors WHERE audit_id = ?", [audit["id"]])
        for auditor_id in auditor_ids:
            db["audit_auditors"].insert({"audit_id": audit["id"], "user_id": auditor_id,
                                         "lead": int(auditor_id == lead_id)})
        activity.record(db, "audit.team_update", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"auditors": auditor_ids})


def decoded(audit: dict) -> dict:
    audit["places_list"] = json.loads(audit.get("places") or "[]")
    audit["methods_list"] = json.loads(audit.get("methods") or "[]")
    return audit


RECORD_FIELDS = ("started_at", "ended_at", "attendees")


def update_record(db: Database, audit: dict, *, fields: dict, places: list[str], methods: list[str], user,
                  base=UNCHECKED) -> None:
    """日時・場所・実施手法・出席者 (the 観点 and 選定理由 are edited with the report's prose).

    `base`: the fingerprint the form was loaded with (editing.py); a save over someone else's is refused."""
    if fields.get("started_at") and fields.get("ended_at") and fields["ended_at"] < fields["started_at"]:
        raise AuditError("終了日時は開始日時より後にしてください。")
    row = {k: (fields.get(k) or "").strip() or None for k in RECORD_FIELDS}
    row["places"] = json.dumps([p.strip() for p in places if p.strip()], ensure_ascii=False)
    row["methods"] = json.dumps([m for m in values.METHODS if m in set(methods)])
    with transaction(db):
        editing.check(db, audit["id"], base, editing.record_values(db, audit["id"]))
        editing.touch(db, audit["id"], user, row)
        activity.record(db, "audit.record_update", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"fields": sorted(row)})


def update_department_record(db: Database, audit: dict, department_id: int, *, started_at: str, ended_at: str,
                             places: list[str], user, base=UNCHECKED) -> None:
    """日時・場所 of one 課 when it was visited apart from the others; empty values use the audit's."""
    if department_id not in audit["department_ids"]:
        raise AuditError("この課は監査対象課ではありません。")
    if started_at and ended_at and ended_at < started_at:
        raise AuditError("終了日時は開始日時より後にしてください。")
    if ended_at and not started_at:
        raise AuditError("開始日時を入力してください。")
    places = [p.strip() for p in places if p.strip()]
    with transaction(db):
        editing.check(db, audit["id"], base, editing.department_record_values(db, audit["id"], department_id))
        db.execute("""UPDATE audit_departments SET started_at = ?, ended_at = ?, places = ?
                      WHERE audit_id = ? AND department_id = ?""",
                   [started_at or None, ended_at or None,
                    json.dumps(places, ensure_ascii=False) if places else None, audit["id"], department_id])
        editing.touch(db, audit["id"], user)
        activity.record(db, "audit.record_update", department_code=department_code(db, department_id),
                        object_type="audit", object_id=audit["id"],
                        detail={"fields": ["department_started_at", "department_places"]})


def save_notes(db: Database, audit: dict, notes: str, user, department_id: int | None = None,
               base=UNCHECKED) -> None:
    """The interview notes taken at one 課 (default: the audit's first 課)."""
    department_id = department_id or audit["department_ids"][0]
    if department_id not in audit["department_ids"]:
        raise AuditError("この課は監査対象課ではありません。")
    with transaction(db):
        editing.check(db, audit["id"], base, editing.notes_values(db, audit["id"], department_id))
        db.execute("UPDATE audit_departments SET interview_notes = ? WHERE audit_id = ? AND department_id = ?",
                   [(notes or "").strip(), audit["id"], department_id])
        editing.touch(db, audit["id"], user)
        activity.record(db, "audit.notes_save", department_code=department_code(db, department_id),
                        object_type="audit", object_id=audit["id"], detail={"fields": ["interview_notes"]})


# ----------------------------------------------------------------------------- 監査項目 (topics)

def topics(db: Database, audit_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM audit_topics WHERE audit_id = ? ORDER BY position, id", [audit_id]))


def add_topic(db: Database, audit: dict, title: str) -> int:
    title = (title or "").strip()
    if not title:
        raise AuditError("監査項目を入力してください。")
    with transaction(db):
        position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM audit_topics WHERE audit_id = ?",
                              [audit["id"]]).fetchone()[0]
        topic_id = db["audit_topics"].insert({"audit_id": audit["id"], "position": position, "title": title,
                                              "result_text": ""}).last_pk
        activity.record(db, "audit.topic_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"topic": position, "title": title})
    return topic_id


def update_topic(db: Database, audit: dict, topic_id: int, title: str) -> None:
    title = (title or "").strip()
    if not title:
        raise AuditError("監査項目を入力してください。")
    with transaction(db):
        db.execute("UPDATE audit_topics SET title = ? WHERE id = ? AND audit_id = ?", [title, topic_id, audit["id"]])
        activity.record(db, "audit.topic_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"topic_id": topic_id, "title": title})


def delete_topic(db: Database, audit: dict, topic_id: int) -> None:
    with transaction(db):
        db.execute("UPDATE audit_checks SET topic_id = NULL WHERE topic_id = ? AND audit_id = ?", [topic_id, audit["id"]])
        db.execute("UPDATE audit_findings SET topic_id = NULL WHERE topic_id = ? AND audit_id = ?",
                   [topic_id, audit["id"]])
        db.execute("DELETE FROM audit_topics WHERE id = ? AND audit_id = ?", [topic_id, audit["id"]])
        for position, row in enumerate(topics(db, audit["id"]), start=1):
            db["audit_topics"].update(row["id"], {"position": position})
        activity.record(db, "audit.topic_save", department_code=audit["department_code"], object_type="audit",
                        object_id=audit["id"], detail={"deleted_topic_id": topic_id})


# ----------------------------------------------------------------------------- checks (per checklist item)

def _department(audit: dict, department_id: int | None) -> dict:
    """One of the audit's 課 (default: the first); AuditError for a 課 the audit does not cover."""
    department_id = department_id or audit["department_ids"][0]
    found = next((d for d in audit["departments"] if d["department_id"] == department_id), None)
    if found is None:
        raise AuditError("この課は監査対象課ではありません。")
    return found


def candidate_items(db: Database, audit: dict, department_id: int | None = None) -> list[dict]:
    """Items the audit may check for one of its 課: those of the 課's sheets in the compared schedule (with
    the 課's answer category), else the latest version of every checklist."""
    department = _department(audit, department_id)
    params = {"audit": audit["id"], "schedule": department["schedule_id"], "department": department["department_id"]}
    chosen = """EXISTS (SELECT 1 FROM audit_checks c WHERE c.audit_id = :audit AND c.department_id = :department
                        AND c.item_pk = i.id) AS chosen"""
    if department["schedule_id"]:
        rows = db.query(
            f"""SELECT i.*, a.category, a.value, {chosen}
               FROM sheets s JOIN checklist_items i ON i.version_id = s.version_id
               LEFT JOIN answers a ON a.sheet_id = s.id AND a.item_pk = i.id
               WHERE s.schedule_id = :schedule AND s.department_id = :department AND s.removed_at IS NULL
                 AND s.id = ({FIRST_SHEET.format(sheet="s")})
               ORDER BY s.version_id, i.position""", params)
    else:
        rows = db.query(
            f"""SELECT i.*, NULL AS category, NULL AS value, {chosen}
               FROM checklist_items i JOIN checklist_versions v ON v.id = i.version_id
               WHERE v.version = (SELECT MAX(version) FROM checklist_versions x WHERE x.checklist_id = v.checklist_id)
               ORDER BY v.checklist_id, i.position""", params)
    return list(rows)


def add_checks(db: Database, audit: dict, item_pks: list[int], topic_id: int | None, user,
               department_id: int | None = None) -> int:
    """Add items to check at one 課 (already added ones are left as they are); returns how many were added."""
    department = _department(audit, department_id)
    added = 0
    with transaction(db):
        position = db.execute("SELECT COALESCE(MAX(position), 0) FROM audit_checks WHERE audit_id = ?",
                              [audit["id"]]).fetchone()[0]
        for item_pk in item_pks:
            item = db.execute("SELECT item_id FROM checklist_items WHERE id = ?", [item_pk]).fetchone()
            exists = db.execute("SELECT 1 FROM audit_checks WHERE audit_id = ? AND department_id = ? AND item_pk = ?",
                                [audit["id"], department["department_id"], item_pk]).fetchone()
            if item is None or exists:
                continue
            position += 1
            db["audit_checks"].insert({"audit_id": audit["id"], "department_id": department["department_id"],
                                       "topic_id": topic_id, "item_pk": item_pk,
                                       "item_id": item[0], "position": position, "result": values.DEFAULT_RESULT,
                                       "note": "", "revision": 0, "updated_at": now_iso(), "updated_by": user.id})
            added += 1
        activity.record(db, "audit.check_add", department_code=department["code"], object_type="audit",
                        object_id=audit["id"], detail={"added": added})
    return added


class StaleCheck(AuditError):
    """Someone saved the same check since this form was loaded."""


def save_check(db: Database, audit: dict, check_id: int, *, result: str, note: str, topic_id: int | None,
               revision=UNCHECKED, user) -> int:
    """Record the 確認結果 of one item; returns the new revision. Refuses a save based on an old revision."""
    if result not in values.RESULTS:
        raise AuditError("確認結果を選んでください。")
    with transaction(db):
        current = db.execute("SELECT revision, item_id, department_id FROM audit_checks WHERE id = ? AND audit_id = ?",
                             [check_id, audit["id"]]).fetchone()
        if current is None:
            raise AuditError("確認項目が見つかりません。")
        if not is_current(current[0], revision):
            raise StaleCheck("この項目は他の画面で更新されています。最新の内容を確認してから、もう一度保存してください"
                             "（入力した内容はこの画面に残っています）。")
        db["audit_checks"].update(check_id, {"result": result, "note": (note or "").strip(), "topic_id": topic_id,
                                             "updated_at": now_iso(), "updated_by": user.id,
                                             "revision": current[0] + 1})
        activity.record(db, "audit.check_save", department_code=department_code(db, current[2]),
                        object_type="audit_check", object_id=check_id, detail={"audit": audit["id"], "item": current[1], "result": result})
    return current[0] + 1


def remove_check(db: Database, audit: dict, check_id: int) -> None:
    with transaction(db):
        if db.execute("SELECT 1 FROM audit_findings WHERE check_id = ?", [check_id]).fetchone():
            raise AuditError("指摘事項がある項目は外せません。先に指摘事項を取り下げてください。")
        found = db.execute("SELECT department_id FROM audit_checks WHERE id = ? AND audit_id = ?",
                           [check_id, audit["id"]]).fetchone()
        moved = keep_check_evidence(db, audit["id"], check_id) if found else []
        db.execute("DELETE FROM audit_checks WHERE id = ? AND audit_id = ?", [check_id, audit["id"]])
        activity.record(db, "audit.check_add", department_code=department_code(db, found[0]) if found else None,
                        object_type="audit",
                        object_id=audit["id"], detail={"removed_check": check_id, "evidence_kept": moved})


def keep_check_evidence(db: Database, audit_id: int, check_id: int) -> list[int]:
    """Evidence taken for a check stays part of the audit when the check is taken off it: an auditor expects
    what was seen on site to remain on file. The rows move to the audit itself (same 課, so the same people
    may read them) and say which item they were taken for. Returns the evidence ids moved."""
    item_id = db.execute("SELECT item_id FROM audit_checks WHERE id = ?", [check_id]).fetchone()[0]
    ids = evidence.move(db, "audit_item", check_id, "audit", audit_id)
    db.conn.executemany("UPDATE evidence SET note = trim(coalesce(note, '') || ' ' || ?) WHERE id = ?",
                        [(f"（確認項目 {item_id} から外した証跡）", evidence_id) for evidence_id in ids])
    return ids


def checks(db: Database, audit: dict, department_ids=None) -> list[dict]:
    """Each check with its 課, item and that 課's self-check answer (value label, category, detail, answer id),
    in the order of the audit's 課, then 監査項目; `department_ids` limits them to those 課."""
    where = Conditions().add("c.audit_id = ?", audit["id"])
    if department_ids is not None:
        where.ids("c.department_id", department_ids)
    rows = list(db.query(
        f"""SELECT c.*, i.question, i.section_id, i.section_title, i.severity, i.scale, i.unit, i.sources,
                  i.guidance, t.position AS topic_position, t.title AS topic_title,
                  d.name AS department_name, d.code AS department_code, ad.position AS department_position,
                  a.id AS answer_id, a.value AS answer_value, a.category AS answer_category, a.detail AS answer_detail,
                  a.na_reason AS answer_na_reason, a.plan_action AS answer_plan
           FROM audit_checks c JOIN checklist_items i ON i.id = c.item_pk
           JOIN audit_departments ad ON ad.audit_id = c.audit_id AND ad.department_id = c.department_id
           JOIN departments d ON d.id = c.department_id
           LEFT JOIN audit_topics t ON t.id = c.topic_id
           LEFT JOIN answers a ON a.item_pk = c.item_pk AND a.sheet_id IN (
               SELECT s.id FROM sheets s WHERE s.schedule_id = ad.schedule_id AND s.department_id = c.department_id
               AND s.removed_at IS NULL AND s.id = ({FIRST_SHEET.format(sheet="s")}))
           {where.sql()}
           ORDER BY ad.position, COALESCE(t.position, 999), c.position, c.id""", where.params))
    for row in rows:
        row["answer_text"] = display_value(row, row["answer_value"])
        row["sources"] = json.loads(row["sources"] or "[]")
    return rows


def result_counts(db: Database, audit_id: int, department_ids=None) -> dict[str, int]:
    counts = {r: 0 for r in values.RESULTS}
    where = Conditions().add("audit_id = ?", audit_id)
    if department_ids is not None:
        where.ids("department_id", department_ids)
    for result, n in db.execute(f"SELECT result, COUNT(*) FROM audit_checks {where.sql()} GROUP BY result",
                                where.params):
        counts[result] = n
    return counts
