"""An audit of several 課 (監査対象課 – one or more 課): the report lists each 課, the checks and findings are
per 課, each 課 sees only its own record until the report is issued, independence holds for every 課, and an
existing single-課 database migrates."""
from __future__ import annotations

import json

import pytest
from builders_audit import audit_for, department_id, reply_all, user
from test_audit_report import pdf_text, squash

from audits.audit import drafting, editing, findings, values, visits, workflow
from audits.audit.permissions import load_audit
from audits.audit.plans import AuditError
from audits.revisions import UNCHECKED
from audits.audit.values import (ENDING_ENGAGE, REQUEST_IMPROVEMENT, REQUEST_WISH, RESULT_NEEDS_IMPROVEMENT,
                                 RESULT_PROPER)

SHIMIN_FINDING = {"title": "交付窓口の端末で離席時に画面がロックされていなかった", "severity": values.HIGH,
                  "request_kind": REQUEST_IMPROVEMENT, "request": "離席時には必ず画面をロックする"}
HOKEN_FINDING = {"title": "記載台に書き損じた申請書が残されていた", "severity": values.MEDIUM,
                 "request_kind": REQUEST_IMPROVEMENT, "request": "記載台を定期的に確認する"}


def _check(db, audit_id, code, item_id, result, note, topic_id=None):
    audit = load_audit(db, audit_id)
    auditor = user(db, "auditor")
    items = {i["item_id"]: i["id"] for i in visits.candidate_items(db, audit, department_id(db, code))}
    visits.add_checks(db, audit, [items[item_id]], topic_id, auditor, department_id(db, code))
    check = next(c for c in visits.checks(db, audit) if c["department_code"] == code and c["item_id"] == item_id)
    visits.save_check(db, audit, check["id"], result=result, note=note, topic_id=topic_id, revision=UNCHECKED,
                      user=auditor)
    return check["id"]


@pytest.fixture
def joint(db):
    """A joint audit of 市民課 and 保険年金課 (in that order): checks at both, one finding per 課 (市民課's under
    the 監査項目, 保険年金課's free-standing), per-課 notes."""
    audit_id = audit_for(db, "shimin+hoken")
    auditor = user(db, "auditor")
    topic_id = visits.topics(db, audit_id)[0]["id"]
    _check(db, audit_id, "shimin", "G-04-01", RESULT_PROPER, "市民課の申請書は施錠保管されていた", topic_id)
    check_id = _check(db, audit_id, "shimin", "G-08-05", RESULT_NEEDS_IMPROVEMENT, "市民課の交付窓口メモ", topic_id)
    _check(db, audit_id, "hoken", "G-04-01", RESULT_PROPER, "保険年金課の書庫メモ", topic_id)
    audit = load_audit(db, audit_id)
    findings.create_finding(db, audit, SHIMIN_FINDING, due_date="2099-03-31", user=auditor, check_id=check_id)
    findings.create_finding(db, audit, HOKEN_FINDING, due_date="2099-03-31", user=auditor,
                            department_id=department_id(db, "hoken"))
    visits.save_notes(db, load_audit(db, audit_id), "市民課での聴き取り", auditor, department_id(db, "shimin"))
    visits.save_notes(db, load_audit(db, audit_id), "保険年金課での聴き取り", auditor, department_id(db, "hoken"))
    return audit_id


def _send(db, audit_id, *, proposals=False):
    auditor = user(db, "auditor")
    if proposals:
        drafting.apply_proposals(db, load_audit(db, audit_id), auditor)
    else:
        drafting.save_prose(db, load_audit(db, audit_id), theme="窓口事務を確認する。", selection_reason="合同で選定した。",
                            conclusion="いずれも概ね適正であると判断する。", closing="", topic_texts={}, user=auditor)
    workflow.send_for_fact_check(db, load_audit(db, audit_id), auditor)


def _issue(db, audit_id):
    reply_all(db, audit_id)
    workflow.issue(db, load_audit(db, audit_id), user(db, "auditor"), "みどり市")


# ----------------------------------------------------------------------------- the report

