"""Excel out and back in (all or nothing), and the sheet PDF for the 課's own file."""
from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import pytest
from builders_selfcheck import load, sheet_id
from openpyxl import load_workbook
from pypdf import PdfReader

from audits import xlsx
from audits.sheets import excel
from audits.summary.scoring import DONE


@pytest.fixture
def kenko(db):
    return load(db, sheet_id(db, "kenko"))


def _export(client, auth, sheet):
    if client.get("/").status_code != 200:
        auth.login("kenko.staff")
    response = client.get(f"/sheets/{sheet['id']}/export.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _rows(ws):
    return {ws.cell(row=r, column=1).value: r for r in range(excel.HEADER_ROW + 1, ws.max_row + 1)}


def _import(auth, sheet, workbook, name="記入済み.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return auth.post(f"/sheets/{sheet['id']}/import", {"file": (io.BytesIO(buffer.getvalue()), name)},
                     content_type="multipart/form-data")


def _first_blank(db, sheet, ws):
    for item_id, row in _rows(ws).items():
        if ws.cell(row=row, column=6).value is None and ws.cell(row=row, column=13).value is None:
            scale = db.execute("SELECT scale FROM checklist_items WHERE version_id = ? AND item_id = ?",
                               [sheet["version_id"], item_id]).fetchone()[0]
            if scale == "implementation":
                return item_id, row
    raise AssertionError("no blank row")


def test_export_has_items_answers_and_dropdowns(client, auth, db, kenko):
    ws = _export(client, auth, kenko)["点検票"]
    assert ws["B4"].value == kenko["id"]
    answered = next(db.query("SELECT a.item_id, a.detail FROM answers a WHERE a.sheet_id = ? AND a.auto_na = 0 "
                             "AND a.value IS NOT NULL LIMIT 1", [kenko["id"]]))
    row = _rows(ws)[answered["item_id"]]
    assert ws.cell(row=row, column=7).value == answered["detail"]
    lists = [v.formula1 for v in ws.data_validations.dataValidation]
    assert any("実施している" in f and "該当しない" in f for f in lists)
    assert ws.freeze_panes == f"B{excel.HEADER_ROW + 1}"          # below the header, right of the item id


def test_export_prints_landscape_with_dates_in_wareki(client, auth, db, kenko):
    db.execute("UPDATE answers SET plan_due = '2026-03-31', plan_action = '手順を定める', plan_owner = '係長' "
               "WHERE sheet_id = ? AND auto_na = 0 AND value IS NOT NULL AND id = (SELECT min(id) FROM answers "
               "WHERE sheet_id = ? AND auto_na = 0 AND value IS NOT NULL)", [kenko["id"], kenko["id"]])
    db.conn.commit()
    workbook = _export(client, auth, kenko)
    ws = workbook["点検票"]
    assert ws["A1"].value.startswith("令和７年度 ")
    assert workbook.properties.title.startswith("令和７年度 ") and workbook.properties.creator
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${excel.HEADER_ROW}:${excel.HEADER_ROW}"
    assert ws["B5"].is_date and ws["B5"].number_format == xlsx.WAREKI_DATETIME_FORMAT     # 出力日時
    dues = [ws.cell(row=r, column=10) for r in _rows(ws).values()]
    assert date(2026, 3, 31) in [c.value.date() for c in dues if c.value]
    assert all(c.number_format == xlsx.WAREKI_DATE_FORMAT for c in dues if c.value)


def test_round_trip_applies_answers_and_logs(client, auth, db, kenko):
    workbook = _export(client, auth, kenko)
    ws = workbook["点検票"]
    item_id, row = _first_blank(db, kenko, ws)
    ws.cell(row=row, column=6, value="実施している")
    detail = ws.cell(row=row, column=7)
    detail.value = "=SUM(1)は式ではなく文字として扱う"
    detail.data_type = "s"  # typed as text, as Tenken wrote the cell
    response = _import(auth, kenko, workbook)
    assert response.status_code == 302
    stored = db.execute("SELECT value, detail, category FROM answers WHERE sheet_id = ? AND item_id = ?",
                        [kenko["id"], item_id]).fetchone()
    assert stored == ("done", "=SUM(1)は式ではなく文字として扱う", DONE)
    assert db.execute("SELECT source FROM answer_history WHERE sheet_id = ? AND item_id = ?",
                      [kenko["id"], item_id]).fetchone()[0] == "excel"
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'sheet.import'").fetchone()[0] == 1
    # Exported again, the formula-like text is still text.
    again = _export(client, auth, kenko)["点検票"]
    cell = again.cell(row=_rows(again)[item_id], column=7)
    assert cell.data_type == "s" and cell.value.startswith("=SUM")


def test_bad_cells_are_reported_and_nothing_applied(client, auth, db, kenko):
    workbook = _export(client, auth, kenko)
    ws = workbook["点検票"]
    item_id, row = _first_blank(db, kenko, ws)
    ws.cell(row=row, column=6, value="たぶんやっている")
    rows = _rows(ws)
    other_id = [i for i in rows if i != item_id and ws.cell(row=rows[i], column=6).value is None
                and ws.cell(row=rows[i], column=13).value is None
                and db.execute("SELECT scale FROM checklist_items WHERE version_id = ? AND item_id = ?",
                               [kenko["version_id"], i]).fetchone()[0] == "implementation"][0]
    ws.cell(row=rows[other_id], column=6, value="一部実施（課題あり）")
    ws.cell(row=rows[other_id], column=7, value="途中")
    good_id = [i for i in rows if i not in (item_id, other_id) and ws.cell(row=rows[i], column=6).value is None
               and ws.cell(row=rows[i], column=13).value is None
               and db.execute("SELECT scale FROM checklist_items WHERE version_id = ? AND item_id = ?",
                              [kenko["version_id"], i]).fetchone()[0] == "implementation"][0]
    ws.cell(row=rows[good_id], column=6, value="実施している")
    ws.cell(row=rows[good_id], column=7, value="正しい行")
    before = db.execute("SELECT count(*) FROM answer_history").fetchone()[0]
    response = _import(auth, kenko, workbook)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"{row}行目 F列（回答）" in html
    assert f"{rows[other_id]}行目 I列（改善予定（内容））" in html
    assert "何も取り込んでいません" in html
    assert db.execute("SELECT count(*) FROM answer_history").fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM answers WHERE sheet_id = ? AND item_id = ?",
                      [kenko["id"], good_id]).fetchone()[0] == 0


