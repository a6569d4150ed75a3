"""The stored results of counted sheets (audits/summary/results.py): computed once, never stale.

The report reads each counted sheet's category codes from `sheet_results`; these tests change what a
stored row was computed from, by every route a change can take, and check that the report follows."""
from __future__ import annotations

import pytest

from audits.db import transaction
from audits.summary import queries, results, scoring
from audits.summary.queries import Scope

import builders_summary as build

YEAR = build.YEAR


@pytest.fixture
def ids(db):
    return build.load_standard(db)


def stored(db) -> set[int]:
    return {row[0] for row in db.execute("SELECT sheet_id FROM sheet_results").fetchall()}


def test_results_are_stored_for_counted_sheets_only(db, ids):
    assert queries.overall(db, Scope(YEAR)).done == 6
    counted = {ids[code] for code in ("shimin", "hoken", "kenko")}
    assert counted <= stored(db)
    assert ids["hoiku"] not in stored(db)          # 回答中: never stored


def test_a_changed_answer_changes_the_report(db, ids):
    scope = Scope(YEAR)
    assert queries.overall(db, scope).done == 6
    hoken = ids["hoken"]
    with transaction(db):
        db.execute(f"UPDATE answers SET value = 'not_done', category = '{scoring.NOT_DONE}' WHERE sheet_id = ? AND item_id = ?",
                   [hoken, "T-01-02"])
    assert hoken not in stored(db)
    counts = queries.overall(db, scope)
    assert (counts.done, counts.not_done) == (5, 3)


def test_a_returned_sheet_leaves_the_results(db, ids):
    scope = Scope(YEAR)
    queries.overall(db, scope)
    kenko = ids["kenko"]
    with transaction(db):
        db.execute("UPDATE sheets SET status = 'returned' WHERE id = ?", [kenko])
    assert kenko not in stored(db)
    counts = queries.overall(db, scope)
    assert (counts.done, counts.partial, counts.not_done) == (5, 1, 1)    # shimin and hoken only


def test_an_approved_sheet_keeps_its_stored_row(db, ids):
    queries.overall(db, Scope(YEAR))
    hoken = ids["hoken"]
    with transaction(db):
        db.execute("UPDATE sheets SET status = 'approved' WHERE id = ?", [hoken])
    assert hoken in stored(db)


def test_an_edited_item_of_the_version_drops_its_sheets(db, ids):
    queries.overall(db, Scope(YEAR))
    version = db.execute("SELECT version_id FROM sheets WHERE id = ?", [ids["shimin"]]).fetchone()[0]
    with transaction(db):
        db.execute(f"UPDATE checklist_items SET severity = '{scoring.LOW}' WHERE version_id = ? AND item_id = 'T-01-01'",
                   [version])
    assert not stored(db) & {ids[c] for c in ("shimin", "hoken", "kenko")}
    # shimin 6/7 with T-01-01 at weight 3; at weight 1 its 評点 becomes 4/5.
    rows = {r.code: r for r in queries.department_rows(db, Scope(YEAR))}
    assert rows["shimin"].score == pytest.approx(80.0)


def test_a_deleted_answer_becomes_unanswered(db, ids):
    queries.overall(db, Scope(YEAR))
    with transaction(db):
        db.execute("DELETE FROM answers WHERE sheet_id = ? AND item_id = 'T-02-01'", [ids["hoken"]])
    counts = queries.overall(db, Scope(YEAR))
    assert (counts.done, counts.unanswered) == (5, 1)


def test_a_lost_row_is_computed_again(db, ids):
    before = queries.overall(db, Scope(YEAR))
    results.discard(db, stored(db))
    assert not stored(db)
    assert queries.overall(db, Scope(YEAR)) == before
    assert len(stored(db)) == 3                              # the counted sheets of the 年度 asked for


def test_the_stored_results_agree_with_sql_over_the_demo_answers(db):
    """The numpy sums over stored codes equal a plain SQL GROUP BY over the answers, section by section (a 課 that
    answers the pia checklist once per 評価書 counted once per item, with its weakest answer)."""
    order = scoring.DEPARTMENT_ANSWER_ORDER
    rank = "CASE category " + " ".join(f"WHEN '{c}' THEN {n}" for n, c in enumerate(order)) + " END"
    back = "CASE weakest " + " ".join(f"WHEN {n} THEN '{c}'" for n, c in enumerate(order)) + " END"
    for year in queries.available_years(db):
        expected = {(r["checklist_id"], r["section_id"]): scoring.Counts.from_row(r) for r in db.query(f"""
            SELECT checklist_id, section_id, {scoring.sql_counts()}
            FROM (SELECT checklist_id, section_id, severity, {back} AS category
                  FROM (SELECT v.checklist_id, i.section_id, i.severity, min({rank}) AS weakest
                        FROM (SELECT s.department_id, s.version_id, i.id AS item_pk,
                                     {scoring.sql_category('a')} AS category
                              FROM sheets s JOIN schedules sc ON sc.id = s.schedule_id
                              JOIN checklist_items i ON i.version_id = s.version_id
                              LEFT JOIN answers a ON a.sheet_id = s.id AND a.item_pk = i.id
                              WHERE sc.fiscal_year = ? AND s.removed_at IS NULL
                                AND s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}) c
                        JOIN checklist_items i ON i.id = c.item_pk
                        JOIN checklist_versions v ON v.id = c.version_id
                        GROUP BY c.department_id, c.version_id, c.item_pk))
            GROUP BY checklist_id, section_id""", [year])}
        got = {(s.checklist_id, s.section_id): s.counts for s in queries.section_distribution(db, Scope(year))}
        assert got == expected
        assert expected, "the demo has counted sheets in every 年度"