def test_report_lists_every_department_and_groups_the_annex(db, joint):
    _send(db, joint, proposals=True)
    _issue(db, joint)
    text = pdf_text(workflow.issued_pdf(db, joint)[1])
    section2 = text[text.find("２監査対象課"):text.find("３監査対象課の選定理由")]
    assert section2.find("市民生活部市民課") >= 0
    assert section2.find("市民生活部市民課") < section2.find("市民生活部保険年金課")
    # the 総括 judges each 課's 事務 from its own results (市民課 has one 要改善, 保険年金課 only 適正)
    assert "市民課における保有個人情報を取り扱う事務については、概ね適正に行われていると判断する。" in text
    assert "保険年金課における保有個人情報を取り扱う事務については、適正に行われていると判断する。" in text
    section5 = text[text.find("５監査の結果"):text.find("６終わりに")]
    assert squash("市民課では、交付窓口の端末で離席時に画面がロックされていなかった。市民課においては、") in section5
    assert squash("保険年金課では、記載台に書き損じた申請書が残されていた。保険年金課においては、") in section5
    assert "市民課では、" in section5 and "を確認した。" in section5 and "G-0" not in section5
    annex = text[text.find("別表監査項目ごとの確認結果"):]
    shimin, hoken = annex.find("（１）市民課"), annex.find("（２）保険年金課")
    assert 0 <= shimin < hoken
    assert annex.find("市民課の交付窓口メモ") in range(shimin, hoken)
    assert annex.find("保険年金課の書庫メモ") > hoken
    findings_list = text[text.find("指摘事項の一覧"):]
    assert "市民課" in findings_list and "保険年金課" in findings_list


def test_single_department_report_prints_as_before(db):
    audit_id = audit_for(db, "hoken")
    content = drafting.report_content(db, load_audit(db, audit_id), "みどり市")
    assert content["department"] == "市民生活部保険年金課" and not content["multi"]
    assert drafting.when_and_where(content) == (["令和８年２月１８日（水）午前９時３０分から午前１１時００分まで"],
                                                ["執務室", "文書庫"])
    assert "（市民課）" not in drafting.proposals(db, load_audit(db, audit_id))["conclusion"]


def test_date_and_place_per_department_in_section_4(client, auth, db, joint):
    auth.login("auditor")
    hoken = department_id(db, "hoken")
    response = auth.post(f"/audit/{joint}/record", {
        "part": f"department-{hoken}", f"d{hoken}-started_at": "2026-02-19T14:00",
        f"d{hoken}-ended_at": "2026-02-19T13:00", f"d{hoken}-places": "２階書庫"})
    assert response.status_code == 400 and "終了日時は開始日時より後" in response.get_data(as_text=True)
    assert "２階書庫" in response.get_data(as_text=True)                       # what was typed is kept
    auth.post(f"/audit/{joint}/record", {"part": f"department-{hoken}", f"d{hoken}-started_at": "2026-02-19T14:00",
                                         f"d{hoken}-ended_at": "2026-02-19T15:20", f"d{hoken}-places": "２階書庫",
                                         f"d{hoken}-base": editing.fingerprint(
                                             editing.department_record_values(db, joint, hoken))})
    text = pdf_text(client.get(f"/audit/{joint}/report.pdf?draft=1").data)
    assert "（１）日時市民課令和８年２月１８日（水）午前９時３０分から午前１１時００分まで" \
           "保険年金課令和８年２月１９日（木）午後２時００分から午後３時２０分まで" in text
    assert "（２）場所市民課執務室、文書庫保険年金課２階書庫" in text


# ----------------------------------------------------------------------------- independence

def test_independence_refused_when_any_department_is_the_auditors_own(db):
    auditor = user(db, "auditor")
    with pytest.raises(AuditError) as error:
        visits.create_audit(db, fiscal_year=2025, department_ids=[department_id(db, "shimin"),
                                                                   department_id(db, "kansa")],
                            auditor_ids=[auditor.id], lead_id=auditor.id, theme="", selection_reason="理由",
                            user=auditor)
    assert "所属しているため" in str(error.value) and "独立性" in str(error.value)


def test_adding_the_auditors_own_department_is_refused_on_the_page(client, auth, db, joint):
    auth.login("auditor")
    response = auth.post(f"/audit/{joint}/departments", {"dept-department_id": str(department_id(db, "kansa"))},
                         follow_redirects=True)
    assert "監査の独立性" in response.get_data(as_text=True)
    assert load_audit(db, joint)["department_codes"] == ["shimin", "hoken"]
    auth.post(f"/audit/{joint}/departments", {"dept-department_id": str(department_id(db, "hoiku"))})
    assert load_audit(db, joint)["department_codes"] == ["shimin", "hoken", "hoiku"]


