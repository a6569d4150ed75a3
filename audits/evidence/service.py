"""Evidence rows: who uploaded what, where it belongs, and who may download it.

The file itself is handled by `storage`; this module writes the row only after the file is safely
on disk, keeps a removed file's record (who removed it and when), and decides access through the
policy that the owning feature registered for its `owner_type`.
"""
from __future__ import annotations

import os
import time
from typing import Callable

from flask import Flask, current_app, has_app_context
from sqlite_utils import Database

from ..activity import service as activity
from ..db import connect, transaction
from ..timeutil import now_iso
from . import storage

# owner_type -> function(user, evidence_row) -> bool; features register theirs at import.
ACCESS_POLICIES: dict[str, Callable[[object, dict], bool]] = {}


def register_access_policy(owner_type: str, policy: Callable[[object, dict], bool]) -> None:
    ACCESS_POLICIES[owner_type] = policy


def may_download(user, row: dict) -> bool:
    policy = ACCESS_POLICIES.get(row["owner_type"])
    return bool(policy and policy(user, row))


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def attach(db: Database, upload, *, owner_type: str, owner_id: int, department_id: int, user,
           sheet_id: int | None = None, note: str = "", department_code: str | None = None) -> dict:
    """Store an uploaded file (werkzeug FileStorage) and record it. Raises storage.EvidenceRejected."""
    stored = storage.save(upload.stream, upload.filename or "", current_app.config["UPLOAD_FOLDER"],
                          max_upload_bytes())
    row = {
        "owner_type": owner_type, "owner_id": owner_id, "department_id": department_id, "sheet_id": sheet_id,
        "stored_name": stored.stored_name, "original_name": stored.original_name,
        "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256,
        "note": (note or "").strip(), "uploaded_by": user.id, "uploaded_by_name": user.display_name,
        "uploaded_at": now_iso(),
    }
    try:
        with transaction(db):
            row["id"] = db["evidence"].insert(row).last_pk
            activity.record(db, "evidence.upload", department_code=department_code, object_type="evidence",
                            object_id=row["id"], detail={"owner": f"{owner_type}:{owner_id}",
                                                         "name": stored.original_name, "sha256": stored.sha256,
                                                         "size": stored.size})
    except BaseException:
        storage.discard(current_app.config["UPLOAD_FOLDER"], stored.stored_name)
        raise
    return row


def remove(db: Database, evidence_id: int, user, *, department_code: str | None = None) -> None:
    with transaction(db):
        db["evidence"].update(evidence_id, {"removed_at": now_iso(), "removed_by": user.id,
                                            "removed_by_name": user.display_name})
        activity.record(db, "evidence.remove", department_code=department_code, object_type="evidence",
                        object_id=evidence_id)


def for_owners(db: Database, owner_type: str, owner_ids, *, include_removed: bool = True) -> dict[int, list[dict]]:
    """owner_id -> evidence rows (newest last); `file_missing` is true for a row whose file is not on disk."""
    ids = sorted(set(owner_ids))
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    removed = "" if include_removed else "AND removed_at IS NULL"
    folder = current_app.config["UPLOAD_FOLDER"] if has_app_context() else None  # the demo loader has no app
    for row in db.query(
            f"SELECT * FROM evidence WHERE owner_type = ? AND owner_id IN ({','.join('?' * len(ids))}) {removed} "
            "ORDER BY id", [owner_type, *ids]):
        row["file_missing"] = bool(folder) and not storage.exists(folder, row["stored_name"])
        found[row["owner_id"]].append(row)
    return found


def sweep_at_start(app: Flask) -> storage.Sweep | None:
    """At start: set aside stored files that no row names (a crash between the file's rename and the row's
    commit) and report rows whose file is missing; both are logged. Nothing is deleted."""
    database = app.config["DATABASE"]
    if not os.path.exists(database):
        return None
    db = connect(database)
    try:
        if not db["evidence"].exists():
            return None
        rows = {name: evidence_id for evidence_id, name in db.execute("SELECT id, stored_name FROM evidence")}
    finally:
        db.conn.close()
    folder = app.config["UPLOAD_FOLDER"]
    result = storage.sweep_orphans(folder, set(rows), time.time())
    if result.quarantined:
        app.logger.warning("Evidence files with no database row moved to %s: %s",
                           os.path.join(folder, storage.QUARANTINE), ", ".join(result.quarantined))
    if result.missing:
        app.logger.warning("Evidence rows whose file is missing from %s: ids %s", folder,
                           ", ".join(str(rows[name]) for name in result.missing))
    return result


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} バイト"
