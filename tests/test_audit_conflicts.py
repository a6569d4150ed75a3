"""Two auditors editing the same audit never silently overwrite each other (audits/audit/editing.py).

Each scenario: the first auditor opens a form, the second saves the same fields, then the first saves.
The first gets 409 (or, for the notes, the page again) with the second's name and saved text, keeps
what they typed, and a deliberate second save goes through. Saving other fields is not a conflict."""
from __future__ import annotations

import html
import re

import pytest
from builders_audit import audit_for, department_id, user

from audits.audit import drafting, values, visits
from audits.audit.permissions import load_audit
from audits.audit.values import REQUEST_IMPROVEMENT

BASE = re.compile(r'<input id="base" name="base" type="hidden" value="([0-9a-f]{64})">')


def base_of(page: str) -> str:
    match = BASE.search(page)
    assert match, "the form carries the fingerprint of what it was loaded with"
    return match.group(1)


@pytest.fixture
def audit_id(db):
    return audit_for(db, "shimin", auditors=("auditor", "auditor2"))


def stored(db, audit_id, column):
    return db.execute(f"SELECT {column} FROM audits WHERE id = ?", [audit_id]).fetchone()[0]


def prose(**fields) -> dict:
    return {"theme": "窓口事務を確認する。", "selection_reason": "", "conclusion": "", "closing": "", **fields}


def test_report_prose_saved_meanwhile_is_not_overwritten(client, auth, db, audit_id):
    auth.login("auditor")
    base = base_of(client.get(f"/audit/{audit_id}/report").get_data(as_text=True))
    # auditor2 saves the conclusion in between
    drafting.save_prose(db, load_audit(db, audit_id), **prose(conclusion="二人目が書いた総括。"), topic_texts={},
                        user=user(db, "auditor2"))
    response = auth.post(f"/audit/{audit_id}/report", {**prose(conclusion="一人目が書いた総括。"), "base": base})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "監査員 内田 健さんが" in page and "あなたの入力は消さずに残しています" in page
    assert "一人目が書いた総括。</textarea>" in page          # what was typed stays in the form
    assert "二人目が書いた総括。" in page                     # the saved text is shown (the report draft)
    assert stored(db, audit_id, "conclusion") == "二人目が書いた総括。"
    # A deliberate second save, with the fingerprint of what is now saved, goes through.
    response = auth.post(f"/audit/{audit_id}/report", {**prose(conclusion="一人目が書いた総括。"),
                                                       "base": base_of(page)})
    assert response.status_code == 302
    assert stored(db, audit_id, "conclusion") == "一人目が書いた総括。"


def test_record_saved_meanwhile_is_not_overwritten(client, auth, db, audit_id):
    auth.login("auditor")
    base = base_of(client.get(f"/audit/{audit_id}/record").get_data(as_text=True))
    visits.update_record(db, load_audit(db, audit_id), fields={"attendees": "市民課長（二人目の記録）"}, places=["3階会議室"],
                         methods=[], user=user(db, "auditor2"))
    response = auth.post(f"/audit/{audit_id}/record", {"attendees": "市民課長、係長（一人目の記録）", "places": "執務室",
                                                       "base": base})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "保存済みの内容（他の監査員が保存したもの）" in page and "市民課長（二人目の記録）" in page
    assert "市民課長、係長（一人目の記録）</textarea>" in page
    assert stored(db, audit_id, "attendees") == "市民課長（二人目の記録）"


