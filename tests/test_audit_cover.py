"""The cover 報告 of a 監査報告書 (issue 14, modelled on Setagaya's 報告資料No.6-1): title, 和暦 date, the
report it tables, a ※ line per incident reported to the 審議会, 案 on a draft, read as the report PDF is."""
from __future__ import annotations

import io
import re
import sqlite3

import pytest
from builders_audit import audit_for
from conftest import Auth, department_id
from pypdf import PdfReader

from audits.timeutil import now
from audits.wareki import wareki_date

FAX = "個人情報を含む文書の誤送信による漏えいのおそれ"
SETTINGS = {"PRIVACY_OFFICE": "総務部総務課", "ORDINANCE_AUDIT_ARTICLE": "第5条第5項",
            "COUNCIL_NAME": "みどり市情報公開・個人情報保護審議会"}


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def demo_audit(db) -> int:
    """健康づくり課's 令和６年度 audit: issued on 2025-03-24, planned from the FAX incident (報告第371号)."""
    return db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                         JOIN departments d ON d.id = ad.department_id
                         WHERE d.code = 'kenko' AND a.fiscal_year = 2024""").fetchone()[0]


def joint_draft(db) -> int:
    """The demo's joint audit of 市民課 and others, not issued (健康づくり課 is not one of its 課)."""
    return db.execute("""SELECT audit_id FROM audit_departments WHERE department_id = ? AND audit_id IN
                         (SELECT id FROM audits WHERE status != 'issued')""", [department_id(db, "shimin")]).fetchone()[0]


@pytest.fixture
def configured(make_app):
    app = make_app(**SETTINGS)
    client = app.test_client()
    return app, client, Auth(client)


def test_cli_cover_of_the_issued_demo_report(runner, db, tmp_path):
    out = tmp_path / "cover.pdf"
    result = runner.invoke(args=["report", "audit", str(demo_audit(db)), "-o", str(out), "--cover",
                                 "--cover-material", "報告資料Ｎｏ．６－１", "--cover-number", "378"])
    assert result.exit_code == 0, result.output
    assert "表紙の報告" in result.output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert all("IPAexGothic" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    text = pdf_text(out.read_bytes())
    order = ["報告資料Ｎｏ．６－１", "報告第３７８号", "みどり市個人情報保護条例に基づく監査の結果について（令和６年度分）",
             "令和７年３月２４日", "法第６６条の規定に基づく安全管理措置", "令和６年度の実施結果を下記のとおり報告する。", "記",
             "・監査の結果", "「令和６年度みどり市個人情報保護条例に基づく監査報告書」のとおり。",
             "※監査対象課で発生した漏えい等事案に関する審議会への報告内容については、"
             "「個人情報を含む文書の誤送信による漏えいのおそれについて」（令和６年１２月１３日付報告第３７１号）のとおり。"]
    positions = [text.find(t) for t in order]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), list(zip(order, positions))
    assert not text.endswith("案")                     # no draft mark (「事案」 has the character too)
    # Nothing the city has not set is invented: no article of the 条例, no office.
    assert "条例第" not in text and "監査責任者が実施する" in text


def test_cli_help_names_the_cover(runner):
    assert "--cover" in runner.invoke(args=["report", "audit", "--help"]).output


def test_download_uses_the_settings_and_the_report_number_line(configured):
    app, client, auth = configured
    with app.app_context():
        from audits.db import get_db
        db = get_db()
        audit_id = demo_audit(db)
        db.execute("UPDATE audit_reports SET content = json_set(content, '$.report_number', '報告資料Ｎｏ．６－２') "
                   "WHERE audit_id = ?", [audit_id])
        db.conn.commit()
    auth.login("chief")
    response = client.get(f"/audit/{audit_id}/cover.pdf?material=報告資料Ｎｏ．６－１&number=378")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "令和７年３月２４日総務部総務課" in text
    assert "条例第５条第５項の規定に基づき設置する監査責任者が同項の規定により実施する" in text
    assert "報告資料Ｎｏ．６－２「令和６年度みどり市個人情報保護条例に基づく監査報告書」のとおり。" in text
    assert "みどり市情報公開・個人情報保護審議会への報告内容については" in text


def test_no_incident_line_when_no_incident_was_reported_to_the_council(client, auth, db):
    audit_id = demo_audit(db)
    db.execute("UPDATE incidents SET council_reported_on = NULL, council_report_number = NULL WHERE title = ?", [FAX])
    db.conn.commit()
    auth.login("auditor")
    text = pdf_text(client.get(f"/audit/{audit_id}/cover.pdf").data)
    assert "※" not in text and "漏えい" not in text
    assert "「令和６年度みどり市個人情報保護条例に基づく監査報告書」のとおり。" in text


def test_incident_line_with_the_date_only(client, auth, db):
    db.execute("UPDATE incidents SET council_report_number = NULL WHERE title = ?", [FAX])
    db.conn.commit()
    auth.login("auditor")
    text = pdf_text(client.get(f"/audit/{demo_audit(db)}/cover.pdf").data)
    assert "漏えいのおそれについて」（令和６年１２月１３日付）のとおり。" in text


