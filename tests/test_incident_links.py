"""What the incident register feeds: 再発防止策 as corrective actions (one model with audit findings' actions,
reviewed by the privacy office), audits planned from an incident (ranking, 観点・選定理由, the annex in the
監査報告書), and the checklist items an incident concerns (sheet page, catalogue)."""
from __future__ import annotations

import io
import sqlite3

import pypdf
import pytest
from sqlite_utils import Database

from audits.audit import drafting, findings, risk, values
from audits.audit.permissions import load_audit
from audits.auth.service import load_user
from audits.db import connect, init_db
from audits.incidents import links, service
from audits.migrations import migration_sets

from conftest import department_id
from audits.audit.values import ENDING_ENGAGE, REQUEST_WISH

FAX = "個人情報を含む文書の誤送信による漏えいのおそれ"
USB = "支給申請勧奨通知の発送データを保存したＵＳＢメモリの紛失"


def incident_id(db, title: str) -> int:
    return db.execute("SELECT id FROM incidents WHERE title = ?", [title]).fetchone()[0]


def user(db, username: str):
    return load_user(db, db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0])


def action_row(db, action_id: int) -> dict:
    return next(db.query("SELECT * FROM corrective_actions WHERE id = ?", [action_id]))


def add_measure(auth, db, title=USB, *, measure="記録媒体の持出しを課長の承認制とする。", due="2099-03-31",
                code="hoken") -> int:
    response = auth.post(f"/incidents/{incident_id(db, title)}/actions",
                         {"measure": measure, "department_id": str(department_id(db, code)), "due_date": due})
    assert response.status_code == 302
    return db.execute("SELECT id FROM corrective_actions WHERE measure = ?", [measure]).fetchone()[0]


# ----------------------------------------------------------------------------- corrective actions

def test_measure_is_answered_by_the_department_and_accepted_by_the_privacy_office(client, app, auth, db):
    auth.login("hoken.staff")
    action_id = add_measure(auth, db)
    page = client.get(f"/incidents/{incident_id(db, USB)}").get_data(as_text=True)
    assert "記録媒体の持出しを課長の承認制とする。" in page and "2099-03-31" in page
    assert auth.post(f"/audit/actions/{action_id}/submit",
                     {"response": "承認簿を作り運用を始めた。", "revision": "0"}).status_code == 302
    assert action_row(db, action_id)["status"] == "submitted"
    auth.logout()
    auth.login("auditor")  # the audit office does not review an incident's measures
    response = auth.post(f"/audit/actions/{action_id}/review", {"decision": "accept", "comment": "", "revision": "1"})
    assert response.status_code == 403 and action_row(db, action_id)["status"] == "submitted"
    auth.logout()
    auth.login("chief")
    page = client.get("/").get_data(as_text=True)
    assert "課から改善の報告があった改善措置 1 件を確認する" in page
    response = auth.post(f"/audit/actions/{action_id}/review", {"decision": "accept", "comment": "確認した", "revision": "1"})
    assert response.status_code == 302
    row = action_row(db, action_id)
    assert row["status"] == "closed" and row["reviewed_by"] == user(db, "chief").id


def test_evidence_of_a_measure_is_readable_as_the_incident_is(client, auth, db):
    auth.login("hoken.staff")
    action_id = add_measure(auth, db, measure="媒体の棚卸しを行う。")
    response = auth.post(f"/audit/actions/{action_id}/evidence",
                         {"ev-file": (io.BytesIO(b"inventory"), "tanaoroshi.txt"), "ev-note": "棚卸し表"},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    evidence_id = db.execute("SELECT evidence_id FROM action_evidence WHERE action_id = ?",
                             [action_id]).fetchone()[0]
    assert client.get(f"/evidence/{evidence_id}/download").status_code == 200
    for reader, status in (("chief", 200), ("auditor", 200), ("shimin.staff", 403), ("admin", 403)):
        auth.logout()
        auth.login(reader)
        assert client.get(f"/evidence/{evidence_id}/download").status_code == status, reader


def test_privacy_office_member_of_the_department_or_the_reporter_may_not_review(db):
    chief = user(db, "chief")
    hoken = department_id(db, "hoken")
    usb = service.load_incident(db, incident_id(db, USB))
    action_id = findings.create_incident_action(db, usb, measure="暗号化機能付きの媒体に限る。", department_id=hoken,
                                                due_date="2099-03-31", user=user(db, "hoken.staff"))
    findings.submit(db, action_row(db, action_id), None, "媒体を入れ替えた。", user(db, "hoken.staff"))
    # the reporter, even holding the chief's role, never reviews their own report
    db["user_roles"].insert({"user_id": user(db, "hoken.staff").id, "role": "chief"})
    with pytest.raises(findings.ReviewRefused, match="自分が提出・報告したもの"):
        findings.accept(db, action_row(db, action_id), None, "", user(db, "hoken.staff"))
    # nor a privacy-office member who belongs to the incident's 課
    db["user_departments"].insert({"user_id": chief.id, "department_id": hoken})
    with pytest.raises(findings.ReviewRefused, match="保険年金課に所属している"):
        findings.accept(db, action_row(db, action_id), None, "", user(db, "chief"))
    assert action_row(db, action_id)["status"] == "submitted"


def test_measure_only_for_a_department_of_the_incident(db):
    usb = service.load_incident(db, incident_id(db, USB))
    with pytest.raises(findings.AuditError, match="この事案の課から"):
        findings.create_incident_action(db, usb, measure="x", department_id=department_id(db, "shimin"),
                                        due_date="2099-03-31", user=user(db, "chief"))


def test_schema_refuses_an_action_of_no_owner_or_of_two(db):
    finding = db.execute("SELECT id FROM audit_findings LIMIT 1").fetchone()[0]
    hoken, usb = department_id(db, "hoken"), incident_id(db, USB)
    for finding_id, incident in ((None, None), (finding, usb)):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO corrective_actions (finding_id, incident_id, measure, department_id, due_date) "
                       "VALUES (?, ?, '対策', ?, '2099-01-01')", [finding_id, incident, hoken])
    with pytest.raises(sqlite3.IntegrityError):  # an incident's action says which 再発防止策
        db.execute("INSERT INTO corrective_actions (incident_id, department_id, due_date) VALUES (?, ?, '2099-01-01')",
                   [usb, hoken])


