"""Users: passwords, lock-out after repeated failures, roles and 課 memberships."""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from .. import duties
from .. import roles as role_keys
from ..activity import service as activity
from ..db import Conditions, transaction
from ..timeutil import now, now_iso
from .sessions import end_user_sessions

MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """A user-facing reason (Japanese) why a change to a user was refused."""


@dataclass(frozen=True)
class AuthenticatedUser:
    """The logged-in user as flask-login sees it."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    department_ids: frozenset[int]
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        # What the session keeps (sessions.py); ending a session deletes its row, not this id.
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def reads_every_department(self) -> bool:
        return self.has_role(*role_keys.ORGANISATION_READERS)

    @property
    def role_labels(self) -> list[str]:
        return [role_keys.role_label(r) for r in role_keys.ROLES if r in self.roles]


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
    if password.isdigit() or password.isalpha():
        return "パスワードには英字と数字（又は記号）を組み合わせてください。"
    return None


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_problem(email: str) -> str | None:
    """Why an e-mail address cannot be stored ('' is fine: no address)."""
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        return "メールアドレスの形式が正しくありません（例: taro.yamada@city.example.jp）。"
    return None


def load_user(db: Database, user_id: int) -> AuthenticatedUser | None:
    row = db.execute("SELECT id, username, display_name, active FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None or not row[3]:
        return None
    roles = frozenset(r for (r,) in db.execute("SELECT role FROM user_roles WHERE user_id = ?", [user_id]))
    departments = frozenset(
        d for (d,) in db.execute("SELECT department_id FROM user_departments WHERE user_id = ?", [user_id])
    )
    return AuthenticatedUser(row[0], row[1], row[2], roles, departments)


def recent_failures(db: Database, username: str, window_minutes: int) -> int:
    since = (now() - timedelta(minutes=window_minutes)).isoformat(timespec="seconds")
    return db.execute(
        "SELECT count(*) FROM login_failures WHERE username = ? AND at >= ?", [username, since]
    ).fetchone()[0]


def authenticate(
    db: Database, username: str, password: str, *, ip: str | None, max_failures: int, window_minutes: int
) -> AuthenticatedUser | None:
    """Check a login. Returns the user, or None for any failure (one message for all)."""
    username = username.strip()
    if recent_failures(db, username, window_minutes) >= max_failures:
        activity.record(db, "login.locked", username=username, detail={"reason": "locked"})
        return None
    row = db.execute(
        "SELECT id, password_hash, active FROM users WHERE username = ?", [username]
    ).fetchone()
    # Hash even for unknown users, so response time does not reveal which names exist.
    hashed = row[1] if row else _DUMMY_HASH
    valid = check_password_hash(hashed, password)
    if not (row and valid and row[2]):
        reason = "unknown_user" if row is None else ("disabled" if not row[2] else "bad_password")
        with transaction(db):
            db["login_failures"].insert({"username": username, "ip": ip, "at": now_iso()})
            activity.record(db, "login.failure", username=username, user_id=row[0] if row else None,
                            detail={"reason": reason})
        return None
    with transaction(db):
        db.execute("DELETE FROM login_failures WHERE username = ?", [username])
        db["users"].update(row[0], {"last_login_at": now_iso()})
        activity.record(db, "login.success", user_id=row[0], username=username)
    return load_user(db, row[0])


_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def _validate_roles(roles: list[str]) -> None:
    unknown = [r for r in roles if r not in role_keys.ROLES]
    if unknown:
        raise UserError("不明な役割です: " + ", ".join(unknown) + "（使える役割: " + ", ".join(role_keys.ROLES) + "）")
    if not roles:
        raise UserError("役割を1つ以上選んでください。")


def _department_ids(db: Database, codes: list[str]) -> list[int]:
    ids = []
    for code in codes:
        row = db.execute("SELECT id FROM departments WHERE code = ?", [code]).fetchone()
        if row is None:
            raise UserError(f"課コード {code} は登録されていません。")
        ids.append(row[0])
    return ids


def _check_membership(roles: list[str], department_ids: list[int]) -> None:
    if set(roles) & role_keys.DEPARTMENT_ROLES and not department_ids:
        raise UserError("保護管理者・保護担当者には所属する課を1つ以上指定してください。")


def create_user(
    db: Database, username: str, display_name: str, password: str, roles: list[str],
    department_codes: list[str] = (), *, check_password: bool = True, password_hash: str | None = None,
    email: str = "",
) -> int:
    """Register a user. `password_hash` lets the demo reuse one hash for many users."""
    username = username.strip()
    if not username:
        raise UserError("利用者IDを入力してください。")
    _validate_roles(list(roles))
    if check_password and (problem := password_problem(password)):
        raise UserError(problem)
    if problem := email_problem(email):
        raise UserError(problem)
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise UserError(f"利用者ID {username} は既に使われています。")
        department_ids = _department_ids(db, list(department_codes))
        _check_membership(list(roles), department_ids)
        stamp = now_iso()
        user_id = db["users"].insert({
            "username": username, "display_name": display_name.strip() or username,
            "password_hash": password_hash or generate_password_hash(password), "active": 1,
            "session_token": secrets.token_hex(16), "created_at": stamp, "updated_at": stamp,
            "password_changed_at": stamp, "email": email.strip() or None,
        }).last_pk
        db["user_roles"].insert_all({"user_id": user_id, "role": r} for r in roles)
        db["user_departments"].insert_all({"user_id": user_id, "department_id": d} for d in department_ids)
        activity.record(db, "user.create", object_type="user", object_id=user_id,
                        detail={"username": username, "roles": sorted(roles),
                                "departments": sorted(department_codes)})
    return user_id


def update_user(db: Database, user_id: int, display_name: str, roles: list[str], department_codes: list[str],
                *, actor_id: int | None = None, email: str | None = None) -> None:
    """Change a user's name, roles and 課. A change of roles or 課 is refused (UserError with the reason) when
    `actor_id` is the user themselves, or when it would put an auditor into a 課 whose audit they sit on."""
    _validate_roles(roles)
    if email is not None and (problem := email_problem(email)):
        raise UserError(problem)
    with transaction(db):
        before = user_summary(db, user_id)
        department_ids = _department_ids(db, department_codes)
        _check_membership(roles, department_ids)
        if (sorted(set(roles)), sorted(set(department_codes))) != (before["roles"], before["departments"]):
            if problem := (duties.self_grant_problem(actor_id, user_id)
                           or duties.membership_problem(db, user_id, department_ids)):
                raise UserError(problem)
        changes = {"display_name": display_name.strip(), "updated_at": now_iso()}
        if email is not None:  # None: unchanged; "" removes the address
            changes["email"] = email.strip() or None
        db["users"].update(user_id, changes)
        db.execute("DELETE FROM user_roles WHERE user_id = ?", [user_id])
        db.execute("DELETE FROM user_departments WHERE user_id = ?", [user_id])
        db["user_roles"].insert_all({"user_id": user_id, "role": r} for r in roles)
        db["user_departments"].insert_all({"user_id": user_id, "department_id": d} for d in department_ids)
        after = user_summary(db, user_id)
        activity.record(db, "user.update", object_type="user", object_id=user_id,
                        detail={"before": before, "after": after})


def set_active(db: Database, user_id: int, active: bool) -> None:
    with transaction(db):
        db["users"].update(user_id, {"active": int(active), "updated_at": now_iso()})
        if not active:
            end_user_sessions(db, user_id)  # logged out everywhere
        activity.record(db, "user.enable" if active else "user.disable", object_type="user", object_id=user_id,
                        detail={"username": user_summary(db, user_id)["username"]})


def end_sessions(db: Database, user_id: int) -> int:
    """「すべての端末からログアウト」: end every session of the user (an administrator's action, logged)."""
    with transaction(db):
        ended = end_user_sessions(db, user_id)
        activity.record(db, "user.sessions_end", object_type="user", object_id=user_id,
                        detail={"username": user_summary(db, user_id)["username"], "sessions": ended})
    return ended


def set_password(db: Database, user_id: int, password: str, *, action: str = "user.password_reset") -> None:
    if problem := password_problem(password):
        raise UserError(problem)
    with transaction(db):
        stamp = now_iso()
        db["users"].update(user_id, {
            "password_hash": generate_password_hash(password), "password_changed_at": stamp, "updated_at": stamp,
        })
        end_user_sessions(db, user_id)  # every session, this one too: the caller renews its own if it continues
        username = user_summary(db, user_id)["username"]
        db.execute("DELETE FROM login_failures WHERE username = ?", [username])
        activity.record(db, action, object_type="user", object_id=user_id, detail={"username": username})


def verify_password(db: Database, user_id: int, password: str) -> bool:
    row = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    return bool(row) and check_password_hash(row[0], password)


def user_summary(db: Database, user_id: int) -> dict:
    row = db.execute("SELECT username, display_name, active, email FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None:
        raise UserError("利用者が見つかりません。")
    roles = sorted(r for (r,) in db.execute("SELECT role FROM user_roles WHERE user_id = ?", [user_id]))
    codes = sorted(c for (c,) in db.execute(
        "SELECT d.code FROM user_departments ud JOIN departments d ON d.id = ud.department_id WHERE ud.user_id = ?",
        [user_id]))
    return {"username": row[0], "display_name": row[1], "active": bool(row[2]), "roles": roles, "departments": codes,
            "email": row[3] or ""}


def list_users(db: Database, *, text: str = "", role: str = "", department_id: int | None = None,
               active_only: bool = False) -> list[dict]:
    where = Conditions()
    if active_only:
        where.add("u.active = 1")
    if text:
        where.add("(u.username LIKE ? OR u.display_name LIKE ?)", f"%{text}%", f"%{text}%")
    if role:
        where.add("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ?)", role)
    if department_id:
        where.add("EXISTS (SELECT 1 FROM user_departments x WHERE x.user_id = u.id AND x.department_id = ?)",
                  department_id)
    rows = list(db.query(
        f"""
        SELECT u.id, u.username, u.display_name, u.active, u.last_login_at,
               (SELECT group_concat(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles,
               (SELECT group_concat(d.name, '、') FROM user_departments ud JOIN departments d ON d.id = ud.department_id
                 WHERE ud.user_id = u.id) AS departments
        FROM users u {where.sql()} ORDER BY u.username
        """, where.params))
    for row in rows:
        row["roles"] = [r for r in role_keys.ROLES if r in (row["roles"] or "").split(",")]
    return rows


# Grants and revokes of roles and 課 as the activity log records them (user.create, user.update with changed
# roles or 課, user.enable/disable), for the 総括保護管理者: an administrator's change is seen by someone else.
_GRANT_WHERE = """(action IN ('user.create', 'user.enable', 'user.disable') OR (action = 'user.update' AND (
    json_extract(detail, '$.before.roles') IS NOT json_extract(detail, '$.after.roles')
    OR json_extract(detail, '$.before.departments') IS NOT json_extract(detail, '$.after.departments'))))"""


def _grant_changes(action: str, detail: dict, names: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """(target username, granted, revoked) with roles and 課 as labels."""
    def labels(roles=(), codes=()):
        return [role_keys.role_label(r) for r in roles] + [names.get(c, c) for c in codes]

    if action == "user.update":
        before, after = detail["before"], detail["after"]
        granted = labels(sorted(set(after["roles"]) - set(before["roles"])),
                         sorted(set(after["departments"]) - set(before["departments"])))
        revoked = labels(sorted(set(before["roles"]) - set(after["roles"])),
                         sorted(set(before["departments"]) - set(after["departments"])))
        return after["username"], granted, revoked
    if action == "user.create":
        return detail.get("username", ""), labels(detail.get("roles", ()), detail.get("departments", ())), []
    if action == "user.enable":
        return detail.get("username", ""), ["利用者の有効化"], []
    return detail.get("username", ""), [], ["利用者の無効化"]


def grant_history(db: Database, *, limit: int = 20, offset: int = 0) -> tuple[list[dict], int]:
    """The latest grants and revokes, newest first, with who made them, and how many there are in all."""
    total = db.execute(f"SELECT count(*) FROM activity_log WHERE {_GRANT_WHERE}").fetchone()[0]
    names = {code: name for code, name in db.execute("SELECT code, name FROM departments")}
    rows = []
    for row in db.query(f"""SELECT id, at, username, action, detail FROM activity_log WHERE {_GRANT_WHERE}
                            ORDER BY id DESC LIMIT ? OFFSET ?""", [limit, offset]):
        target, granted, revoked = _grant_changes(row["action"], json.loads(row["detail"] or "{}"), names)
        rows.append({**row, "target": target, "granted": granted, "revoked": revoked})
    return rows, total
