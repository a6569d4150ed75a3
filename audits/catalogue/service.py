"""The checklist catalogue in the database: versions stored from data files, read back for sheets.

A checklist's content is identified by its content hash. Storing a file whose content differs from
the latest version creates a new version when the latest one is in use (a schedule has sheets on
it); an unused latest version is replaced in place. A version in use is never changed, so old
sheets keep their questions and answers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlite_utils import Database

from checklists import loader

from ..activity import service as activity
from ..db import transaction
from ..timeutil import now_iso


@lru_cache(maxsize=1)
def vocabulary() -> loader.Vocabulary:
    return loader.load_vocabulary()


def scale(scale_id: str) -> loader.Scale:
    return vocabulary().scales[scale_id]


@dataclass(frozen=True)
class StoreResult:
    checklist_id: str
    version_id: int
    version: int
    outcome: str  # 'unchanged' | 'created' | 'replaced'

    @property
    def message(self) -> str:
        text = {"unchanged": "変更なし", "created": "新しい版を作成", "replaced": "未使用の版を更新"}[self.outcome]
        return f"{self.checklist_id} 第{self.version}版: {text}"


def version_in_use(db: Database, version_id: int) -> bool:
    """A version is in use once any sheet was created on it (answers may follow at any time)."""
    if not db["sheets"].exists():
        return False
    return db.execute("SELECT 1 FROM sheets WHERE version_id = ? LIMIT 1", [version_id]).fetchone() is not None


def _item_rows(version_id: int, checklist: loader.Checklist) -> list[dict]:
    return [{
        "version_id": version_id, "item_id": item.id, "section_id": item.section_id,
        "section_title": item.section_title, "position": item.position, "question": item.question,
        "guidance": item.guidance, "evidence_hint": item.evidence_hint,
        "evidence_required": int(item.evidence_required), "scale": item.scale, "severity": item.severity,
        "tags": json.dumps(list(item.tags), ensure_ascii=False),
        "sources": json.dumps(list(item.sources), ensure_ascii=False),
        "expect": json.dumps(dict(item.expect)) if item.expect is not None else None,
        "unit": item.unit,
    } for item in checklist.items()]


def _version_row(checklist: loader.Checklist, source: str, username: str | None) -> dict:
    return {
        "title": checklist.title, "description": checklist.description, "prefix": checklist.prefix,
        "tags": json.dumps(list(checklist.tags), ensure_ascii=False), "content_hash": checklist.content_hash(),
        "data": json.dumps(checklist.to_data(), ensure_ascii=False), "source": source,
        "created_at": now_iso(), "created_by": username,
    }


def store(db: Database, checklist: loader.Checklist, *, origin: str, source: str,
          username: str | None = None) -> StoreResult:
    """Store a validated checklist as its latest version (see the module docstring)."""
    with transaction(db):
        if not db.execute("SELECT 1 FROM checklists WHERE id = ?", [checklist.id]).fetchone():
            db["checklists"].insert({"id": checklist.id, "title": checklist.title, "origin": origin,
                                     "created_at": now_iso()})
        latest = next(db.query(
            "SELECT id, version, content_hash FROM checklist_versions WHERE checklist_id = ? "
            "ORDER BY version DESC LIMIT 1", [checklist.id]), None)
        if latest and latest["content_hash"] == checklist.content_hash():
            return StoreResult(checklist.id, latest["id"], latest["version"], "unchanged")
        row = _version_row(checklist, source, username)
        if latest and not version_in_use(db, latest["id"]):
            version_id, number, outcome = latest["id"], latest["version"], "replaced"
            db["checklist_versions"].update(version_id, row)
            db.execute("DELETE FROM checklist_items WHERE version_id = ?", [version_id])
        else:
            number = (latest["version"] + 1) if latest else 1
            outcome = "created"
            version_id = db["checklist_versions"].insert(
                {"checklist_id": checklist.id, "version": number, **row}).last_pk
        db["checklist_items"].insert_all(_item_rows(version_id, checklist))
        db["checklists"].update(checklist.id, {"title": checklist.title})
        activity.record(db, "checklist.store", object_type="checklist_version", object_id=version_id,
                        detail={"checklist": checklist.id, "version": number, "outcome": outcome,
                                "source": source, "items": len(checklist.items())})
    return StoreResult(checklist.id, version_id, number, outcome)


def sync_builtin(db: Database) -> list[StoreResult]:
    """Store every built-in checklist file; unchanged files change nothing."""
    return [store(db, checklist, origin="builtin", source=checklist.source)
            for checklist in loader.load_builtin()]


def latest_versions(db: Database) -> list[dict]:
    return list(db.query(
        """SELECT v.*, c.origin, (SELECT count(*) FROM checklist_items i WHERE i.version_id = v.id) AS item_count
           FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id
           WHERE v.version = (SELECT max(version) FROM checklist_versions x WHERE x.checklist_id = v.checklist_id)
           ORDER BY c.origin, v.checklist_id"""))


def get_version(db: Database, version_id: int) -> dict | None:
    return next(db.query("SELECT * FROM checklist_versions WHERE id = ?", [version_id]), None)


def version_checklist(db: Database, version_id: int) -> loader.Checklist:
    """The stored version as a loader Checklist (cached by content hash: versions are immutable)."""
    row = db.execute("SELECT content_hash, data, source FROM checklist_versions WHERE id = ?",
                     [version_id]).fetchone()
    return _parse_stored(row[0], row[1], row[2] or "")


@lru_cache(maxsize=64)
def _parse_stored(content_hash: str, data: str, source: str) -> loader.Checklist:
    return loader.parse_data(json.loads(data), source, vocabulary())


def version_items(db: Database, version_id: int) -> list[dict]:
    rows = list(db.query("SELECT * FROM checklist_items WHERE version_id = ? ORDER BY position", [version_id]))
    for row in rows:
        decode_item(row)
    return rows


def decode_item(row: dict) -> dict:
    row["tags"] = json.loads(row["tags"] or "[]")
    row["sources"] = json.loads(row["sources"] or "[]")
    row["expect"] = json.loads(row["expect"]) if row.get("expect") else None
    return row


def applicability(db: Database, version_id: int, department_tags) -> dict[str, str | None]:
    """item_id -> None when the item applies to a 課 with these tags, else the reason it does not."""
    checklist = version_checklist(db, version_id)
    return {item.id: reason for item, applies, reason in
            loader.applicability(checklist, department_tags, vocabulary())}
