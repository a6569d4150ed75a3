"""Evidence rows: who uploaded what, where it belongs, and who may download it.

The file itself is handled by `storage`; this module writes the row only after the file is safely
on disk, keeps a removed file's record (who removed it and when), and decides access through the
policy that the owning feature registered for its `owner_type`.
"""
from __future__ import annotations

from typing import Callable

from flask import current_app
from sqlite_utils import Database

from ..activity import service as activity
from ..db import transaction
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
    """owner_id -> evidence rows (newest last)."""
    ids = sorted(set(owner_ids))
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    removed = "" if include_removed else "AND removed_at IS NULL"
    for row in db.query(
            f"SELECT * FROM evidence WHERE owner_type = ? AND owner_id IN ({','.join('?' * len(ids))}) {removed} "
            "ORDER BY id", [owner_type, *ids]):
        found[row["owner_id"]].append(row)
    return found


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} バイト"