def test_adding_an_auditor_of_an_audited_department_is_refused(db, joint):
    """The other direction: the team cannot take in a member of any audited 課."""
    audit = load_audit(db, joint)
    visits.add_department(db, audit, department_id(db, "hoiku"), user(db, "auditor"))
    hoiku_manager = user(db, "hoiku.manager")
    with pytest.raises(AuditError) as error:
        visits.set_team(db, load_audit(db, joint), [user(db, "auditor").id, hoiku_manager.id], user(db, "auditor").id)
    assert "保育課に所属しているため" in str(error.value)
    assert hoiku_manager.id not in {m["id"] for m in visits.team(db, joint)}


def test_departments_change_only_in_the_field_and_not_with_records(db, joint):
    auditor = user(db, "auditor")
    with pytest.raises(AuditError, match="指摘事項|確認する点検項目"):
        visits.remove_department(db, load_audit(db, joint), department_id(db, "hoken"), auditor)
    visits.add_department(db, load_audit(db, joint), department_id(db, "hoiku"), auditor)
    visits.remove_department(db, load_audit(db, joint), department_id(db, "hoiku"), auditor)
    assert load_audit(db, joint)["department_codes"] == ["shimin", "hoken"]
    _send(db, joint)
    with pytest.raises(AuditError, match="実施中"):
        visits.add_department(db, load_audit(db, joint), department_id(db, "hoiku"), auditor)


# ----------------------------------------------------------------------------- checks and findings per 課

def test_visit_screen_switches_between_departments(client, auth, db, joint):
    auth.login("auditor")
    hoken = department_id(db, "hoken")
    page = client.get(f"/audit/{joint}/checks").get_data(as_text=True)
    assert 'aria-current="page">市民課</a>' in page and "市民課の交付窓口メモ" in page
    assert "保険年金課の書庫メモ" not in page
    page = client.get(f"/audit/{joint}/checks?department={hoken}").get_data(as_text=True)
    assert "保険年金課の書庫メモ" in page and "保険年金課の回答" in page and "市民課の交付窓口メモ" not in page
    assert client.get(f"/audit/{joint}/checks?department={department_id(db, 'hoiku')}").status_code == 404


def test_the_same_item_is_checked_per_department(db, joint):
    rows = [(c["department_code"], c["item_id"]) for c in visits.checks(db, load_audit(db, joint))]
    assert rows.count(("shimin", "G-04-01")) == 1 and rows.count(("hoken", "G-04-01")) == 1


def test_a_finding_belongs_to_one_of_the_audited_departments(db, joint):
    audit = load_audit(db, joint)
    auditor = user(db, "auditor")
    with pytest.raises(AuditError, match="監査対象課から選んで"):
        findings.create_finding(db, audit, HOKEN_FINDING, due_date="2099-03-31", user=auditor,
                                department_id=department_id(db, "hoiku"))
    with pytest.raises(AuditError, match="監査対象課から選んで"):       # several 課: the 課 must be given
        findings.create_finding(db, audit, HOKEN_FINDING, due_date="2099-03-31", user=auditor)
    hoken_check = next(c["id"] for c in visits.checks(db, audit) if c["department_code"] == "hoken")
    with pytest.raises(AuditError, match="別の課の項目"):
        findings.create_finding(db, audit, HOKEN_FINDING, due_date="2099-03-31", user=auditor,
                                check_id=hoken_check, department_id=department_id(db, "shimin"))
    owners = {r[0]: r[1] for r in db.execute(
        """SELECT f.title, d.code FROM corrective_actions ca JOIN audit_findings f ON f.id = ca.finding_id
           JOIN departments d ON d.id = ca.department_id WHERE f.audit_id = ?""", [joint])}
    assert owners == {SHIMIN_FINDING["title"]: "shimin", HOKEN_FINDING["title"]: "hoken"}


def test_finding_page_refuses_a_department_outside_the_audit(client, auth, db, joint):
    auth.login("auditor")
    response = auth.post(f"/audit/{joint}/findings/new", {
        "title": "掲示が古い", "severity": values.LOW, "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "更新されたい",
        "due_date": "2099-03-31", "department_id": "", "topic_id": "", "check_id": ""})
    assert response.status_code == 400 and "監査対象課から選んで" in response.get_data(as_text=True)
    assert "掲示が古い" in response.get_data(as_text=True)