def test_draft_cover_is_marked_and_dated_today(client, auth, db):
    audit_id = audit_for(db, "hoken")
    auth.login("auditor")
    response = client.get(f"/audit/{audit_id}/cover.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert text.endswith("案")                         # the margin mark of a draft (drawn last)
    assert wareki_date(now().date(), weekday=False) in text
    assert text.startswith("みどり市個人情報保護条例に基づく監査の結果について（令和７年度分）")
    assert "「令和７年度みどり市個人情報保護条例に基づく監査報告書」のとおり。" in text
    assert "報告第" not in text                        # no number entered
    assert "案" in response.headers["Content-Disposition"] or "%E6%A1%88" in response.headers["Content-Disposition"]


def test_issued_report_asked_as_draft_is_marked(client, auth, db):
    auth.login("auditor")
    assert pdf_text(client.get(f"/audit/{demo_audit(db)}/cover.pdf?draft=1").data).endswith("案")


def test_department_that_may_not_read_the_draft_is_refused(client, auth, db):
    joint = joint_draft(db)
    denied = "SELECT count(*) FROM activity_log WHERE action = 'access.denied'"
    before = db.execute(denied).fetchone()[0]
    auth.login("kenko.staff")                          # not one of the joint audit's 課
    assert client.get(f"/audit/{joint}/report.pdf").status_code == 403
    assert client.get(f"/audit/{joint}/cover.pdf").status_code == 403
    assert client.get(f"/audit/{joint}/cover.pdf?draft=1&number=1").status_code == 403
    assert db.execute(denied).fetchone()[0] == before + 3           # each refusal logged
    assert client.get(f"/audit/{demo_audit(db)}/cover.pdf").status_code == 200   # an issued report is shared


def test_admin_is_refused_and_anonymous_sent_to_login(client, auth, db):
    audit_id = demo_audit(db)
    assert client.get(f"/audit/{audit_id}/cover.pdf").status_code == 302
    auth.login("admin")
    assert client.get(f"/audit/{audit_id}/cover.pdf").status_code == 403


@pytest.mark.parametrize("query, message", [("number=abc", "報告第N号の N は"), ("number=0", "報告第N号の N は"),
                                            ("material=" + "あ" * 61, "60文字以内"), ("version=x", "版の指定")])
def test_bad_input_gets_a_japanese_message(client, auth, db, query, message):
    auth.login("chief")
    response = client.get(f"/audit/{demo_audit(db)}/cover.pdf?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_unissued_version_is_not_found(client, auth, db):
    auth.login("chief")
    assert client.get(f"/audit/{demo_audit(db)}/cover.pdf?version=9").status_code == 404


def test_report_page_offers_the_cover_next_to_the_pdf(client, auth, db):
    auth.login("auditor")
    page = client.get(f"/audit/{demo_audit(db)}/report").get_data(as_text=True)
    assert f'action="/audit/{demo_audit(db)}/cover.pdf"' in page and 'method="get"' in page
    assert "PRIVACY_OFFICE" in page                    # the unset office is pointed out on the page


def test_incident_form_records_the_council_report(client, auth, db):
    auth.login("hoiku.staff")
    data = {"title": "窓口での通知書の誤交付", "department_ids": [str(department_id(db, "hoiku"))],
            "kind": "wrong_issue", "occurred_on": "2026-11-30", "discovered_at": "2026-11-30T10:15",
            "medium": "紙（窓口）", "persons": "2", "items": "氏名、住所", "summary": "通知書を取り違えて交付した。",
            "revision": "", "council_reported_on": "2026-12-01", "council_report_number": "380"}
    assert auth.post("/incidents/new", data).status_code == 302
    row = db.execute("SELECT council_reported_on, council_report_number FROM incidents WHERE title = ?",
                     [data["title"]]).fetchone()
    assert tuple(row) == ("2026-12-01", 380)
    new_id = db.execute("SELECT id FROM incidents WHERE title = ?", [data["title"]]).fetchone()[0]
    assert "2026-12-01 報告第380号" in client.get(f"/incidents/{new_id}").get_data(as_text=True)
    bad = auth.post("/incidents/new", {**data, "title": "別件", "council_report_number": "0"})
    assert bad.status_code == 400 and "1〜99999" in bad.get_data(as_text=True)


def test_council_report_migration_carries_incidents_forward(tmp_path):
    from sqlite_utils import Database

    from audits.db import connect, init_db
    from audits.migrations import migration_sets

    path = tmp_path / "old.db"
    db = Database(str(path))
    for migration_set in migration_sets():
        migration_set.apply(db, stop_before="0003_council_report")
    db["incidents"].insert({"title": "旧", "kind": "other", "discovered_at": "2024-01-01T09:00",
                            "created_at": "x", "updated_at": "x"})
    db.conn.close()
    assert "tenken-incidents:0003_council_report" in init_db(str(path))
    db = connect(str(path))
    row = db.execute("SELECT title, council_reported_on, council_report_number FROM incidents").fetchone()
    assert tuple(row) == ("旧", None, None)                  # not recorded: no ※ line on a cover
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE incidents SET council_report_number = 0")
