"""事実確認 that means something: the 課's reply (意見なし or comments) with a deadline, issuing only with every
課's reply (or the 監査責任者's logged override), a change after sending shown and restarting the reply, and
findings that become corrective actions only when issued."""
from __future__ import annotations

import json

import pytest
from builders_audit import user
from test_audit_report import pdf_text, recorded  # noqa: F401  (recorded is a fixture)

from audits.audit import drafting, factcheck, findings, values, visits, workflow
from audits.audit.permissions import load_audit
from audits.audit.plans import AuditError
from audits.audit.values import ENDING_ENGAGE, REQUEST_WISH, RESULT_NEEDS_IMPROVEMENT


@pytest.fixture
def sent(db, recorded):  # noqa: F811
    """The recorded 保険年金課 audit, with prose, sent for 事実確認 with a deadline far ahead."""
    drafting.apply_proposals(db, load_audit(db, recorded), user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, recorded), user(db, "auditor"), workflow.default_reply_due())
    return recorded


def _states(db, audit_id):
    return factcheck.reply_states(db, load_audit(db, audit_id))


def _home_request(client, audit_id) -> str:
    """The home page's line asking for this audit's 事実確認 (the demo has another one, overdue)."""
    html = client.get("/").get_data(as_text=True)
    end = html.find(f"/audit/{audit_id}/factcheck")
    return html[html.rfind("<p", 0, end):end] if end >= 0 else ""


def test_the_department_answers_no_comment_before_its_deadline(client, auth, db, sent):
    due = _states(db, sent)[0]["due_date"]
    auth.login("hoken.manager")
    home = _home_request(client, sent)
    assert "回答期限" in home and "未回答" in home and "回答期限超過" not in home
    page = client.get(f"/audit/{sent}/factcheck").get_data(as_text=True)
    assert "確認しました（意見なし）" in page and "送付後に変更があります" not in page
    assert auth.post(f"/audit/{sent}/factcheck/confirm").status_code == 302
    assert _states(db, sent)[0]["state"] == values.REPLY_NO_COMMENT and _states(db, sent)[0]["answered"]
    assert "確認しました（意見なし）" in _home_request(client, sent)
    assert due == workflow.default_reply_due().isoformat()


def test_another_department_cannot_answer_for_the_audited_one(client, auth, db, sent):
    auth.login("shimin.manager")
    assert auth.post(f"/audit/{sent}/factcheck/confirm").status_code == 403
    assert _states(db, sent)[0]["state"] == values.REPLY_PENDING


def test_a_reply_deadline_in_the_past_is_refused_and_an_unanswered_one_is_overdue(client, auth, db, recorded):  # noqa: F811
    drafting.apply_proposals(db, load_audit(db, recorded), user(db, "auditor"))
    with pytest.raises(AuditError, match="回答期限"):
        workflow.send_for_fact_check(db, load_audit(db, recorded), user(db, "auditor"),
                                     workflow.default_reply_due().replace(year=2020))
    workflow.send_for_fact_check(db, load_audit(db, recorded), user(db, "auditor"))
    db.execute("UPDATE audit_fact_check_sends SET due_date = '2026-01-05' WHERE audit_id = ?", [recorded])
    auth.login("hoken.manager")
    assert "回答期限超過" in _home_request(client, recorded)
    auth.post(f"/audit/{recorded}/factcheck/confirm")
    assert "回答期限超過" not in _home_request(client, recorded)        # answered: no longer overdue


