"""The 評価書 register, the pia checklist answered per 評価書, and the report per 評価書 in the PPC's categories."""
from __future__ import annotations

import io
import sqlite3

import pytest
from builders_selfcheck import user
from conftest import Auth, department_id
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.db import connect, init_db
from audits.pia import report, service, values
from audits.pia.values import KIND_FOCUSED, KIND_FULL
from audits.schedules import service as schedules
from audits.summary import queries, scoring
from audits.summary.queries import Scope


def _assessments(db, code: str) -> list[dict]:
    return service.department_assessments(db, department_id(db, code))


def _pia_sheets(db, code: str, year: int) -> list[dict]:
    return list(db.query(
        """SELECT h.id, h.assessment_id, pa.name FROM sheets h JOIN schedules s ON s.id = h.schedule_id
           JOIN checklist_versions v ON v.id = h.version_id JOIN departments d ON d.id = h.department_id
           LEFT JOIN pia_assessments pa ON pa.id = h.assessment_id
           WHERE d.code = ? AND s.fiscal_year = ? AND v.checklist_id = 'pia' AND h.removed_at IS NULL
           ORDER BY h.id""", [code, year]))


def _form(**fields) -> dict:
    return {"name": "", "kind": "", "published_on": "", "active": "y", **fields}


# --------------------------------------------------------------------------- the register

def test_the_departments_staff_registers_an_assessment_and_it_is_logged(client, auth, db):
    shimin = department_id(db, "shimin")
    auth.login("shimin.staff")
    response = auth.post(f"/pia/departments/{shimin}", _form(name="中長期在留者に関する事務", kind=KIND_FOCUSED,
                                                              published_on="2016-03-01"))
    assert response.status_code == 302
    page = client.get(f"/pia/departments/{shimin}").get_data(as_text=True)
    assert "中長期在留者に関する事務" in page and "重点項目評価" in page and "平成28年3月1日" in page
    logged = db.execute("SELECT detail FROM activity_log WHERE action = 'pia.create' ORDER BY id DESC").fetchone()[0]
    assert "中長期在留者に関する事務" in logged