def test_overdue_measure_on_the_home_pages_and_only_for_its_department(client, auth, db):
    auth.login("hoken.staff")
    action_id = add_measure(auth, db, measure="持出し簿を毎日点検する。", due="2020-04-30")
    home = client.get("/").get_data(as_text=True)
    section = home[home.index('id="home-audit-department"'):]
    assert "持出し簿を毎日点検する。" in section and "期限超過" in section and USB[:20] in section
    auth.logout()
    auth.login("chief")
    assert "持出し簿を毎日点検する。" in client.get("/").get_data(as_text=True)
    assert action_id in [a["id"] for a in findings.action_list(db, overdue_only=True)]
    auth.logout()
    auth.login("shimin.staff")
    assert "持出し簿を毎日点検する。" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/audit/actions/{action_id}").status_code == 403
    assert auth.post(f"/audit/actions/{action_id}/submit", {"response": "x", "revision": "0"}).status_code == 403
    auth.logout()
    auth.login("shimin.staff")
    assert auth.post(f"/incidents/{incident_id(db, USB)}/actions",
                     {"measure": "他課から", "department_id": str(department_id(db, "hoken")),
                      "due_date": "2099-01-01"}).status_code == 403


def test_migration_keeps_existing_corrective_actions(tmp_path):
    path = tmp_path / "old.db"
    db = Database(str(path))
    db.execute("PRAGMA foreign_keys = ON")
    for migration_set in migration_sets():
        migration_set.apply(db, stop_before="0002_incident_links")
    db["bureaus"].insert({"code": "b", "name": "部"})
    dept = db["departments"].insert({"code": "k", "name": "課", "bureau_id": 1}).last_pk
    audit = db["audits"].insert({"fiscal_year": 2024, "status": "issued", "version": 1, "revision": 0}).last_pk
    finding = db["audit_findings"].insert({"audit_id": audit, "department_id": dept, "title": "t", "severity": values.HIGH,
                                           "request_kind": REQUEST_WISH, "wish_ending": ENDING_ENGAGE, "request": "r", "status": "open"}).last_pk
    action = db["corrective_actions"].insert({"finding_id": finding, "department_id": dept, "due_date": "2025-05-30",
                                              "status": "submitted", "response": "した", "revision": 2}).last_pk
    db["action_events"].insert({"action_id": action, "at": "2025-05-01", "event": "submit"})
    db.conn.close()
    applied = init_db(str(path))
    assert applied[:2] == ["tenken-incidents:0002_incident_links", "tenken-incidents:0003_council_report"]
    assert all(name.startswith("constraints:") for name in applied[2:]), applied   # CHECKs set anew after the rebuild
    db = connect(str(path))
    row = action_row(db, action)
    assert (row["finding_id"], row["incident_id"], row["status"], row["response"], row["revision"]) == (
        finding, None, "submitted", "した", 2)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db["audit_incidents"].exists() and db["incident_items"].exists()
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE corrective_actions SET status = 'nonsense' WHERE id = ?", [action])


# ----------------------------------------------------------------------------- audits

def test_ranking_weighs_the_departments_incidents_and_says_so(db, monkeypatch):
    hoken = {r["code"]: r for r in risk.ranking(db, 2026)}["hoken"]
    assert (hoken["incidents"], hoken["reported_incidents"]) == (1, 1)  # the USB case, 速報 made
    assert "直近3年度に漏えい等事案が1件（うち個人情報保護委員会に報告したもの1件）生じている" in \
        risk.reason_text(hoken, "令和８年度")
    monkeypatch.setitem(risk.WEIGHTS, "incidents", 0)
    monkeypatch.setitem(risk.WEIGHTS, "reported_incidents", 0)
    unweighted = {r["code"]: r for r in risk.ranking(db, 2026)}["hoken"]
    assert hoken["score"] - unweighted["score"] == 16
    assert {r["code"]: r for r in risk.ranking(db, 2029)}["hoken"]["incidents"] == 0  # 2026 is 4 年度 back