# ----------------------------------------------------------------------------- who sees what

def test_each_department_sees_only_its_own_record_before_issue(client, auth, db, joint):
    auth.login("shimin.staff")
    assert client.get(f"/audit/{joint}").status_code == 403                 # not yet sent for 事実確認
    auth.logout()
    _send(db, joint)
    hoken = department_id(db, "hoken")
    auth.login("shimin.staff")
    html = client.get(f"/audit/{joint}").get_data(as_text=True)
    assert "市民課での聴き取り" in html and SHIMIN_FINDING["title"] in html
    assert "保険年金課での聴き取り" not in html and HOKEN_FINDING["title"] not in html
    checks_page = client.get(f"/audit/{joint}/checks").get_data(as_text=True)
    assert "市民課の交付窓口メモ" in checks_page and "保険年金課の書庫メモ" not in checks_page
    response = client.get(f"/audit/{joint}/checks?department={hoken}")
    assert response.status_code == 403 and "保険年金課の書庫メモ" not in response.get_data(as_text=True)
    hoken_finding = db.execute("SELECT id FROM audit_findings WHERE audit_id = ? AND department_id = ?",
                               [joint, hoken]).fetchone()[0]
    hoken_action = db.execute("SELECT id FROM corrective_actions WHERE finding_id = ?", [hoken_finding]).fetchone()[0]
    assert client.get(f"/audit/actions/{hoken_action}").status_code == 403
    draft = pdf_text(client.get(f"/audit/{joint}/report.pdf?draft=1").data)
    annex = draft[draft.find("別表監査項目ごとの確認結果"):]                 # annex rows and the list of findings
    assert "市民課の交付窓口メモ" in annex and squash(SHIMIN_FINDING["title"]) in annex
    assert "保険年金課の書庫メモ" not in draft and squash(HOKEN_FINDING["title"]) not in annex
    assert "（２）保険年金課" not in annex
    assert "市民生活部保険年金課" in draft                                  # the prose (２, ５) stays whole
    factcheck = client.get(f"/audit/{joint}/factcheck").get_data(as_text=True)
    assert "保険年金課の書庫メモ" not in factcheck and "市民課の交付窓口メモ" in factcheck


def test_the_auditor_is_told_every_department_reads_the_draft_prose(client, auth, db, joint):
    auth.login("auditor")
    page = client.get(f"/audit/{joint}/report").get_data(as_text=True)
    assert "各課は報告書の案の本文のうち共通の文と自課について書いた文を読みます" in page
    single = audit_for(db, "kenko")
    assert "自課について書いた文を読みます" not in client.get(f"/audit/{single}/report").get_data(as_text=True)


def test_each_department_comments_as_itself_and_the_auditor_answers_each(client, auth, db, joint):
    _send(db, joint)
    auth.login("shimin.manager")
    auth.post(f"/audit/{joint}/factcheck", {"body": "市民課：別表の備考を確認しました。"})
    hoken = department_id(db, "hoken")
    assert auth.post(f"/audit/{joint}/factcheck", {"body": "他課として", "department_id": str(hoken)}
                     ).status_code == 403
    auth.logout()
    auth.login("hoken.manager")
    auth.post(f"/audit/{joint}/factcheck", {"body": "保険年金課：記載台は毎時確認に改めました。"})
    page = client.get(f"/audit/{joint}/factcheck").get_data(as_text=True)
    assert "保険年金課：記載台" in page and "市民課：別表の備考" not in page
    auth.logout()
    rows = {c["department_name"]: c for c in workflow.comments(db, joint)}
    assert set(rows) == {"市民課", "保険年金課"}
    auth.login("auditor")
    page = client.get(f"/audit/{joint}/report").get_data(as_text=True)
    assert "（市民課）" in page and "（保険年金課）" in page
    auth.post(f"/audit/{joint}/issue")
    assert load_audit(db, joint)["status"] == "fact_check"                    # two comments unanswered
    for comment in rows.values():
        auth.post(f"/audit/{joint}/comments/{comment['id']}/respond", {"response": "確認しました。"})
    auth.post(f"/audit/{joint}/issue")
    assert load_audit(db, joint)["status"] == "issued"


