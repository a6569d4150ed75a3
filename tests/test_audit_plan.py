"""Planning: the 年度 plan with targets and 選定理由, the 中期監査計画's reach, and independence."""
from __future__ import annotations

import pytest
from builders_audit import department_id, user

from audits import duties
from audits.audit import plans, visits
from audits.audit.plans import AuditError


def test_independence_refused_in_the_service_with_the_reason(db):
    with pytest.raises(AuditError) as error:
        visits.create_audit(db, fiscal_year=2025, department_ids=[department_id(db, "kansa")],
                            auditor_ids=[user(db, "auditor").id], lead_id=user(db, "auditor").id, theme="",
                            selection_reason="理由", user=user(db, "auditor"))
    assert "所属しているため" in str(error.value) and "独立性" in str(error.value)
    assert db.execute("SELECT COUNT(*) FROM audit_departments WHERE department_id = ?",
                      [department_id(db, "kansa")]).fetchone()[0] == 0


def test_independence_refused_on_the_page(client, auth, db):
    auth.login("auditor")
    response = auth.post("/audit/new", {"fiscal_year": "2025", "department_ids": [str(department_id(db, "kansa"))],
                                        "auditors": [str(user(db, "auditor").id)],
                                        "lead_id": str(user(db, "auditor").id),
                                        "selection_reason": "試行"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "監査の独立性" in html and "試行" in html          # reason shown, typed text kept


def test_team_change_checks_independence_too(db):
    from audits.audit.permissions import load_audit
    from builders_audit import audit_for

    audit = load_audit(db, audit_for(db, "hoken"))
    kansa_member = db.execute("""SELECT user_id FROM user_departments WHERE department_id = ?""",
                              [department_id(db, "kansa")]).fetchone()[0]
    assert duties.independence_problem(db, kansa_member, audit["department_ids"][0]) is None
    with pytest.raises(AuditError):
        visits.set_team(db, {**audit, "department_ids": [department_id(db, "kansa")]}, [kansa_member], kansa_member)


def test_plan_with_target_and_reason(client, auth, db):
    auth.login("auditor")
    assert auth.post("/audit/plans/2026", {"theme": "", "basis": ""}).status_code == 200  # error shown, not saved
    assert plans.get_plan(db, 2026) is None
    auth.post("/audit/plans/2026", {"theme": "委託先の管理を確認する。", "basis": "個人情報保護条例"})
    response = auth.post("/audit/plans/2026/targets", {"target-department_id": str(department_id(db, "hoken")),
                                                       "target-reason": "委託が多く、自己点検で課題ありが多い。"})
    assert response.status_code == 302
    html = client.get("/audit/plans/2026").get_data(as_text=True)
    assert "委託先の管理を確認する。" in html and "委託が多く、自己点検で課題ありが多い。" in html


def test_cycle_shows_which_departments_are_not_reached(client, auth, db):
    auth.login("auditor")
    response = auth.post("/audit/cycles/new", {"title": "中期監査計画", "start_year": "2024", "end_year": "2026"})
    assert response.status_code == 302
    cycle_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    coverage = {r["code"]: r for r in plans.cycle_coverage(db, cycle_id)}
    assert coverage["kenko"]["audited_year"] == 2024          # the demo audit
    assert coverage["shimin"]["audited_year"] == 2025         # the joint demo audit reaches each of its 課
    assert coverage["hoken"]["audited_year"] == 2025
    assert coverage["hoiku"]["audited_year"] is None
    html = client.get(f"/audit/cycles/{cycle_id}").get_data(as_text=True)
    assert "まだ監査していない課" in html and "保育課" in html


def test_staff_cannot_plan(client, auth):
    auth.login("shimin.manager")
    assert client.get("/audit/plans/2025").status_code == 403
    assert client.get("/audit/new").status_code == 403
