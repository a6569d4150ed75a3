"""The 委員会's 定期的な報告 (個別テーマ): the theme → item mapping, the 機関 of each 部, the answers derived per
機関 from the answers and their 改善予定, the summed figures, 要記入, the CLI and the dashboard's button."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

import builders_summary as build
from audits.db import connect, transaction
from audits.departments import agencies
from audits.departments import service as departments
from audits.incidents.values import KINDS
from audits.summary import ppc, scoring
from checklists.builtin import load_builtin, lint
from checklists.model import ChecklistError
from checklists.ppc_periodic import load_periodic_report, parse, unknown_items

YEAR = 2025
STAMP = "2025-06-01T10:00:00+09:00"
# The items of the test's "mynumber" checklist (the ids the mapping names).
ITEMS = [("M-01-01", "M-01", "範囲", "低", [], "事務を一覧にしていますか。"),
         ("M-02-02", "M-02", "規程", "中", [], "取扱規程を定めていますか。"),
         ("M-08-05", "M-08", "研修", "中", [], "異動者に研修していますか。"),
         ("M-06-03", "M-06", "事案", "中", [], "漏えい等事案の件数は。"),
         ("M-08-03", "M-08", "研修", "中", [], "研修の未受講者数は。")]


# --------------------------------------------------------------------------- the mapping

def test_every_item_the_mapping_names_exists_in_the_checklists():
    report = load_periodic_report()
    assert [t.number for t in report.themes] == list(range(1, 16))
    assert unknown_items(report, load_builtin()) == []
    assert lint(["checklists"]) == []          # the checklist lint checks the mapping too
    theme3 = report.themes[2]
    assert [str(r) for r in theme3.items] == ["M-08-04", "M-08-07"]
    assert [(f.label, f.item and f.item.item_id) for f in theme3.figures] == [("研修の未受講者数", "M-08-03"),
                                                                             ("研修の受講者数", None)]


def test_a_renamed_item_or_a_badly_written_mapping_is_reported():
    report = parse({"title": "t", "basis": "b", "themes": [
        {"number": 1, "group": "g", "question": "q", "kind": "status", "items": ["mynumber:M-99-99"]},
        {"number": 2, "group": "g", "question": "q", "kind": "status", "items": ["mynumber:M-02-02"],
         "figures": [{"label": "数", "unit": "人", "item": "mynumber:M-02-02"}]}]}, "x.yaml")
    errors = unknown_items(report, load_builtin(), "x.yaml")
    assert any("M-99-99 はチェックリストにない項目" in e for e in errors)
    assert any("M-02-02 は計測項目ではありません" in e for e in errors)
    with pytest.raises(ChecklistError, match="チェックリストID:項目ID"):
        parse({"themes": [{"number": 1, "group": "g", "question": "q", "kind": "status", "items": ["M-02-02"]}]},
              "x.yaml")
    with pytest.raises(ChecklistError, match="kind は"):
        parse({"themes": [{"number": 1, "group": "g", "question": "q", "kind": "guess"}]}, "x.yaml")


# --------------------------------------------------------------------------- one cell

@pytest.mark.parametrize("category, plan_due, expected", [
    (scoring.DONE, None, ppc.DONE),
    (scoring.PARTIAL, "2026-03-31", ppc.PLANNED),          # the last day of 令和７年度
    (scoring.NOT_DONE, "2025-10-01", ppc.PLANNED),
    (scoring.PARTIAL, "2026-04-01", ppc.NOT_COMPLETED),    # the next 年度
    (scoring.NOT_DONE, None, ppc.NOT_COMPLETED),
    (scoring.NOT_DONE, "いつか", ppc.NOT_COMPLETED),
    (scoring.UNANSWERED, None, ppc.UNKNOWN),
    (scoring.NOT_APPLICABLE, None, ppc.NOT_APPLICABLE),
])
def test_a_gap_counts_as_done_only_with_an_improvement_due_within_the_year(category, plan_due, expected):
    assert ppc.cell_state(category, plan_due, YEAR) == expected


# --------------------------------------------------------------------------- a small city

def _answer(db, sheet_id: int, pks: dict, item_id: str, category: str, *, value=None, plan_action=None,
            plan_due=None) -> None:
    with transaction(db):
        db["answers"].insert({"sheet_id": sheet_id, "item_pk": pks[item_id], "item_id": item_id, "value": value,
                              "category": category, "auto_na": 0, "revision": 1, "updated_at": STAMP,
                              "plan_action": plan_action, "plan_due": plan_due})


@pytest.fixture
def city(empty_app):
    """市長部局 (総務部: a1, a2), 教育委員会 (教育部: b1 submitted, b2 still answering), 選挙管理委員会 (c1)."""
    db = connect(empty_app.config["DATABASE"])
    with transaction(db):
        for code, bureau in (("a1", "somu"), ("a2", "somu"), ("b1", "kyoiku"), ("b2", "kyoiku"), ("c1", "iinkai")):
            departments.create_department(db, code, f"{code}課", bureau, ["mynumber"],
                                          bureau_name={"somu": "総務部", "kyoiku": "教育部", "iinkai": "行政委員会"}[bureau])
    departments.set_bureau_agency(db, db.execute("SELECT id FROM bureaus WHERE code = 'kyoiku'").fetchone()[0],
                                  agencies.EDUCATION)
    departments.set_bureau_agency(db, db.execute("SELECT id FROM bureaus WHERE code = 'iinkai'").fetchone()[0],
                                  agencies.ELECTION)
    version_id, pks = build.checklist(db, checklist_id="mynumber", title="特定個人情報", items=ITEMS)
    schedule_id = build.schedule(db, YEAR, version_id)
    sheets = {code: build.sheet(db, schedule_id, code, version_id, "answering" if code == "b2" else "submitted")
              for code in ("a1", "a2", "b1", "b2", "c1")}
    D, P, N, NA = scoring.DONE, scoring.PARTIAL, scoring.NOT_DONE, scoring.NOT_APPLICABLE
    # 番号1 (M-02-02): a2 plans its 規程 after the 年度 → 年度中に完了しない
    _answer(db, sheets["a1"], pks, "M-02-02", D)
    _answer(db, sheets["a2"], pks, "M-02-02", P, plan_action="取扱規程を改正する", plan_due="2026-06-30")
    # 番号2 (M-01-01): a2 has a gap and no 改善予定 at all
    _answer(db, sheets["a1"], pks, "M-01-01", D)
    _answer(db, sheets["a2"], pks, "M-01-01", N)
    # 番号4 (M-08-05): a2's gap closes within the 年度 → 適切に実施（完了予定を含む）
    _answer(db, sheets["a1"], pks, "M-08-05", D)
    _answer(db, sheets["a2"], pks, "M-08-05", N, plan_action="研修を行う", plan_due="2026-02-15")
    # figures: 未受講者 3 + 2; incidents 0 + 1
    _answer(db, sheets["a1"], pks, "M-08-03", D, value="3")
    _answer(db, sheets["a2"], pks, "M-08-03", D, value="2")
    _answer(db, sheets["a1"], pks, "M-06-03", D, value="0")
    _answer(db, sheets["a2"], pks, "M-06-03", D, value="1")
    # 教育委員会: b1 does everything, b2 has not submitted
    for item_id in ("M-01-01", "M-02-02", "M-08-05"):
        _answer(db, sheets["b1"], pks, item_id, D)
        _answer(db, sheets["b2"], pks, item_id, N)
    _answer(db, sheets["b1"], pks, "M-08-03", D, value="4")
    # 選挙管理委員会: nobody new joins (M-08-05 該当しない), no incident, M-01-01 left unanswered
    _answer(db, sheets["c1"], pks, "M-02-02", D)
    _answer(db, sheets["c1"], pks, "M-08-05", NA)
    _answer(db, sheets["c1"], pks, "M-06-03", D, value="0")
    db.conn.close()
    return empty_app


def _report(app) -> ppc.PeriodicReportData:
    db = connect(app.config["DATABASE"])
    try:
        return ppc.build(db, YEAR, municipality="みどり市")
    finally:
        db.conn.close()


def _theme(block, number: int) -> ppc.ThemeAnswer:
    return next(a for a in block.answers if a.theme.number == number)


def test_one_block_per_agency_with_its_own_departments(city):
    report = _report(city)
    assert [(b.label, b.bureaus, b.departments) for b in report.blocks] == [
        ("市長部局", ["総務部"], 2), ("教育委員会", ["教育部"], 2), ("選挙管理委員会", ["行政委員会"], 1)]


def test_answers_derived_from_the_answers_and_their_improvement_plans(city):
    mayor, education, election = _report(city).blocks
    first = _theme(mayor, 1)
    assert (first.key, first.answer) == ("gap", "令和７年度中に対応が完了しない")
    assert first.reasons == ["総務部 a2課（M-02-02）：取扱規程を改正する（改善予定 令和８年６月３０日）"]
    second = _theme(mayor, 2)
    assert second.key == "gap" and second.reasons == ["総務部 a2課（M-01-01）：改善予定の記載なし"]
    fourth = _theme(mayor, 4)
    assert fourth.answer == "適切に実施している（令和７年度中に対応が完了する予定の機関を含む。）"
    assert "うち1課は令和７年度中に完了予定" in fourth.notes[0]
    # 選挙管理委員会: everything applicable done; 該当しない only → 該当なし
    assert _theme(election, 1).key == "done"
    assert (_theme(election, 4).key, _theme(election, 4).answer) == ("na", "該当なし")


def test_what_cannot_be_derived_is_to_be_filled_in_never_guessed(city):
    mayor, education, election = _report(city).blocks
    # b2 has not submitted: b1's answers alone would say 実施, but the 機関's answer is not known
    for number in (1, 2, 4):
        answer = _theme(education, number)
        assert answer.to_fill and answer.answer == ppc.TO_FILL
        assert "点検票が未提出の課（1課）" in answer.notes[0] and "提出済の回答だけでは「適切に実施" in answer.notes[1]
    assert education.pending == ["教育部 b2課"]
    unanswered = _theme(election, 2)                        # c1 left M-01-01 unanswered
    assert unanswered.to_fill and "未回答の項目がある（行政委員会 c1課）" in unanswered.notes[0]
    assert _theme(mayor, 15).to_fill                        # 独自の取組: nothing in Tenken
    assert _theme(mayor, 7).to_fill                         # no incident register for the 年度
    assert _theme(mayor, 8).to_fill and "項目がない" in _theme(mayor, 8).notes[0]
    trained = {f.label: f for f in _theme(mayor, 3).figures}["研修の受講者数"]
    assert trained.value is None and trained.text == ppc.TO_FILL


def test_figures_are_summed_per_agency(city):
    mayor, education, election = _report(city).blocks
    untrained = {f.label: f for f in _theme(mayor, 3).figures}["研修の未受講者数"]
    assert (untrained.value, untrained.text) == (5, "5人")
    partial = {f.label: f for f in _theme(education, 3).figures}["研修の未受講者数"]
    assert partial.value is None and "合計は4人" in partial.note and "未提出の課1" in partial.note
    incidents = _theme(mayor, 6)
    assert incidents.answer == "漏えい等事案が発生した" and incidents.figures[0].value == 1
    assert _theme(election, 6).answer == "漏えい等事案が発生していない"
    # b1 typed no count and b2 has not submitted: not known (b1's 未受講者 4 is not an incident count)
    assert _theme(education, 6).to_fill


def test_incidents_come_from_the_register_when_it_holds_the_year(city):
    db = connect(city.config["DATABASE"])
    a2 = db.execute("SELECT id FROM departments WHERE code = 'a2'").fetchone()[0]
    row = {"title": "通知書の誤送付", "kind": next(iter(KINDS)), "discovered_at": "2025-09-01T10:00:00+09:00",
           "mynumber": 1, "created_at": STAMP, "updated_at": STAMP,
           "judgement_at": STAMP, "judgement_clauses": "[1]", "judgement_mynumber": 1}   # to be reported
    with transaction(db):
        incident_id = db["incidents"].insert(row).last_pk
        db["incident_departments"].insert({"incident_id": incident_id, "department_id": a2})
    db.conn.close()
    mayor, education, _election = _report(city).blocks
    assert _theme(mayor, 6).figures[0].value == 1 and "登録簿" in _theme(mayor, 6).figures[0].note
    reported = _theme(mayor, 7)
    assert reported.key == "gap" and "通知書の誤送付" in reported.reasons[0]     # required, not yet reported
    assert _theme(education, 6).answer == "漏えい等事案が発生していない"
    assert _theme(education, 7).answer == "該当なし"


# --------------------------------------------------------------------------- files, CLI, button

def test_cli_writes_pdf_and_excel(city, tmp_path):
    runner = city.test_cli_runner()
    pdf_path, xlsx_path = tmp_path / "ppc.pdf", tmp_path / "ppc.xlsx"
    for path in (pdf_path, xlsx_path):
        result = runner.invoke(args=["report", "ppc", "--year", str(YEAR), "-o", str(path)])
        assert result.exit_code == 0, result.output
    text = "".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages).replace(" ", "").replace("\n", "")
    for expected in ("令和７年度", "定期的な報告", "１市長部局", "２教育委員会", "令和７年度中に対応が完了しない",
                     "取扱規程を改正する", "■要記入", "研修の未受講者数：5人", "別紙導き方"):
        assert expected in text, expected
    wb = load_workbook(xlsx_path)
    answers = list(wb["回答"].iter_rows(values_only=True))
    assert answers[0][:6] == ("機関", "番号", "区分", "設問", "回答", "要記入")
    first = next(r for r in answers if r[0] == "市長部局" and r[1] == 1)
    assert first[4] == "令和７年度中に対応が完了しない" and "取扱規程を改正する" in first[6]
    figures = {(r[0], r[2]): r for r in wb["数値"].iter_rows(values_only=True)}
    assert figures[("市長部局", "研修の未受講者数")][3] == 5                      # a number, not text
    assert figures[("教育委員会", "研修の未受講者数")][3] is None
    assert figures[("教育委員会", "研修の未受講者数")][5] == "要記入"


def test_cli_refuses_a_bad_year(city, tmp_path):
    result = city.test_cli_runner().invoke(args=["report", "ppc", "--year", "25", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "年度 25 は正しくありません" in result.output


@pytest.mark.parametrize("user, status", [("chief", 200), ("auditor", 200), ("admin", 403), ("shimin.manager", 403),
                                          ("shimin.staff", 403)])
def test_the_button_and_who_may_export(client, auth, user, status):
    auth.login(user)
    response = client.get(f"/summary/ppc.pdf?year={YEAR}")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
        page = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
        assert f"/summary/ppc.pdf?year={YEAR}" in page and "委員会への定期的な報告" in page
        excel = client.get(f"/summary/ppc.xlsx?year={YEAR}")
        assert excel.status_code == 200 and load_workbook(io.BytesIO(excel.data))["回答"]["A2"].value == "市長部局"


def test_export_needs_a_login_and_a_known_format(client, auth):
    assert client.get(f"/summary/ppc.pdf?year={YEAR}").status_code == 302
    auth.login("chief")
    assert client.get(f"/summary/ppc.docx?year={YEAR}").status_code == 404


# --------------------------------------------------------------------------- 機関 of a 部

def test_existing_bureaus_move_to_the_mayor_and_the_database_refuses_an_unknown_agency(tmp_path):
    from audits.db import init_db
    from audits.migrations import migrations

    path = tmp_path / "old.db"
    db = connect(str(path))
    migrations.apply(db, stop_before="0006_bureau_agency")
    with transaction(db):
        db["bureaus"].insert({"code": "somu", "name": "総務部"})
    db.conn.close()
    init_db(str(path))
    db = connect(str(path))
    try:
        assert db.execute("SELECT agency FROM bureaus").fetchall() == [(agencies.MAYOR,)]
        with pytest.raises(Exception, match="CHECK"):
            db.execute("UPDATE bureaus SET agency = 'kingdom'")
    finally:
        db.conn.close()


def test_admin_sets_a_bureaus_agency_and_others_may_not(client, auth, db):
    bureau_id = db.execute("SELECT id FROM bureaus WHERE code = 'somu'").fetchone()[0]
    auth.login("chief")
    assert client.get("/admin/bureaus").status_code == 403
    assert auth.post(f"/admin/bureaus/{bureau_id}/agency", {"agency": agencies.WATER}).status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/bureaus").get_data(as_text=True)
    assert "教育委員会" in page and "総務部" in page
    response = auth.post(f"/admin/bureaus/{bureau_id}/agency", {"agency": agencies.WATER}, follow_redirects=True)
    assert "総務部 の機関を更新しました" in response.get_data(as_text=True)
    assert db.execute("SELECT agency FROM bureaus WHERE id = ?", [bureau_id]).fetchone()[0] == agencies.WATER
    response = auth.post(f"/admin/bureaus/{bureau_id}/agency", {"agency": "kingdom"}, follow_redirects=True)
    assert response.status_code == 200 and "機関を一覧から選んでください。" in response.get_data(as_text=True)
    assert db.execute("SELECT agency FROM bureaus WHERE id = ?", [bureau_id]).fetchone()[0] == agencies.WATER
    response = client.post(f"/admin/bureaus/{bureau_id}/agency", data={"agency": agencies.MAYOR})   # no CSRF token
    assert db.execute("SELECT agency FROM bureaus WHERE id = ?", [bureau_id]).fetchone()[0] == agencies.WATER
    assert auth.post("/admin/bureaus/999999/agency", {"agency": agencies.MAYOR}).status_code == 404


def test_the_demo_puts_its_education_and_election_bureaus_in_their_agencies(db):
    rows = dict(db.execute("SELECT code, agency FROM bureaus").fetchall())
    assert rows["kyoiku"] == agencies.EDUCATION and rows["iinkai"] == agencies.ELECTION
    assert rows["somu"] == agencies.MAYOR
