"""Measurement items in the aggregated report: figures added up, never judged (FORMAT.md)."""
from __future__ import annotations

import io

import openpyxl
from pypdf import PdfReader

from audits.summary import queries, report, scoring
from audits.summary.queries import Scope


def _set_answer(db, code: str, item_id: str, value: str, category: str) -> None:
    db.execute("""UPDATE answers SET value = ?, category = ? WHERE item_id = ? AND sheet_id IN (
                    SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id
                    JOIN schedules s ON s.id = h.schedule_id WHERE d.code = ? AND s.fiscal_year = 2024)""",
               [value, category, item_id, code])
    db.conn.commit()


def test_incident_counts_are_summed_and_the_unknown_counted(db):
    _set_answer(db, "shimin", "M-06-03", "2", scoring.DONE)
    _set_answer(db, "hoken", "M-06-03", "1", scoring.DONE)
    _set_answer(db, "kenko", "M-06-03", "unknown", scoring.NOT_DONE)
    rows = {m.item_id: m for m in queries.measurements(db, Scope(2024))}
    incidents = rows["M-06-03"]
    others = db.execute("""SELECT coalesce(sum(CAST(a.value AS REAL)), 0) FROM answers a
                           JOIN sheets h ON h.id = a.sheet_id JOIN schedules s ON s.id = h.schedule_id
                           JOIN departments d ON d.id = h.department_id
                           WHERE a.item_id = 'M-06-03' AND s.fiscal_year = 2024 AND a.category = ?
                             AND h.status IN ('submitted', 'approved')""", [scoring.DONE]).fetchone()[0]
    assert incidents.total == others and incidents.total >= 3
    assert incidents.with_any >= 2 and incidents.unknown >= 1
    assert incidents.total_text.endswith("件")
    assert rows["M-08-03"].unit == "人"


def test_the_dashboard_pdf_and_excel_show_the_figures(app, db, auth, client):
    _set_answer(db, "shimin", "M-06-03", "2", scoring.DONE)
    auth.login("chief")
    html = client.get("/summary/?year=2024").get_data(as_text=True)
    assert "計測項目の集計" in html and "M-06-03" in html
    built = report.build(db, Scope(2024), municipality="みどり市")
    from audits.summary import report_pdf, report_xlsx

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf.render(built))).pages)
    assert "計測項目の集計" in text and "把握していない課" in text
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx.render(built, [])))
    sheet = workbook["計測項目"]
    assert any(row[1] == "M-06-03" for row in sheet.iter_rows(min_row=2, values_only=True))
