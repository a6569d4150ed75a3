"""Notification tables (their own migration set).

- notices: one row per notice and person, shown in the app and, when the person has an e-mail address,
  sent by `flask notify`. `key` is unique: the same notice is never made (nor sent) twice.
- notice_optouts: the categories a person turned off (no row = on).
"""
from __future__ import annotations

from sqlite_utils import Database, Migrations

from .. import constraints
from ..constraints import Allowed
from . import categories

migrations = Migrations("notify")


def checks() -> dict:
    return {
        "notices": {"category": Allowed(categories.STORED), "mail_status": Allowed(categories.MAIL_STATES)},
        "notice_optouts": {"category": Allowed(categories.CATEGORIES)},
    }


@migrations(name="0001_notices")
def notices(db: Database) -> None:
    db.execute("""
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id),
            category TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            link TEXT,
            created_at TEXT NOT NULL,
            read_at TEXT,
            mail_status TEXT NOT NULL DEFAULT 'none',
            mail_attempts INTEGER NOT NULL DEFAULT 0,
            mail_error TEXT,
            mailed_at TEXT
        )""")
    db.execute("CREATE INDEX notices_user ON notices (user_id, read_at)")
    db.execute("CREATE INDEX notices_mail ON notices (mail_status)")
    db.execute("""
        CREATE TABLE notice_optouts (
            user_id INTEGER NOT NULL REFERENCES users(id),
            category TEXT NOT NULL,
            PRIMARY KEY (user_id, category)
        )""")


@migrations(name="0002_allowed_values", transactional=False)
def allowed_values(db: Database) -> None:
    # CHECK constraints from the constants (constraints.py), as every migration set adds them.
    constraints.enforce(db, checks())