def test_bad_input_gets_japanese_messages_and_nothing_is_saved(client, auth, db):
    shimin = department_id(db, "shimin")
    before = len(_assessments(db, "shimin"))
    auth.login("shimin.staff")
    response = auth.post(f"/pia/departments/{shimin}", _form(name="", kind="bogus", published_on="昨年"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "事務の名称を入力してください" in page and "評価の種類" in page and "公表日は日付" in page
    duplicate = auth.post(f"/pia/departments/{shimin}", _form(name="住民基本台帳に関する事務", kind=KIND_FULL))
    assert duplicate.status_code == 422 and "既に登録されています" in duplicate.get_data(as_text=True)
    assert len(_assessments(db, "shimin")) == before


def test_a_post_without_csrf_is_refused(client, auth, db):
    shimin = department_id(db, "shimin")
    auth.login("shimin.staff")
    response = client.post(f"/pia/departments/{shimin}", data=_form(name="偽の事務", kind=KIND_FULL))
    assert response.status_code == 400
    assert all(a["name"] != "偽の事務" for a in _assessments(db, "shimin"))


@pytest.mark.parametrize("username", ["kenko.staff", "shimin.manager", "auditor", "chief"])
def test_others_may_not_change_a_departments_register(client, auth, db, username):
    shimin = department_id(db, "shimin")
    assessment = _assessments(db, "shimin")[0]
    auth.login(username)
    created = auth.post(f"/pia/departments/{shimin}", _form(name="他課が登録した事務", kind=KIND_FULL))
    edited = auth.post(f"/pia/{assessment['id']}/edit",
                       _form(name="書き換え", kind=KIND_FULL, revision=str(assessment["revision"])))
    assert created.status_code == 403 and edited.status_code == 403
    names = [a["name"] for a in _assessments(db, "shimin")]
    assert "他課が登録した事務" not in names and "書き換え" not in names


def test_another_departments_register_is_not_even_readable(client, auth, db):
    auth.login("kenko.staff")
    assert client.get(f"/pia/departments/{department_id(db, 'shimin')}").status_code == 403
    assert client.get(f"/pia/departments/{department_id(db, 'kenko')}").status_code == 200


def test_the_admin_edits_and_a_stale_form_is_refused(client, auth, db):
    assessment = _assessments(db, "shimin")[1]
    auth.login("admin")
    stale = str(assessment["revision"])
    first = auth.post(f"/pia/{assessment['id']}/edit", _form(name="個人番号カードに関する事務", kind=KIND_FOCUSED,
                                                               revision=stale))
    assert first.status_code == 302
    second = auth.post(f"/pia/{assessment['id']}/edit", _form(name="別の名称", kind=KIND_FOCUSED, revision=stale))
    assert second.status_code == 409 and "他の利用者" in second.get_data(as_text=True)
    assert service.load_assessment(db, assessment["id"])["name"] == "個人番号カードに関する事務"


def test_the_database_refuses_an_unknown_kind(app):
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO pia_assessments (department_id, name, kind, active, revision, created_at) "
                         "VALUES (1, 'x', '全項目', 1, 0, 'now')")
    finally:
        conn.close()


# --------------------------------------------------------------------------- one sheet per 評価書

def _schedule_2026(db) -> int:
    latest = {v["checklist_id"]: v["id"] for v in schedules.catalogue.latest_versions(db)}
    return schedules.create_schedule(db, schedules.ScheduleInput(
        fiscal_year=2026, title="令和8年度 自己点検", open_date="2026-06-01", due_date="2026-09-30",
        version_ids=[latest["general"], latest["pia"]]))


def test_the_schedule_creates_one_pia_sheet_per_active_assessment(app, client, auth, db):
    shimin = department_id(db, "shimin")
    admin = user(db, "admin")
    # a third 評価書, made inactive: no sheet for it
    extra = service.create_assessment(db, shimin, service.AssessmentInput("廃止した事務", KIND_FULL), user=admin)
    service.update_assessment(db, extra, service.AssessmentInput("廃止した事務", KIND_FULL, active=False), user=admin)
    # a pia 課 with no 評価書 registered keeps one sheet without one
    for a in _assessments(db, "kosodate"):
        service.update_assessment(db, a["id"], service.AssessmentInput(a["name"], a["kind"], active=False),
                                  user=admin)
    schedules.open_schedule(db, _schedule_2026(db))
    assert [s["name"] for s in _pia_sheets(db, "shimin", 2026)] == ["住民基本台帳に関する事務",
                                                                   "個人番号カードの交付等に関する事務"]
    assert [s["assessment_id"] for s in _pia_sheets(db, "kosodate", 2026)] == [None]
    assert len(_pia_sheets(db, "shiminzei", 2026)) == 1
    auth.login("shimin.staff")
    page = client.get("/sheets/?year=2026").get_data(as_text=True)
    assert "住民基本台帳に関する事務（全項目評価）" in page and "個人番号カードの交付等に関する事務（重点項目評価）" in page
    sheet = _pia_sheets(db, "shimin", 2026)[1]["id"]
    assert "個人番号カードの交付等に関する事務（重点項目評価）" in client.get(f"/sheets/{sheet}").get_data(as_text=True)


def test_an_assessment_registered_during_an_open_schedule_gets_its_sheet(db):
    schedules.open_schedule(db, _schedule_2026(db))
    shimin = department_id(db, "shimin")
    service.create_assessment(db, shimin, service.AssessmentInput("中長期在留者に関する事務", KIND_FOCUSED),
                              user=user(db, "shimin.staff"))
    assert [s["name"] for s in _pia_sheets(db, "shimin", 2026)][-1] == "中長期在留者に関する事務"
    assert _pia_sheets(db, "shimin", 2025)[-1]["name"] == "中長期在留者に関する事務"   # 2025 is still open
    assert len(_pia_sheets(db, "shimin", 2024)) == 2      # a closed 点検計画 is not touched


# --------------------------------------------------------------------------- the report

def _independent_counts(db, sheet_id: int) -> dict[str, int]:
    """The categories of one sheet counted item by item in Python (not with the report's SQL)."""
    items = db.execute("SELECT id FROM checklist_items WHERE version_id = (SELECT version_id FROM sheets WHERE id = ?)",
                       [sheet_id]).fetchall()
    answers = {pk: (auto, category) for pk, auto, category in db.execute(
        "SELECT item_pk, auto_na, category FROM answers WHERE sheet_id = ?", [sheet_id])}
    counts: dict[str, int] = {}
    for (pk,) in items:
        auto, category = answers.get(pk, (0, None))
        key = scoring.NOT_APPLICABLE if auto else (category or scoring.UNANSWERED)
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_report_counts_each_assessment_in_the_ppc_categories(db):
    results = report.assessment_results(db, 2025)
    shimin = [r for r in results if r.department_name == "市民課"]
    assert [r.title for r in shimin] == ["住民基本台帳に関する事務（全項目評価）",
                                         "個人番号カードの交付等に関する事務（重点項目評価）"]
    for result in results:
        assert result.counted       # every demo pia sheet of 2025 is submitted or approved
        assert result.counts == {k: v for k, v in _independent_counts(db, result.sheet_id).items() if v}
        assert len(result.gaps) == result.count(scoring.PARTIAL) + result.count(scoring.NOT_DONE)


def test_a_sheet_still_being_answered_is_listed_without_counts(db):
    sheet = _pia_sheets(db, "shimin", 2025)[0]["id"]
    db.execute("UPDATE sheets SET status = 'returned' WHERE id = ?", [sheet])
    db.conn.commit()
    result = next(r for r in report.assessment_results(db, 2025) if r.sheet_id == sheet)
    assert not result.counted and result.counts == {} and result.state == "差戻し"


def test_summary_counts_each_department_once_per_pia_item(db):
    """The summary counts 課 (their weakest answer per item, tests/test_pia_summary.py); the sheets stay sheets."""
    shimin = department_id(db, "shimin")
    scope = Scope(2025, department_ids=frozenset({shimin}))
    pia_cells = sum(row.counts.total for row in queries.section_distribution(db, scope)
                    if row.checklist_id == values.PIA_CHECKLIST_ID)
    assessments = report.assessment_results(db, 2025, department_ids={shimin})
    assert len(assessments) == 2
    assert pia_cells == sum(assessments[0].counts.values())      # the items of one sheet: the 課 once
    sheets = db.execute("SELECT count(*) FROM sheets h JOIN schedules s ON s.id = h.schedule_id "
                        "WHERE s.fiscal_year = 2025 AND h.department_id = ? AND h.removed_at IS NULL",
                        [shimin]).fetchone()[0]
    assert queries.completion(db, scope).sheets == sheets


def test_the_report_page_and_files_name_each_assessment(client, auth):
    auth.login("chief")
    page = client.get("/pia/report?year=2025").get_data(as_text=True)
    for label in ("評価書どおり実施", "課題あり", "実施していない", "該当しない", "個人住民税の賦課に関する事務（全項目評価）"):
        assert label in page
    workbook = load_workbook(io.BytesIO(client.get("/pia/report.xlsx?year=2025").data))
    rows = list(workbook["評価書ごとの結果"].iter_rows(min_row=3, values_only=True))
    assert rows[0][6:10] == ("評価書どおり実施", "課題あり", "実施していない", "該当しない")
    shimin_rows = [r for r in rows[1:] if r[1] == "市民課"]
    assert [r[2] for r in shimin_rows] == ["住民基本台帳に関する事務", "個人番号カードの交付等に関する事務"]
    assert all(isinstance(r[6], int) for r in shimin_rows)
    severities = {r[4] for r in workbook["課題のある項目"].iter_rows(min_row=2, values_only=True)}
    assert severities and severities <= {"高", "中", "低"}          # the labels, never the stored keys
    pdf = client.get("/pia/report.pdf?year=2025")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "評価書どおり実施" in text and "児童手当に関する事務" in text


def test_the_report_command_writes_excel_and_pdf(runner, tmp_path):
    for name in ("pia.xlsx", "pia.pdf"):
        result = runner.invoke(args=["report", "pia", "--year", "2025", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 1000
    wrong = runner.invoke(args=["report", "pia", "--year", "2025", "-o", str(tmp_path / "pia.csv")])
    assert wrong.exit_code != 0 and ".xlsx 又は .pdf" in wrong.output


def test_a_department_member_cannot_open_the_report(client, auth):
    auth.login("shimin.staff")
    assert client.get("/pia/report").status_code == 403
    assert client.get("/pia/report.xlsx").status_code == 403


# --------------------------------------------------------------------------- the migration

def test_the_migration_carries_existing_pia_sheets_to_a_default_assessment(tmp_path):
    from audits.catalogue.service import latest_versions, sync_builtin
    from audits.departments.service import create_department
    from audits.migrations import migration_sets

    path = str(tmp_path / "old.db")
    db = connect(path)
    for migrations in migration_sets():       # the release before: every migration set but this one
        if migrations.name == "tenken-pia":
            break
        migrations.apply(db)
    assert "pia_assessments" not in db.table_names()
    sync_builtin(db)
    shimin = create_department(db, "shimin", "市民課", "shimin_bu", ["mynumber", "pia"], bureau_name="市民生活部")
    latest = {v["checklist_id"]: v["id"] for v in latest_versions(db)}
    schedule = db["schedules"].insert({"fiscal_year": 2024, "title": "令和6年度", "open_date": "2024-06-01",
                                       "due_date": "2024-09-30", "target_mode": "all", "status": "open"}).last_pk
    sheet_ids = {}
    for checklist in ("general", "pia"):
        sheet_ids[checklist] = db["sheets"].insert({
            "schedule_id": schedule, "department_id": shimin, "version_id": latest[checklist],
            "status": "answering", "status_revision": 0}).last_pk
    db.conn.commit()
    db.conn.close()

    applied = init_db(path)
    assert "tenken-pia:0001_assessments" in applied
    db = connect(path)
    try:
        (assessment,) = db.query("SELECT * FROM pia_assessments")
        assert assessment["name"] == "市民課の特定個人情報保護評価書" and assessment["kind"] is None
        assert values.assessment_title(assessment["name"], assessment["kind"]) == \
            "市民課の特定個人情報保護評価書（評価の種類未設定）"
        linked = dict(db.execute("SELECT id, assessment_id FROM sheets").fetchall())
        assert linked == {sheet_ids["general"]: None, sheet_ids["pia"]: assessment["id"]}
        # one pia sheet per 評価書: a second 評価書 gets its own sheet, the same one twice is refused
        other = db["pia_assessments"].insert({"department_id": shimin, "name": "別の事務", "kind": KIND_FULL,
                                              "active": 1, "revision": 0, "created_at": "now"}).last_pk
        row = {"schedule_id": schedule, "department_id": shimin, "version_id": latest["pia"],
               "status": "not_started", "status_revision": 0}
        db["sheets"].insert({**row, "assessment_id": other})
        with pytest.raises(sqlite3.IntegrityError):
            db["sheets"].insert({**row, "assessment_id": other})
        with pytest.raises(sqlite3.IntegrityError):
            db["sheets"].insert({**row, "version_id": latest["general"]})
    finally:
        db.conn.close()


def test_the_sheets_pdf_and_excel_name_their_assessment(client, auth, db):
    sheet = _pia_sheets(db, "shimin", 2025)[1]["id"]
    auth.login("shimin.staff")
    pdf = client.get(f"/sheets/{sheet}/report.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().replace("\n", "")
    assert "個人番号カードの交付等に関する事務（重点項目評価）" in text
    workbook = load_workbook(io.BytesIO(client.get(f"/sheets/{sheet}/export.xlsx").data))
    assert "個人番号カードの交付等に関する事務（重点項目評価）" in workbook.active["A1"].value


def test_two_pia_sheets_of_one_department_download_under_their_own_names(client, auth, db):
    """The file name carries the 評価書 (事務), so two pia sheets of one 課 never overwrite each other."""
    from urllib.parse import quote, unquote

    sheets = _pia_sheets(db, "shimin", 2025)
    assert len(sheets) >= 2
    auth.login("shimin.staff")
    for extension, path in (("pdf", "report.pdf"), ("xlsx", "export.xlsx")):
        names = []
        for sheet in sheets:
            disposition = client.get(f"/sheets/{sheet['id']}/{path}").headers["Content-Disposition"]
            names.append(unquote(disposition.split("filename*=UTF-8''")[1]))
        assert len(set(names)) == len(names), names
        for sheet, name in zip(sheets, names):
            assert name.startswith("点検票_令和7年度_市民生活部_市民課_") and name.endswith(f".{extension}")
            assert sheet["name"] in name, (sheet["name"], name)
    assert quote("個人番号カードの交付等に関する事務（重点項目評価）") in client.get(
        f"/sheets/{sheets[1]['id']}/report.pdf").headers["Content-Disposition"]


def test_the_first_assessment_takes_over_the_sheet_made_before_it_was_registered(db):
    admin = user(db, "admin")
    for a in _assessments(db, "kosodate"):
        service.update_assessment(db, a["id"], service.AssessmentInput(a["name"], a["kind"], active=False),
                                  user=admin)
    schedules.open_schedule(db, _schedule_2026(db))
    (unassigned,) = _pia_sheets(db, "kosodate", 2026)
    assert unassigned["assessment_id"] is None
    new = service.create_assessment(db, department_id(db, "kosodate"),
                                    service.AssessmentInput("児童扶養手当に関する事務", KIND_FULL), user=admin)
    assert [(s["id"], s["assessment_id"]) for s in _pia_sheets(db, "kosodate", 2026)] == [(unassigned["id"], new)]


def test_an_audit_check_of_a_pia_item_is_one_row_for_a_department_with_two_assessments(db):
    from builders_audit import audit_for

    from audits.audit import visits
    from audits.audit.permissions import load_audit

    audit_id = audit_for(db, "shimin+hoken")
    audit = load_audit(db, audit_id)
    shimin = department_id(db, "shimin")
    candidates = [i for i in visits.candidate_items(db, audit, shimin) if i["item_id"].startswith("P-")]
    assert candidates and len({i["id"] for i in candidates}) == len(candidates)
    visits.add_checks(db, audit, [candidates[0]["id"]], None, user(db, "auditor"), shimin)
    rows = [c for c in visits.checks(db, audit) if c["item_id"] == candidates[0]["item_id"]]
    first_sheet = _pia_sheets(db, "shimin", 2025)[0]["id"]
    expected = db.execute("SELECT id FROM answers WHERE sheet_id = ? AND item_pk = ?",
                          [first_sheet, candidates[0]["id"]]).fetchone()[0]
    assert [r["answer_id"] for r in rows] == [expected]


def test_the_activity_log_names_the_register_changes(client, auth, db):
    shimin = department_id(db, "shimin")
    auth.login("shimin.staff")
    auth.post(f"/pia/departments/{shimin}", _form(name="中長期在留者に関する事務", kind=KIND_FOCUSED))
    auth.logout()
    auth.login("auditor")
    page = client.get("/log/?action=pia.create").get_data(as_text=True)
    assert "特定個人情報保護評価書の登録" in page
    assert "特定個人情報保護評価書 市民課 中長期在留者に関する事務" in page      # the object, named
    assert "評価の種類: 重点項目評価" in page and "basic" not in page and "focused" not in page
