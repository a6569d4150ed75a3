"""点検計画: targets, opening creates sheets, adding and removing 課, copying to next year, screens."""
from __future__ import annotations

import pytest
from builders_selfcheck import user

from audits.catalogue import service as catalogue
from audits.schedules import service as schedules


def latest(db):
    return {v["checklist_id"]: v["id"] for v in catalogue.latest_versions(db)}


def make(db, **kwargs) -> int:
    versions = latest(db)
    data = dict(fiscal_year=2026, title="令和8年度 自己点検", open_date="2026-06-01", due_date="2026-09-30",
                version_ids=[versions["general"], versions["mynumber"]])
    data.update(kwargs)
    return schedules.create_schedule(db, schedules.ScheduleInput(**data))


def sheets_of(db, schedule_id):
    return db.execute("""SELECT d.code, v.checklist_id FROM sheets h JOIN departments d ON d.id = h.department_id
                         JOIN checklist_versions v ON v.id = h.version_id
                         WHERE h.schedule_id = ? AND h.removed_at IS NULL""", [schedule_id]).fetchall()


def test_open_creates_one_sheet_per_department_and_applicable_checklist(db):
    schedule_id = make(db)
    created = schedules.open_schedule(db, schedule_id)
    rows = sheets_of(db, schedule_id)
    departments = db.execute("SELECT count(*) FROM departments WHERE active = 1").fetchone()[0]
    mynumber = db.execute("SELECT count(*) FROM department_tags WHERE tag = 'mynumber'").fetchone()[0]
    assert created == len(rows) == departments + mynumber
    assert ("sodan", "general") in rows and ("sodan", "mynumber") not in rows   # 市民相談課 has no マイナンバー
    assert ("shimin", "mynumber") in rows


def test_items_that_do_not_apply_are_marked_with_reason(db):
    schedule_id = make(db)
    schedules.open_schedule(db, schedule_id)
    reasons = db.execute("""SELECT a.na_reason FROM answers a JOIN sheets h ON h.id = a.sheet_id
                            JOIN departments d ON d.id = h.department_id
                            WHERE h.schedule_id = ? AND d.code = 'sodan' AND a.auto_na = 1""", [schedule_id]).fetchall()
    assert reasons and all("該当しないため対象外です" in r[0] for r in reasons)


def test_target_by_tag(db):
    schedule_id = make(db, target_mode="tag", target_tag="fax")
    schedules.open_schedule(db, schedule_id)
    codes = {code for code, _ in sheets_of(db, schedule_id)}
    fax = {c for (c,) in db.execute("SELECT d.code FROM departments d JOIN department_tags t ON t.department_id = d.id "
                                    "WHERE t.tag = 'fax'")}
    assert codes == fax


def test_picked_targets_and_adding_later(db):
    ids = {c: i for i, c in db.execute("SELECT id, code FROM departments")}
    schedule_id = make(db, target_mode="picked", department_ids=[ids["shimin"]])
    schedules.open_schedule(db, schedule_id)
    assert {c for c, _ in sheets_of(db, schedule_id)} == {"shimin"}
    added = schedules.add_department(db, schedule_id, ids["kenko"], "2026-10-15")
    assert added == 2
    row = next(r for r in schedules.schedule_departments(db, schedule_id) if r["code"] == "kenko")
    assert row["due_date"] == "2026-10-15"


def test_removing_a_department_with_answers_needs_confirmation_and_is_logged(db):
    sheet = next(db.query("""SELECT h.schedule_id, h.department_id FROM sheets h JOIN departments d
                             ON d.id = h.department_id JOIN schedules s ON s.id = h.schedule_id
                             WHERE d.code = 'kenko' AND s.fiscal_year = 2025"""))
    admin = user(db, "admin")
    with pytest.raises(schedules.ScheduleError, match="確認欄"):
        schedules.remove_department(db, sheet["schedule_id"], sheet["department_id"], confirmed=False, user=admin)
    schedules.remove_department(db, sheet["schedule_id"], sheet["department_id"], confirmed=True, user=admin)
    kept = db.execute("SELECT count(*) FROM answers a JOIN sheets h ON h.id = a.sheet_id WHERE h.schedule_id = ? "
                      "AND h.department_id = ? AND h.removed_at IS NOT NULL",
                      [sheet["schedule_id"], sheet["department_id"]]).fetchone()[0]
    assert kept > 0
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'schedule.remove_department' "
                      "AND department_code = 'kenko'").fetchone()[0] == 1


def test_copy_to_next_year_uses_latest_versions(db):
    first = db.execute("SELECT id FROM schedules WHERE fiscal_year = 2025").fetchone()[0]
    copied = schedules.copy_to_next_year(db, first)
    schedule = schedules.get_schedule(db, copied)
    assert schedule["fiscal_year"] == 2026 and schedule["title"].startswith("令和8年度")
    assert schedule["open_date"] == "2026-06-03" and schedule["status"] == "draft"
    assert {v["id"] for v in schedule["versions"]} <= set(latest(db).values())


def test_invalid_schedule_is_refused_with_reasons(db):
    with pytest.raises(schedules.ScheduleError) as error:
        make(db, title=" ", version_ids=[], due_date="2026-01-01")
    assert len(error.value.errors) == 3


def test_admin_creates_and_opens_through_the_screens(client, auth, db):
    auth.login("admin")
    versions = latest(db)
    response = auth.post("/schedules/new", {
        "fiscal_year": "2026", "title": "令和8年度 自己点検", "open_date": "2026-06-01", "due_date": "2026-09-30",
        "versions": [str(versions["general"])], "target_mode": "tag", "target_tag": "juki"})
    assert response.status_code == 302
    schedule_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    auth.post(f"/schedules/{schedule_id}/open")
    html = client.get(f"/schedules/{schedule_id}").get_data(as_text=True)
    targets = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "実施中" in html and "市民課" in targets and "選挙管理委員会事務局" in targets
    assert "保険年金課" not in targets


def test_rejected_schedule_form_keeps_input(client, auth):
    auth.login("admin")
    response = auth.post("/schedules/new", {"fiscal_year": "2026", "title": "入力した名称",
                                            "open_date": "2026-06-01", "due_date": "2026-05-01",
                                            "versions": [], "target_mode": "all"})
    html = response.get_data(as_text=True)
    assert "入力した名称" in html and "チェックリストを1つ以上" in html


@pytest.mark.parametrize("username,status", [("admin", 200), ("chief", 200), ("auditor", 200),
                                             ("shimin.manager", 403), ("shimin.staff", 403)])
def test_schedule_screens_by_role(client, auth, username, status):
    auth.login(username)
    assert client.get("/schedules/").status_code == status


def test_only_admin_opens(client, auth, db):
    schedule_id = make(db)
    auth.login("chief")
    assert auth.post(f"/schedules/{schedule_id}/open").status_code == 403
    assert schedules.get_schedule(db, schedule_id)["status"] == "draft"


def test_homes_show_sheets_and_overdue(client, auth):
    auth.login("hoiku.manager")
    html = client.get("/").get_data(as_text=True)
    assert "差戻し理由" in html and "期限超過" not in html.split('id="home-sheets"')[0][-10:]
    auth.logout()
    auth.login("shimin.manager")
    html = client.get("/").get_data(as_text=True)
    assert 'id="home-approval"' in html
    auth.logout()
    auth.login("chief")
    html = client.get("/").get_data(as_text=True)
    progress = html.split('id="home-progress"')[1]
    assert "期限超過" in progress
    first_row = progress.split("<tbody>")[1].split("</tr>")[0]
    assert "期限超過" in first_row