def test_issue_without_replies_is_refused_and_the_override_is_logged_only(client, auth, db, sent):
    audit = load_audit(db, sent)
    visits.set_team(db, audit, [user(db, "auditor").id, user(db, "auditor2").id], user(db, "auditor").id)
    auth.login("auditor2")
    response = auth.post(f"/audit/{sent}/issue", follow_redirects=True)
    assert "事実確認の回答がそろっていません（市民生活部 保険年金課）" in response.get_data(as_text=True)
    assert load_audit(db, sent)["status"] == values.FACT_CHECK
    response = auth.post(f"/audit/{sent}/issue", {"override_reason": "課長不在のため"}, follow_redirects=True)
    assert "監査責任者（主担当）だけ" in response.get_data(as_text=True)            # not the team's lead
    assert load_audit(db, sent)["status"] == values.FACT_CHECK
    auth.logout()

    auth.login("auditor")
    reason = "審議会の日程のため、課の回答を待たずに発行する"
    auth.post(f"/audit/{sent}/issue", {"override_reason": reason})
    assert load_audit(db, sent)["status"] == values.ISSUED
    logged = db.execute("SELECT detail FROM activity_log WHERE action = 'audit.issue' AND object_id = ?",
                        [str(sent)]).fetchone()[0]
    assert json.loads(logged)["override"] == {"reason": reason, "departments": ["市民生活部 保険年金課"]}
    assert "審議会の日程のため" not in pdf_text(client.get(f"/audit/{sent}/report.pdf").data)


def test_a_change_after_sending_is_shown_and_restarts_the_reply(client, auth, db, sent):
    auth.login("hoken.manager")
    auth.post(f"/audit/{sent}/factcheck/confirm")
    auth.logout()
    audit = load_audit(db, sent)
    check = next(c for c in visits.checks(db, audit) if c["item_id"] == "G-04-01")
    visits.save_check(db, audit, check["id"], result=RESULT_NEEDS_IMPROVEMENT, note=check["note"], topic_id=check["topic_id"],
                      revision=check["revision"], user=user(db, "auditor"))
    state = _states(db, sent)[0]
    assert state["state"] == values.REPLY_PENDING and not state["answered"]
    assert {"label": "確認結果 G-04-01（保険年金課）", "change": "変更"} in state["changes"]

    auth.login("hoken.manager")
    page = client.get(f"/audit/{sent}/factcheck").get_data(as_text=True)
    assert "送付後に変更があります" in page and "確認結果 G-04-01（保険年金課）（変更）" in page
    auth.logout()

    with pytest.raises(AuditError, match="事実確認の回答がそろっていません"):
        workflow.issue(db, load_audit(db, sent), user(db, "auditor"), "みどり市")
    auth.login("hoken.manager")
    auth.post(f"/audit/{sent}/factcheck/confirm")                                  # replies on the changed draft
    assert "送付後に変更があります" not in client.get(f"/audit/{sent}/factcheck").get_data(as_text=True)
    workflow.issue(db, load_audit(db, sent), user(db, "auditor"), "みどり市")
    assert load_audit(db, sent)["status"] == values.ISSUED


