"""Separation of duties (職務の分離) and the auditor's independence (監査の独立性), in one place.

Each rule is a plain function that returns the Japanese reason why an act is refused, or None when it is
allowed. Every rule is checked twice: where the act happens (approving a sheet, accepting or returning a
corrective action, working on an audit) and where the facts it rests on change (a user's roles and 課,
an audit's team and 課), so no sequence of individually allowed steps reaches a refused state, and a
state reached anyway (data changed outside the app) still cannot be acted on.

This module sits beside access.py rather than inside it: access.py answers "may this role see this page"
for the current request; these rules are about people and records, hold for services and the CLI as well
(no request), and read across features (users, sheets, audits).

The rules:
- nobody approves or accepts what they submitted themselves (self-check sheets, corrective actions);
- only a member of the audit's team works on the audit and reviews its corrective actions, and never one
  who belongs to a 課 of that audit (whenever they came to belong to it);
- an incident's corrective actions (再発防止策) are reviewed by the privacy office (総括保護管理者), never by
  the one who reported the action, nor by a member of a 課 of the incident;
- a user who sits on the team of an audit not yet finished cannot be put into one of its 課;
- nobody changes their own roles or 課 (another システム管理者 does, and every change is shown to the
  総括保護管理者: auth.service.grant_history).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from . import roles
from .audit import values as audit_values


def own_submission_problem(actor_id: int, submitted_by: int | None, act: str) -> str | None:
    """Nobody `act`s (承認する, 完了を確認する …) what they submitted themselves."""
    if submitted_by is not None and actor_id == submitted_by:
        return (f"自分が提出・報告したものを自分で{act}ことはできません（職務の分離）。"
                f"提出・報告した人以外が{act}必要があります。")
    return None


def independence_problem(db: Database, user_id: int, department_id: int) -> str | None:
    """Why this user may not audit this 課 (they belong to it, in any role), or None."""
    row = db.execute(
        """SELECT u.display_name, d.name FROM user_departments ud JOIN users u ON u.id = ud.user_id
           JOIN departments d ON d.id = ud.department_id WHERE ud.user_id = ? AND ud.department_id = ?""",
        [user_id, department_id]).fetchone()
    if row is None:
        return None
    return (f"{row[0]} は監査対象の{row[1]}に所属しているため、この課の監査を担当できません"
            "（監査の独立性：自らが所属する課を監査することはできません）。")


def team_problem(db: Database, user_id: int, audit_id: int, department_ids: Iterable[int]) -> str | None:
    """Why this user may not act as an auditor of this audit now: not on its team, or belonging to one of its
    課 (`department_ids`). Checked for every change to the audit and every review of its corrective actions."""
    if not db.execute("SELECT 1 FROM audit_auditors WHERE audit_id = ? AND user_id = ?",
                      [audit_id, user_id]).fetchone():
        return "この監査を担当する監査員（監査チーム）だけが行えます（職務の分離）。"
    for department_id in department_ids:
        if problem := independence_problem(db, user_id, department_id):
            return problem
    return None


def action_review_problem(db: Database, user_id: int, action: dict, audit: dict | None,
                          act: str = "確認する") -> str | None:
    """Accepting or returning a corrective action: never by the one who reported it; for an audit finding's
    action only by the audit's team, never by a member of a 課 of the audit; for an incident's action only by the
    privacy office, never by a member of a 課 of the incident (so never by one of the 課 concerned)."""
    if action.get("incident_id") is not None:
        return (own_submission_problem(user_id, action["submitted_by"], act)
                or incident_action_reviewer_problem(db, user_id, action["incident_id"]))
    return (own_submission_problem(user_id, action["submitted_by"], act)
            or team_problem(db, user_id, audit["id"], audit["department_ids"]))


def action_reviewer_role(action: dict) -> str:
    """The role that reviews this corrective action: the privacy office for an incident's, the auditor else."""
    return roles.CHIEF if action.get("incident_id") is not None else roles.AUDITOR


def incident_action_reviewer_problem(db: Database, user_id: int, incident_id: int) -> str | None:
    """Why this user may not review the corrective actions of this incident: not the privacy office
    (総括保護管理者), or a member of one of the incident's 課."""
    if not db.execute("SELECT 1 FROM user_roles WHERE user_id = ? AND role = ?", [user_id, roles.CHIEF]).fetchone():
        return "漏えい等事案の再発防止策は、総括保護管理者が確認します（職務の分離）。"
    row = db.execute(
        """SELECT d.name FROM incident_departments x JOIN user_departments ud ON ud.department_id = x.department_id
           JOIN departments d ON d.id = x.department_id WHERE x.incident_id = ? AND ud.user_id = ?
           ORDER BY d.code LIMIT 1""", [incident_id, user_id]).fetchone()
    if row:
        return (f"事案の当事者である{row[0]}に所属しているため、この再発防止策の完了を確認できません（職務の分離）。"
                "別の総括保護管理者が確認してください。")
    return None


def membership_problem(db: Database, user_id: int, department_ids: Iterable[int]) -> str | None:
    """Why this user may not belong to these 課: they sit on the team of an audit of one of them that is not
    finished (not yet issued, or issued with a corrective action of that 課 still open)."""
    ids = sorted({int(i) for i in department_ids})
    if not ids:
        return None
    row = db.execute(
        f"""SELECT u.display_name, d.name, a.fiscal_year FROM audit_auditors aa
            JOIN users u ON u.id = aa.user_id JOIN audits a ON a.id = aa.audit_id
            JOIN audit_departments ad ON ad.audit_id = a.id JOIN departments d ON d.id = ad.department_id
            WHERE aa.user_id = ? AND ad.department_id IN ({','.join('?' * len(ids))})
              AND (a.status != ? OR EXISTS (
                   SELECT 1 FROM corrective_actions ca JOIN audit_findings f ON f.id = ca.finding_id
                   WHERE f.audit_id = a.id AND ca.department_id = ad.department_id AND ca.status != ?))
            ORDER BY a.fiscal_year, a.id LIMIT 1""",
        [user_id, *ids, audit_values.ISSUED, audit_values.ACTION_CLOSED]).fetchone()
    if row is None:
        return None
    return (f"{row[0]} は{row[1]}の監査（{row[2]}年度、改善措置の確認を含め未完了）の監査員のため、"
            f"{row[1]}に所属させることはできません（監査の独立性）。監査チームから外すか、監査の完了後に変更してください。")


def self_grant_problem(actor_id: int | None, user_id: int) -> str | None:
    """Nobody grants or revokes their own roles or 課; another システム管理者 does."""
    if actor_id is not None and actor_id == user_id:
        return ("自分自身の役割・所属課は変更できません（職務の分離）。"
                "変更が必要な場合は、別のシステム管理者に依頼してください。")
    return None
