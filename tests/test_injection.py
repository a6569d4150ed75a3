"""User text comes back as text: escaped in pages, literal in PDFs, never a formula in Excel."""
from __future__ import annotations

import io

import sample_files
from builders_selfcheck import load, sheet_id, unanswered_item, user
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.sheets import excel, service
from audits.sheets.answers import AnswerInput

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"


def test_answer_text_is_escaped_in_page_pdf_and_excel(client, auth, db):
    sheet = load(db, sheet_id(db, "kenko"))
    item = unanswered_item(db, sheet)
    service.save_answer(db, sheet, item, AnswerInput(
        value="partial", detail=SCRIPT, plan_action=FORMULA, plan_due="2099-01-01", plan_owner="@SUM(A1)"),
        base_revision=0, user=user(db, "kenko.staff"))
    auth.login("kenko.manager")
    html = client.get(f"/sheets/{sheet['id']}").get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;" in html and "onerror=alert(1)&gt;" in html
    pdf = client.get(f"/sheets/{sheet['id']}/report.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "<script>" in text.replace(" ", "")
    ws = load_workbook(io.BytesIO(client.get(f"/sheets/{sheet['id']}/export.xlsx").data))[excel.SHEET_NAME]
    row = next(r for r in range(excel.HEADER_ROW + 1, ws.max_row + 1)
               if ws.cell(row=r, column=1).value == item["item_id"])
    plan = ws.cell(row=row, column=excel.FIELD_COLUMNS["plan_action"])
    owner = ws.cell(row=row, column=excel.FIELD_COLUMNS["plan_owner"])
    assert plan.value == FORMULA and plan.data_type == "s"
    assert owner.value == "@SUM(A1)" and owner.data_type == "s"


def test_evidence_name_and_note_are_escaped(client, auth, db):
    sheet = load(db, sheet_id(db, "kenko"))
    item = unanswered_item(db, sheet)
    auth.login("kenko.staff")
    auth.post(f"/sheets/{sheet['id']}/items/{item['item_id']}/evidence",
              {"file": (io.BytesIO(sample_files.pdf()), "<i>x<i>.pdf"), "note": SCRIPT},
              content_type="multipart/form-data")
    html = client.get(f"/sheets/{sheet['id']}").get_data(as_text=True)
    assert "<i>x<i>.pdf" not in html and "&lt;i&gt;x&lt;i&gt;.pdf" in html
    assert SCRIPT not in html


def test_department_and_user_names_are_escaped(client, auth, db):
    auth.login("admin")
    auth.post("/admin/departments/new", {"code": "xss1", "name": SCRIPT, "bureau": "somu"})
    html = client.get("/departments/").get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;" in html
