"""The incident register through the web: registering, who sees what (403/404), the 判定 confirmed by the
privacy office, optimistic locking, impossible dates refused, the home pages, the log, and the migration."""
from __future__ import annotations

import re
import shutil

import pytest
from sqlite_utils import Database

from audits.db import connect, init_db
from audits.migrations import migration_sets

from conftest import Auth, department_id

FAX = "個人情報を含む文書の誤送信による漏えいのおそれ"
USB = "支給申請勧奨通知の発送データを保存したＵＳＢメモリの紛失"


def incident_id(db, title: str) -> int:
    return db.execute("SELECT id FROM incidents WHERE title = ?", [title]).fetchone()[0]


def form_data(db, **overrides) -> dict:
    data = {"title": "窓口での通知書の誤交付", "department_ids": [str(department_id(db, "hoiku"))],
            "kind": "wrong_issue", "occurred_on": "2026-11-30", "discovered_at": "2026-11-30T10:15",
            "medium": "紙（窓口）", "persons": "2", "items": "氏名、住所", "summary": "通知書を取り違えて交付した。",
            "revision": ""}
    data.update(overrides)
    return data


def test_department_member_registers_for_own_department(client, auth, db):
    auth.login("hoiku.staff")
    response = auth.post("/incidents/new", form_data(db, sensitive="y"))
    assert response.status_code == 302
    new_id = incident_id(db, "窓口での通知書の誤交付")
    page = client.get(f"/incidents/{new_id}").get_data(as_text=True)
    assert "窓口での通知書の誤交付について" in page
    assert "判定案" in page and "施行規則第４３条第１号" in page
    assert "2026-12-30" in page  # 確報: 30 days after 覚知 on 11月30日
    log = db.execute("SELECT action, department_code, object_id FROM activity_log "
                     "WHERE action = 'incident.create' AND object_id = ?", [str(new_id)]).fetchall()
    assert log == [("incident.create", "hoiku", str(new_id))]


def test_form_says_names_must_not_be_written(client, auth):
    auth.login("hoiku.staff")
    page = client.get("/incidents/new").get_data(as_text=True)
    assert page.count("氏名など、本人が分かることは書かないでください") >= 6


def test_registering_for_another_department_only_is_refused(client, auth, db):
    auth.login("hoiku.staff")
    response = auth.post("/incidents/new", form_data(db, department_ids=[str(department_id(db, "shimin"))]))
    assert response.status_code == 400
    assert "自分の課の事案です" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM incidents WHERE title = '窓口での通知書の誤交付'").fetchone()[0] == 0


