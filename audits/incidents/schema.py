"""Tables of the incident register (漏えい等事案).

- incidents: one row per incident (or 兆候); counts and categories only, never the affected persons' names.
  `revision` counts saves (optimistic locking); the 判定 keeps the app's proposal as it stood when the
  privacy office confirmed it (`judgement_proposal`, JSON) beside what was confirmed and why.
- incident_departments: the 課 an incident belongs to (a joint incident has several).
- incident_events: 事案の経過, dated entries (date, optional time, text).
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from .values import KINDS, NOTICE_KINDS, check_in

migrations = Migrations("tenken-incidents")


@migrations(name="0001_incidents")
def incidents(db: Database) -> None:
    db.execute(f"""
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL {check_in('kind', KINDS)},
            occurred_on TEXT,
            discovered_at TEXT NOT NULL,
            discovery_how TEXT NOT NULL DEFAULT '',
            medium TEXT NOT NULL DEFAULT '',
            persons INTEGER CHECK (persons IS NULL OR persons >= 0),
            persons_estimated INTEGER NOT NULL DEFAULT 0 CHECK (persons_estimated IN (0, 1)),
            persons_or_more INTEGER NOT NULL DEFAULT 0 CHECK (persons_or_more IN (0, 1)),
            items TEXT NOT NULL DEFAULT '',
            sensitive INTEGER NOT NULL DEFAULT 0 CHECK (sensitive IN (0, 1)),
            ordinance_sensitive INTEGER NOT NULL DEFAULT 0 CHECK (ordinance_sensitive IN (0, 1)),
            mynumber INTEGER NOT NULL DEFAULT 0 CHECK (mynumber IN (0, 1)),
            property_damage INTEGER NOT NULL DEFAULT 0 CHECK (property_damage IN (0, 1)),
            wrongful_purpose INTEGER NOT NULL DEFAULT 0 CHECK (wrongful_purpose IN (0, 1)),
            summary TEXT NOT NULL DEFAULT '',
            secondary_harm TEXT NOT NULL DEFAULT '',
            cause TEXT NOT NULL DEFAULT '',
            prevention TEXT NOT NULL DEFAULT '',
            response_to_persons TEXT NOT NULL DEFAULT '',
            publication TEXT NOT NULL DEFAULT '',
            preliminary_reported_on TEXT,
            final_reported_on TEXT,
            notified_on TEXT,
            notice_kind TEXT {check_in('notice_kind', NOTICE_KINDS, nullable=True)},
            judgement_proposal TEXT,
            judgement_clauses TEXT,
            judgement_mynumber INTEGER CHECK (judgement_mynumber IS NULL OR judgement_mynumber IN (0, 1)),
            judgement_reason TEXT,
            judgement_by INTEGER REFERENCES users(id),
            judgement_at TEXT,
            closed_at TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            updated_at TEXT NOT NULL,
            updated_by INTEGER REFERENCES users(id),
            revision INTEGER NOT NULL DEFAULT 0
        )""")
    db.execute("CREATE INDEX incidents_discovered ON incidents (discovered_at)")
    db.execute("CREATE INDEX incidents_open ON incidents (closed_at, discovered_at)")
    db["incident_departments"].create(
        {"incident_id": int, "department_id": int},
        pk=("incident_id", "department_id"),
        foreign_keys=[("incident_id", "incidents", "id"), ("department_id", "departments", "id")],
    )
    db["incident_departments"].create_index(["department_id"])
    db["incident_events"].create(
        {"id": int, "incident_id": int, "on_date": str, "at_time": str, "text": str,
         "created_at": str, "created_by": int},
        pk="id", not_null={"incident_id", "on_date", "text", "created_at"},
        foreign_keys=[("incident_id", "incidents", "id"), ("created_by", "users", "id")],
    )
    db["incident_events"].create_index(["incident_id", "on_date"])


# The columns of corrective_actions as created by tenken-audit 0001 (kept in this order by the rebuild).
_ACTION_COLUMNS = ("id", "finding_id", "department_id", "due_date", "status", "response", "submitted_at",
                   "submitted_by", "review_comment", "reviewed_at", "reviewed_by", "closed_at", "created_at",
                   "updated_at", "revision")


@migrations(name="0002_incident_links", transactional=False)
def incident_links(db: Database) -> None:
    """What the register feeds, as real links:

    - corrective_actions (改善措置, one model for audits and incidents): each row belongs to exactly one owner,
      an audit finding (finding_id) or an incident (incident_id, with `measure`, the 再発防止策 it carries out);
      a CHECK refuses none or both. SQLite cannot add a CHECK to a table, so the table is rebuilt (foreign keys
      off for the swap, checked before commit), its rows, ids and indexes kept; its status gets a CHECK too.
    - audit_incidents: the incidents an audit was planned from; the 監査報告書 carries their reports as annexes.
    - incident_items: the checklist items whose failure caused an incident (the version's item row, so the
      link survives as the catalogue grows; pages match it by its stable item id).
    This migration lives with the incidents because it points at their table, created in 0001 above.
    """
    from ..audit import values as audit_values

    statuses = ", ".join(f"'{s}'" for s in audit_values.ACTION_STATUS_LABELS)
    columns = ", ".join(_ACTION_COLUMNS)
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            db.execute(f"""
                CREATE TABLE corrective_actions_new (
                    id INTEGER PRIMARY KEY,
                    finding_id INTEGER REFERENCES audit_findings(id),
                    department_id INTEGER NOT NULL REFERENCES departments(id),
                    due_date TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ({statuses})),
                    response TEXT,
                    submitted_at TEXT,
                    submitted_by INTEGER,
                    review_comment TEXT,
                    reviewed_at TEXT,
                    reviewed_by INTEGER,
                    closed_at TEXT,
                    created_at TEXT,
                    updated_at TEXT,
                    revision INTEGER NOT NULL DEFAULT 0,
                    incident_id INTEGER REFERENCES incidents(id),
                    measure TEXT,
                    CHECK ((finding_id IS NULL) != (incident_id IS NULL)),
                    CHECK (incident_id IS NULL OR length(trim(coalesce(measure, ''))) > 0)
                )""")
            db.execute(f"INSERT INTO corrective_actions_new ({columns}) SELECT {columns} FROM corrective_actions")
            db.execute("DROP TABLE corrective_actions")
            db.execute("ALTER TABLE corrective_actions_new RENAME TO corrective_actions")
            db.execute("CREATE UNIQUE INDEX idx_corrective_actions_finding_id ON corrective_actions (finding_id)")
            db.execute("CREATE INDEX idx_corrective_actions_department_id_status_due_date "
                       "ON corrective_actions (department_id, status, due_date)")
            db.execute("CREATE INDEX idx_corrective_actions_incident_id ON corrective_actions (incident_id)")
            db.execute("""CREATE TABLE audit_incidents (
                              audit_id INTEGER NOT NULL REFERENCES audits(id),
                              incident_id INTEGER NOT NULL REFERENCES incidents(id),
                              created_at TEXT NOT NULL,
                              created_by INTEGER REFERENCES users(id),
                              PRIMARY KEY (audit_id, incident_id))""")
            db.execute("CREATE INDEX idx_audit_incidents_incident_id ON audit_incidents (incident_id)")
            db.execute("""CREATE TABLE incident_items (
                              incident_id INTEGER NOT NULL REFERENCES incidents(id),
                              item_pk INTEGER NOT NULL REFERENCES checklist_items(id),
                              PRIMARY KEY (incident_id, item_pk))""")
            db.execute("CREATE INDEX idx_incident_items_item_pk ON incident_items (item_pk)")
            problems = db.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign key check failed after rebuilding corrective_actions: {problems[:5]}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


@migrations(name="0003_council_report")
def council_report(db: Database) -> None:
    """When the incident was reported to the 審議会 and the report's number (報告第N号), as the cover 報告 of an
    audit report cites it; both empty (NULL) for existing incidents: not reported, or not recorded."""
    db.execute("ALTER TABLE incidents ADD COLUMN council_reported_on TEXT")
    db.execute("ALTER TABLE incidents ADD COLUMN council_report_number INTEGER "
               "CHECK (council_report_number IS NULL OR council_report_number > 0)")