def test_plan_page_explains_the_incident_signal(client, auth):
    auth.login("auditor")
    page = client.get("/audit/plans/2026").get_data(as_text=True)
    assert "漏えい等事案×8" in page and "直近3年度" in page


def test_audit_planned_from_an_incident_is_prefilled_and_linked(client, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.staff")
    assert client.get(f"/audit/new?incident={usb}").status_code == 403
    auth.logout()
    auth.login("auditor")
    page = client.get(f"/incidents/{usb}").get_data(as_text=True)
    assert f"/audit/new?incident={usb}" in page
    page = client.get(f"/audit/new?incident={usb}").get_data(as_text=True)
    assert "上記監査対象課は、令和８年９月に、" + USB in page
    assert "施行規則第４３条第４号に掲げる事態に該当すると判断し" in page
    assert "報告すべき漏えい等の事態が生じた事案に係る所管課に対し" in page
    assert client.get("/audit/new?incident=99999").status_code == 404
    response = auth.post(f"/audit/new?incident={usb}", {
        "fiscal_year": "2026", "department_ids": [str(department_id(db, "hoken"))],
        "auditors": [str(user(db, "auditor").id)], "lead_id": str(user(db, "auditor").id),
        "theme": "観点", "selection_reason": "選定理由"})
    assert response.status_code == 302
    audit_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert links.audit_incident_ids(db, audit_id) == [usb]
    assert "この監査の契機となった漏えい等事案" in client.get(f"/audit/{audit_id}").get_data(as_text=True)


def test_issued_report_of_the_demo_audit_carries_the_incident_report_as_annex(db):
    pdf = db.execute("SELECT pdf FROM audit_reports ORDER BY id LIMIT 1").fetchone()[0]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = [p.extract_text() for p in reader.pages]
    annex = next(n for n, text in enumerate(pages) if "別添１" in text)
    text = "".join(pages[annex:])
    assert "監査の観点" not in text and "指摘事項の一覧" in "".join(pages[:annex])
    order = ["別添１", FAX[:12], "１事案の概要", "２事案の経過", "令和６年８月５日（月）", "５今後の対応", "参考"]
    compact = text.replace(" ", "").replace("\n", "").replace("\u3000", "")
    positions = [compact.index(s.replace("\u3000", "")) for s in order]
    assert positions == sorted(positions)


def test_factcheck_draft_for_another_department_leaves_the_annex_out(db):
    audit = load_audit(db, db.execute("SELECT audit_id FROM audit_incidents").fetchone()[0])
    assert [a["incident"]["title"] for a in drafting.incident_annexes(db, audit)] == [FAX]
    assert drafting.incident_annexes(db, audit, [department_id(db, "shimin")]) == []


# ----------------------------------------------------------------------------- self-check

def test_incident_names_its_checklist_items_unknown_ids_refused(client, auth, db):
    usb = incident_id(db, USB)
    auth.login("hoken.staff")
    page = auth.post(f"/incidents/{usb}/items", {"item_ids": "g-04-06、NOPE-9"}, follow_redirects=True)
    assert "点検項目が見つかりません: NOPE-9" in page.get_data(as_text=True)
    assert links.linked_items(db, usb) == []
    page = auth.post(f"/incidents/{usb}/items", {"item_ids": "g-04-06, G-08-04"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "2項目" in text and [i["item_id"] for i in links.linked_items(db, usb)] == ["G-04-06", "G-08-04"]
    auth.logout()
    auth.login("shimin.staff")
    assert auth.post(f"/incidents/{usb}/items", {"item_ids": ""}).status_code == 403
    assert len(links.linked_items(db, usb)) == 2


def test_sheet_page_shows_the_departments_incidents_beside_their_items(client, auth, db):
    auth.login("kenko.staff")
    kenko = department_id(db, "kenko")
    sheets = [r[0] for r in db.execute("SELECT id FROM sheets WHERE department_id = ?", [kenko])]
    page = next(p for p in (client.get(f"/sheets/{s}?item=S-06-01").get_data(as_text=True) for s in sheets)
                if 'id="item-S-06-01"' in p)
    assert "この課の漏えい等事案" in page and FAX in page
    item = page[page.index('id="item-S-06-01"'):]
    item = item[:item.index("</article>")]
    assert "この項目に関係するこの課の漏えい等事案" in item and FAX in item


def test_catalogue_item_lists_linked_incidents_only_to_those_who_may_see_them(client, auth, db):
    link = f'href="/incidents/{incident_id(db, FAX)}"'
    auth.login("chief")
    page = client.get("/checklists/operations").get_data(as_text=True)
    item = page[page.index('id="item-S-06-01"'):]
    item = item[:item.index("</article>")]
    assert "この項目で防げた事案" in item and "この項目に関係する当団体の漏えい等事案" in item and link in item
    for other in ("shimin.staff", "admin"):  # another 課's incident; the システム管理者 reads no records
        auth.logout()
        auth.login(other)
        page = client.get("/checklists/operations").get_data(as_text=True)
        assert link not in page and "この項目に関係する当団体の漏えい等事案" not in page, other
