"""The 監査報告書: PDF text (pypdf) in the Setagaya structure, CLI and download, drafting, 事実確認, issue,
frozen versions."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from builders_audit import audit_for, reply_all, user
from pypdf import PdfReader

from audits.audit import drafting, findings, values, visits, workflow
from audits.audit.permissions import load_audit
from audits.audit.plans import AuditError
from audits.revisions import UNCHECKED
from audits.audit.values import (ENDING_ENGAGE, REQUEST_IMPROVEMENT, REQUEST_WISH, RESULT_IMPROPER,
                                 RESULT_MOSTLY_PROPER, RESULT_NEEDS_IMPROVEMENT, RESULT_PROPER)
from audits.wareki import hankaku, nendo

HEADINGS = ["１\u3000監査の観点", "２\u3000監査対象課", "３\u3000監査対象課の選定理由",
            "４\u3000監査の実施日時、場所及び内容", "５\u3000監査の結果", "６\u3000終わりに"]


def pdf_text(data: bytes) -> str:
    """All pages' text with line breaks and spaces removed (table cells and paragraphs wrap)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def demo_audit(db) -> int:
    return db.execute("""SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                         JOIN departments d ON d.id = ad.department_id
                         WHERE d.code = 'kenko' AND a.fiscal_year = 2024""").fetchone()[0]


