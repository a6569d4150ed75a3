"""The activity log: an append-only, hash-chained record of logins, changes, exports and downloads.

Each row's `hash` is HMAC-SHA256, under a key kept outside the database (LOG_KEY_FILE), over its own
fields and the previous row's hash, so altering or deleting a row breaks the chain from that row on,
and someone who can edit the database file but not read the key cannot recompute it; `verify()` names
the first bad row. Cutting rows off the end, or putting an older copy of the database back, leaves a
shorter chain that is still whole: only a head recorded outside the database catches that (anchors.py).
Rows are written in the same transaction as the change they record.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlite_utils import Database

from ..config import persistent_key
from ..db import Conditions, transaction
from ..timeutil import now_iso

GENESIS_HASH = "0" * 64

# The labels of the core actions. Each feature keeps its own as data (`ACTION_LABELS` in its module) and its
# init_app() registers them for one app (create_app → blueprints.register), never as a side effect of an import.
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
    "bureau.agency": "部の機関の変更",
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
    "log.anchor": "操作ログのアンカー出力",
    "log.keyed": "操作ログの鍵付きチェーンへの移行",
}

LOG_COLUMNS = ("id", "at", "user_id", "username", "action", "department_code",
               "object_type", "object_id", "detail", "ip", "prev_hash")


_LABELS = "tenken.action_labels"


def register_action_labels(app: Flask, labels: dict[str, str]) -> None:
    """Add a feature's action labels to app's registry; the same action with another label is a mistake."""
    registry = app.extensions.setdefault(_LABELS, {})
    for action, label in labels.items():
        if registry.get(action, label) != label:
            raise ValueError(f"action {action!r} already registered as {registry[action]!r}")
        registry[action] = label


def init_app(app: Flask) -> None:
    register_action_labels(app, ACTION_LABELS)


def action_labels() -> dict[str, str]:
    """Every action label registered for the current app (none outside an app made by create_app)."""
    return current_app.extensions.get(_LABELS, {}) if has_app_context() else {}


def action_label(action: str) -> str:
    """The action in words; an action no feature registered still reads as text, with its key for reference."""
    return action_labels().get(action) or f"記録された操作（{action}）"


# One encoder for every row: json.dumps() with options builds a new JSONEncoder per call, which was a
# fifth of verify-log's time over a large log. The encoding (and so every hash) is the same.
_encode_row = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def row_hash(row: dict[str, Any] | Iterable[Any], key: bytes) -> str:
    """HMAC-SHA256 of the row's LOG_COLUMNS under the log key."""
    values = [row[c] for c in LOG_COLUMNS] if isinstance(row, dict) else list(row)
    return hmac.digest(key, _encode_row(values).encode("utf-8"), "sha256").hex()


def unkeyed_row_hash(row: Iterable[Any]) -> str:
    """The chain before the key (migration 0003): plain SHA-256, read only to verify a log being upgraded."""
    return hashlib.sha256(_encode_row(list(row)).encode("utf-8")).hexdigest()


class LogChainError(Exception):
    """The log cannot be read or upgraded as it is; the message (Japanese) says why."""


_KEY = "tenken.log_key"
_process_key: bytes | None = None


def load_key_file(path: str | Path) -> bytes:
    """The key in LOG_KEY_FILE, created (random, mode 600) on first start like instance/secret_key."""
    try:
        text = persistent_key(path)
    except (OSError, UnicodeDecodeError) as error:
        raise LogChainError(f"操作ログの鍵 {path} を作成・読込みできません（{error}）。")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise LogChainError(f"操作ログの鍵 {path} を読めません（64 桁以上の16進数で書かれた鍵が必要です）。")
    return key


def use_key(app: Flask, key: bytes) -> None:
    """Register the log key for app (create_app does, from LOG_KEY_FILE). Code that runs outside any app
    context in this process (tests calling services, bench scripts) gets the key of the last app created."""
    global _process_key
    app.extensions[_KEY] = key
    _process_key = key


