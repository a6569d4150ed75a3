"""The database connection: one sqlite-utils Database per request, kept on `g`."""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Iterator

import click
from flask.cli import with_appcontext
from flask import Flask, current_app, g
from sqlite_utils import Database

from . import private_files

BUSY_TIMEOUT_SECONDS = 30


def connect(path: str) -> Database:
    """Open the database with the pragmas every connection needs (a new database file is created private)."""
    if str(path) != ":memory:" and not str(path).startswith("file:"):
        private_files.create_empty(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    with db.ensure_autocommit_on():
        conn.execute("PRAGMA journal_mode = WAL")
    return db


def get_db() -> Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exception: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

    Taking the lock up front means two writers queue on the busy timeout instead of
    one failing when it tries to upgrade a read lock. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.commit()
        except BaseException:
            db.rollback()
            raise


def in_clause(column: str, values) -> tuple[str, list]:
    """`column IN (?, ?, …)` and its parameters, for a filter on a set of ids (an empty set matches nothing:
    SQLite accepts `IN ()`). A long list goes as one JSON parameter instead, below SQLite's limit on the
    number of parameters."""
    ordered = sorted(values)
    if len(ordered) > _MANY:
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(ordered)]
    return f"{column} IN ({','.join('?' * len(ordered))})", ordered


_MANY = 500


class Conditions:
    """The AND-ed conditions of a filtered query and their parameters, added one filter at a time.

        where = Conditions()
        if text:
            where.add("(d.name LIKE ? OR d.code LIKE ?)", f"%{text}%", f"%{text}%")
        db.query(f"SELECT … FROM departments d {where.sql()}", where.params)
    """

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list = []

    def add(self, clause: str, *params) -> "Conditions":
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def ids(self, column: str, values) -> "Conditions":
        """`column IN (…)` for a non-empty set of ids (see in_clause)."""
        clause, params = in_clause(column, values)
        return self.add(clause, *params)

    def sql(self, keyword: str = "WHERE") -> str:
        """'WHERE a AND b' ('' when there is no condition); keyword 'AND' to extend a WHERE already written."""
        return f"{keyword} {' AND '.join(self.clauses)}" if self.clauses else ""


def init_db(path: str) -> list[str]:
    """Create or upgrade the database; returns the names of the migrations applied.

    Then the CHECK constraints follow the constants as they are now (constraints.py): a value added to or
    removed from a constant since the last run rebuilds that table, or stops with ConstraintError."""
    from .constraints import enforce
    from .migrations import checked_columns, migration_sets

    db = connect(path)
    try:
        applied = []
        for migrations in migration_sets():
            applied += [f"{migrations.name}:{m.name}" for m in migrations.pending(db)]
            migrations.apply(db)
        applied += [f"constraints:{table}" for table in enforce(db, checked_columns())]
        return applied
    finally:
        db.conn.close()


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """データベースを作成又は最新の構造に更新します（何度実行しても安全です）。"""
    from .activity.service import LogChainError
    from .catalogue.service import sync_builtin, unreadable_versions
    from .constraints import ConstraintError

    try:
        applied = init_db(current_app.config["DATABASE"])
    except (LogChainError, ConstraintError) as error:
        raise click.ClickException(str(error))
    if applied:
        click.echo("適用したマイグレーション: " + ", ".join(applied))
    db = connect(current_app.config["DATABASE"])
    try:
        for result in sync_builtin(db):
            if result.outcome != "unchanged":
                click.echo("チェックリスト " + result.message)
        problems = unreadable_versions(db)
    finally:
        db.conn.close()
    for problem in problems:
        click.echo(f"NG: {problem}", err=True)
    if problems:
        raise click.ClickException(
            f"今の回答尺度・タグ（checklists/scales.yaml・tags.yaml）では読めない登録済みの版が {len(problems)} 件あります。"
            "削除・改名した回答尺度やタグを元に戻してください（点検票はその版の項目で回答されています）。")
    click.echo(f"データベースは最新です: {current_app.config['DATABASE']}")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
