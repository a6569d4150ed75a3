"""Separation of duties (audits/duties.py), each rule tried the way that must fail: nobody approves or accepts
what they submitted; only the audit's team reviews a corrective action, never a member of the 課; an auditor never
comes to belong to a 課 whose audit they sit on; an admin never grants itself roles, and the chief sees every grant.
The first test replays issue 16's finding 2 step by step."""
from __future__ import annotations

import pytest
from builders_audit import audit_for, reply_all, user
from builders_selfcheck import load, sheet_id
from conftest import Auth, department_id

from audits import duties
from audits.audit import drafting, findings, values, workflow
from audits.audit.permissions import load_audit
from audits.auth import service as users
from audits.db import transaction
from audits.audit.values import REQUEST_IMPROVEMENT


def _issue(db, audit_id):
    drafting.save_prose(db, load_audit(db, audit_id), theme="観点", selection_reason="理由", conclusion="概ね適正",
                        closing="", topic_texts={}, user=user(db, "auditor"))
    workflow.send_for_fact_check(db, load_audit(db, audit_id), user(db, "auditor"))
    reply_all(db, audit_id)
    workflow.issue(db, load_audit(db, audit_id), user(db, "auditor"), "みどり市")


def _issued_action(db, code="bunsho") -> tuple[int, int]:
    """An issued audit of `code` by the team {auditor} (auditor2 is not on it) with one open corrective action."""
    audit_id = audit_for(db, code)
    finding_id = findings.create_finding(
        db, load_audit(db, audit_id), {"title": "持出し記録がない", "clause": "", "severity": values.MEDIUM,
                                       "request_kind": REQUEST_IMPROVEMENT, "request": "記録する"},
        due_date="2099-04-30", user=user(db, "auditor"))
    _issue(db, audit_id)
    action_id = db.execute("SELECT id FROM corrective_actions WHERE finding_id = ?", [finding_id]).fetchone()[0]
    return audit_id, action_id


def _action(db, action_id):
    return next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]))


def _user_id(db, username):
    return db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]


def _roles_and_codes(db, username):
    summary = users.user_summary(db, _user_id(db, username))
    return summary["roles"], summary["departments"]