def test_after_issue_every_audited_department_reads_the_full_report(client, auth, db, joint):
    _send(db, joint)
    _issue(db, joint)
    for username in ("shimin.staff", "hoken.manager"):
        auth.login(username)
        text = pdf_text(client.get(f"/audit/{joint}/report.pdf").data)
        assert "市民課の交付窓口メモ" in text and "保険年金課の書庫メモ" in text
        assert squash(SHIMIN_FINDING["title"]) in text and squash(HOKEN_FINDING["title"]) in text
        auth.logout()
    auth.login("shimin.staff")
    html = client.get(f"/audit/{joint}").get_data(as_text=True)
    assert "保険年金課での聴き取り" not in html                              # the record stays per 課
    assert SHIMIN_FINDING["title"] in client.get("/audit/department").get_data(as_text=True)


def test_lists_count_a_joint_audit_for_each_department(client, auth, db, joint):
    from audits.audit import plans, risk
    from audits.summary.queries import Scope, audits_of_year

    rows = {r.department_code: r for r in audits_of_year(db, Scope(2025)) if r.id == joint}
    assert set(rows) == {"shimin", "hoken"}
    assert (rows["shimin"].results["要改善"], rows["shimin"].findings) == (1, 1)
    assert (rows["hoken"].results["適正"], rows["hoken"].findings) == (1, 1)
    ranked = {r["code"]: r for r in risk.ranking(db, 2026)}
    assert ranked["shimin"]["last_year"] == 2025 and ranked["hoken"]["last_year"] == 2025
    cycle_id = plans.save_cycle(db, title="計画", start_year=2025, end_year=2026, notes="", user=user(db, "auditor"))
    reached = {r["code"]: r["audited_year"] for r in plans.cycle_coverage(db, cycle_id)}
    assert reached["shimin"] == reached["hoken"] == 2025
    auth.login("auditor")
    assert "市民生活部 市民課、市民生活部 保険年金課" in client.get("/audit/").get_data(as_text=True)
    # The summary Excel counts the audit once and each of its 課.
    import io

    from openpyxl import load_workbook

    auth.logout()
    auth.login("chief")
    workbook = load_workbook(io.BytesIO(client.get("/summary/report.xlsx?year=2025").data))
    overview = {row[0]: row[1] for row in workbook["概要"].iter_rows(min_row=2, values_only=True)}
    every = audits_of_year(db, Scope(2025))
    assert overview["監査の件数"] == len({r.id for r in every}) < len(every)
    assert overview["監査した課の数"] == len(every)


def test_overdue_actions_reach_each_departments_home(client, auth, db, joint):
    db.execute("UPDATE corrective_actions SET due_date = '2020-01-31' WHERE finding_id IN "
               "(SELECT id FROM audit_findings WHERE audit_id = ?)", [joint])
    _send(db, joint)
    _issue(db, joint)                          # a finding is the 課's corrective action once issued
    for username, own, other in (("shimin.manager", SHIMIN_FINDING, HOKEN_FINDING),
                                 ("hoken.manager", HOKEN_FINDING, SHIMIN_FINDING)):
        auth.login(username)
        html = client.get("/").get_data(as_text=True)
        assert own["title"] in html and "期限超過" in html and other["title"] not in html, username
        auth.logout()


# ----------------------------------------------------------------------------- その他の事項

def test_other_matters_text_is_editable_and_printed(client, auth, db, joint):
    auth.login("auditor")
    page = client.get(f"/audit/{joint}/report").get_data(as_text=True)
    assert "その他の事項について" in page and 'name="other_text"' in page
    generated = drafting.proposals(db, load_audit(db, joint))["other"]
    assert generated.startswith("保険年金課では、記載台に書き損じた申請書が残されていた。")
    form = {"theme": "観点", "selection_reason": "理由", "conclusion": "概ね適正である。", "closing": "",
            "other_text": "保険年金課の記載台には、個人番号を記載した書き損じの申請書が残されていた。直ちに回収されたい。"}
    prose = lambda: editing.fingerprint(editing.prose_values(db, joint))  # noqa: E731 (what the form carries)
    assert auth.post(f"/audit/{joint}/report", {**form, "base": prose()}).status_code == 302
    text = pdf_text(client.get(f"/audit/{joint}/report.pdf?draft=1").data)
    other = text[text.find("（２）その他の事項について"):text.find("６終わりに")]
    assert "直ちに回収されたい。" in other and "保険年金課においては" not in other
    auth.post(f"/audit/{joint}/report", {**form, "other_text": "", "base": prose()})           # empty: the generated text again
    assert load_audit(db, joint)["other_text"] is None
    text = pdf_text(client.get(f"/audit/{joint}/report.pdf?draft=1").data)
    assert squash(generated) in text


