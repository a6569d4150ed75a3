"""The scoring method and the SQL aggregates, on the hand-computed fixture of builders_summary."""
from __future__ import annotations

import pytest

from audits.summary import queries, scoring
from audits.summary.queries import Scope
from audits.summary.scoring import DONE, NOT_APPLICABLE, NOT_DONE, PARTIAL, UNANSWERED, Counts

import builders_summary as build

YEAR = build.YEAR


@pytest.fixture
def fixture_ids(db):
    ids = build.load_standard(db)
    ids.update(build.load_audits(db, ids))
    return ids


def test_rate_excludes_not_applicable_and_partial_is_not_done():
    counts = Counts(done=6, partial=2, not_done=2, unanswered=0, na=2)
    assert counts.applicable == 10
    assert counts.rate == pytest.approx(60.0)
    assert Counts(na=3).rate is None            # nothing applies: no rate, not 0 %


def test_unanswered_counts_in_the_denominator():
    assert Counts(done=3, unanswered=1).rate == pytest.approx(75.0)


def test_score_weighs_severity_and_gives_half_credit_for_partial():
    assert scoring.SEVERITY_WEIGHTS == {scoring.HIGH: 3, scoring.MEDIUM: 2, scoring.LOW: 1}
    assert scoring.CREDIT[scoring.PARTIAL] == 0.5
    assert scoring.score(6, 7) == pytest.approx(85.714, abs=1e-3)


def test_points_are_signed():
    assert scoring.points(16.666) == "+16.7"
    assert scoring.points(-2.04) == "−2.0"
    assert scoring.points(0.0) == "±0.0"
    assert scoring.points(None) == "—"


def test_method_text_states_the_rules():
    text = "".join(h + t for h, t in scoring.method_text())
    assert "該当しないは、実施率・評点の分母から除く" in text
    assert "課題あり（一部実施）は実施に含めない" in text
    assert "高 3、中 2、低 1" in text


def test_completion(db, fixture_ids):
    c = queries.completion(db, Scope(YEAR))
    assert (c.departments, c.sheets, c.submitted, c.approved, c.overdue) == (5, 5, 3, 2, 1)
    assert c.by_status == {"approved": 2, "submitted": 1, "answering": 1, "not_started": 1}


def test_overall_counts_only_submitted_and_approved_sheets(db, fixture_ids):
    o = queries.overall(db, Scope(YEAR))
    assert (o.done, o.partial, o.not_done, o.unanswered, o.na) == (6, 2, 2, 0, 2)
    assert o.rate == pytest.approx(60.0)
    assert o.score == pytest.approx(14.5 / 22 * 100)


def test_sections(db, fixture_ids):
    rows = {s.section_id: s for s in queries.section_distribution(db, Scope(YEAR))}
    assert rows["T-01"].counts.by_category() == {DONE: 3, PARTIAL: 1, NOT_DONE: 2, UNANSWERED: 0, NOT_APPLICABLE: 0}
    assert rows["T-02"].counts.by_category() == {DONE: 3, PARTIAL: 1, NOT_DONE: 0, UNANSWERED: 0, NOT_APPLICABLE: 2}
    assert rows["T-01"].counts.rate == pytest.approx(50.0)
    assert rows["T-02"].counts.rate == pytest.approx(75.0)
    assert rows["T-01"].checklist_title == "テスト点検票" and rows["T-01"].section_title == "管理体制"


def test_departments_weakest_first(db, fixture_ids):
    rows = queries.department_rows(db, Scope(YEAR))
    # The 課 that submitted nothing first (the overdue one before the other), then the lowest 評点.
    assert [r.code for r in rows] == ["kosodate", "hoiku", "kenko", "hoken", "shimin"]
    assert [r.result_text(r.score) for r in rows[:2]] == ["未提出", "未提出"]
    by_code = {r.code: r for r in rows}
    assert by_code["kenko"].score == pytest.approx(50.0)
    assert by_code["hoken"].score == pytest.approx(62.5)
    assert by_code["shimin"].score == pytest.approx(600 / 7)
    assert by_code["shimin"].rate == pytest.approx(200 / 3)
    assert by_code["kosodate"].overdue == 1 and by_code["hoiku"].overdue == 0
    assert by_code["hoiku"].rate is None          # answering: not counted


def test_heatmap(db, fixture_ids):
    heat = queries.heatmap(db, Scope(YEAR))
    ids = {r.code: r.id for r in heat.departments}
    assert heat.rate(ids["shimin"], build.CHECKLIST_ID, "T-01") == pytest.approx(100.0)
    assert heat.rate(ids["shimin"], build.CHECKLIST_ID, "T-02") == pytest.approx(0.0)
    assert heat.rate(ids["hoken"], build.CHECKLIST_ID, "T-01") == pytest.approx(50.0)
    assert heat.rate(ids["kenko"], build.CHECKLIST_ID, "T-02") == pytest.approx(100.0)
    _sections, departments = heat.for_checklist(build.CHECKLIST_ID)
    # Not submitted first (kosodate overdue, then hoiku), then 33.3 %, 66.7 %, 75.0 %.
    assert [d.code for d in departments] == ["kosodate", "hoiku", "kenko", "shimin", "hoken"]
    assert heat.is_pending(ids["kosodate"], build.CHECKLIST_ID) and not heat.is_pending(ids["kenko"], build.CHECKLIST_ID)


def test_weakest_items_with_sources(db, fixture_ids):
    items = queries.weakest_items(db, Scope(YEAR))
    assert [(i.item_id, i.counts.partial, i.counts.not_done) for i in items] == [
        ("T-01-01", 1, 1), ("T-01-02", 0, 1), ("T-02-01", 1, 0)]
    assert items[0].sources == ["GUIDE 4-8-2"]
    assert items[0].gap_rate == pytest.approx(200 / 3)


def test_filters_by_bureau_and_tag(db, fixture_ids):
    bureau = db.execute("SELECT id FROM bureaus WHERE code = 'shimin'").fetchone()[0]   # 市民生活部
    scope = Scope(YEAR, bureau_id=bureau)
    assert queries.completion(db, scope).departments == 2
    assert queries.overall(db, scope).rate == pytest.approx(500 / 7)      # (2 + 3) / (3 + 4)
    tagged = Scope(YEAR, tag="juki")                                         # 市民課 only has a sheet
    assert queries.completion(db, tagged).departments == 1
    assert queries.overall(db, tagged).rate == pytest.approx(200 / 3)


def test_audits_and_corrective_actions(db, fixture_ids):
    audits = queries.audits_of_year(db, Scope(YEAR))
    assert [a.department_code for a in audits] == ["kenko", "hoken"]
    kenko = audits[0]
    assert kenko.results["適正"] == 2 and kenko.results["要改善"] == 1
    assert kenko.findings == 2 and kenko.open_findings == 1
    assert kenko.conclusion_head.endswith("概ね適正であると判断する。")
    actions = queries.corrective_actions(db, Scope(YEAR))
    assert (actions.findings_this_year, actions.open, actions.overdue, actions.closed_this_year) == (2, 2, 1, 1)
    # A 課's own view: audits not yet sent for 事実確認 stay hidden.
    hoken = db.execute("SELECT id FROM departments WHERE code = 'hoken'").fetchone()[0]
    own = Scope(YEAR, department_ids=frozenset({hoken}))
    assert queries.audits_of_year(db, own, department_view=True) == []
    assert [r.finding_title for r in queries.corrective_actions(db, own, department_view=True).rows] == [
        "委託先の確認が未実施"]
