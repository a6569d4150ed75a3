"""The aggregated report counts a 課 once per item when it answers the pia checklist once per 評価書: its weakest
answer (a gap in any 評価書 is a gap of the 課); the submission figures still count sheets."""
from __future__ import annotations

import csv
import io

import pytest
from conftest import department_id

from audits.db import transaction
from audits.pia import values
from audits.summary import ppc, queries, results, scoring
from audits.summary.queries import Scope
from checklists.ppc_periodic import STATUS, ItemRef, Theme

ITEM = "P-02-01"          # severity high, in section P-02
SECTION = "P-02"


def _pia_sheets(db, year: int) -> list[dict]:
    """市民課's two pia sheets of the 年度 (the demo registers two 評価書 for it)."""
    return list(db.query(
        """SELECT h.id, h.version_id, pa.name, pa.kind FROM sheets h JOIN schedules s ON s.id = h.schedule_id
           JOIN checklist_versions v ON v.id = h.version_id JOIN departments d ON d.id = h.department_id
           JOIN pia_assessments pa ON pa.id = h.assessment_id
           WHERE d.code = 'shimin' AND s.fiscal_year = ? AND v.checklist_id = ? AND h.removed_at IS NULL
           ORDER BY h.id""", [year, values.PIA_CHECKLIST_ID]))


def _answer_section(db, sheet: dict, categories: dict[str, str]) -> None:
    """Answer every item of SECTION on the sheet: `categories[item_id]`, else 実施."""
    with transaction(db):
        for pk, item_id in db.execute("SELECT id, item_id FROM checklist_items WHERE version_id = ? "
                                      "AND section_id = ?", [sheet["version_id"], SECTION]).fetchall():
            category = categories.get(item_id, scoring.DONE)
            if not db.execute("UPDATE answers SET category = ?, auto_na = 0 WHERE sheet_id = ? AND item_pk = ?",
                              [category, sheet["id"], pk]).rowcount:
                db["answers"].insert({"sheet_id": sheet["id"], "item_pk": pk, "item_id": item_id, "value": None,
                                      "category": category, "auto_na": 0, "revision": 1,
                                      "updated_at": "2025-06-01T10:00:00+09:00"})
    results.discard(db, [sheet["id"]])


@pytest.fixture
def split(db):
    """2025: 市民課 answers ITEM 実施 in one 評価書 and 実施していない in the other (the rest of SECTION 実施);
    2024: 実施 in both."""
    now, before = _pia_sheets(db, 2025), _pia_sheets(db, 2024)
    assert len(now) == 2 and len(before) == 2
    _answer_section(db, now[0], {})
    _answer_section(db, now[1], {ITEM: scoring.NOT_DONE})
    for sheet in before:
        _answer_section(db, sheet, {})
    db.conn.commit()
    return {"shimin": department_id(db, "shimin"), "sheets": now}


def _scope(split, year: int = 2025) -> Scope:
    return Scope(year, department_ids=frozenset({split["shimin"]}))


def test_the_weakest_items_count_the_department_once_with_its_weakest_answer(db, split):
    row = next(r for r in queries.weakest_items(db, _scope(split), limit=1000)
               if (r.checklist_id, r.item_id) == (values.PIA_CHECKLIST_ID, ITEM))
    assert (row.counts.total, row.counts.not_done, row.counts.done) == (1, 1, 0)
    assert row.gap_rate == 100.0


def test_the_department_by_section_rate_takes_the_gap_of_either_assessment(db, split):
    heat = queries.heatmap(db, _scope(split))
    items = db.execute("SELECT count(*) FROM checklist_items WHERE version_id = ? AND section_id = ?",
                       [split["sheets"][0]["version_id"], SECTION]).fetchone()[0]
    cell = heat.cells[(split["shimin"], values.PIA_CHECKLIST_ID, SECTION)]
    assert cell.total == items                       # the 課 once, not once per 評価書
    assert heat.rate(split["shimin"], values.PIA_CHECKLIST_ID, SECTION) == pytest.approx(
        100.0 * (items - 1) / items)
    # The submission state still counts sheets: both 評価書 are there.
    assert queries.completion(db, _scope(split)).sheets >= 2


def test_the_year_over_year_comparison_sees_the_fall_in_one_assessment(db, split):
    yoy = queries.year_over_year(db, _scope(split), item_limit=1000)
    item = next(i for i in yoy.items if (i.checklist_id, i.item_id) == (values.PIA_CHECKLIST_ID, ITEM))
    assert (item.pairs, item.done_before, item.done_now, item.worsened) == (1, 1, 0, 1)


def test_the_answers_csv_names_the_assessment_of_each_pia_answer(client, auth, db, split):
    auth.login("chief")
    response = client.get("/summary/answers.csv?year=2025")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    done, not_done = (values.assessment_title(s["name"], s["kind"]) for s in split["sheets"])
    shimin_pia = [r for r in rows if r["課コード"] == "shimin" and r["チェックリストID"] == values.PIA_CHECKLIST_ID]
    assert {r["評価書"] for r in shimin_pia} == {done, not_done}
    assert {(r["評価書"], r["回答の区分"]) for r in shimin_pia if r["項目ID"] == ITEM} == {
        (done, scoring.CATEGORY_LABELS[scoring.DONE]), (not_done, scoring.CATEGORY_LABELS[scoring.NOT_DONE])}
    others = [r for r in rows if r["チェックリストID"] != values.PIA_CHECKLIST_ID]
    assert others and all(r["評価書"] == "" for r in others)


# --------------------------------------------------------------------------- the PPC report per 機関

THEME = Theme(99, "テスト", "特定個人情報保護評価に基づく措置を実施しているか。", STATUS,
              (ItemRef(values.PIA_CHECKLIST_ID, ITEM),),
              {"done": "適切に実施している", "gap": "{year}中に対応が完了しない", "na": "該当なし"})


def _cell(assessment: str, category: str, *, counted: bool = True) -> ppc.Cell:
    return ppc.Cell(7, "市民生活部 市民課", values.PIA_CHECKLIST_ID, ITEM, counted, category, None, "", None, "",
                    assessment)


def test_the_ppc_answer_of_a_department_is_a_gap_when_one_assessment_has_one():
    cells = [_cell("住民基本台帳に関する事務（全項目評価）", scoring.DONE),
             _cell("個人番号カードの交付等に関する事務（重点項目評価）", scoring.NOT_DONE)]
    answer = ppc._status(THEME, cells, 2025, "令和7年度")
    assert answer.key == "gap"
    assert len(answer.reasons) == 1 and "個人番号カードの交付等に関する事務" in answer.reasons[0]
    assert "1課の1件" in answer.notes[0]


def test_the_ppc_answer_is_left_to_fill_while_one_assessment_is_unsubmitted():
    cells = [_cell("住民基本台帳に関する事務（全項目評価）", scoring.DONE),
             _cell("個人番号カードの交付等に関する事務（重点項目評価）", scoring.UNANSWERED, counted=False)]
    answer = ppc._status(THEME, cells, 2025, "令和7年度")
    assert answer.to_fill and answer.pending == ["市民生活部 市民課"]
