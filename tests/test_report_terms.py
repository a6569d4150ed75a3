"""Everything a 審議会 reads is in human terms (issue 14): no internal codes in any report or screen, the
根拠 not doubled, report options and the issue date, the 部 beside every 課, the 「案」 mark on every page."""
from __future__ import annotations

import io
import json
import re

import pytest
from builders_audit import audit_for, reply_all, user
from pypdf import PdfReader

from audits.audit import drafting, findings, values, visits, workflow
from audits.audit.permissions import load_audit
from checklists import loader
from checklists.sources import human_text, source_label
from audits.audit.values import ENDING_ENGAGE, REQUEST_WISH

# A reference code as the checklists write it, in PDF text with every space removed.
CODE = re.compile(r"GUIDE\d|MYNUM別添|PPC-REPORT\d|PIA[ⅢⅣ]|CASE[a-z]|（[a-z][a-z0-9-]*）")


def pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def test_every_builtin_code_reads_in_words():
    assert source_label("GUIDE 4-8-5") == "事務対応ガイド 4-8-5"
    assert source_label("MYNUM 別添1 2-C-b") == "番号法ガイドライン（別添1）2-C-b"
    assert source_label("CASE tokorozawa-koyo") == "所沢市の事案（公用申請）"
    assert source_label("CASE amagasaki-usb-2022") == "兵庫県尼崎市の事案（2022年、紛失・盗難）"   # a casebook case
    assert source_label("みどり市文書管理規程") == "みどり市文書管理規程"
    assert human_text("GUIDE 4-8-5、CASE setagaya-disposal") == "事務対応ガイド 4-8-5、世田谷区の事案（文書の誤廃棄）"
    codes = {s for cl in loader.load_builtin() for item in cl.items() for s in item.sources}
    codes |= {c["ref"] for c in loader.load_clauses()}
    for code in sorted(codes):
        label = source_label(code)
        assert not CODE.search(re.sub(r"\s+", "", label)) and "事例「" not in label, (code, label)