def log_key() -> bytes:
    if has_app_context():
        return current_app.extensions[_KEY]
    if _process_key is None:
        raise LogChainError("操作ログの鍵が読み込まれていません（create_app() で LOG_KEY_FILE を読み込みます）。")
    return _process_key


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
    key = log_key()
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
        row["hash"] = row_hash(row, key)
        db["activity_log"].insert(row)
    return row["id"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    bad_id: int | None = None
    reason: str = ""


def verify(db: Database, key: bytes | None = None) -> Verification:
    """Walk the chain in id order under the log key (the app's unless given); stop at the first bad row."""
    key = key or log_key()
    fits = lambda values: row_hash(values[:-1], key) == values[-1]  # noqa: E731
    result = _walk(db, fits)
    if not result.ok and result.bad_id == 1:  # say why the very first row fails, when its hash is the reason
        first = db.execute(f"SELECT {', '.join(LOG_COLUMNS)}, hash FROM activity_log WHERE id = 1").fetchone()
        if not first or fits(first) or first[-2] != GENESIS_HASH:
            return result
        if unkeyed_row_hash(first[:-1]) == first[-1]:
            return Verification(False, 0, 1, "操作ログが旧形式（鍵なしの SHA-256）のままです。"
                                              "flask --app app init-db を実行して鍵付きのチェーンに移行してください")
        return Verification(False, 0, 1, "行 1 の内容がハッシュと一致しません"
                                          "（改ざん、又は操作ログの鍵 LOG_KEY_FILE が違う可能性があります）")
    return result


def _walk(db: Database, fits: Callable[[tuple], bool]) -> Verification:
    """The chain's shape (ids 1, 2, … with nothing missing, each row naming the previous hash) and each row's
    own hash as `fits(row)` judges it (the row is LOG_COLUMNS then hash)."""
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
        if not fits(values):
            return Verification(False, count, row_id, f"行 {row_id} の内容がハッシュと一致しません（改ざんの可能性があります）")
        prev_hash = values[-1]
        expected_id += 1
        count += 1
    last = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'activity_log'").fetchone()
    if last and last[0] >= expected_id:
        return Verification(False, count, expected_id,
                            f"行 {expected_id} 以降（最終 {last[0]}）が見つかりません（削除された可能性があります）")
    return Verification(True, count)


def head(db: Database) -> dict | None:
    """The last row's id, hash and time: what an anchor or a backup manifest records."""
    row = db.execute("SELECT id, hash, at FROM activity_log ORDER BY id DESC LIMIT 1").fetchone()
    return {"id": row[0], "hash": row[1], "at": row[2]} if row else None


def upgrade_to_keyed(db: Database) -> None:
    """Carry a log chained by an earlier release (unkeyed SHA-256) over to the keyed chain; migration 0003.

    The old chain is verified first and the upgrade refused if it is broken, so that re-chaining never
    launders an edit. Rows the app already appended keyed (run before init-db) are accepted after the
    unkeyed ones. Then every row is re-chained under the key from row 1, and a `log.keyed` row records how
    many rows were carried and the old head hash.
    Why re-chain rather than continue keyed after the old rows: a mixed log needs the boundary between
    unkeyed and keyed rows stored somewhere, and in the database someone editing the file could move it
    and rewrite the unkeyed part at will; with every row keyed there is one rule and no boundary. The old
    hashes proved nothing against such an editor anyway, and the transition row keeps the old head so a
    copy of it kept elsewhere can still be matched.
    """
    if db.execute("SELECT 1 FROM activity_log LIMIT 1").fetchone() is None:
        return
    key = log_key()
    keyed = False

    def fits(values: tuple) -> bool:
        nonlocal keyed
        if not keyed and unkeyed_row_hash(values[:-1]) == values[-1]:
            return True
        keyed = True
        return row_hash(values[:-1], key) == values[-1]

    result = _walk(db, fits)
    if not result.ok:
        raise LogChainError(f"操作ログの検証に失敗したため、鍵付きのチェーンへの移行を中止しました: {result.reason}"
                            "（データベースは変更していません。バックアップと照合してください）")
    old_head = head(db)
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                          "AND tbl_name = 'activity_log'").fetchall()
    for name, _ in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    prev_hash, last_id = GENESIS_HASH, 0
    columns = ", ".join(LOG_COLUMNS[:-1])
    while batch := db.execute(f"SELECT {columns} FROM activity_log WHERE id > ? ORDER BY id LIMIT 10000",
                              [last_id]).fetchall():
        updates = []
        for values in batch:
            digest = row_hash((*values, prev_hash), key)
            updates.append((prev_hash, digest, values[0]))
            prev_hash = digest
        db.conn.executemany("UPDATE activity_log SET prev_hash = ?, hash = ? WHERE id = ?", updates)
        last_id = batch[-1][0]
    for _, sql in triggers:
        db.execute(sql)
    record(db, "log.keyed", detail={"rows": result.rows, "old_head": old_head["hash"]})


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
