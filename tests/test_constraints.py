"""The database enforces its own rules: CHECK constraints generated from the Python constants (constraints.py)."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from audits import constraints, create_app
from audits.constraints import FLAG, Allowed, ConstraintError
from audits.db import connect, init_db
from audits.incidents.values import KINDS, NOTICE_KINDS
from audits.audit import schema as audit_schema
from audits.migrations import checked_columns, migration_sets
from audits.sheets import workflow
from audits.summary import scoring
from conftest import DEMO_PASSWORD

# Columns constrained by their own schema before constraints.py (column-level CHECKs), held to the same test.
EARLIER = {
    "checklist_items": {"measurement": FLAG},
    "incidents": {"kind": Allowed(KINDS), "notice_kind": Allowed(NOTICE_KINDS, nullable=True),
                  **{flag: FLAG for flag in ("persons_estimated", "persons_or_more", "sensitive",
                                             "ordinance_sensitive", "mynumber", "property_damage",
                                             "wrongful_purpose")},
                  "judgement_mynumber": Allowed((0, 1), nullable=True)},
}


def _all_checked() -> dict:
    merged = {table: dict(columns) for table, columns in checked_columns().items()}
    for table, columns in EARLIER.items():
        merged.setdefault(table, {}).update(columns)
    return merged


def accepts(db, table: str, column: str, value) -> bool:
    """Whether the table's constraints let `column` hold `value`: NOT NULL, then every CHECK that reads this
    column alone, evaluated on the value (a CHECK passes unless its expression is false)."""
    if value is None and any(c.notnull for c in db[table].columns if c.name == column):
        return False
    for check in db[table].checks:
        try:
            result = db.execute(f"SELECT ({check.check}) FROM (SELECT ? AS {column})", [value]).fetchone()[0]
        except sqlite3.OperationalError:
            continue                                  # the check reads another column
        if result == 0:
            return False
    return True


def disagreements(db, checked: dict) -> list[str]:
    found = []
    for table, columns in checked.items():
        for column, allowed in columns.items():
            refused = [v for v in allowed.values if not accepts(db, table, column, v)]
            if refused:
                found.append(f"{table}.{column} refuses {refused}")
            outsider = 2 if all(isinstance(v, int) for v in allowed.values) else "not-a-listed-value"
            if accepts(db, table, column, outsider):
                found.append(f"{table}.{column} accepts {outsider!r}")
            if accepts(db, table, column, None) != allowed.nullable:
                found.append(f"{table}.{column} NULL {'refused' if allowed.nullable else 'accepted'}")
    return found


def test_every_checked_column_allows_exactly_the_values_of_its_constant(db):
    checked = _all_checked()
    assert {"sheets", "answers", "schedules", "audits", "audit_checks", "audit_findings", "corrective_actions",
            "checklist_items", "users", "user_roles"} <= set(checked)
    assert disagreements(db, checked) == []


def test_the_test_notices_a_constant_the_database_does_not_follow(db):
    drifted = {"sheets": {"status": Allowed((*workflow.STATUS_LABELS, "archived"))},
               "answers": {"category": Allowed(scoring.CATEGORIES)}}          # NULL no longer allowed
    assert disagreements(db, drifted) == ["sheets.status refuses ['archived']", "answers.category NULL accepted"]


def test_the_database_refuses_a_value_outside_the_constant(db):
    sheet_id = db.execute("SELECT id FROM sheets LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="allowed_status"):
        db.execute("UPDATE sheets SET status = '提出済' WHERE id = ?", [sheet_id])
    with pytest.raises(sqlite3.IntegrityError, match="allowed_category"):
        db.execute("UPDATE answers SET category = 'done_' WHERE sheet_id = ?", [sheet_id])
    with pytest.raises(sqlite3.IntegrityError, match="allowed_result"):
        db.execute("UPDATE audit_checks SET result = '良好'")
    with pytest.raises(sqlite3.IntegrityError, match="allowed_active"):
        db.execute("UPDATE users SET active = 2")
    assert db.execute("SELECT status FROM sheets WHERE id = ?", [sheet_id]).fetchone()[0] in workflow.STATUS_LABELS


def test_the_builtin_answer_categories_are_the_checked_ones():
    from checklists.vocabulary import load_vocabulary

    assert tuple(load_vocabulary().categories) == scoring.CATEGORIES


# ----------------------------------------------------------------------------- constants that change

def test_init_db_follows_a_value_added_to_a_constant(tmp_path, monkeypatch):
    path = str(tmp_path / "t.db")
    init_db(path)
    monkeypatch.setattr(workflow, "STATUS_LABELS", {**workflow.STATUS_LABELS, "archived": "保管済"})
    db = connect(path)
    try:
        assert disagreements(db, checked_columns()) == [
            "sheets.status refuses ['archived']", "sheet_events.from_status refuses ['archived']",
            "sheet_events.to_status refuses ['archived']"]
    finally:
        db.conn.close()
    assert init_db(path) == ["constraints:sheets", "constraints:sheet_events"]
    db = connect(path)
    try:
        assert disagreements(db, checked_columns()) == []
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                   "AND tbl_name = 'sheets'")}
        assert triggers == {"sheet_results_sheet_update", "sheet_results_sheet_delete"}
    finally:
        db.conn.close()
    assert init_db(path) == []


def test_init_db_refuses_to_drop_a_value_rows_still_hold(db, app, monkeypatch):
    held = db.execute("SELECT COUNT(*) FROM sheets WHERE status = 'returned'").fetchone()[0]
    if not held:
        db.execute("UPDATE sheets SET status = 'returned' WHERE id = (SELECT MIN(id) FROM sheets)")
        db.conn.commit()
        held = 1
    before = db.execute("SELECT sql FROM sqlite_master WHERE name = 'sheets'").fetchone()[0]
    monkeypatch.setattr(workflow, "STATUS_LABELS", {k: v for k, v in workflow.STATUS_LABELS.items() if k != "returned"})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert f"sheets.status に許されない値があります: 'returned'（{held} 行）" in result.output
    assert "何も変更していません" in result.output
    assert db.execute("SELECT sql FROM sqlite_master WHERE name = 'sheets'").fetchone()[0] == before
    assert db.execute("SELECT COUNT(*) FROM sheets WHERE status = 'returned'").fetchone()[0] == held


def test_table_sql_replaces_only_its_own_constraints():
    sql = ('CREATE TABLE [t] (\n   [id] INTEGER PRIMARY KEY,\n   [s] TEXT CHECK (s IN (\'(x)\')),\n'
           '   CONSTRAINT allowed_s CHECK (s IS NOT NULL AND s IN (\'a\', \'b)\'))\n)')
    rebuilt = constraints.table_sql(sql, "t_new", {"s": Allowed(("a", "c"))})
    assert rebuilt == ('CREATE TABLE "t_new" (\n   [id] INTEGER PRIMARY KEY,\n   [s] TEXT CHECK (s IN (\'(x)\')),\n'
                       '   CONSTRAINT allowed_s CHECK (s IS NOT NULL AND s IN (\'a\', \'c\'))\n)')


# ----------------------------------------------------------------------------- the upgrade

CONSTRAINT_MIGRATIONS = {"0004_allowed_values", "0003_allowed_values", "0006_allowed_values", "0002_allowed_values",
                         "0008_fact_check_reply_states", "0010_stable_keys"}   # each set's migration that adds the allowed_* rules


@pytest.fixture(scope="session")
def before_constraints_template(tmp_path_factory, log_key_file):
    """The demo city as the release before constraints.py built it: every migration but the allowed_values ones."""
    folder = tmp_path_factory.mktemp("before_constraints")
    path = folder / "tenken.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(path),
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        db = connect(str(path))
        for migrations in migration_sets():
            migrations.apply(db, stop_before=CONSTRAINT_MIGRATIONS)
        # Migrations added after the constraints (core 0005_user_email …) were in no release without them, but
        # the demo of today needs their columns: apply them too, leaving only the allowed_values ones pending.
        for migrations in migration_sets():
            for migration in migrations.pending(db):
                if migration.name not in CONSTRAINT_MIGRATIONS:
                    if migration.transactional:
                        with db.atomic():
                            migration.fn(db)
                    else:                                   # it manages its own transaction (a table rebuild)
                        migration.fn(db)
                    with db.atomic():
                        db["_sqlite_migrations"].insert({"migration_set": migrations.name, "name": migration.name,
                                                         "applied_at": "2026-12-01 00:00:00+00:00"})
        from audits import demo

        from audits.summary import results

        demo.load(db, password=DEMO_PASSWORD, upload_folder=str(folder / "uploads"))
        results.refresh(db, [sheet_id for (sheet_id,) in db.execute("SELECT id FROM sheets")])   # the cache
        db.conn.commit()
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
    return path


@pytest.fixture
def before_constraints(tmp_path, before_constraints_template):
    path = tmp_path / "tenken.db"
    shutil.copy(before_constraints_template, path)
    return create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(path),
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})


def _snapshot(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                   "AND name NOT IN ('_sqlite_migrations', 'sqlite_sequence')")]
        rows = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        schema = {(kind, name, tbl) for kind, name, tbl in conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger')")}
        return {"rows": rows, "schema": schema}
    finally:
        conn.close()


@pytest.mark.slow
def test_init_db_carries_the_previous_release_forward(before_constraints):
    path = before_constraints.config["DATABASE"]
    runner = before_constraints.test_cli_runner()
    before = _snapshot(path)
    db = connect(path)
    try:
        assert not any(constraints.current(db, table) for table in checked_columns())     # the old schema
        assert db.execute("SELECT COUNT(*) FROM sheet_results").fetchone()[0] > 0
    finally:
        db.conn.close()

    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "0003_allowed_values" in result.output

    after = _snapshot(path)
    assert after["schema"] == before["schema"]                # every index and trigger is back
    assert after["rows"] == before["rows"]                    # every row of every table kept, the cache too
    db = connect(path)
    try:
        assert disagreements(db, _all_checked()) == []
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        # The summary cache's triggers still fire on the rebuilt tables.
        sheet_id = db.execute("SELECT sheet_id FROM sheet_results LIMIT 1").fetchone()[0]
        db.execute("UPDATE answers SET revision = revision + 1 WHERE sheet_id = ?", [sheet_id])
        assert db.execute("SELECT COUNT(*) FROM sheet_results WHERE sheet_id = ?", [sheet_id]).fetchone()[0] == 0
        db.conn.rollback()
        # The log's append-only triggers were left alone.
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM activity_log WHERE id = 1")
    finally:
        db.conn.close()
    result = runner.invoke(args=["verify-log"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["init-db"]).exit_code == 0     # and again: nothing left to do


@pytest.mark.slow
def test_the_upgrade_stops_on_a_value_no_constant_allows(before_constraints):
    path = before_constraints.config["DATABASE"]
    conn = sqlite3.connect(path)
    conn.execute("UPDATE audit_checks SET result = '良好' WHERE id = (SELECT MIN(id) FROM audit_checks)")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    result = before_constraints.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "audit_checks.result に許されない値があります: '良好'（1 行）" in result.output
    assert "許される値: proper / mostly_proper / needs_improvement / improper / unchecked" in result.output
    assert _snapshot(path) == before
    db = connect(path)
    try:
        assert not constraints.current(db, "audit_checks")
        assert [m.name for m in audit_schema.migrations.pending(db)] == ["0006_allowed_values", "0008_fact_check_reply_states",
                                                                         "0010_stable_keys"]
    finally:
        db.conn.close()
