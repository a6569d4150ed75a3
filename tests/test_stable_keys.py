"""Stable keys stored, labels shown: answer categories (done / partial / not_done / na) and severities
(high / medium / low) are stored as ASCII keys; every page, PDF and Excel file shows 実施 / 課題あり / 高 …;
and the migration carries a database of the previous release (labels stored) forward."""
from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3

import pytest
from builders_selfcheck import sheet_id
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlite_utils import Database

from audits import constraints
from audits.db import connect
from audits.migrations import checked_columns, migration_sets
from audits.sheets import excel
from audits.summary import scoring
from checklists import model

# The previous release stored the labels themselves (frozen here: they are history, not the labels shown now).
PREVIOUS_CATEGORIES = {scoring.DONE: "実施", scoring.PARTIAL: "課題あり", scoring.NOT_DONE: "未実施",
                       scoring.NOT_APPLICABLE: "該当しない"}
PREVIOUS_SEVERITIES = {model.HIGH: "高", model.MEDIUM: "中", model.LOW: "低"}
# table, column, key -> the value the previous release stored
STORED = [("answers", "category", PREVIOUS_CATEGORIES), ("checklist_items", "severity", PREVIOUS_SEVERITIES),
          ("audit_findings", "severity", PREVIOUS_SEVERITIES)]
NEW_MIGRATIONS = {"tenken-catalogue": "0004_severity_keys", "tenken-selfcheck": "0004_category_keys",
                  "tenken-audit": "0011_severity_keys"}


def stored_values(db) -> dict[str, set]:
    values = {f"{table}.{column}": {v for (v,) in db.execute(f"SELECT DISTINCT {column} FROM {table}")}
              for table, column, _ in STORED}
    values["answer_history"] = {json.loads(text).get("category") for (text,) in db.execute(
        "SELECT before FROM answer_history UNION SELECT after FROM answer_history")}
    return values


def assert_only_keys(db) -> None:
    found = stored_values(db)
    assert found["answers.category"] <= {*scoring.CATEGORIES, None} and scoring.DONE in found["answers.category"]
    assert found["answer_history"] <= {*scoring.CATEGORIES, None, ""} and scoring.PARTIAL in found["answer_history"]
    for column in ("checklist_items.severity", "audit_findings.severity"):
        assert found[column] <= set(model.SEVERITIES) and found[column], column
    assert all(v is None or v.isascii() for values in found.values() for v in values)


def test_init_db_and_demo_store_only_keys(db):
    assert_only_keys(db)


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def assert_pages_show_labels(client, auth, db) -> None:
    kenko = sheet_id(db, "kenko")
    auth.login("kenko.staff")
    page = client.get(f"/sheets/{kenko}?section=all").get_data(as_text=True)
    assert 'class="cat cat-done">実施</span>' in page and 'class="cat cat-partial">課題あり（一部実施）</span>' in page
    assert 'class="severity sev-high">重要度 高</span>' in page and "重要度 中" in page
    assert not re.search(r">\s*(done|partial|not_done|na|high|medium|low)\s*<", page)

    ws = load_workbook(io.BytesIO(client.get(f"/sheets/{kenko}/export.xlsx").data))["点検票"]
    rows = range(excel.HEADER_ROW + 1, ws.max_row + 1)
    assert {ws.cell(row=r, column=4).value for r in rows} == {"高", "中", "低"}
    shown = {ws.cell(row=r, column=13).value for r in rows} - {None}
    assert "実施" in shown and shown <= set(scoring.CATEGORY_LABELS.values())

    auth.logout()

    auth.login("auditor")
    joint = db.execute("SELECT audit_id FROM audit_findings WHERE severity = ?", [model.HIGH]).fetchone()[0]
    page = client.get(f"/audit/{joint}").get_data(as_text=True)
    assert "<td>高</td>" in page and "<td>中</td>" in page and "<td>high</td>" not in page
    auth.logout()


