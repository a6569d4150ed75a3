"""The aggregated report as PDF (text via pypdf, charts as images) and Excel (cells via openpyxl), from the
dashboard's buttons and from `flask --app app report summary`."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

import builders_summary as build
from audits import wareki, xlsx

YEAR = build.YEAR


@pytest.fixture
def fixture_ids(db):
    ids = build.load_standard(db)
    ids.update(build.load_audits(db, ids))
    return ids


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_pdf_download_has_numbers_headings_and_charts(client, auth, db, fixture_ids):
    auth.login("chief")
    response = client.get(f"/summary/report.pdf?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert (f"filename*=UTF-8''{quote(f'全庁集計_{wareki.nendo(YEAR, digits=wareki.hankaku)}.pdf')}"
            in response.headers["Content-Disposition"])
    text, reader = pdf_text(response.data)
    compact = text.replace(" ", "").replace("\n", "")
    # cover
    assert "令和３年度" in compact and "みどり市" in compact and "総括保護管理者" in compact
    assert "（総括報告）" in compact
    # the section headings of REPORTS.md section 3 and the annex
    for heading in ("概要", "区分別の回答状況", "課別の状況", "課×区分の実施率", "課題の多い項目", "前年度との比較",
                    "監査の実施状況", "指摘事項と改善措置", "別紙集計方法"):
        assert heading in compact, heading
    # the hand-computed numbers
    assert "5課（点検票5件）" in compact
    assert "3件が提出済（うち承認済2件）" in compact
    assert "提出期限を過ぎたもの1件" in compact
    assert "実施率は60.0%、評点は65.9" in compact
    assert "50.0%から66.7%へ16.7ポイント上昇した" in compact and "ポイント変化した" not in compact
    assert "T-01-01" in compact and "事務対応ガイド4-8-2" in compact
    assert "85.7" in compact and "33.3%" in compact
    assert "概ね適正であると判断する。" in compact
    assert "対応中2件（うち期限超過1件）" in compact
    assert "該当しないは、実施率・評点の分母から除く" in compact
    # charts as images: completion, the stacked bars and the two 年度 (one checklist each)
    images = sum(len(page.images) for page in reader.pages)
    assert images == 3
    # the 課 × section heatmap is a shaded table with the values printed: 市民課 100 / 0
    assert "市民課1000" in compact and "健康づくり課0100" in compact
    # the font is embedded (no boxes for kanji on another machine)
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()
             if "/BaseFont" in font.get_object()}
    assert fonts
    # the export is logged
    row = db.execute("SELECT username, detail FROM activity_log WHERE action = 'summary.export' "
                     "ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0] == "chief" and json.loads(row[1])["format"] == "pdf"


def test_pdf_is_written_in_one_style(client, auth, fixture_ids):
    """The report is written in である: no です・ます sentence in it (its annex included), and no count twice."""
    auth.login("chief")
    text, _reader = pdf_text(client.get(f"/summary/report.pdf?year={YEAR}").data)
    compact = text.replace(" ", "").replace("\n", "")
    for ending in ("です。", "ます。", "ません。", "ました。"):
        assert ending not in compact, compact[max(0, compact.find(ending) - 60):compact.find(ending) + 5]
    assert compact.count("未回答0") == 1 and "得点:実施1、" in compact


def test_change_is_said_with_a_word_not_a_sign():
    from audits.summary import scoring

    assert scoring.change_text(50.0, 49.5, -0.5, predicate=True) == "50.0%から49.5%へ0.5ポイント低下した"
    assert scoring.change_text(50.0, 66.7, 16.7) == "50.0%から66.7%へ16.7ポイント上昇"
    assert scoring.change_text(60.0, 60.0, 0.02, predicate=True) == "60.0%で横ばいであった"


def test_pdf_page_numbers(client, auth, fixture_ids):
    auth.login("auditor")
    text, reader = pdf_text(client.get(f"/summary/report.pdf?year={YEAR}").data)
    assert len(reader.pages) >= 3
    assert "－ １ －" in reader.pages[0].extract_text()


def test_excel_download_holds_the_numbers(client, auth, fixture_ids):
    auth.login("chief")
    response = client.get(f"/summary/report.xlsx?year={YEAR}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[0] == "概要" and wb.sheetnames[-1] == "回答"
    for ws in wb.worksheets:
        assert ws.freeze_panes == "B2", ws.title          # below the header, right of the first column
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    overview = {row[0]: row[1] for row in wb["概要"].iter_rows(min_row=2, values_only=True)}
    assert overview["年度"] == "令和３年度"
    assert overview["対象課数"] == 5 and overview["提出済（承認済を含む）"] == 3 and overview["承認済"] == 2
    assert overview["期限超過の点検票"] == 1
    assert overview["実施率（％）"] == 60.0 and overview["評点"] == 65.9
    assert overview["前年度比（ポイント）"] == 16.7
    assert overview["改善措置：期限超過"] == 1
    sections = list(wb["区分別"].iter_rows(min_row=1, values_only=True))
    assert sections[0][:4] == ("チェックリスト", "区分ID", "区分", "実施")
    assert sections[1][1:9] == ("T-01", "管理体制", 3, 1, 2, 0, 0, 50.0)
    departments = list(wb["課別"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in departments] == ["kosodate", "hoiku", "kenko", "hoken", "shimin"]   # 未提出 first
    assert departments[0][-2:] == (None, None) and departments[2][-2:] == (33.3, 50.0)
    matrix = {r[1]: r[3:] for r in wb["課×区分"].iter_rows(min_row=2, values_only=True)}
    assert matrix["shimin"] == (100.0, 0.0) and matrix["hoiku"] == (None, None)
    weakest = list(wb["課題の多い項目"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in weakest] == ["T-01-01", "T-01-02", "T-02-01"]
    assert weakest[0][-1] == "事務対応ガイド 4-8-2"
    raw = wb["回答"]
    header = [c.value for c in raw[1]]
    assert header[:3] == ["部", "課コード", "課名"] and "回答の区分" in header
    assert raw.max_row == 1 + 14            # every answer row of the 年度's sheets


def test_excel_prints_and_types_like_a_municipal_workbook(client, auth, db, fixture_ids):
    """Every sheet prints A4 landscape, one page wide, header repeated; numbers are numbers, dates are dates in
    和暦; the 課×区分 rates are coloured by a colour scale; the workbook has a title and an author."""
    db.execute("UPDATE answers SET plan_due = '2026-03-31' WHERE sheet_id = ? AND item_id = 'T-01-02'",
               [fixture_ids["shimin"]])
    db.conn.commit()
    auth.login("chief")
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    assert wb.properties.title == f"{wareki.nendo(YEAR)} 自己点検及び監査の結果（総括報告）"
    assert wb.properties.creator
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    overview = {row[0].value: row[1] for row in wb["概要"].iter_rows(min_row=2)}
    assert overview["対象課数"].data_type == "n" and overview["実施率（％）"].data_type == "n"
    created = overview["作成日"]
    assert created.is_date and created.number_format == xlsx.WAREKI_DATE_FORMAT
    raw = wb["回答"]
    header = [c.value for c in raw[1]]
    due = [row[header.index("改善予定（期限）")] for row in raw.iter_rows(min_row=2)]
    assert [c.value.date() for c in due if c.value] == [date(2026, 3, 31)]
    assert all(c.is_date and c.number_format == xlsx.WAREKI_DATE_FORMAT for c in due if c.value)
    matrix = wb["課×区分"]
    rules = [rule for cf in matrix.conditional_formatting for rule in cf.rules]
    assert [r.type for r in rules] == ["colorScale"]
    assert str(list(matrix.conditional_formatting)[0].sqref) == f"D2:E{matrix.max_row}"
    assert all(cell.fill.fgColor.rgb in (None, "00000000") for row in matrix.iter_rows(min_row=2) for cell in row)


def test_excel_leaves_a_city_sized_answer_list_to_the_csv(client, auth, fixture_ids, monkeypatch):
    from audits.summary import report_xlsx

    monkeypatch.setattr(report_xlsx, "RAW_SHEET_MAX_ROWS", 10)      # the fixture has 14 answer rows
    auth.login("chief")
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    raw = wb["回答"]
    assert raw.max_row == 2 and "CSV" in raw["A2"].value and "10 行を超える" in raw["A2"].value


def test_excel_never_writes_a_formula(client, auth, fixture_ids):
    auth.login("chief")
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    raw = wb["回答"]
    column = [c.value for c in raw[1]].index("具体的な実施内容") + 1
    cell = raw.cell(row=2, column=column)
    assert cell.value.startswith("=HYPERLINK")
    assert cell.data_type == "s"
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_excel_drops_control_characters_and_keeps_text(client, auth, db, fixture_ids):
    db.execute("UPDATE answers SET detail = ? WHERE sheet_id = ? AND item_id = 'T-01-02'",
               ["記録\x0bあり\x1f", fixture_ids["shimin"]])
    db.execute("UPDATE answers SET detail = ? WHERE sheet_id = ? AND item_id = 'T-01-01'",
               ["@SUM(A1)", fixture_ids["hoken"]])
    db.conn.commit()
    auth.login("chief")
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}").data))
    raw = wb["回答"]
    column = [c.value for c in raw[1]].index("具体的な実施内容")
    details = [row[column] for row in raw.iter_rows(min_row=2, values_only=True)]
    assert "記録あり" in details and "@SUM(A1)" in details


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")                       # BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_of_the_answers_has_every_row_and_no_formula(client, auth, db, fixture_ids):
    db.execute("UPDATE answers SET detail = ? WHERE sheet_id = ? AND item_id = 'T-01-01'",
               ["@SUM(A1)", fixture_ids["hoken"]])
    db.conn.commit()
    auth.login("chief")
    response = client.get(f"/summary/answers.csv?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"answers-{YEAR}.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    header = rows[0]
    assert header[:3] == ["部", "課コード", "課名"] and "回答の区分" in header
    assert len(rows) == 1 + 14                               # the same rows as the Excel's last sheet
    details = [row[header.index("具体的な実施内容")] for row in rows[1:]]
    assert "'@SUM(A1)" in details                            # text, never a formula
    assert not any(d.startswith(("=", "+", "-", "@")) for d in details)
    hoken = [row for row in rows[1:] if row[1] == "hoken" and row[header.index("項目ID")] == "T-01-01"]
    assert hoken and hoken[0][header.index("回答の区分")] == "実施していない"      # the label, never the key
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'summary.export' "
                      "AND detail LIKE '%csv%'").fetchone()[0] == 1


def test_csv_of_the_answers_is_for_organisation_readers_only(client, auth, fixture_ids):
    auth.login("shimin.manager")
    assert client.get(f"/summary/answers.csv?year={YEAR}").status_code == 403
    auth.logout()
    auth.login("auditor")
    assert client.get(f"/summary/answers.csv?year={YEAR}").status_code == 200


def test_buttons_on_the_dashboard_carry_the_filter(client, auth, db, fixture_ids):
    auth.login("chief")
    bureau = db.execute("SELECT id FROM bureaus WHERE code = 'shimin'").fetchone()[0]
    html = client.get(f"/summary/?year={YEAR}&bureau={bureau}").get_data(as_text=True)
    assert f'/summary/report.pdf?year={YEAR}&amp;bureau={bureau}' in html
    assert f'/summary/report.xlsx?year={YEAR}&amp;bureau={bureau}' in html
    assert f'/summary/answers.csv?year={YEAR}&amp;bureau={bureau}' in html
    rows = csv_rows(client.get(f"/summary/answers.csv?year={YEAR}&bureau={bureau}"))
    assert {row[1] for row in rows[1:]} == {"shimin", "hoken"}
    wb = load_workbook(io.BytesIO(client.get(f"/summary/report.xlsx?year={YEAR}&bureau={bureau}").data))
    overview = {row[0]: row[1] for row in wb["概要"].iter_rows(min_row=2, values_only=True)}
    assert overview["対象"] == "市民生活部" and overview["対象課数"] == 2


def test_cli_pdf_xlsx_and_csv(runner, fixture_ids, tmp_path, db):
    out = tmp_path / "summary.pdf"
    result = runner.invoke(args=["report", "summary", "--year", str(YEAR), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    text, _reader = pdf_text(out.read_bytes())
    assert "60.0%" in text
    xlsx = tmp_path / "summary.xlsx"
    result = runner.invoke(args=["report", "summary", "--year", str(YEAR), "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx)["概要"]["B17"].value == 60.0
    answers = tmp_path / "answers.csv"
    result = runner.invoke(args=["report", "summary", "--year", str(YEAR), "-o", str(answers)])
    assert result.exit_code == 0 and "回答の一覧を出力しました" in result.output, result.output
    rows = list(csv.reader(io.StringIO(answers.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["部", "課コード", "課名"] and len(rows) == 1 + 14
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'summary.export'").fetchone()[0] == 3


def test_cli_rejects_unknown_bureau(runner, tmp_path):
    result = runner.invoke(args=["report", "summary", "--year", "2025", "--bureau", "nope", "-o",
                                 str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "部コード nope" in result.output


def test_cli_help(runner):
    result = runner.invoke(args=["report", "summary", "--help"])
    assert result.exit_code == 0 and "全庁の集計報告" in result.output
