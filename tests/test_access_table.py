"""Every endpoint × every demo role against an expected table: GET pages by status code, POST actions by outcome.

The table is the access policy written down once: who opens which page (200), who is sent to log in (302), who
is refused (403) and what does not exist (404). A new route without a row fails the test, so a page cannot be
added without deciding who may open it. (The url_map walk with random parameter values for "no 500" is a
separate test; this one is about the expected answer for each role.) POST_TABLE, below, does the same for every
POST endpoint: who is refused with 403 (and nothing written), who reaches the action's own validation.
"""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
from builders_selfcheck import sheet_id
from conftest import Auth, _make_app, csrf_token, department_id

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
    ("admin.bureaus", "/admin/bureaus", ADMINS),
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
    ("audit.cover_pdf", "/audit/{issued_audit}/cover.pdf", row(302, 200, 200, 403, 200, 200, 200)),  # as the report
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
    ("summary.ppc_export", "/summary/ppc.xlsx", READERS),
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


# --------------------------------------------------------------------------------------------------- POST routes
# Every POST endpoint × every role, sent with a valid CSRF token and an empty body:
#   F (forbidden)  answers 403 and changes nothing in the database;
#   R (refused)    the feature's own rule refuses with a message (the sheet's workflow, a locked sheet): never 403
#                  or 500, and nothing changes;
#   A (allowed)    gets past the access check to the form's validation or the action: never 403, never 500;
#   L              (anonymous) is sent to the login page.
F, R, A, L = "forbidden", "refused", "allowed", "login"


def post_row(chief, auditor, admin, shimin_manager, shimin_staff, kenko_staff, anonymous=L):
    return row(anonymous, chief, auditor, admin, shimin_manager, shimin_staff, kenko_staff)


ADMIN_ONLY = post_row(F, F, A, F, F, F)
AUDIT_TEAM = post_row(F, A, F, F, F, F)              # the 監査責任者 on the audit's team
OPEN_SHEET_MEMBERS = post_row(R, R, F, F, F, A)      # an editable sheet of 健康づくり課: its own members act
JOINT_AUDIT_DEPARTMENT = post_row(F, F, F, A, A, F)  # the audited 市民課 answers the 事実確認
INCIDENT_EDITORS = post_row(A, F, F, A, A, F)        # the privacy office (総括) and the 課 of the incident
PRIVACY_OFFICE = post_row(A, F, F, F, F, F)

