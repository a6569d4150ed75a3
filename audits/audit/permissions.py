"""Who may see and change an audit, its findings and corrective actions (one get_… helper per object).

- 監査責任者・監査員 and 総括保護管理者 read every audit; only the audit's team edits it.
- The audited 課 (保護管理者・保護担当者) sees its own audit, notes and findings only once the draft was
  sent for 事実確認; another 課's audit never (403, logged). In an audit of several 課 each 課 sees only its
  own checks, findings, notes, evidence and 事実確認 comments (visible_department_ids), never another's.
  An issued report (PDF) is shared whole with every 課, as the model report is published to all.
- The システム管理者 reads no audit (PRODUCT.md: no access to answers beyond the log).
"""
from __future__ import annotations

import json

from flask import abort
from flask_login import current_user

from .. import duties, roles
from ..access import deny
from ..activity.service import register_action_labels
from ..db import get_db
from ..evidence.service import register_access_policy
from . import values

ACTION_LABELS = {
    "audit.plan_save": "監査計画の保存",
    "audit.plan_target": "監査対象課の設定",
    "audit.cycle_save": "中期監査計画の保存",
    "audit.create": "監査の登録",
    "audit.record_update": "監査記録の更新",
    "audit.team_update": "監査員の変更",
    "audit.department_add": "監査対象課の追加",
    "audit.department_remove": "監査対象課の削除",
    "audit.topic_save": "監査項目の保存",
    "audit.check_add": "確認項目の追加",
    "audit.check_save": "確認結果の記録",
    "audit.notes_save": "聴き取り記録の保存",
    "audit.finding_save": "指摘事項の保存",
    "audit.finding_withdraw": "指摘事項の取下げ",
    "audit.prose_save": "監査報告書の文案の保存",
    "audit.report_options": "監査報告書の印字内容の保存",
    "audit.fact_check_send": "事実確認への送付",
    "audit.comment_add": "事実確認の意見",
    "audit.fact_check_reply": "事実確認の回答（意見なし）",
    "audit.comment_respond": "事実確認への回答",
    "audit.issue": "監査報告書の発行",
    "audit.revise": "監査報告書の改訂開始",
    "audit.report_export": "監査報告書の出力",
    "action.create": "改善措置（再発防止策）の設定",
    "action.submit": "改善措置の報告",
    "action.accept": "改善措置の完了確認",
    "action.return": "改善措置の差戻し",
    "action.due_change": "改善措置の期限変更",
}


def audit_departments(db, audit_id: int) -> list[dict]:
    """The audited 課 in their order, with the per-課 schedule, 日時・場所 (NULL: the audit's) and notes."""
    rows = list(db.query(
        """SELECT ad.*, d.code, d.name, b.name AS bureau_name FROM audit_departments ad
           JOIN departments d ON d.id = ad.department_id JOIN bureaus b ON b.id = d.bureau_id
           WHERE ad.audit_id = ? ORDER BY ad.position, d.code""", [audit_id]))
    for row in rows:
        row["places_list"] = json.loads(row["places"]) if row["places"] else None
    return rows


def load_audit(db, audit_id: int) -> dict | None:
    """The audit with its 課 (`departments`, `department_ids`); `department_name` joins their names for
    headings and `department_code` is the first 課's code (for the activity log of audit-wide actions)."""
    audit = next(db.query("SELECT * FROM audits WHERE id = ?", [audit_id]), None)
    if audit is None:
        return None
    audit["departments"] = audit_departments(db, audit_id)
    audit["department_ids"] = [d["department_id"] for d in audit["departments"]]
    audit["department_codes"] = [d["code"] for d in audit["departments"]]
    audit["department_name"] = "、".join(d["name"] for d in audit["departments"])
    audit["department_code"] = audit["department_codes"][0] if audit["departments"] else None
    audit["multi"] = len(audit["departments"]) > 1
    return audit


def department_of(audit: dict, department_id: int) -> dict | None:
    return next((d for d in audit["departments"] if d["department_id"] == department_id), None)


def member_department_ids(user, audit: dict) -> list[int]:
    """The audit's 課 to which the user belongs as 保護管理者・保護担当者 (in the audit's order)."""
    if not user.has_role(roles.MANAGER, roles.STAFF):
        return []
    return [i for i in audit["department_ids"] if i in user.department_ids]


def is_department_member(user, audit: dict) -> bool:
    return bool(member_department_ids(user, audit))


def visible_department_ids(user, audit: dict) -> list[int]:
    """Whose checks, findings, notes and comments the user may see: every 課 of the audit for organisation
    readers, else only the user's own 課 among those audited (never another 課's, also after issue)."""
    if user.has_role(roles.CHIEF, roles.AUDITOR):
        return list(audit["department_ids"])
    return member_department_ids(user, audit)


