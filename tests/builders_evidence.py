"""A database as the release before tenken-evidence 0001 left it: evidence.owner_type/owner_id, no link tables.

`as_previous_release` rewrites a database of this release (for instance a copy of the demo, with files attached
through the app) into that shape, so the migration can be run on real data. The result is compared with a
database built by every migration before tenken-evidence 0001: its schema must be the same, object for object."""
from __future__ import annotations

from sqlite_utils import Database

from audits.constraints import enforce
from audits.db import connect
from audits.evidence.service import OWNERS
from audits.migrations import checked_columns, migration_sets

MIGRATION = "0001_evidence_links"


def previous_schema(path) -> set[tuple]:
    """The schema of a new database built by every migration before tenken-evidence 0001 (and its constraints)."""
    db = Database(str(path))
    db.execute("PRAGMA foreign_keys = ON")
    for migrations in migration_sets():
        migrations.apply(db, stop_before=MIGRATION)
    enforce(db, checked_columns())
    schema = schema_of(db)
    db.conn.close()
    return schema


def schema_of(db: Database) -> set[tuple]:
    return set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                          ).fetchall())


def as_previous_release(path, scratch) -> None:
    """Turn the database at `path` back into the previous release's shape (`scratch`: a path for the reference)."""
    reference = Database(str(scratch))
    expected = previous_schema(scratch)
    create = reference.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'evidence'").fetchone()[0]
    indexes = [sql for (sql,) in reference.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'evidence' AND sql IS NOT NULL")]
    reference.conn.close()
    db = connect(str(path))
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("PRAGMA legacy_alter_table = ON")
    with db.conn:
        kind = "CASE " + " ".join(f"WHEN EXISTS (SELECT 1 FROM {o.table} l WHERE l.evidence_id = e.id) THEN '{k}'"
                                  for k, o in OWNERS.items()) + " END"
        owner = "CASE " + " ".join(f"WHEN EXISTS (SELECT 1 FROM {o.table} l WHERE l.evidence_id = e.id) THEN "
                                   f"(SELECT {o.column} FROM {o.table} l WHERE l.evidence_id = e.id)"
                                   for o in OWNERS.values()) + " END"
        db.execute("ALTER TABLE evidence RENAME TO evidence_linked")
        db.execute(create)
        columns = ", ".join(db["evidence_linked"].columns_dict)
        db.execute(f"INSERT INTO evidence ({columns}, owner_type, owner_id) "
                   f"SELECT {columns}, {kind}, {owner} FROM evidence_linked e")
        for spec in OWNERS.values():
            db.execute(f"DROP TABLE {spec.table}")
        db.execute("DROP TABLE evidence_linked")
        for sql in indexes:
            db.execute(sql)
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'tenken-evidence' AND name = ?", [MIGRATION])
    db.execute("PRAGMA legacy_alter_table = OFF")
    db.execute("PRAGMA foreign_keys = ON")
    assert schema_of(db) == expected, "the rewritten database differs from one built by the previous release"
    db.conn.close()