# (endpoint, URL with {placeholders} filled from the demo, expected outcome per role); logout comes last.
POST_TABLE = [
    ("auth.login", "/login", post_row(A, A, A, A, A, A, anonymous=A)),
    ("auth.change_password", "/account/password", post_row(A, A, A, A, A, A)),
    ("notify.preferences", "/notices/preferences", post_row(A, A, A, A, A, A)),
    ("notify.mark_read", "/notices/read", post_row(A, A, A, A, A, A)),
    # システム管理者
    ("admin.user_new", "/admin/users/new", ADMIN_ONLY),
    ("admin.user_edit", "/admin/users/{shimin_staff_user}", ADMIN_ONLY),
    ("admin.user_toggle_active", "/admin/users/{shimin_staff_user}/active", ADMIN_ONLY),
    ("admin.user_password", "/admin/users/{shimin_staff_user}/password", ADMIN_ONLY),
    ("admin.user_end_sessions", "/admin/users/{shimin_staff_user}/sessions/end", ADMIN_ONLY),
    ("admin.department_new", "/admin/departments/new", ADMIN_ONLY),
    ("admin.department_edit", "/admin/departments/{shimin}/edit", ADMIN_ONLY),
    ("admin.organisation_import", "/admin/departments/import", ADMIN_ONLY),
    ("admin.bureau_agency", "/admin/bureaus/{bureau}/agency", ADMIN_ONLY),
    ("catalogue.import_checklist", "/checklists/import", ADMIN_ONLY),
    ("catalogue.import_confirm", "/checklists/import/confirm", ADMIN_ONLY),
    # 特定個人情報保護評価書の登録: the 課's own 保護担当者 and the システム管理者
    ("pia.register", "/pia/departments/{shimin}", post_row(F, F, A, F, A, F)),
    ("pia.edit", "/pia/{shimin_assessment}/edit", post_row(F, F, A, F, A, F)),
    ("schedules.new", "/schedules/new", ADMIN_ONLY),
    ("schedules.copy", "/schedules/{schedule}/copy", ADMIN_ONLY),
    ("schedules.add_department", "/schedules/{schedule}/departments", ADMIN_ONLY),
    ("schedules.due_override", "/schedules/{schedule}/departments/{shimin}/due", ADMIN_ONLY),
    ("schedules.remove_department", "/schedules/{schedule}/departments/{shimin}/remove", ADMIN_ONLY),
    ("schedules.open_", "/schedules/{schedule}/open", ADMIN_ONLY),
    ("schedules.close", "/schedules/{schedule}/close", ADMIN_ONLY),
    # 点検票 (an editable sheet of 健康づくり課): the 総括保護管理者 and 監査 read it but are refused any change
    ("sheets.save_item", "/sheets/{open_sheet}/items/{open_item}", OPEN_SHEET_MEMBERS),
    ("sheets.upload_evidence", "/sheets/{open_sheet}/items/{open_item}/evidence", OPEN_SHEET_MEMBERS),
    ("sheets.remove_evidence", "/sheets/{open_sheet}/evidence/{open_evidence}/remove", post_row(F, F, F, F, F, A)),
    ("sheets.import_xlsx", "/sheets/{open_sheet}/import", post_row(F, F, F, F, F, A)),
    ("sheets.change_status", "/sheets/{open_sheet}/submit", OPEN_SHEET_MEMBERS),
    ("sheets.approve_many", "/sheets/approve", post_row(F, F, F, A, F, F)),    # a 保護管理者 approves his 課's
    # 監査: the joint audit of 市民課 and 保険年金課 (sent for 事実確認); the issued audit of 健康づくり課
    ("audit.new", "/audit/new", AUDIT_TEAM),
    ("audit.plan", "/audit/plans/2025", AUDIT_TEAM),
    ("audit.plan_target", "/audit/plans/2025/targets", AUDIT_TEAM),
    ("audit.plan_target_remove", "/audit/plans/2025/targets/{shimin}/remove", AUDIT_TEAM),
    ("audit.cycle_new", "/audit/cycles/new", AUDIT_TEAM),
    ("audit.cycle", "/audit/cycles/{cycle}", AUDIT_TEAM),
    ("audit.department_add", "/audit/{joint_audit}/departments", AUDIT_TEAM),
    ("audit.department_remove", "/audit/{joint_audit}/departments/{shimin}/remove", AUDIT_TEAM),
    ("audit.items", "/audit/{joint_audit}/items", AUDIT_TEAM),
    ("audit.topic_add", "/audit/{joint_audit}/topics", AUDIT_TEAM),
    ("audit.topic_update", "/audit/{joint_audit}/topics/{topic}", AUDIT_TEAM),
    ("audit.check_save", "/audit/{joint_audit}/checks/{check}", AUDIT_TEAM),
    ("audit.evidence_upload", "/audit/{joint_audit}/evidence", AUDIT_TEAM),
    ("audit.evidence_remove", "/audit/{joint_audit}/evidence/{shimin_evidence}/remove", AUDIT_TEAM),
    ("audit.notes", "/audit/{joint_audit}/notes", AUDIT_TEAM),
    ("audit.record", "/audit/{joint_audit}/record", AUDIT_TEAM),
    ("audit.finding_new", "/audit/{joint_audit}/findings/new", AUDIT_TEAM),
    ("audit.finding_edit", "/audit/findings/{joint_finding}/edit", AUDIT_TEAM),
    ("audit.finding_withdraw", "/audit/findings/{joint_finding}/withdraw", AUDIT_TEAM),
    ("audit.report", "/audit/{joint_audit}/report", AUDIT_TEAM),
    ("audit.report_options", "/audit/{joint_audit}/report/options", AUDIT_TEAM),
    ("audit.report_propose", "/audit/{joint_audit}/report/propose", AUDIT_TEAM),
    ("audit.send", "/audit/{joint_audit}/send", AUDIT_TEAM),
    ("audit.factcheck", "/audit/{joint_audit}/factcheck", JOINT_AUDIT_DEPARTMENT),
    ("audit.factcheck_confirm", "/audit/{joint_audit}/factcheck/confirm", JOINT_AUDIT_DEPARTMENT),
    ("audit.respond", "/audit/{joint_audit}/comments/{comment}/respond", AUDIT_TEAM),
    ("audit.issue", "/audit/{joint_audit}/issue", AUDIT_TEAM),
    ("audit.revise", "/audit/{issued_audit}/revise", AUDIT_TEAM),
    # 改善措置 of 健康づくり課: the 課 reports it, the reviewers (audit team, privacy office) review it
    ("audit.action_submit", "/audit/actions/{kenko_action}/submit", post_row(F, F, F, F, F, A)),
    ("audit.action_review", "/audit/actions/{kenko_action}/review", post_row(A, A, F, F, F, F)),
    ("audit.action_evidence", "/audit/actions/{kenko_action}/evidence", post_row(F, F, F, F, F, A)),
    # 漏えい等事案 of 市民課
    ("incidents.create", "/incidents/new", post_row(A, F, F, A, A, A)),
    ("incidents.edit", "/incidents/{shimin_incident}/edit", INCIDENT_EDITORS),
    ("incidents.add_event", "/incidents/{shimin_incident}/events", INCIDENT_EDITORS),
    ("incidents.set_items", "/incidents/{shimin_incident}/items", INCIDENT_EDITORS),
    ("incidents.add_action", "/incidents/{shimin_incident}/actions", INCIDENT_EDITORS),
    ("incidents.confirm_judgement", "/incidents/{shimin_incident}/judgement", PRIVACY_OFFICE),
    ("incidents.close", "/incidents/{shimin_incident}/close", PRIVACY_OFFICE),
    ("auth.logout", "/logout", post_row(L, L, L, L, L, L)),  # to the login page, logged out
]
# Tables a refused request may still write: the log records the refusal, the session its last use.
UNWATCHED_TABLES = {"activity_log", "sessions", "login_failures"}


