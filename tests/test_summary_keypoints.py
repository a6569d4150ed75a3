"""Page 1 and the orderings of the aggregated report: the 要点 (PDF page 1 and the dashboard's top), 未提出 課 first,
weakest items ranked with severity, the year-over-year tables in the order their titles say, bars that agree
with the printed rates, a rate from few answers with its n, draft conclusions marked as drafts."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from audits.summary import charts, keypoints, queries, scoring
from audits.summary.queries import Scope
from audits.summary.report import build as build_report

import builders_summary as build

YEAR = build.YEAR


@pytest.fixture
def fixture_ids(db):
    ids = build.load_standard(db)
    ids.update(build.load_audits(db, ids))
    return ids


def section(html: str, section_id: str) -> str:
    found = re.search(r'<section class="card" id="' + section_id + r'">(.*?)</section>', html, re.S)
    assert found, f"no section {section_id}"
    return found.group(1)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- the 要点

def test_key_points_from_the_report(db, fixture_ids):
    report = build_report(db, Scope(YEAR, today="2022-03-01"), municipality="テスト市")
    points = {p.heading: p for p in report.key_points}
    assert list(points) == ["提出状況", "漏えい等事案", "改善措置", "重大な課題", "前年度との比較"]
    submission = points["提出状況"]
    # kosodate is overdue (named with its 部); hoiku's due date is overridden to 2099 and is not named.
    assert "提出期限を過ぎた課（1課）: 子育て支援課（子ども未来部）" in submission.text and submission.alert
    assert "保育課" not in submission.text
    assert "5課の点検票5件のうち3件が提出済（うち承認済2件）、未提出2件" in submission.text
    assert "対応中2件（うち期限超過1件）" in points["改善措置"].text
    assert "期限を過ぎた課: 健康づくり課（健康福祉部）" in points["改善措置"].text
    assert points["重大な課題"].text.startswith("重要度で重み付けした課題の大きい順に、T-01-01")
    assert "（重要度高、2/3課）" in points["重大な課題"].text
    assert "50.0%から66.7%へ16.7ポイント上昇" in points["前年度との比較"].text
    assert not points["前年度との比較"].alert


def test_key_points_group_the_named_departments_by_bureau_and_name_at_most_ten():
    names = [("A部", "課1"), ("A部", "課2"), ("B部", "課3")] + [("C部", f"課{n}") for n in range(4, 13)]
    assert keypoints._by_bureau(names) == "課1・課2（A部）、課3（B部）、課4・課5・課6・課7・課8・課9・課10（C部）ほか2課"


def test_pdf_page_one_is_the_key_points(client, auth, fixture_ids):
    auth.login("chief")
    response = client.get(f"/summary/report.pdf?year={YEAR}")
    assert response.status_code == 200
    page1 = flat(PdfReader(io.BytesIO(response.data)).pages[0].extract_text())
    assert "要点" in page1
    for expected in ("提出状況", "子育て支援課（子ども未来部）", "漏えい等事案", "改善措置", "うち期限超過1件",
                     "重大な課題", "T-01-01", "前年度との比較", "16.7ポイント上昇"):
        assert expected in page1, expected
    assert "目次" not in page1                                     # the contents moved to page 2


def test_dashboard_opens_with_the_key_points(client, auth, fixture_ids):
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    assert html.index('id="summary-keypoints"') < html.index('id="summary-completion"')
    card = section(html, "summary-keypoints")
    assert "■提出状況" in card and "子育て支援課（子ども未来部）" in card
    assert "漏えい等事案" in card and "うち期限超過1件" in card and "T-01-01" in card and "16.7ポイント上昇" in card


# --------------------------------------------------------------------------- 未提出 first

def test_unsubmitted_departments_first_in_every_weakest_first_order(db, fixture_ids):
    for key in queries.WEAKEST_FIRST:
        rows = queries.department_rows(db, Scope(YEAR), key)
        assert [r.code for r in rows[:2]] == ["kosodate", "hoiku"], key      # overdue one first
        assert "未提出の課が先頭" in queries.SORT_KEYS[key]
    assert [r.code for r in queries.department_rows(db, Scope(YEAR), "code")] == sorted(
        ["kosodate", "hoiku", "kenko", "hoken", "shimin"])


def test_pdf_shows_unsubmitted_departments_as_such_first(client, auth, fixture_ids):
    auth.login("chief")
    data = client.get(f"/summary/report.pdf?year={YEAR}").data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    table = text[text.index("課別の提出状況と結果（評点の低い順（未提出の課が先頭））"):]
    assert table.index("子育て支援課") < table.index("保育課") < table.index("健康づくり課")
    assert re.match(r"[^子]*子ども未来部\s*子育て支援課\s*1\s*0\s*0\s*1\s*未提出\s*未提出", table[table.index("評点"):])


# --------------------------------------------------------------------------- weakest items with severity

WEAK_ITEMS = [
    ("W-01-01", "W-01", "区分", "低", [], "低い重要度の項目"),
    ("W-01-02", "W-01", "区分", "中", [], "中位の重要度の項目"),
    ("W-01-03", "W-01", "区分", "高", [], "住基ネットの操作ログを確認していますか。"),
    ("W-01-04", "W-01", "区分", "高", [], "公印を管理していますか。"),
]


@pytest.fixture
def weak_items(db):
    """A: 低, 未実施 in 3 課 → 1×3 = 3.0; B: 中, 未実施 in 2 of 3 → 2×2 = 4.0; C: 高, 課題あり in the one 課 it
    applies to → 3×0.5 = 1.5 (100 %); D: 高, 課題あり in 1 of 3 → 1.5 (33 %)."""
    version, pks = build.checklist(db, checklist_id="wcheck", title="重み付けの確認", items=WEAK_ITEMS)
    schedule = build.schedule(db, YEAR, version)
    answers = {
        "shimin": {"W-01-01": "未実施", "W-01-02": "未実施", "W-01-03": "課題あり", "W-01-04": "課題あり"},
        "hoken": {"W-01-01": "未実施", "W-01-02": "未実施", "W-01-03": "該当しない", "W-01-04": "実施"},
        "kenko": {"W-01-01": "未実施", "W-01-02": "実施", "W-01-03": "該当しない", "W-01-04": "実施"},
    }
    for code, categories in answers.items():
        build.answers(db, build.sheet(db, schedule, code, version, "approved"), pks, categories)


def test_weakest_items_are_ranked_by_severity_weighted_gap(db, weak_items):
    items = queries.weakest_items(db, Scope(YEAR))
    assert [(i.item_id, i.rank, i.weighted_gap) for i in items] == [
        ("W-01-02", 1, 4.0), ("W-01-01", 2, 3.0), ("W-01-03", 3, 1.5), ("W-01-04", 4, 1.5)]


def test_a_high_severity_item_few_departments_answer_is_listed_beyond_the_limit(db, weak_items):
    items = queries.weakest_items(db, Scope(YEAR), limit=2)
    # W-01-03 (高, the one 課 it applies to has a gap) is kept with its true rank; W-01-04 (高, 1 of 3) is not.
    assert [(i.item_id, i.rank) for i in items] == [("W-01-02", 1), ("W-01-01", 2), ("W-01-03", 3)]


def test_method_text_says_how_the_weakest_items_are_ranked():
    text = "".join(h + t for h, t in scoring.method_text())
    assert "重要度の重み（高 3、中 2、低 1）を掛けた値（重み付き課題）の大きい順" in text
    assert "重要度が高で、該当する課の50％以上" in text
    assert "差（ポイント）の小さい順（低下の大きい順）" in text
    assert "「未提出」として先頭" in text
    assert f"回答の数が{scoring.SMALL_N}未満の実施率" in text
    assert "帯の実施の長さが実施率と一致" in text


# --------------------------------------------------------------------------- year over year: largest fall first

def test_year_over_year_tables_are_in_the_order_of_their_titles(db):
    """X falls 1 → 0 of 1 課 (−100 points, one 課 fewer); Y falls 4 → 1 of 4 課 (−75 points, three fewer).
    The tables print points, so X comes first (it came second when ordered by the number of 課)."""
    items = [("Y-01-01", "Y-01", "区分", "中", [], "項目X"), ("Y-01-02", "Y-01", "区分", "中", [], "項目Y")]
    v1, pks1 = build.checklist(db, 1, checklist_id="ycheck", title="比較", items=items)
    v2, pks2 = build.checklist(db, 2, checklist_id="ycheck", title="比較", items=items)
    before, now = build.schedule(db, YEAR - 1, v1), build.schedule(db, YEAR, v2)
    previous = {"shimin": ("実施", "実施"), "hoken": ("該当しない", "実施"), "kenko": ("該当しない", "実施"),
                "kosodate": ("該当しない", "実施")}
    current = {"shimin": ("未実施", "未実施"), "hoken": ("該当しない", "未実施"), "kenko": ("該当しない", "未実施"),
               "kosodate": ("該当しない", "実施")}
    for schedule, version, pks, answers in ((before, v1, pks1, previous), (now, v2, pks2, current)):
        for code, (x, y) in answers.items():
            build.answers(db, build.sheet(db, schedule, code, version, "approved"), pks, {"Y-01-01": x, "Y-01-02": y})
    yoy = queries.year_over_year(db, Scope(YEAR))
    assert [(i.item_id, round(i.change)) for i in yoy.items] == [("Y-01-01", -100), ("Y-01-02", -75)]
    changes = [d.change for d in yoy.departments]
    assert changes == sorted(changes) and [d.code for d in yoy.departments][0] == "shimin"   # −100 first


# --------------------------------------------------------------------------- bars, rates and n

def test_bars_agree_with_the_printed_rate(db, fixture_ids):
    rows = queries.section_distribution(db, Scope(YEAR))
    fig = charts.section_bars(rows)
    ax = fig.axes[0]
    done_bars = ax.patches[:len(rows)]                     # the first category drawn is 実施
    for bar, row in zip(done_bars, rows):
        assert bar.get_width() == pytest.approx(row.counts.rate)
    texts = [t.get_text() for t in ax.texts]
    assert "該当しない（件）" in texts and "2" in texts    # T-02's 2 該当しない, outside the bar
    assert "75%（n=4）" in texts


def test_a_rate_from_few_answers_shows_its_n():
    assert scoring.rate_with_n(3, 4) == "75.0%（n=4）"
    assert scoring.rate_with_n(30, 40) == "75.0%"
    assert scoring.rate_with_n(0, 0) == "—"


def test_dashboard_section_table_shows_the_n(client, auth, fixture_ids):
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    assert "50.0%（n=6）" in section(html, "summary-sections")


# --------------------------------------------------------------------------- draft conclusions

def test_a_draft_conclusion_is_marked_wherever_it_is_quoted(client, auth, db, fixture_ids):
    build.audit(db, YEAR, "shimin", status="fact_check", started_at=f"{YEAR}-12-05T10:00:00+09:00",
                conclusion="適正であると判断する。以上。")
    rows = {a.department_code: a for a in queries.audits_of_year(db, Scope(YEAR))}
    assert rows["shimin"].conclusion_quote == "【案】適正であると判断する。"
    assert not rows["kenko"].conclusion_quote.startswith("【案】")          # issued
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    assert "【案】適正であると判断する。" in section(html, "summary-audits")
    pdf = client.get(f"/summary/report.pdf?year={YEAR}").data
    assert "【案】適正であると判断する。" in flat("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    from openpyxl import load_workbook

    from audits.summary.report_xlsx import SHEET_TITLES

    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    quoted = [c for row in wb[SHEET_TITLES[7]].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "【案】適正であると判断する。" in quoted


def test_a_departments_part_opens_with_its_own_key_points(client, auth, db, fixture_ids):
    auth.login("chief")
    kenko = build.department(db, "kenko")
    card = section(client.get(f"/summary/departments/{kenko}?year={YEAR}").get_data(as_text=True), "summary-keypoints")
    assert "1課の点検票1件のうち1件が提出済" in card and "期限を過ぎた課: 健康づくり課（健康福祉部）" in card
    own_words = re.sub(r"「[^」]*」", "", card)             # the quoted questions keep their 〜ますか
    assert "です" not in own_words and "ます" not in own_words
    assert "漏えい等事案" not in card            # incidents belong to the organisation-wide report only
    assert "子育て支援課" not in card             # another 課's lateness is not shown in this 課's part
