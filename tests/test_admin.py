"""システム管理者 screens: users, roles, 課, password reset, disabling, and the org-chart import."""
from __future__ import annotations

import io

from conftest import DEMO_PASSWORD, Auth, department_id
from openpyxl import Workbook


def test_admin_creates_user_with_roles_and_departments(client, auth, db):
    auth.login("admin")
    response = auth.post("/admin/users/new", {
        "username": "tanaka.k", "display_name": "田中 圭", "roles": ["staff"], "departments": ["shimin", "hoken"],
        "password": "initial-pass1", "confirm": "initial-pass1"})
    assert response.status_code == 302
    html = client.get("/admin/users?text=tanaka").get_data(as_text=True)
    assert "田中 圭" in html and "保護担当者" in html and "市民課" in html
    row = db.execute("SELECT password_hash FROM users WHERE username = 'tanaka.k'").fetchone()
    assert row[0] != "initial-pass1" and row[0].startswith(("scrypt:", "pbkdf2:"))


def test_rejected_user_form_keeps_what_was_typed(client, auth):
    auth.login("admin")
    response = auth.post("/admin/users/new", {
        "username": "new.user", "display_name": "入力した氏名", "roles": ["staff"], "departments": [],
        "password": "initial-pass1", "confirm": "initial-pass1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "所属する課を1つ以上" in html
    assert 'value="入力した氏名"' in html and 'value="new.user"' in html


def test_admin_changes_roles_and_departments(client, auth, db):
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'shimin.staff'").fetchone()[0]
    response = auth.post(f"/admin/users/{user_id}", {
        "username": "ignored", "display_name": "異動後の氏名", "roles": ["manager"], "departments": ["kenko"]})
    assert response.status_code == 302
    roles = db.execute("SELECT role FROM user_roles WHERE user_id = ?", [user_id]).fetchall()
    assert roles == [("manager",)]
    assert db.execute("SELECT username FROM users WHERE id = ?", [user_id]).fetchone()[0] == "shimin.staff"
    detail = db.execute("SELECT detail FROM activity_log WHERE action = 'user.update'").fetchone()[0]
    assert "shimin" in detail and "kenko" in detail


def test_disable_user_ends_their_session_and_login(app, client, auth, db):
    victim = app.test_client()
    Auth(victim).login("hoken.staff")
    assert victim.get("/").status_code == 200
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'hoken.staff'").fetchone()[0]
    assert auth.post(f"/admin/users/{user_id}/active").status_code == 302
    assert victim.get("/").status_code == 302
    Auth(victim).login("hoken.staff")
    assert victim.get("/").status_code == 302


def test_admin_cannot_disable_self(client, auth, db):
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    auth.post(f"/admin/users/{user_id}/active")
    assert db.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()[0] == 1


def test_password_reset(app, client, auth, db):
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'hoken.staff'").fetchone()[0]
    response = auth.post(f"/admin/users/{user_id}/password",
                         {"new_password": "reset-pass-123", "confirm": "reset-pass-123"})
    assert response.status_code == 302
    other = app.test_client()
    Auth(other).login("hoken.staff", DEMO_PASSWORD)
    assert other.get("/").status_code == 302
    Auth(other).login("hoken.staff", "reset-pass-123")
    assert other.get("/").status_code == 200


def test_password_reset_rejects_mismatch(client, auth, db):
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'hoken.staff'").fetchone()[0]
    response = auth.post(f"/admin/users/{user_id}/password",
                         {"new_password": "reset-pass-123", "confirm": "reset-pass-999"})
    assert response.status_code == 400
    assert "一致しません" in response.get_data(as_text=True)


def test_admin_creates_and_edits_department(client, auth, db):
    auth.login("admin")
    response = auth.post("/admin/departments/new", {
        "code": "dx2", "name": "情報システム課", "bureau": "kikaku", "tags": ["system", "server_room"]})
    assert response.status_code == 302
    new_id = department_id(db, "dx2")
    html = client.get(f"/departments/{new_id}").get_data(as_text=True)
    assert "情報システム課" in html and "サーバ室等を管理する" in html
    response = auth.post(f"/admin/departments/{new_id}/edit", {
        "code": "dx2", "name": "情報システム課", "bureau": "kikaku", "tags": ["fax"], "active": "y"})
    assert response.status_code == 302
    assert db.execute("SELECT tag FROM department_tags WHERE department_id = ?", [new_id]).fetchall() == [("fax",)]


def test_duplicate_department_code_is_refused(client, auth):
    auth.login("admin")
    response = auth.post("/admin/departments/new", {"code": "shimin", "name": "二つ目の市民課", "bureau": "shimin"})
    html = response.get_data(as_text=True)
    assert "既に使われています" in html and 'value="二つ目の市民課"' in html


ORG_CSV = "部コード,部名,課コード,課名,タグ\nsomu,総務部,soumu,総務課,FAXで個人情報を送受信する\nnewbu,新設部,newka,新設課,mynumber、fax\n"


def _upload(auth, name, data):
    return auth.post("/admin/departments/import", {"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def test_org_chart_import_from_csv(client, auth, db):
    auth.login("admin")
    response = _upload(auth, "org.csv", ORG_CSV.encode("utf-8"))
    assert response.status_code == 302
    new = db.execute("SELECT d.name, b.name FROM departments d JOIN bureaus b ON b.id = d.bureau_id "
                     "WHERE d.code = 'newka'").fetchone()
    assert new == ("新設課", "新設部")
    tags = {t for (t,) in db.execute("SELECT tag FROM department_tags WHERE department_id = ?",
                                     [department_id(db, "newka")])}
    assert tags == {"mynumber", "fax"}


def test_org_chart_import_accepts_shift_jis(client, auth, db):
    auth.login("admin")
    assert _upload(auth, "org.csv", ORG_CSV.encode("cp932")).status_code == 302
    assert db.execute("SELECT name FROM departments WHERE code = 'newka'").fetchone()[0] == "新設課"


def test_org_chart_import_rejects_bad_rows_and_imports_nothing(client, auth, db):
    auth.login("admin")
    before = db.execute("SELECT count(*) FROM departments").fetchone()[0]
    bad = ORG_CSV + "newbu,新設部,,名無し課,\nnewbu,新設部,newka,重複課,\nnewbu,新設部,ok2,正しい課,存在しないタグ\n"
    response = _upload(auth, "org.csv", bad.encode("utf-8"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4行目" in html and "課コード" in html
    assert "5行目" in html and "重複" in html
    assert "6行目" in html and "存在しないタグ" in html
    assert db.execute("SELECT count(*) FROM departments").fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM departments WHERE code = 'newka'").fetchone()[0] == 0


def test_org_chart_import_from_excel_reports_row(client, auth, db):
    auth.login("admin")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["部コード", "部名", "課コード", "課名", "タグ"])
    sheet.append(["somu", "総務部", "xl1", "エクセル課", "fax"])
    sheet.append(["somu", "総務部", "xl 2", "空白入りコード課", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(auth, "org.xlsx", buffer.getvalue())
    assert "3行目" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM departments WHERE code = 'xl1'").fetchone()[0] == 0
    workbook.active.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _upload(auth, "org.xlsx", buffer.getvalue()).status_code == 302
    assert db.execute("SELECT name FROM departments WHERE code = 'xl1'").fetchone()[0] == "エクセル課"


def test_org_chart_import_rejects_wrong_file_type(client, auth):
    auth.login("admin")
    response = _upload(auth, "org.pdf", b"%PDF-1.4")
    assert "CSV（.csv）又は Excel（.xlsx）" in response.get_data(as_text=True)


def test_org_chart_import_missing_header(client, auth):
    auth.login("admin")
    response = _upload(auth, "org.csv", "a,b,c\n1,2,3\n".encode())
    assert "見出し" in response.get_data(as_text=True)