def assert_documents_show_labels(client, auth, db) -> None:
    kenko = sheet_id(db, "kenko")
    auth.login("kenko.staff")
    text = pdf_text(client.get(f"/sheets/{kenko}/report.pdf").data)
    assert "〔実施〕" in text and "〔課題あり（一部実施）〕" in text and "〔done〕" not in text
    auth.logout()

    auth.login("chief")
    text = pdf_text(client.get("/summary/report.pdf?year=2025").data)
    assert re.search("（重要度[高中低]）", text) and not re.search("重要度(high|medium|low)", text)
    wb = load_workbook(io.BytesIO(client.get("/summary/report.xlsx?year=2025").data))
    severities = {cell for row in wb["課題の多い項目"].iter_rows(min_row=2, values_only=True) for cell in row[5:6]}
    assert severities and severities <= {"高", "中", "低"}
    auth.logout()


def test_pages_and_the_sheet_excel_show_the_labels(client, auth, db):
    assert_pages_show_labels(client, auth, db)


@pytest.mark.slow
def test_pdfs_and_the_summary_excel_show_the_labels(client, auth, db):
    assert_documents_show_labels(client, auth, db)


def test_forms_show_labels_and_post_keys(client, auth, db):
    from test_audit_conflicts import base_of, finding_form

    auth.login("auditor")
    html = client.get("/checklists/search?severity=high").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="high"[^>]*>高</option>', html)
    assert "重要度 高" in html and "重要度 中" not in html
    assert "条件を1つ以上" in client.get("/checklists/search?severity=高").get_data(as_text=True)   # a label is no key
    finding, audit_id = db.execute("SELECT id, audit_id FROM audit_findings WHERE severity = ?", [model.HIGH]).fetchone()
    html = client.get(f"/audit/findings/{finding}/edit").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*name="severity"[^>]*value="high"> 高</label>', html)
    assert re.search(r'<input [^>]*name="severity"[^>]*value="medium"> 中</label>', html)

    stored = lambda: db.execute("SELECT severity FROM audit_findings WHERE id = ?", [finding]).fetchone()[0]  # noqa: E731
    response = auth.post(f"/audit/findings/{finding}/edit", {**finding_form(severity="低"), "base": base_of(html)})
    assert response.status_code in (200, 400) and stored() == model.HIGH          # a label is refused, not stored
    response = auth.post(f"/audit/findings/{finding}/edit", {**finding_form(severity=model.LOW), "base": base_of(html)})
    assert response.status_code == 302 and stored() == model.LOW
    assert "<td>低</td>" in client.get(f"/audit/{audit_id}").get_data(as_text=True)


# ----------------------------------------------------------------------------- the upgrade

def as_previous_release(path) -> None:
    """Turn a database of this release back into what the previous release stored: labels in the four places,
    its allowed_* constraints listing the labels, and the new migrations not applied."""
    db = Database(str(path))
    db.execute("PRAGMA foreign_keys = OFF")
    checks = checked_columns()
    with db.conn:
        for table, column, previous in STORED:
            columns = {**checks[table], column: constraints.Allowed(
                previous.values(), nullable=checks[table][column].nullable)}
            constraints._rebuild(db, table, {})
            for key, label in previous.items():
                db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [label, key])
            constraints._rebuild(db, table, columns)
        for history_id, before, after in db.execute("SELECT id, before, after FROM answer_history").fetchall():
            snapshots = [json.loads(before), json.loads(after)]
            for snapshot in snapshots:
                snapshot["category"] = PREVIOUS_CATEGORIES.get(snapshot.get("category"), snapshot.get("category"))
            db.execute("UPDATE answer_history SET before = ?, after = ? WHERE id = ?",
                       [json.dumps(snapshots[0], ensure_ascii=False), json.dumps(snapshots[1], ensure_ascii=False),
                        history_id])
        for migration_set, name in NEW_MIGRATIONS.items():
            db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = ?", [migration_set, name])
    db.conn.close()


def as_release_before_constraints(path) -> None:
    """Further back: labels stored and no allowed_* constraint at all (the allowed_values migrations not applied)."""
    from test_constraints import CONSTRAINT_MIGRATIONS

    as_previous_release(path)
    db = Database(str(path))
    db.execute("PRAGMA foreign_keys = OFF")
    with db.conn:
        for table in checked_columns():
            constraints._rebuild(db, table, {})
        db.execute(f"DELETE FROM _sqlite_migrations WHERE name IN ({', '.join('?' * len(CONSTRAINT_MIGRATIONS))})",
                   list(CONSTRAINT_MIGRATIONS))
    db.conn.close()