def test_interview_notes_saved_meanwhile_are_shown_beside_the_typed_ones(client, auth, db, audit_id):
    auth.login("auditor")
    page = client.get(f"/audit/{audit_id}").get_data(as_text=True)
    base = re.search(r'name="base" value="([0-9a-f]{64})"', page).group(1)
    shimin = department_id(db, "shimin")
    visits.save_notes(db, load_audit(db, audit_id), "二人目の聴き取り記録", user(db, "auditor2"), shimin)
    response = auth.post(f"/audit/{audit_id}/notes", {"interview_notes": "一人目の聴き取り記録",
                                                      "department_id": shimin, "base": base},
                         follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert "保存済みの記録（他の監査員が保存したもの）" in page and "二人目の聴き取り記録" in page
    assert "あなたの入力は消さずに残しています" in page
    notes = db.execute("SELECT interview_notes FROM audit_departments WHERE audit_id = ?", [audit_id]).fetchone()[0]
    assert notes == "二人目の聴き取り記録"


def test_saving_other_fields_is_not_a_conflict(client, auth, db, audit_id):
    auth.login("auditor")
    base = base_of(client.get(f"/audit/{audit_id}/report").get_data(as_text=True))
    visits.save_notes(db, load_audit(db, audit_id), "二人目の聴き取り記録", user(db, "auditor2"))
    response = auth.post(f"/audit/{audit_id}/report", {**prose(conclusion="一人目が書いた総括。"), "base": base})
    assert response.status_code == 302
    assert stored(db, audit_id, "conclusion") == "一人目が書いた総括。"


def test_one_departments_record_saved_meanwhile_is_not_overwritten(client, auth, db):
    audit_id = audit_for(db, "shimin+hoken", auditors=("auditor", "auditor2"))
    hoken = department_id(db, "hoken")
    auth.login("auditor")
    page = client.get(f"/audit/{audit_id}/record").get_data(as_text=True)
    base = re.search(rf'id="d{hoken}-base" name="d{hoken}-base" type="hidden" value="([0-9a-f]{{64}})"', page).group(1)
    visits.update_department_record(db, load_audit(db, audit_id), hoken, started_at="", ended_at="",
                                    places=["2階書庫（二人目）"], user=user(db, "auditor2"))
    response = auth.post(f"/audit/{audit_id}/record", {"part": f"department-{hoken}", f"d{hoken}-places": "1階窓口（一人目）",
                                                       f"d{hoken}-base": base})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "2階書庫（二人目）" in page and "1階窓口（一人目）</textarea>" in page
    places = db.execute("SELECT places FROM audit_departments WHERE audit_id = ? AND department_id = ?",
                        [audit_id, hoken]).fetchone()[0]
    assert "二人目" in places


def test_every_change_counts_once_even_from_a_stale_copy(db, audit_id):
    before = stored(db, audit_id, "revision")
    stale = load_audit(db, audit_id)
    visits.save_notes(db, stale, "一人目", user(db, "auditor"))
    visits.save_notes(db, stale, "二人目", user(db, "auditor2"))      # the copy read before the first save
    assert stored(db, audit_id, "revision") == before + 2
    assert stored(db, audit_id, "updated_by") == user(db, "auditor2").id


# ----------------------------------------------------------------------------- findings and corrective actions

FINDING = {"title": "文書保存箱の廃棄年月日に誤記載が見受けられた", "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT,
           "request": "廃棄年月日を正しく記載する"}


def finding_form(**changes) -> dict:
    return {"title": FINDING["title"], "clause": "", "severity": values.MEDIUM, "request_kind": REQUEST_IMPROVEMENT,
            "request": FINDING["request"], "due_date": "2099-03-31", "topic_id": "", **changes}


def test_a_finding_edited_meanwhile_is_not_overwritten(client, auth, db, audit_id):
    from audits.audit import findings

    finding_id = findings.create_finding(db, load_audit(db, audit_id), FINDING, due_date="2099-03-31",
                                         user=user(db, "auditor"), department_id=department_id(db, "shimin"))
    auth.login("auditor")
    base = base_of(client.get(f"/audit/findings/{finding_id}/edit").get_data(as_text=True))
    findings.update_finding(db, load_audit(db, audit_id), finding_id, {**FINDING, "request": "二人目が直した対応"},
                            due_date="2099-03-31", user=user(db, "auditor2"))
    response = auth.post(f"/audit/findings/{finding_id}/edit", {**finding_form(request="一人目が直した対応"), "base": base})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "二人目が直した対応" in page and "一人目が直した対応</textarea>" in page
    assert db.execute("SELECT request FROM audit_findings WHERE id = ?", [finding_id]).fetchone()[0] == "二人目が直した対応"


def test_a_corrective_action_reported_meanwhile_is_not_overwritten(client, auth, db):
    from audits.audit import findings

    action = db.execute("""SELECT ca.id, ca.revision FROM corrective_actions ca JOIN departments d ON d.id = ca.department_id
                           WHERE d.code = 'kenko' AND ca.status <> 'closed'""").fetchone()
    assert action, "the demo FAX audit has an open corrective action of 健康づくり課"
    auth.login("kenko.manager")
    page = client.get(f"/audit/actions/{action[0]}").get_data(as_text=True)
    assert f'name="revision" type="hidden" value="{action[1]}"' in page
    # 健康づくり課's staff member reports first, then the manager sends the page opened before.
    row = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action[0]]))
    audit = load_audit(db, next(db.query("SELECT f.audit_id FROM audit_findings f WHERE f.id = ?",
                                         [row["finding_id"]]))["audit_id"])
    if row["status"] == "submitted":      # make it open again so that both may report
        findings.return_for_more(db, row, audit, "追加の写真を添付してください。", user(db, "auditor"))
        row = next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action[0]]))
        page = client.get(f"/audit/actions/{action[0]}").get_data(as_text=True)
    opened = row["revision"]
    findings.submit(db, row, audit, "担当者が報告した改善の内容", user(db, "kenko.staff"))
    response = auth.post(f"/audit/actions/{action[0]}/submit", {"response": "課長が報告した改善の内容",
                                                                "revision": opened})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "画面を開いた後に更新されています" in page and "課長が報告した改善の内容</textarea>" in page
    assert db.execute("SELECT response FROM corrective_actions WHERE id = ?",
                      [action[0]]).fetchone()[0] == "担当者が報告した改善の内容"


def test_a_review_refused_keeps_the_typed_comment(client, auth, db):
    action_id, revision = db.execute("SELECT id, revision FROM corrective_actions WHERE status = 'open' LIMIT 1").fetchone()
    auth.login("auditor")
    response = auth.post(f"/audit/actions/{action_id}/review", {"decision": "return", "comment": "写真を追加してください",
                                                                 "revision": str(revision)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "課から改善の報告がされていないため、差し戻せません。" in page
    assert "送信されなかった入力" in page and "写真を追加してください" in page   # no review form for an open action