def test_finding_2_replayed_grant_refused_and_self_acceptance_refused(client, auth, db):
    _audit_id, action_id = _issued_action(db)
    auditor_id = _user_id(db, "auditor")
    before = _roles_and_codes(db, "auditor")

    # 1. An admin gives the audit-team auditor the 保護管理者 role of the audited 課: refused, with the reason.
    auth.login("admin")
    response = auth.post(f"/admin/users/{auditor_id}", {"display_name": "監査責任者 相川 聡子",
                                                        "roles": ["auditor", "manager"],
                                                        "departments": ["kansa", "bunsho"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "監査の独立性" in html and "監査チームから外す" in html
    assert _roles_and_codes(db, "auditor") == before
    auth.logout()

    # 2. The data got there anyway (changed outside the app): the auditor reports as the 課 and then tries to
    #    accept their own report. Refused, and the action stays as reported.
    with transaction(db):
        db["user_roles"].insert({"user_id": auditor_id, "role": "manager"})
        db["user_departments"].insert({"user_id": auditor_id, "department_id": department_id(db, "bunsho")})
    auth.login("auditor")
    assert auth.post(f"/audit/actions/{action_id}/submit", {"response": "記録簿を作った。", **_revision(db, action_id)}).status_code == 302
    assert _action(db, action_id)["submitted_by"] == auditor_id
    assert "改善を確認し完了にする" not in client.get(f"/audit/actions/{action_id}").get_data(as_text=True)
    response = auth.post(f"/audit/actions/{action_id}/review", {"decision": "accept", "comment": "確認した", **_revision(db, action_id)})
    assert response.status_code == 403
    assert "自分で完了を確認することはできません" in response.get_data(as_text=True)
    action = _action(db, action_id)
    assert (action["status"], action["reviewed_by"]) == (values.ACTION_SUBMITTED, None)
    assert auth.post(f"/audit/actions/{action_id}/review",
                     {"decision": "return", "comment": "追加して", **_revision(db, action_id)}).status_code == 403
    assert _action(db, action_id)["status"] == values.ACTION_SUBMITTED


def test_member_of_the_department_cannot_review_even_if_someone_else_reported(db):
    """The team member who came to belong to the 課 is refused by independence, not only by self-review."""
    audit_id, action_id = _issued_action(db)
    findings.submit(db, _action(db, action_id), load_audit(db, audit_id), "対応した", user(db, "bunsho.staff"))
    with transaction(db):
        db["user_departments"].insert({"user_id": _user_id(db, "auditor"), "department_id": department_id(db, "bunsho")})
    with pytest.raises(findings.ReviewRefused, match="独立性"):
        findings.accept(db, _action(db, action_id), load_audit(db, audit_id), "", user(db, "auditor"))
    assert _action(db, action_id)["status"] == values.ACTION_SUBMITTED


def _revision(db, action_id: int) -> dict:
    """The revision the action's page was loaded with (overwrite protection fails closed without it)."""
    return {"revision": str(_action(db, action_id)["revision"])}


def test_auditor_not_on_the_team_cannot_review(client, auth, db):
    audit_id, action_id = _issued_action(db)
    findings.submit(db, _action(db, action_id), load_audit(db, audit_id), "対応した", user(db, "bunsho.staff"))
    auth.login("auditor2")
    page = client.get(f"/audit/actions/{action_id}").get_data(as_text=True)
    assert "改善を確認し完了にする" not in page and "監査チーム" in page
    for decision in ("accept", "return"):
        response = auth.post(f"/audit/actions/{action_id}/review", {"decision": decision, "comment": "確認した",
                                                                        **_revision(db, action_id)})
        assert response.status_code == 403 and "監査チーム" in response.get_data(as_text=True)
    assert _action(db, action_id)["status"] == values.ACTION_SUBMITTED
    auth.logout()
    auth.login("auditor")                       # the team's auditor may
    assert "改善を確認し完了にする" in client.get(f"/audit/actions/{action_id}").get_data(as_text=True)
    assert auth.post(f"/audit/actions/{action_id}/review", {"decision": "accept", "comment": "", **_revision(db, action_id)}).status_code == 302
    assert _action(db, action_id)["status"] == values.ACTION_CLOSED


def test_team_member_who_came_to_belong_to_the_department_cannot_work_on_the_audit(client, auth, db):
    audit_id = audit_for(db, "bunsho")
    auth.login("auditor")
    assert client.get(f"/audit/{audit_id}/findings/new").status_code == 200
    with transaction(db):
        db["user_departments"].insert({"user_id": _user_id(db, "auditor"), "department_id": department_id(db, "bunsho")})
    assert client.get(f"/audit/{audit_id}/findings/new").status_code == 403


def test_adding_the_department_is_refused_while_the_audit_is_open_and_allowed_once_finished(db):
    audit_id = audit_for(db, "bunsho")
    auditor_id = _user_id(db, "auditor")
    admin_id = _user_id(db, "admin")
    with pytest.raises(users.UserError, match="独立性"):
        users.update_user(db, auditor_id, "相川", ["auditor"], ["kansa", "bunsho"], actor_id=admin_id)
    with pytest.raises(users.UserError, match="独立性"):          # the role alone, for a 課 already held
        with transaction(db):
            db["user_departments"].insert({"user_id": auditor_id, "department_id": department_id(db, "bunsho")})
            users.update_user(db, auditor_id, "相川", ["auditor", "manager"], ["kansa", "bunsho"], actor_id=admin_id)
    assert _roles_and_codes(db, "auditor") == (["auditor"], ["kansa"])
    _issue(db, audit_id)                       # issued, no corrective action open: the audit is finished
    users.update_user(db, auditor_id, "相川", ["auditor"], ["kansa", "bunsho"], actor_id=admin_id)
    assert _roles_and_codes(db, "auditor") == (["auditor"], ["bunsho", "kansa"])


def test_manager_who_submitted_the_sheet_cannot_approve_it(client, auth, db):
    sheet = sheet_id(db, "shimin")
    assert load(db, sheet)["status"] == "submitted"
    auth.login("shimin.manager")
    revision = load(db, sheet)["status_revision"]
    auth.post(f"/sheets/{sheet}/withdraw", {"reason": "自分で見直す", "status_revision": revision})
    auth.post(f"/sheets/{sheet}/submit", {"status_revision": load(db, sheet)["status_revision"]})
    assert load(db, sheet)["status"] == "submitted"
    assert load(db, sheet)["submitted_by"] == _user_id(db, "shimin.manager")
    page = client.get(f"/sheets/{sheet}").get_data(as_text=True)
    assert "自分で承認することはできません" in page and "承認する</button>" not in page
    response = auth.post(f"/sheets/{sheet}/approve", {"status_revision": load(db, sheet)["status_revision"]},
                         follow_redirects=True)
    assert "自分で承認することはできません" in response.get_data(as_text=True)
    assert load(db, sheet)["status"] == "submitted" and load(db, sheet)["approved_by"] is None


def test_own_submission_rule():
    assert duties.own_submission_problem(7, 7, "承認する")
    assert duties.own_submission_problem(7, 8, "承認する") is None
    assert duties.own_submission_problem(7, None, "承認する") is None


def test_admin_cannot_grant_itself_a_role_a_second_admin_can_and_the_chief_sees_it(app, client, auth, db):
    admin_id = _user_id(db, "admin")
    auth.login("admin")
    response = auth.post(f"/admin/users/{admin_id}", {"display_name": "システム管理者 江口 真理",
                                                      "roles": ["admin", "chief"], "departments": ["digital"]})
    assert response.status_code == 200 and "自分自身の役割・所属課は変更できません" in response.get_data(as_text=True)
    assert _roles_and_codes(db, "admin") == (["admin"], ["digital"])
    assert auth.post(f"/admin/users/{admin_id}", {"display_name": "江口 真理（改姓）", "roles": ["admin"],
                                                  "departments": ["digital"]}).status_code == 302  # name only: fine
    users.create_user(db, "admin2", "第二管理者", "second-admin-1", ["admin"], ["digital"])
    auth.logout()

    second = Auth(app.test_client())
    second.login("admin2", "second-admin-1")
    assert second.post(f"/admin/users/{admin_id}", {"display_name": "江口 真理", "roles": ["admin", "chief"],
                                                    "departments": ["digital"]}).status_code == 302
    assert _roles_and_codes(db, "admin") == (["admin", "chief"], ["digital"])

    auth.login("chief")
    home = client.get("/").get_data(as_text=True)
    grants = home[home.index('id="home-grants"'):]
    row = grants[grants.index("admin2"):].split("</tr>")[0]
    assert "<td>admin</td>" in row and "総括保護管理者" in row
    page = client.get("/log/grants").get_data(as_text=True)
    assert "admin2" in page and "総括保護管理者" in page
    auth.logout()
    auth.login("shimin.staff")
    assert client.get("/log/grants").status_code == 403
    assert 'id="home-grants"' not in client.get("/").get_data(as_text=True)
