"""Every GET endpoint × every demo role against an expected table of status codes.

The table is the access policy written down once: who opens which page (200), who is sent to log in (302), who
is refused (403) and what does not exist (404). A new route without a row fails the test, so a page cannot be
added without deciding who may open it. (The url_map walk with random parameter values for "no 500" is a
separate test; this one is about the expected answer for each role.)
"""
from __future__ import annotations

import pytest
from builders_selfcheck import sheet_id
from conftest import Auth, department_id

ROLES = ("anonymous", "chief", "auditor", "admin", "shimin.manager", "shimin.staff", "kenko.staff")


def row(anonymous, chief, auditor, admin, shimin_manager, shimin_staff, kenko_staff):
    return dict(zip(ROLES, (anonymous, chief, auditor, admin, shimin_manager, shimin_staff, kenko_staff)))


def everyone(code=200):
    return row(302, code, code, code, code, code, code)


READERS = row(302, 200, 200, 403, 403, 403, 403)           # 総括保護管理者 and 監査 only
AUDITORS = row(302, 403, 200, 403, 403, 403, 403)
ADMINS = row(302, 403, 403, 200, 403, 403, 403)
DEPARTMENT_MEMBERS = row(302, 403, 403, 403, 200, 200, 200)

# (endpoint, URL with {placeholders} filled from the demo, expected status per role)
TABLE = [
    ("home.index", "/", everyone()),
    ("auth.login", "/login", row(200, 302, 302, 302, 302, 302, 302)),
    ("auth.change_password", "/account/password", everyone()),
    ("notify.index", "/notices/", everyone()),
    ("static", "/static/tenken.css", row(200, 200, 200, 200, 200, 200, 200)),
    # システム管理者
    ("admin.users_index", "/admin/users", ADMINS),
    ("admin.user_new", "/admin/users/new", ADMINS),
    ("admin.user_edit", "/admin/users/{shimin_staff_user}", ADMINS),
    ("admin.department_new", "/admin/departments/new", ADMINS),
    ("admin.department_edit", "/admin/departments/{shimin}/edit", ADMINS),
    ("admin.organisation_import", "/admin/departments/import", ADMINS),
    # 課
    ("departments.index", "/departments/", everyone()),            # a 課 member: own 課 only
    ("departments.detail", "/departments/{shimin}", row(302, 200, 200, 200, 200, 200, 403)),
    # the activity log and the grants
    ("activity.index", "/log/", row(302, 403, 200, 200, 403, 403, 403)),
    ("activity.grants", "/log/grants", row(302, 200, 200, 200, 403, 403, 403)),
    # checklists
    ("catalogue.index", "/checklists/", everyone()),
    ("catalogue.detail", "/checklists/general", everyone()),
    ("catalogue.version_detail", "/checklists/general/v1", everyone()),
    ("catalogue.export", "/checklists/general/v1/export.yaml", everyone()),
    ("catalogue.applicability_pick", "/checklists/applicability", row(302, 200, 200, 200, 302, 302, 302)),  # → own 課
    ("catalogue.applicability", "/checklists/applicability/{shimin}", row(302, 200, 200, 200, 200, 200, 403)),
    ("catalogue.coverage", "/checklists/coverage", everyone()),
    ("catalogue.import_checklist", "/checklists/import", ADMINS),
    ("catalogue.search", "/checklists/search", everyone()),
    # 点検計画
    ("schedules.index", "/schedules/", row(302, 200, 200, 200, 403, 403, 403)),
    ("schedules.show", "/schedules/{schedule}", row(302, 200, 200, 200, 403, 403, 403)),
    ("schedules.new", "/schedules/new", ADMINS),
    # 点検票: the 課's own members, 総括保護管理者 and 監査; never the システム管理者, never another 課
    ("sheets.index", "/sheets/", row(302, 200, 200, 403, 200, 200, 200)),
    ("sheets.show", "/sheets/{shimin_sheet}", row(302, 200, 200, 403, 200, 200, 403)),
    ("sheets.export_xlsx", "/sheets/{shimin_sheet}/export.xlsx", row(302, 200, 200, 403, 200, 200, 403)),
    ("sheets.report_pdf", "/sheets/{shimin_sheet}/report.pdf", row(302, 200, 200, 403, 200, 200, 403)),
    ("evidence.download", "/evidence/{shimin_evidence}/download", row(302, 200, 200, 403, 200, 200, 403)),
    # 監査: the joint audit of 市民課 and 保険年金課 (sent for 事実確認); the issued audit of 健康づくり課
    ("audit.index", "/audit/", row(302, 200, 200, 403, 302, 302, 302)),  # a 課 → its own audits
    ("audit.new", "/audit/new", AUDITORS),
    ("audit.plan", "/audit/plans/2025", READERS),
    ("audit.cycle_new", "/audit/cycles/new", AUDITORS),
    ("audit.cycle", "/audit/cycles/{cycle}", READERS),
    ("audit.detail", "/audit/{joint_audit}", row(302, 200, 200, 403, 200, 200, 403)),
    ("audit.checks", "/audit/{joint_audit}/checks", row(302, 200, 200, 403, 200, 200, 403)),  # read-only for the 課
    ("audit.items", "/audit/{joint_audit}/items", AUDITORS),
    ("audit.record", "/audit/{joint_audit}/record", AUDITORS),
    ("audit.finding_new", "/audit/{joint_audit}/findings/new", AUDITORS),
    ("audit.finding_edit", "/audit/findings/{joint_finding}/edit", AUDITORS),
    ("audit.factcheck", "/audit/{joint_audit}/factcheck", row(302, 200, 200, 403, 200, 200, 403)),
    ("audit.report", "/audit/{joint_audit}/report", READERS),
    ("audit.report_pdf", "/audit/{issued_audit}/report.pdf", row(302, 200, 200, 403, 200, 200, 200)),
    ("audit.actions", "/audit/actions", READERS),
    ("audit.action", "/audit/actions/{kenko_action}", row(302, 200, 200, 403, 403, 403, 200)),
    ("audit.department_findings", "/audit/department", DEPARTMENT_MEMBERS),
    # 漏えい等事案: the 課's members see their own 課's incidents; 総括保護管理者 and 監査 see all; never the admin
    ("incidents.index", "/incidents/", row(302, 200, 200, 403, 200, 200, 200)),
    ("incidents.create", "/incidents/new", row(302, 200, 403, 403, 200, 200, 200)),
    ("incidents.show", "/incidents/{shimin_incident}", row(302, 200, 200, 403, 200, 200, 403)),
    ("incidents.edit", "/incidents/{shimin_incident}/edit", row(302, 200, 403, 403, 200, 200, 403)),
    ("incidents.report", "/incidents/{shimin_incident}/report.pdf", row(302, 200, 200, 403, 200, 200, 403)),
    ("incidents.ppc_draft", "/incidents/{shimin_incident}/ppc/final", row(302, 200, 200, 403, 200, 200, 403)),
    # 特定個人情報保護評価書: the register is read with the 課, kept by its 保護担当者 and the システム管理者
    ("pia.register", "/pia/departments/{shimin}", row(302, 200, 200, 200, 200, 200, 403)),
    ("pia.edit", "/pia/{shimin_assessment}/edit", row(302, 403, 403, 200, 403, 200, 403)),
    ("pia.report_page", "/pia/report", READERS),
    ("pia.report_xlsx", "/pia/report.xlsx", READERS),
    ("pia.report_pdf", "/pia/report.pdf?year=2025", READERS),
    # 全庁の集計
    ("summary.organisation", "/summary/", READERS),
    ("summary.answers_csv", "/summary/answers.csv", READERS),
    ("summary.organisation_chart", "/summary/charts/completion.png", READERS),
    ("summary.organisation_export", "/summary/report.xlsx", READERS),
    ("summary.mine", "/summary/mine", row(302, 403, 403, 403, 302, 302, 302)),  # → own 課's part
    ("summary.department_part", "/summary/departments/{shimin}", row(302, 200, 200, 403, 200, 200, 403)),
    ("summary.department_chart", "/summary/departments/{shimin}/charts/completion.png",
     row(302, 200, 200, 403, 200, 200, 403)),
]