def test_cli_writes_the_issued_demo_report(runner, db, tmp_path):
    out = tmp_path / "audit.pdf"
    result = runner.invoke(args=["report", "audit", str(demo_audit(db)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    text = pdf_text(data)
    positions = [text.find(squash(h)) for h in HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "令和６年度みどり市個人情報保護条例に基づく監査報告書" in text
    assert "令和７年２月２６日（水）午後３時００分から午後４時２０分まで" in text
    assert "健康福祉部健康づくり課" in text
    assert "概ね適正であると判断する。" in text and "以下にその理由を記載する。" in text
    assert "文書保存箱において、廃棄年月日に誤記載があり" in text
    assert "別表監査項目ごとの確認結果" in text and "G-04-06" in text and "要改善" in text
    assert "－１－" in text                                        # page numbers
    reader = PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("IPAexGothic" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    assert reader.pages[0].mediabox.width < reader.pages[0].mediabox.height   # portrait


def test_cli_help_and_unknown_audit(runner):
    assert "監査報告書" in runner.invoke(args=["report", "audit", "--help"]).output
    assert runner.invoke(args=["report", "audit", "99999", "-o", "/tmp/x.pdf"]).exit_code != 0


@pytest.fixture
def recorded(db):
    """A 保険年金課 audit with results on two items and two findings (one from an item, one free-standing)."""
    audit_id = audit_for(db, "hoken")
    audit = load_audit(db, audit_id)
    auditor = user(db, "auditor")
    topic_id = visits.topics(db, audit_id)[0]["id"]
    items = [i for i in visits.candidate_items(db, audit) if i["item_id"] in ("G-04-01", "G-04-03", "G-05-01")]
    visits.add_checks(db, audit, [i["id"] for i in items], topic_id, auditor)
    checks = {c["item_id"]: c for c in visits.checks(db, audit)}
    visits.save_check(db, audit, checks["G-04-01"]["id"], result=RESULT_PROPER, note="書類は施錠できるキャビネットに保管されていた",
                      topic_id=topic_id, revision=0, user=auditor)
    visits.save_check(db, audit, checks["G-04-03"]["id"], result=RESULT_MOSTLY_PROPER, note="", topic_id=topic_id,
                      revision=0, user=auditor)
    visits.save_check(db, audit, checks["G-05-01"]["id"], result=RESULT_NEEDS_IMPROVEMENT, note="封入の確認が１人", topic_id=topic_id,
                      revision=0, user=auditor)
    findings.create_finding(db, audit, {"title": "郵送の封入物の確認を作成者１人で行っていた", "severity": values.HIGH,
                                        "request_kind": REQUEST_IMPROVEMENT,
                                        "request": "作成者以外の職員が宛名と封入物を確認する"},
                            due_date="2026-06-30", user=auditor, check_id=checks["G-05-01"]["id"])
    findings.create_finding(db, audit, {"title": "課内掲示の保護管理者名が前任者のままであった", "severity": values.LOW,
                                        "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "異動のたびに掲示を更新されたい"},
                            due_date="2026-04-30", user=auditor)
    return audit_id


def test_proposals_from_the_recorded_results(db, recorded):
    audit = load_audit(db, recorded)
    proposed = drafting.proposals(db, audit)
    assert proposed["conclusion"] == ("監査対象課における保有個人情報を取り扱う事務については、概ね適正に行われていると"
                                      "判断する。以下にその理由を記載する。")
    text = next(iter(proposed["topics"].values()))
    assert "書類は施錠できるキャビネットに保管されていたことを確認した。" in text   # the check's note
    assert "についても、自己点検の回答のとおり概ね適正に取り扱われていることを確認した。" in text  # no note
    assert "一方、郵送の封入物の確認を作成者１人で行っていた。監査対象課においては、" in text
    assert "作成者以外の職員が宛名と封入物を確認するよう取り組まれたい。" in text
    assert "G-0" not in text and "封入の確認が１人" not in text        # no item ids; the finding covers its check
    assert proposed["other"] == ("課内掲示の保護管理者名が前任者のままであった。監査対象課においては、異動のたびに"
                                 "掲示を更新するよう取り組まれたい。")
    visits.save_check(db, audit, visits.checks(db, audit)[0]["id"], result=RESULT_IMPROPER, note="", topic_id=None,
                      revision=UNCHECKED, user=user(db, "auditor"))
    assert drafting.proposals(db, load_audit(db, recorded))["conclusion"].startswith(
        "監査対象課における保有個人情報を取り扱う事務については、一部に不適正な取扱いが認められ、改善を要するものと判断する。")


def test_stale_check_save_is_refused(db, recorded):
    audit = load_audit(db, recorded)
    check = visits.checks(db, audit)[0]
    with pytest.raises(visits.StaleCheck):
        visits.save_check(db, audit, check["id"], result=RESULT_PROPER, note="", topic_id=None,
                          revision=check["revision"] - 1, user=user(db, "auditor2"))


def test_draft_fact_check_issue_and_download(client, auth, db, recorded):
    auth.login("auditor")
    assert auth.post(f"/audit/{recorded}/send").status_code == 400                 # no reply deadline
    assert auth.post(f"/audit/{recorded}/send", {"reply_due": "2099-01-01"}).status_code == 302
    assert load_audit(db, recorded)["status"] == values.FIELDWORK          # refused: no conclusion yet
    auth.post(f"/audit/{recorded}/report/propose")
    audit = load_audit(db, recorded)
    assert audit["conclusion"].endswith("概ね適正に行われていると判断する。以下にその理由を記載する。")
    response = client.get(f"/audit/{recorded}/report")
    assert "提案" in response.get_data(as_text=True)
    auth.post(f"/audit/{recorded}/send", {"reply_due": "2099-01-01"})
    assert load_audit(db, recorded)["status"] == values.FACT_CHECK
    auth.logout()

    auth.login("hoken.manager")
    assert "事実確認を依頼されています" in client.get("/").get_data(as_text=True)
    draft = client.get(f"/audit/{recorded}/report.pdf?draft=1")
    assert draft.status_code == 200 and "案" in pdf_text(draft.data)
    year = nendo(load_audit(db, recorded)["fiscal_year"], digits=hankaku)
    disposition = draft.headers["Content-Disposition"]     # the 課 by name, not by code
    assert f"filename*=UTF-8''{quote(f'監査報告書_{year}_保険年金課_案.pdf')}" in disposition, disposition
    assert f"filename=audit-{recorded}.pdf" in disposition and "hoken" not in disposition
    auth.post(f"/audit/{recorded}/factcheck", {"body": "４（２）場所は「文書庫（地下１階）」です。"})
    auth.logout()

    auth.login("auditor")
    auth.post(f"/audit/{recorded}/issue")
    assert load_audit(db, recorded)["status"] == values.FACT_CHECK           # refused: comment unanswered
    comment_id = workflow.comments(db, recorded)[0]["id"]
    auth.post(f"/audit/{recorded}/comments/{comment_id}/respond", {"response": "修正しました。"})
    auth.post(f"/audit/{recorded}/issue")
    assert load_audit(db, recorded)["status"] == values.ISSUED
    response = client.get(f"/audit/{recorded}/report.pdf")
    assert response.status_code == 200
    assert quote(f"監査報告書_{year}_保険年金課_第1版.pdf") in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    positions = [text.find(squash(h)) for h in HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert "令和８年２月１８日（水）午前９時３０分から午前１１時００分まで" in text
    assert "健康福祉部" not in text and "保険年金課" in text
    assert "郵送の封入物の確認を作成者１人で行っていた" in text
    assert "課内掲示の保護管理者名が前任者のままであった" in text
    assert "（１）保有個人情報の取扱状況の確認について" in text and "（２）その他の事項について" in text
    exported = db.execute("SELECT COUNT(*) FROM activity_log WHERE action = 'audit.report_export'").fetchone()[0]
    assert exported >= 1


def test_issued_report_is_frozen_and_a_revision_keeps_it(db, recorded):
    auditor = user(db, "auditor")
    drafting.apply_proposals(db, load_audit(db, recorded), auditor)
    workflow.send_for_fact_check(db, load_audit(db, recorded), auditor)
    reply_all(db, recorded)
    workflow.issue(db, load_audit(db, recorded), auditor, "みどり市")
    first = workflow.issued_pdf(db, recorded)[1]
    with pytest.raises(AuditError):
        workflow.send_for_fact_check(db, load_audit(db, recorded), auditor)
    workflow.revise(db, load_audit(db, recorded), auditor)
    audit = load_audit(db, recorded)
    assert (audit["status"], audit["version"]) == (values.FIELDWORK, 2)
    drafting.save_prose(db, audit, theme=audit["theme"], selection_reason=audit["selection_reason"],
                        conclusion="改訂後の総括である。", closing="", topic_texts={}, user=auditor)
    workflow.send_for_fact_check(db, load_audit(db, recorded), auditor)
    reply_all(db, recorded)
    workflow.issue(db, load_audit(db, recorded), auditor, "みどり市")
    assert [r["version"] for r in workflow.issued_reports(db, recorded)] == [2, 1]
    assert workflow.issued_pdf(db, recorded, 1)[1] == first
    assert "改訂後の総括である。" not in pdf_text(first)
    assert "改訂後の総括である。" in pdf_text(workflow.issued_pdf(db, recorded)[1])


def test_check_page_saves_per_item_and_keeps_text_on_error(client, auth, db, recorded):
    auth.login("auditor")
    page = client.get(f"/audit/{recorded}/checks").get_data(as_text=True)
    assert "audit_autosave.js" in page and 'data-autosave="audit-' in page and "<script>" not in page
    check = visits.checks(db, load_audit(db, recorded))[0]
    prefix = f"c{check['id']}-"
    response = auth.post(f"/audit/{recorded}/checks/{check['id']}",
                         {prefix + "result": "", prefix + "note": "書きかけのメモ", prefix + "revision": "1"})
    assert response.status_code == 400 and "書きかけのメモ" in response.get_data(as_text=True)
    response = auth.post(f"/audit/{recorded}/checks/{check['id']}",
                         {prefix + "result": RESULT_IMPROPER, prefix + "note": "現地で確認", prefix + "topic_id": "",
                          prefix + "revision": str(check["revision"])})
    assert response.status_code == 302
    assert visits.checks(db, load_audit(db, recorded))[-1]["result"] == RESULT_IMPROPER