def test_other_matters_text_is_frozen_with_the_issued_report(db, joint):
    auditor = user(db, "auditor")
    audit = load_audit(db, joint)
    drafting.save_prose(db, audit, theme="観点", selection_reason="理由", conclusion="概ね適正である。", closing="",
                        topic_texts={}, user=auditor, other_text="発行時のその他の事項。")
    workflow.send_for_fact_check(db, load_audit(db, joint), auditor)
    _issue(db, joint)
    frozen = json.loads(db.execute("SELECT content FROM audit_reports WHERE audit_id = ?", [joint]).fetchone()[0])
    assert frozen["topics"][-1] == {"position": 2, "title": "その他の事項", "text": "発行時のその他の事項。",
                                    "extra": True}
    workflow.revise(db, load_audit(db, joint), auditor)
    drafting.save_prose(db, load_audit(db, joint), theme="観点", selection_reason="理由", conclusion="概ね適正である。",
                        closing="", topic_texts={}, user=auditor, other_text="改訂後の文章。")
    first = pdf_text(workflow.issued_pdf(db, joint, 1)[1])
    assert "発行時のその他の事項。" in first and "改訂後の文章。" not in first


# ----------------------------------------------------------------------------- migration

def test_an_existing_single_department_audit_migrates(tmp_path):
    from sqlite_utils import Database

    from audits.audit.schema import migrations as audit_migrations
    from audits.migrations import migration_sets

    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    for migration_set in migration_sets():
        if migration_set is audit_migrations:
            migration_set.apply(db, stop_before="0002_audit_departments")
        else:  # the evidence links (applied last) come after every audit migration
            migration_set.apply(db, stop_before="0001_evidence_links")
    assert "department_id" in db["audits"].columns_dict                      # the old schema
    db["bureaus"].insert({"code": "kf", "name": "健康福祉部"})
    dept = db["departments"].insert({"code": "kenko", "name": "健康づくり課", "bureau_id": 1}).last_pk
    db["checklists"].insert({"id": "c", "title": "c", "origin": "city", "created_at": "2025-01-01"})
    version = db["checklist_versions"].insert({"checklist_id": "c", "version": 1, "title": "c", "prefix": "C",
                                               "tags": "[]", "content_hash": "h", "data": "{}",
                                               "created_at": "2025-01-01"}).last_pk
    item = db["checklist_items"].insert({"version_id": version, "item_id": "C-01", "section_id": "C", "position": 1,
                                         "section_title": "s", "question": "q", "scale": "implementation",
                                         "severity": values.HIGH, "tags": "[]", "sources": "[]",
                                         "evidence_required": 0}).last_pk
    audit_id = db["audits"].insert({"fiscal_year": 2024, "department_id": dept, "status": "issued", "version": 1,
                                    "revision": 0, "interview_notes": "旧い聴き取り", "theme": "FAX"}).last_pk
    db["audit_checks"].insert({"audit_id": audit_id, "item_pk": item, "item_id": "C-01", "result": RESULT_PROPER,
                               "revision": 0})
    db["audit_comments"].insert({"audit_id": audit_id, "version": 1, "body": "意見", "created_at": "2025-03-01"})

    audit_migrations.apply(db)
    for migration_set in migration_sets():
        migration_set.apply(db)

    assert "department_id" not in db["audits"].columns_dict and "other_text" in db["audits"].columns_dict
    assert list(db.query("SELECT audit_id, department_id, position, interview_notes FROM audit_departments")) == [
        {"audit_id": audit_id, "department_id": dept, "position": 1, "interview_notes": "旧い聴き取り"}]
    assert db.execute("SELECT department_id FROM audit_checks").fetchone()[0] == dept
    assert db.execute("SELECT department_id FROM audit_comments").fetchone()[0] == dept
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    audit = load_audit(db, audit_id)
    assert (audit["department_codes"], audit["department_name"], audit["multi"]) == (["kenko"], "健康づくり課", False)
    content = drafting.report_content(db, audit, "みどり市")
    assert content["department"] == "健康福祉部健康づくり課" and content["annex"][0][0] == "C-01"


# ----------------------------------------------------------------------------- demo