def _first(db, sql, params=()):
    found = db.execute(sql, params).fetchone()
    assert found, sql
    return found[0]


def _placeholders(db) -> dict:
    shimin, kenko = department_id(db, "shimin"), department_id(db, "kenko")
    joint = _first(db, """SELECT audit_id FROM audit_departments WHERE department_id = ? AND audit_id IN
                          (SELECT id FROM audits WHERE status != 'issued')""", [shimin])
    issued = _first(db, """SELECT a.id FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
                           WHERE ad.department_id = ? AND a.status = 'issued'""", [kenko])
    return {
        "shimin": shimin,
        "shimin_assessment": _first(db, "SELECT id FROM pia_assessments WHERE department_id = ?", [shimin]),
        "shimin_staff_user": _first(db, "SELECT id FROM users WHERE username = 'shimin.staff'"),
        "schedule": _first(db, "SELECT id FROM schedules ORDER BY id DESC"),
        "shimin_sheet": sheet_id(db, "shimin"),
        "shimin_evidence": _first(db, "SELECT id FROM evidence JOIN answer_evidence ON evidence_id = id WHERE department_id = ? "
                                      "AND removed_at IS NULL", [shimin]),
        "cycle": _first(db, "SELECT id FROM audit_cycles"),
        "shimin_incident": _first(db, "SELECT incident_id FROM incident_departments WHERE department_id = ?", [shimin]),
        "joint_audit": joint,
        "joint_finding": _first(db, "SELECT id FROM audit_findings WHERE audit_id = ?", [joint]),
        "issued_audit": issued,
        "kenko_action": _first(db, """SELECT ca.id FROM corrective_actions ca JOIN audit_findings f ON f.id = ca.finding_id
                                      WHERE f.audit_id = ?""", [issued]),
    }


def test_every_get_endpoint_is_in_the_table(app):
    get_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert get_endpoints == {endpoint for endpoint, _url, _expected in TABLE}


@pytest.mark.slow
def test_every_get_endpoint_answers_each_role_as_the_table_says(app, db):
    values = _placeholders(db)
    wrong = []
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert Auth(client).login(role).status_code == 302
        for endpoint, url, expected in TABLE:
            status = client.get(url.format(**values)).status_code
            if status != expected[role]:
                wrong.append(f"{role:15} {endpoint:32} {url.format(**values):40} expected {expected[role]}, got {status}")
    assert not wrong, "\n" + "\n".join(wrong)