def _post_placeholders(db) -> dict:
    from audits.sheets import workflow

    values = _placeholders(db)
    joint = values["joint_audit"]
    editable = ", ".join("?" * len(workflow.EDITABLE))
    open_sheet = _first(db, f"""SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id
                                WHERE d.code = 'kenko' AND h.status IN ({editable})
                                ORDER BY EXISTS (SELECT 1 FROM evidence e WHERE e.sheet_id = h.id) DESC, h.id""",
                        sorted(workflow.EDITABLE))
    values.update({
        "check": _first(db, "SELECT id FROM audit_checks WHERE audit_id = ?", [joint]),
        "comment": _first(db, "SELECT id FROM audit_comments WHERE audit_id = ?", [joint]),
        "topic": _first(db, "SELECT id FROM audit_topics WHERE audit_id = ?", [joint]),
        "open_sheet": open_sheet,
        "bureau": _first(db, "SELECT id FROM bureaus WHERE code = 'somu'"),
        "open_item": _first(db, "SELECT item_id FROM answers WHERE sheet_id = ? AND auto_na = 0", [open_sheet]),
        "open_evidence": _first(db, "SELECT id FROM evidence WHERE sheet_id = ? AND removed_at IS NULL", [open_sheet]),
    })
    return values


def _fresh_app(demo_template, folder):
    """An app on its own copy of the demo, with a counter of writes: one role's POSTs (an admin disabling a user,
    an auditor issuing a report) must not change what the next role meets."""
    folder.mkdir()
    shutil.copy(demo_template, folder / "tenken.db")
    shutil.copytree(demo_template.parent / "uploads", folder / "uploads", copy_function=os.link)
    with sqlite3.connect(folder / "tenken.db") as conn:
        conn.execute("CREATE TABLE test_writes (n INTEGER NOT NULL)")
        conn.execute("INSERT INTO test_writes VALUES (0)")
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                                    "NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'")}
        for table in sorted(tables - UNWATCHED_TABLES - {"test_writes"}):
            for event in ("INSERT", "UPDATE", "DELETE"):
                conn.execute(f'CREATE TRIGGER "test_{table}_{event}" AFTER {event} ON "{table}" '
                             "BEGIN UPDATE test_writes SET n = n + 1; END")
    conn.close()
    return _make_app(folder, folder / "tenken.db")


def _writes(app) -> int:
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute("SELECT n FROM test_writes").fetchone()[0]
    finally:
        conn.close()


def _outcome(response, wrote: bool) -> str:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return L
    if response.status_code == 403:
        return F if not wrote else "403 after a write"
    if response.status_code >= 500:
        return f"{response.status_code}"
    return A


def test_every_post_endpoint_is_in_the_table(app):
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert post_endpoints == {endpoint for endpoint, _url, _expected in POST_TABLE}


@pytest.mark.slow
def test_every_post_endpoint_answers_each_role_as_the_table_says(db, demo_template, tmp_path):
    """Forbidden: 403 and no write; refused: no 403, no 500, no write; allowed: no 403, no 500."""
    values = _post_placeholders(db)
    wrong, allowed_writes = [], 0
    for role in ROLES:
        app = _fresh_app(demo_template, tmp_path / role)
        client = app.test_client()
        if role != "anonymous":
            assert Auth(client).login(role).status_code == 302
        token = csrf_token(client, "/login" if role == "anonymous" else "/")
        for endpoint, url, expected in POST_TABLE:
            before = _writes(app)
            response = client.post(url.format(**values), data={"csrf_token": token})
            wrote = _writes(app) != before
            allowed_writes += wrote and expected[role] == A
            got = _outcome(response, wrote)
            if expected[role] == R:
                got = R if got == A and not wrote else got
            if got != expected[role]:
                wrong.append(f"{role:15} {endpoint:30} {url.format(**values):45} expected {expected[role]}, "
                             f"got {got} ({response.status_code}{', wrote' if wrote else ''})")
    assert not wrong, "\n" + "\n".join(wrong)
    assert allowed_writes, "the write counter saw no write at all (an allowed empty POST closes a schedule)"
