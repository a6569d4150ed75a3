"""Tables of the checklist catalogue: checklists, their versions and the items of each version."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from .. import constraints
from ..constraints import FLAG, Allowed

migrations = Migrations("tenken-catalogue")


@migrations(name="0001_checklists")
def checklists(db: Database) -> None:
    db["checklists"].create(
        {"id": str, "title": str, "origin": str, "created_at": str},
        pk="id", not_null={"title", "origin"},
    )
    db["checklist_versions"].create(
        {"id": int, "checklist_id": str, "version": int, "title": str, "description": str, "prefix": str,
         "tags": str, "content_hash": str, "data": str, "source": str, "created_at": str, "created_by": str},
        pk="id", not_null={"checklist_id", "version", "title", "prefix", "tags", "content_hash", "data"},
        foreign_keys=[("checklist_id", "checklists", "id")],
    )
    db["checklist_versions"].create_index(["checklist_id", "version"], unique=True)
    # One row per item of a version: answers point here, and SQL aggregates join here.
    db["checklist_items"].create(
        {"id": int, "version_id": int, "item_id": str, "section_id": str, "section_title": str, "position": int,
         "question": str, "guidance": str, "evidence_hint": str, "evidence_required": int, "scale": str,
         "severity": str, "tags": str, "sources": str, "expect": str, "unit": str},
        pk="id", not_null={"version_id", "item_id", "section_id", "position", "question", "scale", "severity"},
        foreign_keys=[("version_id", "checklist_versions", "id")],
    )
    db["checklist_items"].create_index(["version_id", "item_id"], unique=True)
    db["checklist_items"].create_index(["item_id"])


@migrations(name="0002_measurement_items")
def measurement_items(db: Database) -> None:
    # Items whose figure is information (incidents this year), not a pass/fail (FORMAT.md).
    db.execute("ALTER TABLE checklist_items ADD COLUMN measurement INTEGER NOT NULL DEFAULT 0 "
               "CHECK (measurement IN (0, 1))")


def checks() -> dict:
    """Checked columns (constraints.py), each set from the constant that defines it. checklist_items.measurement
    has had its own CHECK since 0002; scale and tags name entries of checklists/*.yaml, data rather than code."""
    from checklists.model import SEVERITIES

    from .service import ORIGIN_LABELS

    return {
        "checklists": {"origin": Allowed(ORIGIN_LABELS)},
        "checklist_items": {"severity": Allowed(SEVERITIES), "evidence_required": FLAG},
    }


# The newest migration, registered before 0003_allowed_values on purpose: a database older than the constraints
# has its labels rewritten before 0003_allowed_values enforces the keys; one that has it gets this one alone.
@migrations(name="0004_severity_keys", transactional=False)
def severity_keys(db: Database) -> None:
    """checklist_items.severity stores stable keys (high / medium / low) instead of the labels 高 / 中 / 低, which
    pages show through SEVERITY_LABELS. checklist_versions.data keeps the checklist as its file says (FORMAT.md
    writes the labels), so the versions' content hashes are unchanged."""
    from checklists.model import HIGH, LOW, MEDIUM

    constraints.rewrite(db, checks(), "checklist_items", "severity", {"高": HIGH, "中": MEDIUM, "低": LOW})


@migrations(name="0003_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    constraints.enforce(db, checks())
