"""Each role sees only what PRODUCT.md allows; another 課's objects answer 403/404, never data."""
from __future__ import annotations

import pytest
from conftest import department_id


@pytest.mark.parametrize("path", ["/", "/departments/", "/departments/1", "/admin/users", "/admin/users/1",
                                  "/admin/departments/new", "/admin/departments/import", "/log/",
                                  "/account/password"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_reads_own_department(client, auth, db):
    auth.login("shimin.staff")
    response = client.get(f"/departments/{department_id(db, 'shimin')}")
    assert response.status_code == 200
    assert "市民課" in response.get_data(as_text=True)


def test_staff_gets_403_on_another_department_and_it_is_logged(client, auth, db):
    auth.login("shimin.staff")
    other = department_id(db, "hoken")
    response = client.get(f"/departments/{other}")
    assert response.status_code == 403
    assert "保険年金課" not in response.get_data(as_text=True)
    denied = db.execute("SELECT username, department_code FROM activity_log WHERE action = 'access.denied'").fetchall()
    assert ("shimin.staff", "hoken") in denied


def test_unknown_department_is_404(client, auth):
    auth.login("chief")
    assert client.get("/departments/99999").status_code == 404


def test_department_list_shows_only_own_for_staff(client, auth):
    auth.login("shimin.staff")
    html = client.get("/departments/").get_data(as_text=True)
    assert "市民課" in html and "保険年金課" not in html and "1 課" in html


@pytest.mark.parametrize("username", ["chief", "auditor", "admin"])
def test_organisation_roles_see_every_department(client, auth, username):
    auth.login(username)
    html = client.get("/departments/").get_data(as_text=True)
    assert "市民課" in html and "保険年金課" in html and "健康づくり課" in html


@pytest.mark.parametrize("username,status", [
    ("admin", 200), ("chief", 403), ("auditor", 403), ("shimin.manager", 403), ("shimin.staff", 403)])
def test_admin_screens_only_for_admin(client, auth, username, status):
    auth.login(username)
    assert client.get("/admin/users").status_code == status
    assert client.get("/admin/departments/import").status_code == status


@pytest.mark.parametrize("username,status", [
    ("admin", 200), ("auditor", 200), ("chief", 403), ("shimin.manager", 403), ("shimin.staff", 403)])
def test_log_screen_for_admin_and_auditor(client, auth, username, status):
    auth.login(username)
    assert client.get("/log/").status_code == status


def test_staff_cannot_edit_department_even_own(client, auth, db):
    auth.login("shimin.manager")
    own = department_id(db, "shimin")
    assert client.get(f"/admin/departments/{own}/edit").status_code == 403
    response = auth.post(f"/admin/departments/{own}/edit", {"name": "乗っ取り課", "bureau": "shimin"})
    assert response.status_code == 403
    assert db.execute("SELECT name FROM departments WHERE id = ?", [own]).fetchone()[0] == "市民課"


@pytest.mark.parametrize("username,section", [
    ("chief", "home-chief"), ("auditor", "home-auditor"), ("admin", "home-admin"),
    ("shimin.manager", "home-department"), ("shimin.staff", "home-department")])
def test_each_role_gets_its_home(client, auth, username, section):
    auth.login(username)
    html = client.get("/").get_data(as_text=True)
    assert f'id="{section}"' in html
    if username.startswith("shimin"):
        assert 'id="home-admin"' not in html and 'id="home-organisation"' not in html


def test_manager_home_names_role(client, auth):
    auth.login("shimin.manager")
    assert "保護管理者として" in client.get("/").get_data(as_text=True)


def test_department_page_lists_its_sheets_only_for_readers(client, auth, db):
    kenko = department_id(db, "kenko")
    auth.login("kenko.staff")
    assert 'id="department-sheets"' in client.get(f"/departments/{kenko}").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    html = client.get(f"/departments/{kenko}").get_data(as_text=True)
    assert 'id="department-sheets"' not in html  # the システム管理者 does not read answers
