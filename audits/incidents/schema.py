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