def may_read_audit(user, audit: dict) -> bool:
    """The working record (checks, notes, findings): organisation readers, or the 課 after 事実確認 was sent."""
    if user.has_role(roles.CHIEF, roles.AUDITOR):
        return True
    return is_department_member(user, audit) and bool(audit["fact_check_sent_at"])


def may_edit_audit(user, audit: dict, db=None) -> bool:
    """The audit's team while it is not issued, and none who belongs to one of its 課 (duties.team_problem)."""
    return (user.has_role(roles.AUDITOR) and audit["status"] != values.ISSUED
            and duties.team_problem(db or get_db(), user.id, audit["id"], audit["department_ids"]) is None)


def may_read_issued_report(user) -> bool:
    return user.has_role(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)


def get_audit(audit_id: int, *, edit: bool = False) -> dict:
    """Load an audit and check the current user may read it (or, with edit, change it); 403 is logged."""
    db = get_db()
    audit = load_audit(db, audit_id)
    if audit is None:
        abort(404)
    if not may_read_audit(current_user, audit):
        deny(f"監査（番号 {audit_id}）を閲覧する権限がありません", audit["department_code"])
    if edit and not may_edit_audit(current_user, audit, db):
        deny(f"監査（番号 {audit_id}）を変更する権限がありません", audit["department_code"])
    audit["editable"] = may_edit_audit(current_user, audit, db)
    audit["visible_department_ids"] = visible_department_ids(current_user, audit)
    return audit


def get_finding(finding_id: int, *, edit: bool = False) -> tuple[dict, dict]:
    db = get_db()
    finding = next(db.query("SELECT * FROM audit_findings WHERE id = ?", [finding_id]), None)
    if finding is None:
        abort(404)
    audit = get_audit(finding["audit_id"], edit=edit)
    if finding["department_id"] not in audit["visible_department_ids"]:
        deny(f"指摘事項（番号 {finding_id}）は他の課のものです", audit["department_code"])
    return finding, audit


def get_action(action_id: int) -> tuple[dict, dict | None, dict | None]:
    """A corrective action with its finding and audit; readable as the audit's record is. An incident's action
    (finding and audit None, the incident in action["incident"]) is readable as the incident is."""
    from ..incidents.service import get_incident

    db = get_db()
    action = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]), None)
    if action is None:
        abort(404)
    if action["incident_id"] is not None:
        action["incident"] = get_incident(action["incident_id"])
        return action, None, None
    finding = db["audit_findings"].get(action["finding_id"])
    audit = get_audit(finding["audit_id"])
    if action["department_id"] not in audit["visible_department_ids"]:
        deny(f"改善措置（番号 {action_id}）は他の課のものです", audit["department_code"])
    return action, finding, audit


def is_action_department_member(user, action: dict) -> bool:
    """The user answers for the 課 the corrective action was set for."""
    return user.has_role(roles.MANAGER, roles.STAFF) and action["department_id"] in user.department_ids


def _audit_of_evidence(row: dict) -> tuple[dict | None, int | None]:
    """The audit an evidence file belongs to and the 課 it concerns (the check's or action's 課)."""
    db = get_db()
    owner, owner_id = row["owner"], row["owner_id"]
    if owner == "audit":
        found = (owner_id, row["department_id"])
    elif owner == "audit_item":
        found = db.execute("SELECT audit_id, department_id FROM audit_checks WHERE id = ?", [owner_id]).fetchone()
    else:  # action of a finding (an incident's action is answered by _evidence_policy)
        found = db.execute("""SELECT f.audit_id, c.department_id FROM corrective_actions c
                              JOIN audit_findings f ON f.id = c.finding_id WHERE c.id = ?""", [owner_id]).fetchone()
    if not found:
        return None, None
    return load_audit(db, found[0]), found[1]


def _evidence_policy(user, row: dict) -> bool:
    if row["owner"] == "action":
        incident = get_db().execute("SELECT incident_id FROM corrective_actions WHERE id = ?",
                                    [row["owner_id"]]).fetchone()
        if incident and incident[0] is not None:
            from ..incidents.service import may_read_incident_id

            return may_read_incident_id(get_db(), user, incident[0])
    audit, department_id = _audit_of_evidence(row)
    return bool(audit) and may_read_audit(user, audit) and department_id in visible_department_ids(user, audit)


def init_app(app) -> None:
    register_action_labels(app, ACTION_LABELS)
    for owner in ("audit", "audit_item", "action"):
        register_access_policy(app, owner, _evidence_policy)
