"""Property-based tests: any input gives a saved result or a clear error, never a 500 or half an import."""
from __future__ import annotations

import io
from datetime import date

from builders_selfcheck import load, sheet_id, unanswered_item, user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from audits.departments import service as departments
from audits.sheets import excel, service
from audits.sheets.answers import AnswerInput
from audits.summary import scoring

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
texts = st.text(max_size=60) | st.sampled_from(["", "done", "partial", "not_done", "na", "2025-07-01", "１００",
                                                "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\x00", "9" * 400])


@SETTINGS
@given(value=texts, detail=texts, na_reason=texts, plan_action=texts, plan_due=texts, plan_owner=texts,
       revision=st.one_of(st.integers(-5, 5).map(str), texts))
def test_posting_any_answer_never_fails_the_server(client, auth, db, value, detail, na_reason, plan_action,
                                                   plan_due, plan_owner, revision):
    if client.get("/").status_code != 200:
        auth.login("kenko.staff")
    sheet = load(db, sheet_id(db, "kenko"))
    item_id = "G-01-02"
    before = db.execute("SELECT revision FROM answers WHERE sheet_id = ? AND item_id = ?",
                        [sheet["id"], item_id]).fetchone()
    response = auth.post(f"/sheets/{sheet['id']}/items/{item_id}", {
        "value": value, "detail": detail, "na_reason": na_reason, "plan_action": plan_action,
        "plan_due": plan_due, "plan_owner": plan_owner, "revision": revision})
    assert response.status_code in (302, 400, 409, 422), response.status_code
    after = db.execute("SELECT revision FROM answers WHERE sheet_id = ? AND item_id = ?",
                       [sheet["id"], item_id]).fetchone()
    if response.status_code != 302:
        assert after == before


@SETTINGS
@given(value=texts, detail=texts, plan_due=texts)
def test_saving_any_answer_is_saved_or_refused(db, value, detail, plan_due):
    sheet = load(db, sheet_id(db, "kenko"))
    item = unanswered_item(db, sheet, evidence_required=False)
    current = db.execute("SELECT revision FROM answers WHERE sheet_id = ? AND item_pk = ?",
                         [sheet["id"], item["id"]]).fetchone()
    try:
        result = service.save_answer(db, sheet, item, AnswerInput(value=value, detail=detail, plan_due=plan_due,
                                                                  plan_action="a", plan_owner="b"),
                                     base_revision=current[0] if current else 0, user=user(db, "kenko.staff"),
                                     today=date(2025, 8, 1))
        assert result.category in scoring.CATEGORIES
    except service.AnswerInvalid as invalid:
        assert invalid.errors and all(isinstance(m, str) and m for m in invalid.errors.values())


@SETTINGS
@given(cells=st.lists(st.tuples(st.integers(0, 5), st.integers(6, 11), texts | st.integers() | st.floats()),
                      min_size=1, max_size=6))
def test_excel_import_is_all_or_nothing(db, cells):
    sheet = load(db, sheet_id(db, "kenko"))
    workbook = load_workbook(io.BytesIO(excel.export(db, sheet)))
    ws = workbook[excel.SHEET_NAME]
    first = excel.HEADER_ROW + 1
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for row_offset, column, value in cells:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # Excel itself cannot hold these
        ws.cell(row=first + row_offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = db.execute("SELECT count(*), coalesce(sum(revision), 0) FROM answers WHERE sheet_id = ?",
                        [sheet["id"]]).fetchone()
    history = db.execute("SELECT count(*) FROM answer_history").fetchone()[0]
    try:
        summary = excel.import_workbook(db, sheet, buffer.getvalue(), "x.xlsx", user(db, "kenko.staff"))
    except excel.ImportRejected as rejected:
        assert rejected.errors
        assert db.execute("SELECT count(*), coalesce(sum(revision), 0) FROM answers WHERE sheet_id = ?",
                          [sheet["id"]]).fetchone() == before
        assert db.execute("SELECT count(*) FROM answer_history").fetchone()[0] == history
    else:
        assert db.execute("SELECT count(*) FROM answer_history").fetchone()[0] == history + summary.changed


@SETTINGS
@given(rows=st.lists(st.lists(texts, min_size=0, max_size=6), max_size=5))
def test_org_chart_import_is_all_or_nothing(db, rows):
    header = ",".join(departments.ORG_COLUMNS)
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([c.replace("\x00", "") for c in row])
    data = (header + "\n" + buffer.getvalue()).encode("utf-8")
    before = db.execute("SELECT count(*) FROM departments").fetchone()[0]
    try:
        departments.import_organisation(db, "org.csv", data)
    except departments.DepartmentError as error:
        assert error.errors
        assert db.execute("SELECT count(*) FROM departments").fetchone()[0] == before
