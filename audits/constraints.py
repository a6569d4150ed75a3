"""Allowed values that the database enforces itself: CHECK constraints generated from the Python constants.

Each migration set lists the columns it checks (`CHECKS` in its schema module: table -> column -> Allowed,
the values taken from the constant that defines them, never written out again). `enforce()` gives every listed
table one named table constraint per column, `CONSTRAINT allowed_<column> CHECK (...)`:

- a migration of each set adds them to an existing database (tables rebuilt, rows, indexes and triggers kept);
- `init_db` calls it again after the migrations, so when a constant gains or loses a value the constraint
  follows it at the next `init-db` (nothing to forget, and nothing to edit in an applied migration);
- rows holding a value the new constraint would refuse stop it before anything changes, with a message
  naming the table, the column, the values and how many rows: data is never dropped or rewritten silently.

SQLite cannot add a CHECK to an existing table: the table is rebuilt as SQLite documents it (new table,
copy, drop, rename, indexes and triggers recreated) in one transaction with foreign keys off, then
`PRAGMA foreign_key_check` must be clean before the commit.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from sqlite_utils import Database

from .db import transaction

PREFIX = "allowed_"


@dataclass(frozen=True)
class Allowed:
    """The values one column may hold (strings or integers); NULL only when `nullable`."""

    values: tuple
    nullable: bool = False

    def __init__(self, values: Iterable, *, nullable: bool = False):
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "nullable", nullable)


# 0/1 columns (SQLite has no boolean type).
FLAG = Allowed((0, 1))

Checks = Mapping[str, Mapping[str, Allowed]]


class ConstraintError(Exception):
    """Existing rows hold values a new constraint would refuse (Japanese message for init-db)."""


def _literal(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"allowed values are strings or integers, not {value!r}")
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def expression(column: str, allowed: Allowed) -> str:
    """The CHECK expression for `column`: `status IN ('a', 'b')`, with `status IS NOT NULL AND` in front
    unless NULL is allowed (a CHECK whose expression is NULL passes, so IN alone lets NULL through)."""
    listed = ", ".join(_literal(v) for v in allowed.values)
    if allowed.nullable:
        return f"{column} IN ({listed})"
    return f"{column} IS NOT NULL AND {column} IN ({listed})"


def constraint_name(column: str) -> str:
    return PREFIX + column


def current(db: Database, table: str) -> dict[str, str]:
    """The allowed_* constraints a table carries now: constraint name -> expression."""
    return {check.name: check.check.strip() for check in db[table].checks
            if check.name and check.name.startswith(PREFIX)}


def outdated(db: Database, checks: Checks) -> list[str]:
    """The tables whose allowed_* constraints differ from what the constants say now."""
    return [table for table, columns in checks.items()
            if current(db, table) != {constraint_name(c): expression(c, a) for c, a in columns.items()}]


def violations(db: Database, table: str, columns: Mapping[str, Allowed]) -> list[str]:
    """One Japanese line per column with rows the constraint would refuse."""
    problems = []
    for column, allowed in columns.items():
        rows = db.execute(f"SELECT {column}, COUNT(*) FROM {table} WHERE NOT IFNULL({expression(column, allowed)}, 1) "
                          f"GROUP BY {column} ORDER BY {column}").fetchall()
        if rows:
            found = "、".join(f"{'NULL' if value is None else repr(value)}（{count} 行）" for value, count in rows)
            listed = " / ".join(str(v) for v in allowed.values) + (" / NULL" if allowed.nullable else "")
            problems.append(f"{table}.{column} に許されない値があります: {found}。許される値: {listed}")
    return problems


def enforce(db: Database, checks: Checks) -> list[str]:
    """Give each table of `checks` the constraints its constants call for; returns the tables rebuilt.

    Raises ConstraintError, changing nothing, when existing rows would violate them."""
    tables = outdated(db, checks)
    if not tables:
        return []
    problems = [line for table in tables for line in violations(db, table, checks[table])]
    if problems:
        raise ConstraintError(
            "データベースの値の制約を更新できません（何も変更していません）。\n" + "\n".join(problems)
            + "\n該当する行を許される値に直してから、もう一度 init-db を実行してください。")
    with _rebuilding(db, "enforce()"):
        for table in tables:
            _rebuild(db, table, checks[table])
    return tables


@contextmanager
def _rebuilding(db: Database, caller: str) -> Iterator[None]:
    """One transaction with foreign keys off, for rebuilding tables; rolled back, with ConstraintError, if a
    foreign key no longer holds at its end. Foreign keys are switched back as they were."""
    if db.conn.in_transaction:
        raise RuntimeError(f"{caller} rebuilds tables with foreign keys off: call it outside a transaction")
    foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(db):
            yield
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ConstraintError(f"外部キーの整合性が取れなくなるため中止しました: {broken[:5]}")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")


def rewrite(db: Database, checks: Checks, table: str, column: str, mapping: Mapping) -> int:
    """Replace the stored values of a checked column through `mapping` (old value -> new, e.g. a Japanese label
    -> its stable key) and give the table the constraints `checks` calls for; returns the rows rewritten.

    The table's own allowed_* constraints would refuse the new values (or, once swapped, the old ones), so in
    one transaction, foreign keys off: the table is rebuilt without them, the rows are rewritten, and it is
    rebuilt with those of `checks` — or nothing changes, with ConstraintError, when a row still holds a value
    they refuse. A table without constraints yet only has its rows rewritten (enforce() adds them later).
    Values the mapping does not name are left as they are; running it again rewrites nothing."""
    with _rebuilding(db, "rewrite()"):
        constrained = bool(current(db, table))
        if constrained:
            _rebuild(db, table, {})
        changed = 0
        for old, new in mapping.items():
            changed += db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?', [new, old]).rowcount
        if constrained:
            problems = violations(db, table, checks[table])
            if problems:
                raise ConstraintError("データベースの値を書き換えられません（何も変更していません）。\n"
                                      + "\n".join(problems))
            _rebuild(db, table, checks[table])
    return changed


_HEAD = re.compile(r'^\s*CREATE\s+TABLE\s+(?:"(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|\w+)\s*\(', re.IGNORECASE)
_OWN = re.compile(r'\s*,\s*CONSTRAINT\s+["\[`]?' + PREFIX + r'\w+["\]`]?\s+CHECK\s*\(', re.IGNORECASE)


def _closing(sql: str, start: int) -> int:
    """Index just past the parenthesis that closes the one opened before `start` (quotes respected)."""
    depth, i, quote = 1, start, None
    while i < len(sql):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced parentheses in table SQL")


def table_sql(create_sql: str, name: str, columns: Mapping[str, Allowed]) -> str:
    """`create_sql` (as sqlite_master holds it) for a table called `name`, its own allowed_* constraints
    replaced by those of `columns`."""
    head = _HEAD.match(create_sql)
    if not head:
        raise ValueError(f"not a CREATE TABLE statement: {create_sql[:60]}")
    body_start = head.end()
    end = _closing(create_sql, body_start)
    if create_sql[end:].strip():
        raise ValueError(f"table options are not supported: {create_sql[end:].strip()}")
    body = create_sql[body_start:end - 1]
    while match := _OWN.search(body):
        body = body[:match.start()] + body[_closing(body, match.end()):]
    added = "".join(f",\n   CONSTRAINT {constraint_name(c)} CHECK ({expression(c, a)})" for c, a in columns.items())
    return f'CREATE TABLE "{name}" ({body.rstrip()}{added}\n)'


def _rebuild(db: Database, table: str, columns: Mapping[str, Allowed]) -> None:
    create_sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
    # Indexes and triggers go with the dropped table: keep their SQL to create them again.
    dependents = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", [table])]
    names = ", ".join(f'"{c}"' for c in db[table].columns_dict)
    rebuilt = f"{table}_{PREFIX}new"
    db.execute(table_sql(create_sql, rebuilt, columns))
    db.execute(f'INSERT INTO "{rebuilt}" ({names}) SELECT {names} FROM "{table}"')
    db.execute(f'DROP TABLE "{table}"')
    # As sqlite-utils' transform(): leave the references in other tables' definitions as they are.
    legacy = db.execute("PRAGMA legacy_alter_table").fetchone()[0]
    db.execute("PRAGMA legacy_alter_table = ON")
    db.execute(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
    db.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'}")
    for sql in dependents:
        db.execute(sql)
