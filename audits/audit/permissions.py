"""Who may see and change an audit, its findings and corrective actions (one get_… helper per object).

- 監査責任者・監査員 and 総括保護管理者 read every audit; only the audit's team edits it.
- The audited 課 (保護管理者・保護担当者) sees its own audit, notes and findings only once the draft was
  sent for 事実確認; another 課's audit never (403, logged). An issued report (PDF) is shared with every
  課, as the model report is published to all.
- The システム管理者 reads no audit (PRODUCT.md: no access to answers beyond the log).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from .. import roles
from ..access import deny
from ..activity.service import ACTION_LABELS
from ..db import get_db
from ..evidence.service import register_access_policy
from . import values

ACTION_LABELS.update({
    "audit.plan_save": "監査計画の保存",
    "audit.plan_target": "監査対象課の設定",
    "audit.cycle_save": "中期監査計画の保存",
    "audit.create": "監査の登録",
    "audit.record_update": "監査記録の更新",
    "audit.team_update": "監査員の変更",
    "audit.topic_save": "監査項目の保存",
    "audit.check_add": "確認項目の追加",
    "audit.check_save": "確認結果の記録",
    "audit.notes_save": "聴き取り記録の保存",
    "audit.finding_save": "指摘事項の保存",
    "audit.finding_withdraw": "指摘事項の取下げ",
    "audit.prose_save": "監査報告書の文案の保存",
    "audit.fact_check_send": "事実確認への送付",
    "audit.comment_add": "事実確認の意見",
    "audit.comment_respond": "事実確認への回答",
    "audit.issue": "監査報告書の発行",
    "audit.revise": "監査報告書の改訂開始",
    "audit.report_export": "監査報告書の出力",
    "action.submit": "改善措置の報告",
    "action.accept": "改善措置の完了確認",
    "action.return": "改善措置の差戻し",
    "action.due_change": "改善措置の期限変更",
})


def load_audit(db, audit_id: int) -> dict | None:
    return next(db.query(
        """SELECT a.*, d.code AS department_code, d.name AS department_name, b.name AS bureau_name
           FROM audits a JOIN departments d ON d.id = a.department_id JOIN bureaus b ON b.id = d.bureau_id
           WHERE a.id = ?""", [audit_id]), None)


def team_ids(db, audit_id: int) -> set[int]:
    return {r[0] for r in db.execute("SELECT user_id FROM audit_auditors WHERE audit_id = ?", [audit_id])}


def is_department_member(user, audit: dict) -> bool:
    return user.has_role(roles.MANAGER, roles.STAFF) and audit["department_id"] in user.department_ids


def may_read_audit(user, audit: dict) -> bool:
    """The working record (checks, notes, findings): organisation readers, or the 課 after 事実確認 was sent."""
    if user.has_role(roles.CHIEF, roles.AUDITOR):
        return True
    return is_department_member(user, audit) and bool(audit["fact_check_sent_at"])


def may_edit_audit(user, audit: dict, db=None) -> bool:
    return (user.has_role(roles.AUDITOR) and audit["status"] != values.ISSUED
            and user.id in team_ids(db or get_db(), audit["id"]))


def may_read_issued_report(user) -> bool:
    return user.has_role(roles.CHIEF, roles.AUDITOR, roles.MANAGER, roles.STAFF)


def get_audit(audit_id: int, *, edit: bool = False) -> dict:
    """Load an audit and check the current user may read it (or, with edit, change it); 403 is logged."""
    db = get_db()
    audit = load_audit(db, audit_id)
    if audit is None:
        abort(404)
    if not may_read_audit(current_user, audit):
        deny(f"audit {audit_id} not readable", audit["department_code"])
    if edit and not may_edit_audit(current_user, audit, db):
        deny(f"audit {audit_id} not editable", audit["department_code"])
    audit["editable"] = may_edit_audit(current_user, audit, db)
    return audit


def get_finding(finding_id: int, *, edit: bool = False) -> tuple[dict, dict]:
    db = get_db()
    finding = next(db.query("SELECT * FROM audit_findings WHERE id = ?", [finding_id]), None)
    if finding is None:
        abort(404)
    return finding, get_audit(finding["audit_id"], edit=edit)


def get_action(action_id: int) -> tuple[dict, dict, dict]:
    """A corrective action with its finding and audit; readable as the audit's record is."""
    db = get_db()
    action = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]), None)
    if action is None:
        abort(404)
    finding = db["audit_findings"].get(action["finding_id"])
    return action, finding, get_audit(finding["audit_id"])


def _audit_of_evidence(row: dict) -> dict | None:
    db = get_db()
    owner_type, owner_id = row["owner_type"], row["owner_id"]
    if owner_type == "audit":
        audit_id = owner_id
    elif owner_type == "audit_item":
        found = db.execute("SELECT audit_id FROM audit_checks WHERE id = ?", [owner_id]).fetchone()
        audit_id = found[0] if found else None
    else:  # action
        found = db.execute("""SELECT f.audit_id FROM corrective_actions c JOIN audit_findings f ON f.id = c.finding_id
                              WHERE c.id = ?""", [owner_id]).fetchone()
        audit_id = found[0] if found else None
    return load_audit(db, audit_id) if audit_id else None


def _evidence_policy(user, row: dict) -> bool:
    audit = _audit_of_evidence(row)
    return bool(audit) and may_read_audit(user, audit)


for _owner_type in ("audit", "audit_item", "action"):
    register_access_policy(_owner_type, _evidence_policy)
