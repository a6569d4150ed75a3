"""The activity log: an append-only, hash-chained record of logins, changes, exports and downloads.

Each row's `hash` is SHA-256 over its own fields and the previous row's hash, so altering
or deleting a row breaks the chain from that row on; `verify()` names the first bad row.
Rows are written in the same transaction as the change they record.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

from flask import has_request_context, request
from sqlite_utils import Database

from ..db import Conditions, transaction
from ..timeutil import now_iso

GENESIS_HASH = "0" * 64

ACTION_LABELS: dict[str, str] = {
    "login.success": "ログイン",
    "login.failure": "ログイン失敗",
    "login.locked": "ログイン拒否（ロック中）",
    "logout": "ログアウト",
    "session.timeout": "自動ログオフ",
    "password.change": "パスワード変更",
    "user.create": "利用者の登録",
    "user.update": "利用者の変更",
    "user.disable": "利用者の無効化",
    "user.enable": "利用者の有効化",
    "user.password_reset": "パスワードの再設定",
    "user.sessions_end": "すべての端末からのログアウト",
    "department.create": "課の登録",
    "department.update": "課の変更",
    "organisation.import": "組織図の取込み",
    "access.denied": "権限のないアクセス",
    "checklist.store": "チェックリストの登録",
    "checklist.export": "チェックリストの出力",
    "evidence.upload": "証跡の添付",
    "answer.save": "回答の保存",
    "sheet.submit": "点検票の提出",
    "sheet.withdraw": "点検票の提出取下げ",
    "sheet.approve": "点検票の承認",
    "sheet.return": "点検票の差戻し",
    "sheet.reopen": "点検票の承認取消し（再開）",
    "sheet.export": "点検票の出力",
    "sheet.import": "点検票の Excel 取込み",
    "schedule.create": "点検計画の作成",
    "schedule.open": "点検計画の開始",
    "schedule.close": "点検計画の終了",
    "schedule.add_department": "点検計画への課の追加",
    "schedule.remove_department": "点検計画からの課の除外",
    "schedule.due_override": "課別の回答期限の設定",
    "evidence.remove": "証跡の削除",
    "evidence.download": "証跡のダウンロード",
    "backup": "バックアップ",
    "demo.load": "デモデータの投入",
    "log.export": "操作ログの出力",
}

LOG_COLUMNS = ("id", "at", "user_id", "username", "action", "department_code",
               "object_type", "object_id", "detail", "ip", "prev_hash")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


# One encoder for every row: json.dumps() with options builds a new JSONEncoder per call, which was a
# fifth of verify-log's time over a large log. The encoding (and so every hash) is the same.
_encode_row = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def row_hash(row: dict[str, Any] | Iterable[Any]) -> str:
    values = [row[c] for c in LOG_COLUMNS] if isinstance(row, dict) else list(row)
    return hashlib.sha256(_encode_row(values).encode("utf-8")).hexdigest()


def _request_actor() -> tuple[int | None, str | None, str | None]:
    if not has_request_context():
        return None, None, None
    from flask_login import current_user

    ip = request.remote_addr
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.username, ip
    return None, None, ip


def record(
    db: Database,
    action: str,
    *,
    department_code: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    detail: dict[str, Any] | None = None,
    user_id: int | None = None,
    username: str | None = None,
) -> int:
    """Append one row; returns its id. Joins the caller's transaction if one is open."""
    actor_id, actor_name, ip = _request_actor()
    with transaction(db):
        last = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'activity_log'").fetchone()
        prev = db.execute("SELECT hash FROM activity_log ORDER BY id DESC LIMIT 1").fetchone()
        row = {
            "id": (last[0] if last else 0) + 1,
            "at": now_iso(),
            "user_id": user_id if user_id is not None else actor_id,
            "username": username if username is not None else actor_name,
            "action": action,
            "department_code": department_code,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
            "ip": ip,
            "prev_hash": prev[0] if prev else GENESIS_HASH,
        }
        row["hash"] = row_hash(row)
        db["activity_log"].insert(row)
    return row["id"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    bad_id: int | None = None
    reason: str = ""


def verify(db: Database) -> Verification:
    """Walk the chain in id order; stop at the first row that does not fit."""
    expected_id = 1
    prev_hash = GENESIS_HASH
    count = 0
    cursor = db.conn.execute(
        f"SELECT {', '.join(LOG_COLUMNS)}, hash FROM activity_log ORDER BY id"
    )
    for values in cursor:
        row_id = values[0]
        if row_id != expected_id:
            return Verification(False, count, expected_id,
                                f"行 {expected_id} が見つかりません（削除された可能性があります）")
        if values[-2] != prev_hash:
            return Verification(False, count, row_id, f"行 {row_id} の直前ハッシュが前の行と一致しません")
        if row_hash(values[:-1]) != values[-1]:
            return Verification(False, count, row_id, f"行 {row_id} の内容がハッシュと一致しません（改ざんの可能性があります）")
        prev_hash = values[-1]
        expected_id += 1
        count += 1
    last = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'activity_log'").fetchone()
    if last and last[0] >= expected_id:
        return Verification(False, count, expected_id,
                            f"行 {expected_id} 以降（最終 {last[0]}）が見つかりません（削除された可能性があります）")
    return Verification(True, count)


@dataclass(frozen=True)
class LogFilter:
    username: str = ""
    department_code: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""


def search(db: Database, flt: LogFilter, *, limit: int = 200, offset: int = 0) -> tuple[list[dict], int]:
    """Rows matching the filter, newest first, and the total count."""
    where = Conditions()
    if flt.username:
        where.add("username = ?", flt.username)
    if flt.department_code:
        where.add("department_code = ?", flt.department_code)
    if flt.action:
        where.add("action = ?", flt.action)
    if flt.date_from:
        where.add("at >= ?", flt.date_from)
    if flt.date_to:
        where.add("at < date(?, '+1 day')", flt.date_to)
    total = db.execute(f"SELECT count(*) FROM activity_log {where.sql()}", where.params).fetchone()[0]
    rows = list(db.query(
        f"SELECT * FROM activity_log {where.sql()} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*where.params, limit, offset],
    ))
    return rows, total