def previous_release_schema(path, monkeypatch) -> set:
    """The schema of a new database built by the previous release: every migration before the new ones, with the
    constants as they were (labels)."""
    monkeypatch.setattr(scoring, "CATEGORIES", tuple(PREVIOUS_CATEGORIES.values()))
    monkeypatch.setattr(model, "SEVERITIES", tuple(PREVIOUS_SEVERITIES.values()))
    from audits.audit import values
    monkeypatch.setattr(values, "SEVERITIES", tuple(PREVIOUS_SEVERITIES.values()))
    db = Database(str(path))
    for migrations in migration_sets():                 # every migration but the new ones, in their order
        migrations.ensure_migrations_table(db)
        for migration in migrations.pending(db):
            if migration.name != NEW_MIGRATIONS.get(migrations.name):
                if migration.transactional:
                    with db.atomic():
                        migration.fn(db)
                else:
                    migration.fn(db)
    constraints.enforce(db, checked_columns())
    schema = schema_of(db)
    db.conn.close()
    monkeypatch.undo()
    return schema


def schema_of(db) -> set:
    return set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                          ).fetchall())


def rows(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                                              "('_sqlite_migrations', 'sqlite_sequence', 'sheet_results')")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("release", ["previous", "before_constraints"])
def test_the_migration_stores_keys_in_a_database_of_an_earlier_release(app, client, auth, tmp_path, monkeypatch,
                                                                        release):
    path = app.config["DATABASE"]
    now = rows(path)
    previous = Database(path)
    if release == "previous":
        as_previous_release(path)
        assert schema_of(previous) == previous_release_schema(tmp_path / "reference.db", monkeypatch)
    else:
        as_release_before_constraints(path)
        assert not any(constraints.current(previous, table) for table in checked_columns())
    try:
        assert stored_values(previous)["answers.category"] == {*PREVIOUS_CATEGORIES.values()}
        assert "高" in stored_values(previous)["audit_findings.severity"]
    finally:
        previous.conn.close()
    issued = now["audit_reports"]

    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    for name in NEW_MIGRATIONS.values():
        assert name in result.output

    db = connect(path)
    try:
        assert_only_keys(db)
        assert constraints.outdated(db, checked_columns()) == []
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        with pytest.raises(sqlite3.IntegrityError, match="allowed_category"):
            db.execute("UPDATE answers SET category = '実施' WHERE id = (SELECT MIN(id) FROM answers)")
        with pytest.raises(sqlite3.IntegrityError, match="allowed_severity"):
            db.execute("UPDATE audit_findings SET severity = '高'")
        db.conn.rollback()
    finally:
        db.conn.close()
    after = rows(path)
    assert after["audit_reports"] == issued                     # issued reports keep their frozen text
    assert after == now                                         # every row as this release writes it, nothing else
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert_pages_show_labels(client, auth, connect(path))
    assert_documents_show_labels(client, auth, connect(path))


def test_a_rewrite_that_leaves_a_refused_value_changes_nothing(tmp_path):
    db = Database(str(tmp_path / "t.db"))
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    db["t"].insert_all([{"s": "実施"}, {"s": "実施済"}])
    constraints.enforce(db, {"t": {"s": constraints.Allowed(("実施", "実施済"))}})
    before = db.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
    keys = {"t": {"s": constraints.Allowed((scoring.DONE,))}}
    with pytest.raises(constraints.ConstraintError, match="t.s に許されない値があります: '実施済'（1 行）"):
        constraints.rewrite(db, keys, "t", "s", {"実施": scoring.DONE})
    assert [s for (s,) in db.execute("SELECT s FROM t ORDER BY id")] == ["実施", "実施済"]
    assert db.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0] == before
    assert constraints.rewrite(db, keys, "t", "s", {"実施": scoring.DONE, "実施済": scoring.DONE}) == 2
    assert constraints.current(db, "t") == {"allowed_s": "s IS NOT NULL AND s IN ('done')"}
    assert constraints.rewrite(db, keys, "t", "s", {"実施": scoring.DONE}) == 0     # again: nothing to do