@pytest.mark.parametrize("overrides, message", [
    ({"occurred_on": "2026-12-01", "discovered_at": "2026-11-30T10:15"}, "覚知日時が発生日より前です"),
    ({"preliminary_reported_on": "2026-11-29"}, "速報の日が覚知日"),
    ({"preliminary_reported_on": "2026-12-01", "final_reported_on": "2026-11-30"}, "確報の日が速報の日"),
    ({"discovered_at": "2099-01-01T10:00", "occurred_on": "2099-01-01"}, "未来の日付"),
    ({"occurred_on": ""}, "発生日は不明"),
])
def test_impossible_dates_are_refused_and_typed_text_kept(client, auth, db, overrides, message):
    auth.login("hoiku.staff")
    response = auth.post("/incidents/new", form_data(db, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "通知書を取り違えて交付した。" in page
    assert db.execute("SELECT count(*) FROM incidents WHERE title = '窓口での通知書の誤交付'").fetchone()[0] == 0


@pytest.mark.parametrize("user, fax, usb", [
    ("chief", 200, 200),
    ("auditor", 200, 200),
    ("kenko.staff", 200, 403),
    ("kenko.manager", 200, 403),
    ("hoken.staff", 403, 200),
    ("shimin.manager", 403, 403),
    ("admin", 403, 403),
])
def test_access_matrix(client, auth, db, user, fax, usb):
    auth.login(user)
    assert client.get(f"/incidents/{incident_id(db, FAX)}").status_code == fax
    assert client.get(f"/incidents/{incident_id(db, USB)}").status_code == usb
    assert client.get("/incidents/999999").status_code in (403, 404)


def test_lists_show_only_own_department_and_admin_sees_none(client, auth, db):
    auth.login("hoken.staff")
    page = client.get("/incidents/?all=1").get_data(as_text=True)
    assert USB in page and FAX not in page and "住民票の写しの誤交付" not in page
    auth.logout()
    auth.login("chief")
    page = client.get("/incidents/?all=1").get_data(as_text=True)
    assert USB in page and FAX in page and "住民票の写しの誤交付" in page
    auth.logout()
    auth.login("admin")
    assert client.get("/incidents/").status_code == 403
    assert client.get("/incidents/new").status_code == 403
    assert USB not in client.get("/").get_data(as_text=True)


def test_missing_incident_is_404_for_a_reader(client, auth):
    auth.login("chief")
    assert client.get("/incidents/999999").status_code == 404


@pytest.mark.parametrize("user", ["shimin.staff", "auditor", "admin"])
def test_changes_by_others_are_refused(client, auth, db, user):
    usb = incident_id(db, USB)
    auth.login(user)
    before = db.execute("SELECT revision FROM incidents WHERE id = ?", [usb]).fetchone()[0]
    assert auth.post(f"/incidents/{usb}/edit", form_data(db, title="書換え")).status_code == 403
    assert auth.post(f"/incidents/{usb}/events", {"on_date": "2026-10-01", "text": "x"}).status_code == 403
    assert auth.post(f"/incidents/{usb}/judgement", {"clauses": ["4"], "reason": "x"}).status_code == 403
    assert db.execute("SELECT revision FROM incidents WHERE id = ?", [usb]).fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'access.denied'").fetchone()[0] >= 1


def test_department_member_cannot_confirm_judgement(client, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.manager")
    assert auth.post(f"/incidents/{usb}/judgement", {"clauses": ["4"], "reason": "x"}).status_code == 403
    assert db.execute("SELECT judgement_at FROM incidents WHERE id = ?", [usb]).fetchone()[0] is None


def test_chief_confirms_judgement_and_proposal_is_kept(client, auth, db):
    usb = incident_id(db, USB)
    auth.login("chief")
    response = auth.post(f"/incidents/{usb}/judgement", {"clauses": ["4", "2"], "reason": "被保険者番号を含むため"},
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "判定を確定しました" in page and "被保険者番号を含むため" in page
    row = db.execute("SELECT judgement_clauses, judgement_proposal, judgement_reason FROM incidents WHERE id = ?",
                     [usb]).fetchone()
    assert row[0] == "[2, 4]"
    assert '"number": 4, "applies": true' in row[1] and '"number": 2, "applies": false' in row[1]
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'incident.judgement' AND object_id = ?",
                      [str(usb)]).fetchone()[0] == 1
    empty = auth.post(f"/incidents/{usb}/judgement", {"clauses": ["4"], "reason": ""}, follow_redirects=True)
    assert "判定の理由を入力してください" in empty.get_data(as_text=True)


def _edit_form(client, path: str) -> dict:
    html = client.get(path).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', html).group(1)
    return revision


def test_stale_save_is_refused_with_saved_version_and_typed_text_kept(client, app, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.staff")
    revision = _edit_form(client, f"/incidents/{usb}/edit")
    data = form_data(db, title=USB, kind="loss_theft", department_ids=[str(department_id(db, "hoken"))],
                     occurred_on="", occurred_unknown="y", discovered_at="2026-09-24T09:30",
                     persons="230", preliminary_reported_on="2026-09-29", revision=revision)
    other = app.test_client()
    other_auth = Auth(other)
    other_auth.login("hoken.manager")
    first = other_auth.post(f"/incidents/{usb}/edit", {**data, "cause": "課長が先に保存した原因"})
    assert first.status_code == 302
    stale = auth.post(f"/incidents/{usb}/edit", {**data, "cause": "担当が書いた原因"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "先に保存しています" in page and "課長が先に保存した原因" in page and "担当が書いた原因" in page
    assert db.execute("SELECT cause FROM incidents WHERE id = ?", [usb]).fetchone()[0] == "課長が先に保存した原因"
    new_revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    again = auth.post(f"/incidents/{usb}/edit", {**data, "cause": "担当が書いた原因", "revision": new_revision})
    assert again.status_code == 302
    assert db.execute("SELECT cause FROM incidents WHERE id = ?", [usb]).fetchone()[0] == "担当が書いた原因"
    assert db.execute("SELECT count(*) FROM activity_log WHERE action = 'incident.update' AND object_id = ?",
                      [str(usb)]).fetchone()[0] == 2


def test_joint_incident_is_seen_by_each_department(client, auth, db):
    auth.login("hoiku.staff")
    ids = [str(department_id(db, "hoiku")), str(department_id(db, "kosodate"))]
    assert auth.post("/incidents/new", form_data(db, department_ids=ids)).status_code == 302
    joint = incident_id(db, "窓口での通知書の誤交付")
    auth.logout()
    auth.login("kosodate.manager")
    assert client.get(f"/incidents/{joint}").status_code == 200
    assert "窓口での通知書の誤交付" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("hoken.staff")
    assert client.get(f"/incidents/{joint}").status_code == 403


def test_event_in_the_future_is_refused(client, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.staff")
    page = auth.post(f"/incidents/{usb}/events", {"on_date": "2099-01-01", "text": "未来"},
                     follow_redirects=True).get_data(as_text=True)
    assert "経過の日付が未来です" in page
    assert db.execute("SELECT count(*) FROM incident_events WHERE text = '未来'").fetchone()[0] == 0
    ok = auth.post(f"/incidents/{usb}/events", {"on_date": "2026-10-02", "at_time": "14:05", "text": "警察に照会した"},
                   follow_redirects=True).get_data(as_text=True)
    assert "令和8年10月2日（金）14:05" in ok and "警察に照会した" in ok


def test_home_pages_list_open_incidents_overdue_first(client, auth):
    auth.login("hoken.staff")
    page = client.get("/").get_data(as_text=True)
    assert "未完結の漏えい等事案" in page and USB in page and "期限超過" in page
    auth.logout()
    auth.login("chief")
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('id="home-incidents"'):]
    assert section.index(USB) < section.index("職員による業務外の目的での滞納情報の閲覧")
    assert FAX not in section  # closed


def test_demo_fax_case_matches_the_seed(client, auth, db):
    auth.login("kenko.manager")
    page = client.get(f"/incidents/{incident_id(db, FAX)}").get_data(as_text=True)
    assert "令和6年8月5日（月）15:18" in page and "令和6年8月9日" in page
    assert "期限内に完了" in page and "期限超過" not in page
    assert "確定" in page and "要配慮個人情報の漏えいのおそれ" in page


def test_migration_carries_an_older_database_forward(tmp_path):
    path = tmp_path / "old.db"
    db = Database(str(path))
    sets = migration_sets()
    names = [m.name for m in sets]
    for migrations in sets[:names.index("tenken-incidents")]:   # the release before incidents
        migrations.apply(db)
    db["bureaus"].insert({"code": "b", "name": "部"})
    db.conn.close()
    applied = init_db(str(path))
    assert applied[:3] == ["tenken-incidents:0001_incidents", "tenken-incidents:0002_incident_links",
                           "tenken-incidents:0003_council_report"]
    later = {m.name for m in sets[names.index("tenken-incidents") + 1:]} | {"constraints"}   # sets added after
    assert all(name.split(":")[0] in later for name in applied[3:]), applied
    db = connect(str(path))
    assert db["bureaus"].count == 1 and db["incidents"].exists()
    with pytest.raises(Exception):
        db.execute("INSERT INTO incidents (title, kind, discovered_at, created_at, updated_at) "
                   "VALUES ('x', 'nonsense', '2026-01-01', 'now', 'now')")


def test_event_or_judgement_between_load_and_save_does_not_block_the_form(client, app, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.staff")
    revision = _edit_form(client, f"/incidents/{usb}/edit")
    other = Auth(app.test_client())
    other.login("chief")
    assert other.post(f"/incidents/{usb}/events", {"on_date": "2026-10-01", "text": "照会"}).status_code == 302
    assert other.post(f"/incidents/{usb}/judgement", {"clauses": ["4"], "reason": "百人超"}).status_code == 302
    data = form_data(db, title=USB, kind="loss_theft", department_ids=[str(department_id(db, "hoken"))],
                     occurred_on="", occurred_unknown="y", discovered_at="2026-09-24T09:30", persons="230",
                     preliminary_reported_on="2026-09-29", cause="新しい原因", revision=revision)
    assert auth.post(f"/incidents/{usb}/edit", data).status_code == 302
    assert db.execute("SELECT cause FROM incidents WHERE id = ?", [usb]).fetchone()[0] == "新しい原因"


def test_the_register_names_each_department_with_its_bureau(client, auth):
    auth.login("chief")
    html = client.get("/incidents/").get_data(as_text=True)
    assert "市民生活部 保険年金課" in html