def test_demo_has_a_joint_audit_sent_for_fact_check_and_loads_once(db):
    from audits.audit import demo as audit_demo

    audit_id = audit_demo.load_joint(db)
    assert audit_demo.load_joint(db) == audit_id                              # loading again adds nothing
    audit = load_audit(db, audit_id)
    assert (audit["department_codes"], audit["fiscal_year"], audit["status"]) == (["shimin", "hoken"], 2025,
                                                                                  "fact_check")
    per_department = dict(db.execute("""SELECT d.code, COUNT(*) FROM audit_findings f
                                        JOIN departments d ON d.id = f.department_id WHERE f.audit_id = ?
                                        GROUP BY d.code""", [audit_id]).fetchall())
    assert per_department == {"shimin": 1, "hoken": 1}
    text = pdf_text(workflow.report_pdf_bytes(db, audit, "みどり市", draft=True)[0])
    assert "市民課令和８年１月２０日（火）午前１０時００分から午前１１時３０分まで" in text
    assert "保険年金課令和８年１月２０日（火）午後２時００分から午後３時２０分まで" in text
    assert "（３）その他の事項について保険年金課では、" in text


def test_finding_pages_work_without_the_department_field(client, auth, db, joint):
    """One 課: no 課 to choose; editing a joint audit's finding keeps its 課."""
    single = audit_for(db, "hoiku")
    auth.login("auditor")
    response = auth.post(f"/audit/{single}/findings/new", {
        "title": "掲示が古い", "severity": values.LOW, "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "更新されたい",
        "due_date": "2099-03-31", "topic_id": "", "check_id": ""})
    assert response.status_code == 302
    assert db.execute("""SELECT d.code FROM audit_findings f JOIN departments d ON d.id = f.department_id
                         WHERE f.audit_id = ?""", [single]).fetchone()[0] == "hoiku"
    finding_id = db.execute("SELECT id FROM audit_findings WHERE audit_id = ? AND department_id = ?",
                            [joint, department_id(db, "hoken")]).fetchone()[0]
    page = client.get(f"/audit/findings/{finding_id}/edit").get_data(as_text=True)
    assert "指摘する課</strong>：保険年金課" in page and 'name="department_id"' not in page
    response = auth.post(f"/audit/findings/{finding_id}/edit", {
        **HOKEN_FINDING, "title": "記載台に書き損じた申請書が２枚残されていた", "due_date": "2099-03-31",
        "topic_id": "", "base": editing.fingerprint(editing.finding_values(db, finding_id))})
    assert response.status_code == 302
    row = db["audit_findings"].get(finding_id)
    assert (row["title"], row["department_id"]) == ("記載台に書き損じた申請書が２枚残されていた",
                                                    department_id(db, "hoken"))


def test_a_joint_audit_is_registered_from_the_plans_targets(client, auth, db):
    from audits.audit import plans

    auditor = user(db, "auditor")
    plan_id = plans.save_plan(db, 2026, theme="委託先の管理", basis="", notes="", user=auditor)
    for code in ("hoiku", "kosodate"):
        plans.set_target(db, plan_id, department_id(db, code), f"{code}の選定理由")
    auth.login("auditor")
    page = client.get("/audit/plans/2026").get_data(as_text=True)
    assert "未登録の2課をまとめて1つの監査（合同監査）として登録" in page
    ids = [str(department_id(db, c)) for c in ("hoiku", "kosodate")]
    form = client.get(f"/audit/new?year=2026&department_id={ids[0]}&department_id={ids[1]}").get_data(as_text=True)
    assert form.count('checked') >= 3                                         # both 課 and the auditor
    assert "hoikuの選定理由" in form and "kosodateの選定理由" in form
    response = auth.post("/audit/new", {"fiscal_year": "2026", "department_ids": ids,
                                        "auditors": [str(auditor.id)], "lead_id": str(auditor.id),
                                        "selection_reason": "合同で選定"})
    assert response.status_code == 302
    audit_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert load_audit(db, audit_id)["department_codes"] == ["hoiku", "kosodate"]
    page = client.get("/audit/plans/2026").get_data(as_text=True)
    assert page.count(f"/audit/{audit_id}\"") == 2                            # each target links to the audit
    response = auth.post("/audit/new", {"fiscal_year": "2026", "auditors": [str(auditor.id)],
                                        "lead_id": str(auditor.id), "selection_reason": "課なし"})
    assert response.status_code == 400 and "課を1つ以上選んでください" in response.get_data(as_text=True)
