"""Issue 16, finding 5: numbers a client sends are bounded. An id that cannot exist is a 404, a malformed query
parameter a 400 in Japanese; a 年度 outside 2000–2100 never stores a plan, and a stored one never breaks /audit/."""
from __future__ import annotations

import pytest
from builders_audit import audit_for, department_id

HUGE = [str(2**63), str(10**30)]


def test_a_plan_for_an_impossible_year_is_not_stored_and_the_audit_list_still_works(client, auth, db):
    auth.login("auditor")
    before = db.execute("SELECT COUNT(*) FROM audit_plans").fetchone()[0]
    for year in ("99999", "1999", "2101", str(2**64)):
        response = auth.post(f"/audit/plans/{year}", {"theme": "観点", "basis": "条例", "notes": ""})
        assert response.status_code == 404, year
        assert auth.post(f"/audit/plans/{year}/targets", {"target-department_id": "1",
                                                          "target-reason": "理由"}).status_code == 404
    assert db.execute("SELECT COUNT(*) FROM audit_plans").fetchone()[0] == before
    assert client.get("/audit/").status_code == 200
    auth.logout()
    auth.login("chief")
    assert client.get("/audit/").status_code == 200


def test_a_stored_plan_outside_the_years_does_not_break_the_audit_list(client, auth, db):
    """A database written before the bound (the attack stored 99999) still shows the list."""
    db["audit_plans"].insert({"fiscal_year": 99999, "theme": "攻撃", "created_at": "2025-01-01"})
    auth.login("chief")
    response = client.get("/audit/")
    assert response.status_code == 200 and "99999" not in response.get_data(as_text=True)


def test_the_migration_removes_plans_outside_the_years(tmp_path):
    from sqlite_utils import Database

    from audits.audit.schema import migrations as audit_migrations
    from audits.migrations import migration_sets

    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    for migration_set in migration_sets():
        if migration_set is audit_migrations:
            migration_set.apply(db, stop_before="0004_plans_within_years")
        else:
            migration_set.apply(db)
    db["bureaus"].insert({"code": "kf", "name": "健康福祉部"})
    dept = db["departments"].insert({"code": "kenko", "name": "健康づくり課", "bureau_id": 1}).last_pk
    bad = db["audit_plans"].insert({"fiscal_year": 99999, "theme": "攻撃", "created_at": "2025-01-01"}).last_pk
    good = db["audit_plans"].insert({"fiscal_year": 2025, "theme": "FAX", "created_at": "2025-01-01"}).last_pk
    db["audit_plan_targets"].insert({"plan_id": bad, "department_id": dept, "reason": "r", "created_at": "x"})
    db["audit_plan_targets"].insert({"plan_id": good, "department_id": dept, "reason": "r", "created_at": "x"})
    audit = db["audits"].insert({"fiscal_year": 2025, "plan_id": bad, "status": "fieldwork", "version": 1,
                                 "revision": 0}).last_pk

    audit_migrations.apply(db)

    assert [r[0] for r in db.execute("SELECT fiscal_year FROM audit_plans")] == [2025]
    assert [r[0] for r in db.execute("SELECT plan_id FROM audit_plan_targets")] == [good]
    assert db["audits"].get(audit)["plan_id"] is None
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


# (role, path) pairs grouped by role so that each test logs in once.
GET_BY_ID = {
    "auditor": ["/audit/{n}", "/audit/{n}/report.pdf", "/audit/actions/{n}", "/audit/findings/{n}/edit",
                "/audit/cycles/{n}"],
    "chief": ["/sheets/{n}", "/sheets/{n}/export.xlsx", "/evidence/{n}/download", "/departments/{n}",
              "/summary/departments/{n}"],
    "admin": ["/schedules/{n}", "/admin/users/{n}", "/admin/departments/{n}/edit", "/checklists/applicability/{n}",
              "/checklists/kojin/v{n}"],
}
POST_BY_ID = {
    "auditor": ["/audit/{audit}/checks/{n}", "/audit/{audit}/topics/{n}", "/audit/{audit}/evidence/{n}/remove",
                "/audit/{audit}/comments/{n}/respond", "/audit/actions/{n}/review"],
    "admin": ["/schedules/{n}/close", "/admin/users/{n}/active"],
    "kenko.staff": ["/sheets/{n}/submit", "/sheets/{n}/items/G-01-02"],
}
QUERY_NUMBERS = {
    "auditor": ["/audit/{audit}/report.pdf?version={v}", "/audit/plans/2025?sheet_year={v}",
                "/audit/plans/2025?pick={v}", "/audit/new?year={v}", "/audit/{audit}/checks?department={v}",
                "/audit/{audit}/findings/new?check={v}", "/audit/{audit}?conflict={v}", "/log/?page={v}"],
    "chief": ["/sheets/?year={v}"],
}


@pytest.mark.parametrize("role", sorted(set(GET_BY_ID) | set(POST_BY_ID)))
def test_an_id_too_large_for_sqlite_is_not_found(client, auth, db, role):
    audit = audit_for(db, "kenko")
    auth.login(role)
    for path in GET_BY_ID.get(role, []):
        for n in HUGE + ["0"]:
            assert client.get(path.format(n=n)).status_code == 404, path.format(n=n)
    for path in POST_BY_ID.get(role, []):
        for n in HUGE:
            assert auth.post(path.format(audit=audit, n=n), {}).status_code == 404, path.format(audit=audit, n=n)


@pytest.mark.parametrize("role", sorted(QUERY_NUMBERS))
def test_a_malformed_number_in_the_query_is_a_400_in_japanese(client, auth, db, role):
    audit = audit_for(db, "kenko")
    auth.login(role)
    for path in QUERY_NUMBERS[role]:
        for value in HUGE + ["abc", "-1", "٣"]:
            response = client.get(path.format(audit=audit, v=value))
            assert response.status_code == 400, (path, value)
            assert "の指定が正しくありません" in response.get_data(as_text=True)


def test_numbers_in_range_still_work(client, auth, db):
    auth.login("auditor")
    kenko = department_id(db, "kenko")
    assert client.get("/audit/plans/2025?sheet_year=2024").status_code == 200
    assert client.get(f"/audit/plans/2025?pick={kenko}").status_code == 200
    assert client.get("/audit/new?year=2026").status_code == 200
    auth.logout()
    auth.login("admin")
    assert client.get("/log/?page=2").status_code == 200


def test_no_route_takes_an_unbounded_integer(app):
    from werkzeug.routing import IntegerConverter

    unbounded = [rule.rule for rule in app.url_map.iter_rules()
                 if any(type(c) is IntegerConverter for c in rule._converters.values())]
    assert unbounded == []            # use <id:…> / <year:…> (audits/bounds.py)


def test_my_summary_redirect_keeps_filters_but_not_a_forged_department_or_url_option(client, auth):
    # Found by the url_map walk: ?department_id=… collided with the route's own argument (500).
    auth.login("kenko.manager")
    response = client.get("/summary/mine?department_id=0&_external=1&_scheme=javascript&year=2025")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/summary/departments/") and "year=2025" in location
    assert "javascript" not in location and "department_id" not in location