def test_import_of_another_sheets_workbook_is_refused(client, auth, db, kenko):
    workbook = _export(client, auth, kenko)
    workbook["点検票"]["B4"] = 999999
    html = _import(auth, kenko, workbook).get_data(as_text=True)
    assert "別の点検票" in html


def test_import_detects_changes_made_after_export(client, auth, db, kenko):
    workbook = _export(client, auth, kenko)
    ws = workbook["点検票"]
    answered = next(db.query("SELECT item_id FROM answers WHERE sheet_id = ? AND auto_na = 0 AND value = 'done' "
                             "LIMIT 1", [kenko["id"]]))["item_id"]
    row = _rows(ws)[answered]
    db.execute("UPDATE answers SET revision = revision + 1, detail = '他の人の変更' WHERE sheet_id = ? AND item_id = ?",
               [kenko["id"], answered])
    ws.cell(row=row, column=7, value="Excel での変更")
    html = _import(auth, kenko, workbook).get_data(as_text=True)
    assert f"{row}行目 L列（版）" in html and "変更されています" in html


def test_sheet_pdf_contains_department_and_answers(client, auth, db):
    sid = sheet_id(db, "shimin", "operations")
    sheet = load(db, sid)
    auth.login("shimin.manager")
    response = client.get(f"/sheets/{sid}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "市民課" in compact and "令和７年度" in compact
    detail = db.execute("SELECT detail FROM answers WHERE sheet_id = ? AND detail IS NOT NULL LIMIT 1",
                        [sid]).fetchone()[0]
    assert detail.replace(" ", "")[:15] in compact
    sha = db.execute("SELECT sha256 FROM evidence WHERE sheet_id = ? LIMIT 1", [sid]).fetchone()[0]
    assert sha[:20] in compact
    assert "提出・承認の履歴" in compact and sheet["department_name"] in compact


def test_report_sheet_cli(runner, db, tmp_path):
    sid = sheet_id(db, "shimin")
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["report", "sheet", str(sid), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "市民課" in "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace(" ", "")


def test_sheet_pdf_has_output_date_names_and_overdue_mark(client, auth, db):
    sid = sheet_id(db, "shimin", "operations")
    manager = db.execute("SELECT id, display_name FROM users WHERE username = 'shimin.manager'").fetchone()
    db.execute("INSERT INTO sheet_events (sheet_id, at, user_id, username, action, from_status, to_status, reason) "
               "VALUES (?, '2025-06-02T10:00:00+09:00', ?, 'shimin.manager', 'return', 'submitted', 'returned', "
               "'記載を補ってください')", [sid, manager[0]])
    db.execute("UPDATE sheets SET status = 'returned' WHERE id = ?", [sid])
    db.execute("UPDATE schedules SET due_date = '2025-06-30' WHERE id = (SELECT schedule_id FROM sheets WHERE id = ?)",
               [sid])
    db.conn.commit()
    auth.login("shimin.manager")
    response = client.get(f"/sheets/{sid}/report.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "出力日：令和" in compact
    assert f"{manager[1].replace(' ', '')}（保護管理者）" in compact and "shimin.manager" not in compact
    assert "令和７年６月２日（月）午前１０時００分" in compact
    assert "【期限超過】" in compact
    # The categories of the overview always come in the one order: 実施 before 課題あり before 該当しない.
    summary = compact[compact.index("対象項目"):]
    summary = summary[:summary.index("）。")]
    found = [label for label in ("実施", "課題あり", "実施していない", "該当しない") if f"、{label}" in summary
             or f"（{label}" in summary]
    assert found == sorted(found, key=["実施", "課題あり", "実施していない", "該当しない"].index) and found


def test_sheet_pdf_without_delay_has_no_overdue_mark(client, auth, db):
    sid = sheet_id(db, "shimin", "operations")
    db.execute("UPDATE sheets SET status = 'approved' WHERE id = ?", [sid])
    db.conn.commit()
    auth.login("shimin.manager")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/sheets/{sid}/report.pdf").data)).pages)
    assert "期限超過" not in text.replace(" ", "")


def test_answer_summary_wording_keeps_one_order():
    from audits.sheets.report_pdf import answer_summary
    from audits.summary import scoring

    counts = {scoring.NOT_APPLICABLE: 1, scoring.PARTIAL: 2, scoring.DONE: 7}
    assert answer_summary(10, 10, counts) == ("対象項目 10 件のうち回答済 10 件（実施 7 件、課題あり（一部実施） 2 件、"
                                              "該当しない 1 件）。")
    assert answer_summary(3, 0, {}) == "対象項目 3 件のうち回答済 0 件。"


def test_downloads_are_named_by_name_not_code(client, auth, db):
    sid = sheet_id(db, "shimin", "general")
    auth.login("shimin.manager")
    for path, extension in ((f"/sheets/{sid}/report.pdf", "pdf"), (f"/sheets/{sid}/export.xlsx", "xlsx")):
        disposition = client.get(path).headers["Content-Disposition"]
        name = f"点検票_令和7年度_市民生活部_市民課_全課共通.{extension}"
        assert f"filename*=UTF-8''{quote(name)}" in disposition, disposition
        assert f"filename=sheet-{sid}.{extension}" in disposition and "shimin" not in disposition


def test_sheet_page_history_names_people_not_login_ids(client, auth, db):
    sid = sheet_id(db, "shimin", "operations")
    manager = db.execute("SELECT id, display_name FROM users WHERE username = 'shimin.manager'").fetchone()
    db.execute("INSERT INTO sheet_events (sheet_id, at, user_id, username, action, from_status, to_status, reason) "
               "VALUES (?, '2025-06-02T10:00:00+09:00', ?, 'shimin.manager', 'return', 'submitted', 'returned', "
               "'記載を補ってください')", [sid, manager[0]])
    db.conn.commit()
    auth.login("shimin.manager")
    html = client.get(f"/sheets/{sid}").get_data(as_text=True)
    history = html[html.index("記載を補ってください") - 400:html.index("記載を補ってください")]
    assert f"{manager[1]}（保護管理者）" in history and "shimin.manager" not in history
