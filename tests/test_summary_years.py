"""Year-over-year change: like for like (same 課 by code, same item by checklist id + item id across versions)."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from audits.summary import queries
from audits.summary.queries import Scope

import builders_summary as build

YEAR = build.YEAR


def section(html: str, section_id: str) -> str:
    found = re.search(r'<section class="card" id="' + section_id + r'">(.*?)</section>', html, re.S)
    assert found
    return found.group(1)


def test_like_for_like_across_checklist_versions(db):
    build.load_standard(db)
    yoy = queries.year_over_year(db, Scope(YEAR))
    assert yoy.previous_overall.rate == pytest.approx(50.0)            # 3 / 6 in 2020
    assert (yoy.common.pairs, yoy.common.done_before, yoy.common.done_now) == (6, 3, 4)
    assert yoy.common.change == pytest.approx(100 * 4 / 6 - 50.0)
    by_code = {d.code: d for d in yoy.departments}
    assert set(by_code) == {"shimin", "hoken"}                         # kenko has no 2020 sheet
    assert by_code["shimin"].pairs == 3 and by_code["shimin"].change == pytest.approx(100 / 3)
    assert by_code["hoken"].pairs == 3 and by_code["hoken"].change == pytest.approx(0.0)
    assert [d.code for d in yoy.departments] == ["hoken", "shimin"]    # the smallest change first
    assert [(i.item_id, i.rate_before, i.rate_now, i.improved, i.worsened) for i in yoy.items] == [
        ("T-01-01", 0.0, 50.0, 1, 0)]


def test_dashboard_shows_the_change(client, auth, db):
    build.load_standard(db)
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    years = section(html, "summary-years")
    assert "令和2年度 → 令和3年度" in years
    assert "（6件）" in years and "50.0% から 66.7%（+16.7ポイント）" in years
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td><td class=\"num\">(\d+)</td>.*?<td class=\"num\">([^<]+)</td></tr>",
                      years)
    assert ("市民課", "3", "+33.3") in rows and ("保険年金課", "3", "±0.0") in rows
    assert "T-01-01" in years and "+50.0" in years
    assert '/summary/charts/years.png?' in years


def test_excel_has_the_comparison_sheets(client, auth, db):
    build.load_standard(db)
    auth.login("chief")
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    departments = list(wb["前年度比較（課）"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3], r[4], r[5], r[6]) for r in departments] == [
        ("hoken", 3, 66.7, 66.7, 0.0), ("shimin", 3, 33.3, 66.7, 33.3)]
    items = list(wb["前年度比較（項目）"].iter_rows(min_row=2, values_only=True))
    assert items[0][1] == "T-01-01" and items[0][4:7] == (0.0, 50.0, 50.0)


def test_without_a_previous_year(client, auth, db):
    build.load_standard(db, with_previous_year=False)
    assert not queries.year_over_year(db, Scope(YEAR)).has_previous
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    assert "令和2年度の提出済の点検票がないため、比較できません。" in section(html, "summary-years")