def test_a_new_finding_after_sending_is_a_change_too(db, sent):
    workflow.confirm_no_comment(db, load_audit(db, sent), user(db, "hoken.manager"))
    findings.create_finding(db, load_audit(db, sent), {"title": "送付後に追加した指摘", "severity": values.MEDIUM,
                                                       "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "改善されたい"},
                            due_date="2026-09-30", user=user(db, "auditor"))
    assert {"label": "指摘事項「送付後に追加した指摘」", "change": "追加"} in _states(db, sent)[0]["changes"]


def test_findings_become_corrective_actions_only_when_issued(client, auth, db, sent):
    db.execute("UPDATE corrective_actions SET due_date = '2020-01-01'")           # overdue once issued
    hoken = [d["department_id"] for d in load_audit(db, sent)["departments"]]
    assert findings.action_list(db, department_ids=hoken) == []
    auth.login("hoken.manager")
    assert "郵送の封入物の確認を作成者１人で行っていた" not in client.get("/").get_data(as_text=True)
    assert "郵送の封入物の確認" not in client.get("/audit/department").get_data(as_text=True)
    auth.post(f"/audit/{sent}/factcheck/confirm")
    auth.logout()
    workflow.issue(db, load_audit(db, sent), user(db, "auditor"), "みどり市")
    auth.login("hoken.manager")
    home = client.get("/").get_data(as_text=True)
    assert "郵送の封入物の確認を作成者１人で行っていた" in home and "期限超過" in home


def test_the_migration_carries_issued_findings_and_a_fact_check_under_way(tmp_path):
    from sqlite_utils import Database

    from audits.audit.schema import migrations as audit_migrations
    from audits.migrations import migration_sets

    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    for migration_set in migration_sets():
        migration_set.apply(db, stop_before="0007_fact_check_replies" if migration_set is audit_migrations else None)
    assert "issued_version" not in db["audit_findings"].columns_dict                 # the old schema
    bureau = db["bureaus"].insert({"code": "b", "name": "部"}).last_pk
    dept = db["departments"].insert({"code": "k", "name": "課", "bureau_id": bureau, "active": 1}).last_pk
    ids = {}
    for status in ("issued", "fact_check"):
        ids[status] = db["audits"].insert({"fiscal_year": 2024, "status": status, "version": 1, "revision": 0,
                                           "fact_check_sent_at": "2025-03-01T10:00:00+09:00"}).last_pk
        db["audit_departments"].insert({"audit_id": ids[status], "department_id": dept, "position": 1})
        db["audit_findings"].insert({"audit_id": ids[status], "department_id": dept, "title": "指摘", "severity": values.MEDIUM,
                                     "request_kind": REQUEST_WISH, "request": "改善されたい", "status": "open"})
    db["audit_reports"].insert({"audit_id": ids["issued"], "version": 1, "content": "{}", "issued_at": "2025-03-24"})

    audit_migrations.apply(db)

    issued = dict(db.execute("SELECT audit_id, issued_version FROM audit_findings").fetchall())
    assert issued == {ids["issued"]: 1, ids["fact_check"]: None}
    reply = db.execute("SELECT state FROM audit_fact_check_replies WHERE audit_id = ?", [ids["fact_check"]]).fetchall()
    assert [r[0] for r in reply] == ["pending"]                            # the 課 replies on today's draft
    with pytest.raises(Exception, match="CHECK"):
        db.execute("UPDATE audit_fact_check_replies SET state = 'maybe'")


def test_each_department_of_a_joint_audit_reads_the_common_sentences_and_its_own(client, auth, db):
    from builders_audit import audit_for, reply_all

    joint = audit_for(db, "shimin+hoken")
    topic = visits.topics(db, joint)[0]["id"]
    text = "市民課では交付窓口の端末がロックされていなかった。保険年金課では記載台に申請書が残っていた。両課とも研修を行っていた。"
    drafting.save_prose(db, load_audit(db, joint), theme="窓口事務を確認する。", selection_reason="合同で選定した。",
                        conclusion="概ね適正であると判断する。", closing="", topic_texts={topic: text},
                        user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, joint), user(db, "auditor"))
    auth.login("shimin.manager")
    page = client.get(f"/audit/{joint}/factcheck").get_data(as_text=True)
    assert "交付窓口の端末がロックされていなかった" in page and "両課とも研修を行っていた" in page
    assert "記載台に申請書が残っていた" not in page
    assert "記載台に申請書が残っていた" not in pdf_text(client.get(f"/audit/{joint}/report.pdf?draft=1").data)
    auth.logout()
    reply_all(db, joint)
    changed = text.replace("残っていた", "残されていた")                  # a sentence about 保険年金課 only
    drafting.save_prose(db, load_audit(db, joint), theme="窓口事務を確認する。", selection_reason="合同で選定した。",
                        conclusion="概ね適正であると判断する。", closing="", topic_texts={topic: changed},
                        user=user(db, "auditor"))
    states = {s["name"]: s["state"] for s in _states(db, joint)}
    assert states == {"市民課": values.REPLY_NO_COMMENT, "保険年金課": values.REPLY_PENDING}
    # the auditor reads the whole prose
    auth.login("auditor")
    assert "記載台に申請書が残されていた" in client.get(f"/audit/{joint}/factcheck").get_data(as_text=True)
