"""Numbered schema migrations (sqlite-utils `Migrations`). Never edit an applied one: add the next.

The core tables live here; each feature keeps its own migration set in `<feature>/schema.py`.
`migration_sets()` lists them in the order they are applied (later sets reference earlier tables).
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from . import constraints, roles
from .constraints import FLAG, Allowed
from .departments import agencies

migrations = Migrations("tenken")


def migration_sets() -> list[Migrations]:
    from .audit import schema as audit_schema
    from .catalogue import schema as catalogue_schema
    from .evidence import schema as evidence_schema
    from .incidents import schema as incident_schema
    from .notify import schema as notify_schema
    from .pia import schema as pia_schema
    from .sheets import schema as selfcheck_schema
    from .summary import schema as summary_schema

    return [migrations, catalogue_schema.migrations, selfcheck_schema.migrations, audit_schema.migrations,
            summary_schema.migrations, incident_schema.migrations, notify_schema.migrations,
            evidence_schema.migrations, pia_schema.migrations]


def checked_columns() -> dict:
    """Every column whose values the database checks (constraints.py), from every migration set."""
    from .audit import schema as audit_schema
    from .catalogue import schema as catalogue_schema
    from .notify import schema as notify_schema
    from .pia import schema as pia_schema
    from .sheets import schema as selfcheck_schema

    merged: dict = {}
    for part in (checks(), agency_checks(), catalogue_schema.checks(), selfcheck_schema.checks(),
                 audit_schema.checks(), audit_schema.reply_checks(), audit_schema.wish_checks(), notify_schema.checks(),
                 pia_schema.checks()):
        for table, columns in part.items():         # a later migration may check one more column of a table
            merged.setdefault(table, {}).update(columns)
    return merged


def checks() -> dict:
    """The core tables' checked columns, each set from the constant that defines it."""
    return {
        "users": {"active": FLAG},
        "departments": {"active": FLAG},
        "user_roles": {"role": Allowed(roles.ROLES)},
    }


def agency_checks() -> dict:
    """The 機関 of a 部, checked from 0006 on (apart from checks(): migration 0004 enforces those, before the
    column exists)."""
    return {"bureaus": {"agency": Allowed(agencies.AGENCIES)}}


@migrations(name="0001_organisation_and_users")
def organisation_and_users(db: Database) -> None:
    db["bureaus"].create(
        {"id": int, "code": str, "name": str, "sort_order": int},
        pk="id", not_null={"code", "name"}, defaults={"sort_order": 0},
    )
    db["bureaus"].create_index(["code"], unique=True)
    db["departments"].create(
        {"id": int, "code": str, "name": str, "bureau_id": int, "sort_order": int,
         "active": int, "created_at": str, "updated_at": str},
        pk="id", not_null={"code", "name", "bureau_id", "active"},
        defaults={"sort_order": 0, "active": 1},
        foreign_keys=[("bureau_id", "bureaus", "id")],
    )
    db["departments"].create_index(["code"], unique=True)
    db["department_tags"].create(
        {"department_id": int, "tag": str},
        pk=("department_id", "tag"), not_null={"tag"},
        foreign_keys=[("department_id", "departments", "id")],
    )
    db["users"].create(
        {"id": int, "username": str, "display_name": str, "password_hash": str,
         "active": int, "session_token": str, "created_at": str, "updated_at": str,
         "password_changed_at": str, "last_login_at": str},
        pk="id", not_null={"username", "display_name", "password_hash", "active", "session_token"},
        defaults={"active": 1},
    )
    db["users"].create_index(["username"], unique=True)
    db["user_roles"].create(
        {"user_id": int, "role": str},
        pk=("user_id", "role"),
        foreign_keys=[("user_id", "users", "id")],
    )
    db["user_departments"].create(
        {"user_id": int, "department_id": int},
        pk=("user_id", "department_id"),
        foreign_keys=[("user_id", "users", "id"), ("department_id", "departments", "id")],
    )
    db["user_departments"].create_index(["department_id"])
    db["login_failures"].create(
        {"id": int, "username": str, "ip": str, "at": str},
        pk="id", not_null={"username", "at"},
    )
    db["login_failures"].create_index(["username", "at"])


@migrations(name="0002_activity_log")
def activity_log(db: Database) -> None:
    # AUTOINCREMENT keeps ids strictly increasing and records the highest id in
    # sqlite_sequence, so a deleted last row is noticed by verify-log too.
    db.execute(
        """
        CREATE TABLE activity_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id INTEGER,
            username TEXT,
            action TEXT NOT NULL,
            department_code TEXT,
            object_type TEXT,
            object_id TEXT,
            detail TEXT NOT NULL DEFAULT '{}',
            ip TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX activity_log_at ON activity_log (at)")
    db.execute("CREATE INDEX activity_log_user ON activity_log (username, at)")
    db.execute("CREATE INDEX activity_log_action ON activity_log (action, at)")
    db.execute("CREATE INDEX activity_log_department ON activity_log (department_code, at)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER activity_log_no_{event.lower()} BEFORE {event} ON activity_log
            BEGIN SELECT RAISE(ABORT, 'activity_log is append-only'); END
            """
        )


@migrations(name="0003_activity_log_keyed")
def activity_log_keyed(db: Database) -> None:
    # The chain becomes HMAC-SHA256 under a key kept outside the database. An existing log is verified as
    # the earlier release wrote it and re-chained keyed, with a row recording the transition (the reasons
    # for re-chaining rather than continuing are in upgrade_to_keyed). A new, empty log needs nothing.
    from .activity.service import upgrade_to_keyed

    upgrade_to_keyed(db)


@migrations(name="0003_server_sessions")
def server_sessions(db: Database) -> None:
    # auth/sessions.py: the cookie holds a random id, this table its SHA-256 and everything else.
    db["sessions"].create(
        {"id": str, "user_id": int, "data": str, "created_at": str, "last_seen": float,
         "ip": str, "user_agent": str},
        pk="id", not_null={"data", "created_at", "last_seen"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["sessions"].create_index(["user_id"])
    db["sessions"].create_index(["last_seen"])


@migrations(name="0004_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    # CHECK constraints from the constants (constraints.py); rebuilding referenced tables needs foreign keys off.
    constraints.enforce(db, checks())


@migrations(name="0005_user_email")
def user_email(db: Database) -> None:
    # notify/: where a user's notices are mailed (NULL: in-app notices only).
    db.execute("ALTER TABLE users ADD COLUMN email TEXT")


@migrations(name="0006_bureau_agency")
def bureau_agency(db: Database) -> None:
    # departments/agencies.py: the 機関 of each 部 (the 委員会's 定期的な報告 is answered per 機関); every existing
    # 部 starts in 市長部局. Its CHECK (agency_checks) is added by init_db, which enforces every checked column
    # after the migrations.
    db.execute(f"ALTER TABLE bureaus ADD COLUMN agency TEXT NOT NULL DEFAULT '{agencies.DEFAULT}'")