@pytest.mark.slow
def test_no_demo_report_prints_an_internal_code(app, db, runner, tmp_path):
    # A finding typed (or pre-filled, as before) with codes still prints in words.
    audit_id = db.execute("SELECT id FROM audits WHERE status = 'fact_check'").fetchone()[0]
    db.execute("UPDATE audit_findings SET clause = 'GUIDE 4-8-5、CASE setagaya-disposal' WHERE audit_id = ?",
               [audit_id])
    reports = []
    with app.app_context():
        for (audit_id,) in db.execute("SELECT id FROM audits").fetchall():
            audit = load_audit(db, audit_id)
            for draft in ({True, bool(not audit["issued_at"])}):
                reports.append(workflow.report_pdf_bytes(db, audit, "みどり市", draft=draft)[0])
    assert len(reports) >= 3
    assert "世田谷区の事案（文書の誤廃棄）" in "".join(pages(reports[-1]))
    for args in (["summary", "--year", "2025"], ["summary", "--year", "2024"],
                 ["sheet", str(db.execute("SELECT id FROM sheets ORDER BY id LIMIT 1").fetchone()[0])]):
        out = tmp_path / "report.pdf"
        result = runner.invoke(args=["report", *args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        reports.append(out.read_bytes())
    assert any("事務対応ガイド" in "".join(pages(r)) for r in reports[-3:])     # the summary's sources, in words
    for data in reports:
        for n, text in enumerate(pages(data), start=1):
            assert not CODE.search(text), (n, CODE.findall(text))


def test_finding_form_prefills_the_sources_in_words(client, auth, db):
    audit_id = audit_for(db, "hoken")
    audit = load_audit(db, audit_id)
    topic_id = visits.topics(db, audit_id)[0]["id"]
    item = next(i for i in visits.candidate_items(db, audit) if i["item_id"] == "G-04-06")
    visits.add_checks(db, audit, [item["id"]], topic_id, user(db, "auditor"))
    check_id = visits.checks(db, audit)[0]["id"]
    auth.login("auditor")
    html = client.get(f"/audit/{audit_id}/findings/new?check={check_id}").get_data(as_text=True)
    clause = re.search(r'name="clause"[^>]*value="([^"]*)"', html).group(1)
    assert "事務対応ガイド 4-8-5" in clause and "世田谷区の事案（文書の誤廃棄）" in clause
    assert "GUIDE" not in clause and "CASE" not in clause


def test_the_title_does_not_double_the_municipality():
    assert drafting.report_title(2024, "みどり市", "みどり市個人情報保護条例") == \
        "令和６年度 みどり市個人情報保護条例に基づく監査 報告書"
    assert drafting.report_title(2024, "みどり市", "個人情報保護条例") == \
        "令和６年度 みどり市個人情報保護条例に基づく監査 報告書"


@pytest.fixture
def ready(db):
    """A 保険年金課 audit with one finding, its prose proposed, sent for 事実確認."""
    audit_id = audit_for(db, "hoken")
    audit = load_audit(db, audit_id)
    findings.create_finding(db, audit, {"title": "課内掲示の保護管理者名が前任者のままであった", "severity": values.LOW,
                                        "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "異動のたびに掲示を更新されたい"},
                            due_date="2026-04-30", user=user(db, "auditor"))
    drafting.apply_proposals(db, load_audit(db, audit_id), user(db, "auditor"))
    return audit_id


def test_report_options_are_saved_and_printed(client, auth, db, ready):
    auth.login("auditor")
    text = "".join(pages(client.get(f"/audit/{ready}/report.pdf?draft=1").data))
    assert "別表監査項目ごとの確認結果" in text and "指摘事項の一覧" in text and "報告資料" not in text
    response = auth.post(f"/audit/{ready}/report/options", {"report_number": "報告資料Ｎｏ．６－２"})
    assert response.status_code == 302            # the boxes left unticked: no 別表, no 指摘事項の一覧
    audit = load_audit(db, ready)
    assert (audit["report_number"], audit["show_annex"], audit["show_findings"]) == ("報告資料Ｎｏ．６－２", 0, 0)
    text = pages(client.get(f"/audit/{ready}/report.pdf?draft=1").data)
    assert text[0].startswith("報告資料Ｎｏ．６－２") and text[0].endswith("案")
    assert "別表" not in "".join(text) and "指摘事項の一覧" not in "".join(text)
    assert "報告資料Ｎｏ．６－２" in client.get(f"/audit/{ready}/report").get_data(as_text=True)
    auth.post(f"/audit/{ready}/report/options", {"show_annex": "y", "show_findings": "y"})
    text = "".join(pages(client.get(f"/audit/{ready}/report.pdf?draft=1").data))
    assert "別表監査項目ごとの確認結果" in text and "指摘事項の一覧" in text and "報告資料" not in text
    auth.logout()
    auth.login("hoken.manager")                   # the audited 課 cannot change them
    assert auth.post(f"/audit/{ready}/report/options", {"report_number": "x"}).status_code == 403


def test_every_page_of_a_draft_carries_the_mark(client, auth, db, ready):
    auth.login("auditor")
    draft = pages(client.get(f"/audit/{ready}/report.pdf?draft=1").data)
    # The stamp, drawn in the margin after the page's text, ends every page's text (「事案」 would not count).
    assert len(draft) >= 2 and all(p.endswith("案（事実確認用）案") for p in draft)
    workflow.send_for_fact_check(db, load_audit(db, ready), user(db, "auditor"))
    reply_all(db, ready)
    workflow.issue(db, load_audit(db, ready), user(db, "auditor"), "みどり市")
    issued = pages(client.get(f"/audit/{ready}/report.pdf").data)
    assert not any(p.endswith("案") for p in issued)


def test_issue_date_of_a_past_audit_needs_a_reason_that_is_logged(client, auth, db, ready):
    workflow.send_for_fact_check(db, load_audit(db, ready), user(db, "auditor"))
    reply_all(db, ready)
    auth.login("auditor")
    response = auth.post(f"/audit/{ready}/issue", {"issued_on": "2026-03-02"})
    assert response.status_code == 400 and "理由" in response.get_data(as_text=True)
    response = auth.post(f"/audit/{ready}/issue", {"issued_on": "2099-01-01", "reason": "x"})
    assert response.status_code == 400 and "未来の日付" in response.get_data(as_text=True)
    response = auth.post(f"/audit/{ready}/issue", {"issued_on": "2020-01-01", "reason": "x"})
    assert response.status_code == 400 and "実施日以後" in response.get_data(as_text=True)
    assert load_audit(db, ready)["status"] == values.FACT_CHECK
    response = auth.post(f"/audit/{ready}/issue", {"issued_on": "2026-03-02", "reason": "紙で発行済みの報告書を記録"})
    assert response.status_code == 302
    audit = load_audit(db, ready)
    assert audit["status"] == values.ISSUED and audit["issued_at"].startswith("2026-03-02")
    text = "".join(pages(client.get(f"/audit/{ready}/report.pdf").data))
    assert "令和８年３月２日（月）発行" in text and "紙で発行済み" not in text
    detail = json.loads(db.execute("SELECT detail FROM activity_log WHERE action = 'audit.issue' ORDER BY id DESC"
                                   ).fetchone()[0])
    assert detail["reason"] == "紙で発行済みの報告書を記録" and detail["issued_on"] == "2026-03-02"


def test_lists_of_departments_show_the_bureau(client, auth, db, ready):
    auth.login("auditor")
    index = client.get("/audit/").get_data(as_text=True)
    assert "健康福祉部 健康づくり課" in index and "市民生活部 保険年金課" in index
    auth.logout()
    auth.login("chief")
    html = client.get("/summary/?year=2024").get_data(as_text=True)
    assert re.search(r'<span class="bureau">健康福祉部</span>\s*健康づくり課', html)


def test_an_existing_audit_keeps_its_annex_and_findings_after_the_migration(tmp_path):
    from sqlite_utils import Database

    from audits.audit.schema import migrations as audit_migrations
    from audits.migrations import migration_sets

    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    for migration_set in migration_sets():
        migration_set.apply(db, stop_before="0005_report_options" if migration_set is audit_migrations else None)
    assert "show_annex" not in db["audits"].columns_dict                    # the old schema
    audit_id = db["audits"].insert({"fiscal_year": 2024, "status": "issued", "version": 1, "revision": 0}).last_pk

    audit_migrations.apply(db)

    row = db.execute("SELECT report_number, show_annex, show_findings FROM audits WHERE id = ?", [audit_id]).fetchone()
    assert tuple(row) == (None, 1, 1)                                        # printed as before
