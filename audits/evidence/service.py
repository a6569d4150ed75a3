"""Evidence rows: who uploaded what, where it belongs, and who may download it.

The file itself is handled by `storage`; this module writes the row only after the file is safely
on disk, keeps a removed file's record (who removed it and when), and decides access through the
policy that the owning feature registered for its owner kind.

An `evidence` row holds the file's facts; what it belongs to is one row in the link table of its owner kind
(`OWNERS`), whose foreign key the database checks (tenken-evidence 0001). A file belongs to exactly one owner.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, has_app_context
from sqlite_utils import Database

from ..activity import service as activity
from ..db import connect, transaction
from ..timeutil import now_iso
from . import storage


@dataclass(frozen=True)
class Owner:
    """The link table of one owner kind and its column naming the owner."""

    table: str
    column: str


# Owner kind -> its link table (evidence_id -> the owner's id, both real foreign keys).
OWNERS: dict[str, Owner] = {
    "answer": Owner("answer_evidence", "answer_id"),  # a self-check answer
    "audit_item": Owner("audit_check_evidence", "check_id"),  # an audit check (確認項目)
    "audit": Owner("audit_evidence", "audit_id"),  # the audit itself
    "action": Owner("action_evidence", "action_id"),  # a corrective action (改善措置)
}

# app.extensions key of {owner kind -> function(user, evidence_row) -> bool}: each owning feature registers its
# policy for one app from its init_app() (create_app → blueprints.register), never at import.
_POLICIES = "tenken.evidence_policies"


def register_access_policy(app: Flask, owner: str, policy: Callable[[object, dict], bool]) -> None:
    if owner not in OWNERS:
        raise ValueError(f"unknown evidence owner kind: {owner}")
    policies = app.extensions.setdefault(_POLICIES, {})
    if policies.get(owner, policy) is not policy:
        raise ValueError(f"evidence owner kind {owner!r} already has a policy")
    policies[owner] = policy


def access_policies(app: Flask) -> dict[str, Callable[[object, dict], bool]]:
    return app.extensions.get(_POLICIES, {})


def may_download(user, row: dict) -> bool:
    """`row` as `load` returns it; a file with no owner (left by an earlier release), or of a kind whose feature
    registered no policy for this app, is readable by nobody."""
    policy = access_policies(current_app).get(row["owner"])
    return bool(policy and policy(user, row))


def load(db: Database, evidence_id: int) -> dict | None:
    """The evidence row with `owner` (its kind, None if it has none) and `owner_id`."""
    row = next(db.query("SELECT * FROM evidence WHERE id = ?", [evidence_id]), None)
    if row is None:
        return None
    found = db.execute(" UNION ALL ".join(f"SELECT '{kind}', {o.column} FROM {o.table} WHERE evidence_id = ?"
                                          for kind, o in OWNERS.items()), [evidence_id] * len(OWNERS)).fetchone()
    row["owner"], row["owner_id"] = found if found else (None, None)
    return row


def link(db: Database, evidence_id: int, owner: str, owner_id: int) -> None:
    """Attach a stored evidence row to its owner (the database refuses a missing owner or a second owner)."""
    spec = OWNERS[owner]
    db.execute(f"INSERT INTO {spec.table} (evidence_id, {spec.column}) VALUES (?, ?)", [evidence_id, owner_id])


def move(db: Database, owner: str, owner_id: int, to: str, to_id: int) -> list[int]:
    """Every file of one owner passes to another (within the caller's transaction); returns their ids."""
    source = OWNERS[owner]
    ids = [r[0] for r in db.execute(f"SELECT evidence_id FROM {source.table} WHERE {source.column} = ? "
                                    "ORDER BY evidence_id", [owner_id])]
    db.execute(f"DELETE FROM {source.table} WHERE {source.column} = ?", [owner_id])
    for evidence_id in ids:
        link(db, evidence_id, to, to_id)
    return ids


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def attach(db: Database, upload, *, owner: str, owner_id: int, department_id: int, user,
           sheet_id: int | None = None, note: str = "", department_code: str | None = None) -> dict:
    """Store an uploaded file (werkzeug FileStorage) and record it. Raises storage.EvidenceRejected."""
    stored = storage.save(upload.stream, upload.filename or "", current_app.config["UPLOAD_FOLDER"],
                          max_upload_bytes())
    row = {
        "department_id": department_id, "sheet_id": sheet_id,
        "stored_name": stored.stored_name, "original_name": stored.original_name,
        "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256,
        "note": (note or "").strip(), "uploaded_by": user.id, "uploaded_by_name": user.display_name,
        "uploaded_at": now_iso(),
    }
    try:
        with transaction(db):
            row["id"] = db["evidence"].insert(row).last_pk
            link(db, row["id"], owner, owner_id)
            activity.record(db, "evidence.upload", department_code=department_code, object_type="evidence",
                            object_id=row["id"], detail={"owner": f"{owner}:{owner_id}",
                                                         "name": stored.original_name, "sha256": stored.sha256,
                                                         "size": stored.size})
    except BaseException:
        storage.discard(current_app.config["UPLOAD_FOLDER"], stored.stored_name)
        raise
    row.update(owner=owner, owner_id=owner_id)
    return row


def remove(db: Database, evidence_id: int, user, *, department_code: str | None = None) -> None:
    with transaction(db):
        db["evidence"].update(evidence_id, {"removed_at": now_iso(), "removed_by": user.id,
                                            "removed_by_name": user.display_name})
        activity.record(db, "evidence.remove", department_code=department_code, object_type="evidence",
                        object_id=evidence_id)


def for_owners(db: Database, owner: str, owner_ids, *, include_removed: bool = True) -> dict[int, list[dict]]:
    """owner_id -> evidence rows (newest last); `file_missing` is true for a row whose file is not on disk."""
    spec = OWNERS[owner]
    ids = sorted(set(owner_ids))
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    removed = "" if include_removed else "AND e.removed_at IS NULL"
    folder = current_app.config["UPLOAD_FOLDER"] if has_app_context() else None  # the demo loader has no app
    for row in db.query(
            f"SELECT e.*, ? AS owner, l.{spec.column} AS owner_id FROM evidence e "
            f"JOIN {spec.table} l ON l.evidence_id = e.id "
            f"WHERE l.{spec.column} IN ({','.join('?' * len(ids))}) {removed} ORDER BY e.id", [owner, *ids]):
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
