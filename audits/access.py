"""Who may do what: route decorators and the one helper per object that loads it and checks access.

Every route that shows or changes a 課's records goes through a `get_<object>()` helper here or
in its feature's service, as flaskr's `get_post(id, check_author=True)`: another 課's object
answers 403 (or 404 when it does not exist), never data.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required

from . import roles
from .activity import service as activity
from .db import get_db


def roles_required(*allowed: str) -> Callable:
    """Route decorator: logged in and holding one of `allowed`, else 403 (logged)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*allowed):
                deny(f"この操作ができる役割（{'・'.join(roles.role_label(r) for r in sorted(allowed))}）ではありません")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def deny(reason: str, department_code: str | None = None):
    """Refuse with 403 and leave a trace in the activity log."""
    from flask import request

    activity.record(get_db(), "access.denied", department_code=department_code,
                    detail={"path": request.path, "reason": reason})
    abort(403)


def can_read_department(user, department_id: int) -> bool:
    return user.has_role(roles.CHIEF, roles.AUDITOR, roles.ADMIN) or department_id in user.department_ids


def can_read_department_records(user, department_id: int) -> bool:
    """Answers, evidence, findings of a 課: organisation readers and the 課's own members.

    The システム管理者 manages the organisation but does not read answers (PRODUCT.md)."""
    return user.reads_every_department or (
        user.has_role(roles.MANAGER, roles.STAFF) and department_id in user.department_ids)


def may_list_sheets(user) -> bool:
    """The sheet list: organisation readers and the 課's members; the システム管理者 alone reads no answers."""
    return user.reads_every_department or user.has_role(roles.MANAGER, roles.STAFF)


def can_act_for_department(user, department_id: int) -> bool:
    """Answer, attach evidence, submit: the 課's own 保護管理者 and 保護担当者."""
    return user.has_role(roles.MANAGER, roles.STAFF) and department_id in user.department_ids


def can_maintain_assessments(user, department_id: int) -> bool:
    """The 課's register of 特定個人情報保護評価書 (pia/): its own 保護担当者, and the システム管理者."""
    return user.has_role(roles.ADMIN) or (user.has_role(roles.STAFF) and department_id in user.department_ids)


def get_department(department_id: int, *, for_edit: bool = False) -> dict:
    """Load a 課 and check the current user may see it (or, with for_edit, change it)."""
    db = get_db()
    department = next(db.query(
        """SELECT d.*, b.code AS bureau_code, b.name AS bureau_name
           FROM departments d JOIN bureaus b ON b.id = d.bureau_id WHERE d.id = ?""",
        [department_id],
    ), None)
    if department is None:
        abort(404)
    allowed = current_user.has_role(roles.ADMIN) if for_edit else can_read_department(current_user, department_id)
    if not allowed:
        deny("この課の記録を変更する権限がありません" if for_edit else "他の課の記録を閲覧する権限がありません", department["code"])
    return department


def can_read_records_of_any(user, department_ids) -> bool:
    """A record that belongs to several 課 (a joint incident): readable when the record of any one of them is."""
    return any(can_read_department_records(user, d) for d in department_ids)


def records_department_ids(user) -> frozenset[int] | None:
    """For lists: the 課 whose records the user may see — None for every 課 (organisation readers), the user's own
    for a 課's 保護管理者・保護担当者, none otherwise (the システム管理者 alone reads no records)."""
    if user.reads_every_department:
        return None
    return user.department_ids if user.has_role(roles.MANAGER, roles.STAFF) else frozenset()
