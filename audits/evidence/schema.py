"""The evidence feature's own tables: how a file is linked to what it belongs to.

The `evidence` table itself was created with the self-check (tenken-selfcheck 0001). This set comes after every
other one (migrations.migration_sets) because its link tables point at tables of several features: answers
(self-check), audits and audit_checks (audit), corrective_actions (audit, rebuilt by tenken-incidents 0002).
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tenken-evidence")


# 0001: the owner kinds as the earlier release wrote them in evidence.owner_type, each with its link
# table, the link's owner column and the table that column points at.
_EVIDENCE_LINKS = (("answer", "answer_evidence", "answer_id", "answers"),
                   ("audit_item", "audit_check_evidence", "check_id", "audit_checks"),
                   ("audit", "audit_evidence", "audit_id", "audits"),
                   ("action", "action_evidence", "action_id", "corrective_actions"))


@migrations(name="0001_evidence_links", transactional=False)
def evidence_links(db: Database) -> None:
    """Evidence belongs to its owner through one link table per owner kind, with real foreign keys, instead of
    evidence.owner_type/owner_id (which nothing could check). Each link's evidence_id is its primary key and a
    trigger refuses a second link in another table: a file belongs to exactly one owner. Every existing row gets
    its link; a row whose owner no longer exists (nobody could read it before either) keeps its file facts and no
    link. `evidence` is then rebuilt without the two columns (SQLite cannot drop a column that is indexed):
    foreign keys off for the swap, `PRAGMA foreign_key_check` clean before the commit."""
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            for kind, table, column, owner_table in _EVIDENCE_LINKS:
                db.execute(f"""CREATE TABLE {table} (
                                   evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
                                   {column} INTEGER NOT NULL REFERENCES {owner_table}(id))""")
                db.execute(f"CREATE INDEX idx_{table}_{column} ON {table} ({column})")
                db.execute(f"""INSERT INTO {table} (evidence_id, {column})
                               SELECT e.id, e.owner_id FROM evidence e
                               WHERE e.owner_type = ? AND e.owner_id IN (SELECT id FROM {owner_table})""", [kind])
            for _, table, _, _ in _EVIDENCE_LINKS:
                others = " UNION ALL ".join(f"SELECT 1 FROM {other} WHERE evidence_id = NEW.evidence_id"
                                            for _, other, _, _ in _EVIDENCE_LINKS if other != table)
                for event in ("INSERT", "UPDATE"):
                    db.execute(f"""CREATE TRIGGER {table}_one_owner_{event.lower()} BEFORE {event} ON {table}
                                   WHEN EXISTS ({others})
                                   BEGIN SELECT RAISE(ABORT, 'evidence already belongs to another owner'); END""")
            db.execute("""CREATE TABLE evidence_new (
                              id INTEGER PRIMARY KEY,
                              department_id INTEGER NOT NULL REFERENCES departments(id),
                              sheet_id INTEGER REFERENCES sheets(id),
                              stored_name TEXT NOT NULL,
                              original_name TEXT NOT NULL,
                              content_type TEXT,
                              size INTEGER NOT NULL,
                              sha256 TEXT NOT NULL,
                              note TEXT,
                              uploaded_by INTEGER,
                              uploaded_by_name TEXT,
                              uploaded_at TEXT NOT NULL,
                              removed_at TEXT,
                              removed_by INTEGER,
                              removed_by_name TEXT)""")
            columns = ("id, department_id, sheet_id, stored_name, original_name, content_type, size, sha256, note, "
                       "uploaded_by, uploaded_by_name, uploaded_at, removed_at, removed_by, removed_by_name")
            db.execute(f"INSERT INTO evidence_new ({columns}) SELECT {columns} FROM evidence")
            db.execute("DROP TABLE evidence")
            db.execute("ALTER TABLE evidence_new RENAME TO evidence")
            db.execute("CREATE INDEX idx_evidence_sheet_id ON evidence (sheet_id)")
            problems = db.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign key check failed after linking evidence: {problems[:5]}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")
