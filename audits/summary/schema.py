"""Tables of the aggregated report: the stored results of counted 点検票 (see results.py)."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tenken-summary")


@migrations(name="0001_sheet_results")
def sheet_results(db: Database) -> None:
    # One row per counted sheet (提出済・承認済): the category code of each item of its checklist version,
    # one byte per item in the version's item order. A cache of what the answers say, never a source:
    # the triggers below delete a row whenever anything it was computed from changes, and results.py
    # computes missing rows again from the answers.
    db.execute(
        """
        CREATE TABLE sheet_results (
            sheet_id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL,
            codes BLOB NOT NULL,
            computed_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX sheet_results_version ON sheet_results (version_id)")
    triggers = {
        "answer_insert": "AFTER INSERT ON answers BEGIN DELETE FROM sheet_results WHERE sheet_id = NEW.sheet_id; END",
        "answer_update": ("AFTER UPDATE ON answers BEGIN "
                          "DELETE FROM sheet_results WHERE sheet_id IN (OLD.sheet_id, NEW.sheet_id); END"),
        "answer_delete": "AFTER DELETE ON answers BEGIN DELETE FROM sheet_results WHERE sheet_id = OLD.sheet_id; END",
        "sheet_update": ("AFTER UPDATE OF status, version_id ON sheets "
                         "WHEN NEW.status NOT IN ('submitted', 'approved') OR NEW.version_id IS NOT OLD.version_id "
                         "BEGIN DELETE FROM sheet_results WHERE sheet_id = NEW.id; END"),
        "sheet_delete": "AFTER DELETE ON sheets BEGIN DELETE FROM sheet_results WHERE sheet_id = OLD.id; END",
        "item_insert": ("AFTER INSERT ON checklist_items "
                        "BEGIN DELETE FROM sheet_results WHERE version_id = NEW.version_id; END"),
        "item_update": ("AFTER UPDATE ON checklist_items "
                        "BEGIN DELETE FROM sheet_results WHERE version_id IN (OLD.version_id, NEW.version_id); END"),
        "item_delete": ("AFTER DELETE ON checklist_items "
                        "BEGIN DELETE FROM sheet_results WHERE version_id = OLD.version_id; END"),
    }
    for name, body in triggers.items():
        db.execute(f"CREATE TRIGGER sheet_results_{name} {body}")
