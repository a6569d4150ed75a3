"""The sheet's workflow, in one place: statuses, who may move a sheet from where to where.

    未着手 ─(first answer saved)→ 回答中 ─submit→ 提出済 ─approve→ 承認済
       └────────────submit──────────↗     │  ↑          │
    差戻し ←──────────return───────────────┘  │          │
       └─(answer saved)→ 回答中   提出済 ─withdraw→ 回答中  承認済 ─reopen→ 回答中

Nobody approves a sheet they submitted themselves (duties.own_submission_problem): a 保護管理者 who
submitted it asks a staff member to take it back and submit it, or another 保護管理者 of the 課 approves.
Answers can be changed only in 未着手, 回答中 and 差戻し. 提出済 and 承認済 are read-only; taking a
sheet back (withdraw) or reopening an approved one is an explicit action, logged with a reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import duties, roles

NOT_STARTED, ANSWERING, SUBMITTED, APPROVED, RETURNED = "not_started", "answering", "submitted", "approved", "returned"

STATUS_LABELS = {
    NOT_STARTED: "未着手",
    ANSWERING: "回答中",
    SUBMITTED: "提出済",
    APPROVED: "承認済",
    RETURNED: "差戻し",
}
EDITABLE = frozenset({NOT_STARTED, ANSWERING, RETURNED})


def is_overdue(sheet, today: str) -> bool:
    """期限超過: not yet submitted (or returned) and its due date (ISO) is before `today` (ISO); the due day
    itself is still in time, as timeutil.is_overdue. The list's SQL ordering writes the same rule."""
    return sheet["status"] in EDITABLE and bool(sheet["due_date"]) and sheet["due_date"][:10] < today


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]          # the 課's own members holding one of these roles
    needs_reason: bool = False
    needs_complete: bool = False
    reason_label: str = ""         # the reason box's label, as a noun: 「差戻しの理由」
    confirm: str = ""              # the question asked before the move, if any


# In the order the sheet page offers them: the reviewer's two actions (approve, return) before taking back.
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", "提出する", frozenset({NOT_STARTED, ANSWERING, RETURNED}), SUBMITTED,
               frozenset({roles.MANAGER, roles.STAFF}), needs_complete=True),
    Transition("approve", "承認する", frozenset({SUBMITTED}), APPROVED, frozenset({roles.MANAGER}),
               confirm="この点検票を承認しますか。承認すると回答は変更できなくなります。"),
    Transition("return", "差し戻す", frozenset({SUBMITTED}), RETURNED, frozenset({roles.MANAGER}),
               needs_reason=True, reason_label="差戻しの理由", confirm="この点検票を担当者に差し戻しますか。"),
    Transition("withdraw", "提出を取り下げる", frozenset({SUBMITTED}), ANSWERING,
               frozenset({roles.MANAGER, roles.STAFF}), needs_reason=True, reason_label="取下げの理由"),
    Transition("reopen", "承認を取り消して再開する", frozenset({APPROVED}), ANSWERING, frozenset({roles.MANAGER}),
               needs_reason=True, reason_label="再開の理由",
               confirm="承認を取り消して、この点検票を回答中に戻しますか。"),
)}

# What saving an answer does to the status (not a user action: it follows from answering).
AFTER_ANSWER = {NOT_STARTED: ANSWERING, RETURNED: ANSWERING}


class TransitionRefused(Exception):
    """Why a move is not allowed, in Japanese."""


def is_member(user, department_id: int) -> bool:
    return department_id in user.department_ids


def check(user, sheet: dict, action: str) -> Transition:
    """The transition if `user` may perform `action` on `sheet` now; else TransitionRefused."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused("不明な操作です。")
    if not (is_member(user, sheet["department_id"]) and user.has_role(*transition.roles)):
        who = "・".join(roles.role_label(r) for r in roles.ROLES if r in transition.roles)
        raise TransitionRefused(f"「{transition.label}」はこの課の{who}だけが行えます。")
    if sheet["status"] not in transition.sources:
        raise TransitionRefused(
            f"{STATUS_LABELS[sheet['status']]}の点検票には「{transition.label}」の操作はできません。")
    if action == "approve" and (problem := duties.own_submission_problem(user.id, sheet.get("submitted_by"),
                                                                            "承認する")):
        raise TransitionRefused(problem)
    return transition


def is_reviewer(user, sheet: dict) -> bool:
    """The sheet is submitted and `user` is one of its 課's 保護管理者: the one who approves or returns it (or is
    told why they may not, approval_refused). The review summary (review.py) is shown to them."""
    return sheet["status"] == SUBMITTED and is_member(user, sheet["department_id"]) and user.has_role(roles.MANAGER)


def approval_refused(user, sheet: dict) -> str | None:
    """Why the 課's 保護管理者 may not approve this submitted sheet (they submitted it), for the page to say so."""
    if not is_reviewer(user, sheet):
        return None
    try:
        check(user, sheet, "approve")
    except TransitionRefused as refused:
        return str(refused)
    return None


def allowed_actions(user, sheet: dict) -> list[Transition]:
    found = []
    for action in TRANSITIONS:
        try:
            found.append(check(user, sheet, action))
        except TransitionRefused:
            continue
    return found


def may_edit_answers(user, sheet: dict) -> bool:
    return (sheet["status"] in EDITABLE and is_member(user, sheet["department_id"])
            and user.has_role(roles.MANAGER, roles.STAFF))
