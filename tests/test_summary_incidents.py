"""漏えい等事案 in the aggregated report: the 年度's incidents (by 覚知日) by kind, 課 and 判定, the 速報・確報 on time
or late (the deadlines module's states), the scope filters, the count's source (register or M-06-03), and the
same figures in the PDF (pypdf) and the Excel sheet."""
from __future__ import annotations

import io
import re

import openpyxl
from pypdf import PdfReader

from audits.incidents import service
from audits.summary import report as summary_report
from audits.summary import scoring
from audits.summary.queries import Scope

from conftest import department_id
from test_incidents import FAX, USB, incident_id

# The demo register: 令和６年度 the FAX case (報告を要する, confirmed; 速報・確報 on time); 令和８年度 three cases
# (市民課 誤交付, 保険年金課 USB 紛失 with the 確報 overdue, 納税課 業務外の閲覧 with the 確報 still due), none confirmed.


def _section(page: str) -> str:
    found = re.search(r'<section class="card" id="summary-incidents">(.*?)</section>', page, re.S)
    assert found, "no incident section"
    return found.group(1)


def _stat(html: str, label: str) -> str:
    found = re.search(r"<dt>" + re.escape(label) + r"</dt><dd>(.*?)</dd>", html)
    assert found, label
    return found.group(1)


def _row(html: str, table_id: str, label: str) -> list[str]:
    table = re.search(r'id="' + table_id + r'">(.*?)</table>', html, re.S).group(1)
    found = re.search(r'<th scope="row">' + re.escape(label) + r"</th>((?:<td>[^<]*</td>)+)", table)
    assert found, (table_id, label)
    return re.findall(r"<td>([^<]*)</td>", found.group(1))


def test_dashboard_counts_the_register_by_kind_judgement_and_reports(client, auth, db):
    auth.login("chief")
    page = client.get("/summary/?year=2026")
    assert page.status_code == 200
    html = _section(page.get_data(as_text=True))
    assert _stat(html, "事案の件数") == "3"
    assert "件数は漏えい等事案の登録簿から数えている" in html
    assert _row(html, "incidents-by-kind", "誤交付") == ["1"]
    assert _row(html, "incidents-by-kind", "紛失・盗難") == ["1"]
    assert _row(html, "incidents-by-kind", "誤送付・誤送信") == ["0"]
    assert _row(html, "incidents-by-judgement", "未確定") == ["3"]
    # 期限内に報告 / 遅れて報告 / 期限超過（未報告） / 期限前（未報告）
    assert _row(html, "incidents-reports", "速報") == ["2", "0", "0", "0"]
    assert _row(html, "incidents-reports", "確報") == ["0", "0", "1", "1"]
    assert set(re.findall(r'data-code="([a-z]+)"', html)) == {"hoken", "nozei", "shimin"}
    # the 年度 of the register is offered in the filter even without a schedule
    assert 'value="2026"' in page.get_data(as_text=True)


def test_confirmed_judgement_and_reports_on_time(client, auth, db):
    auth.login("chief")
    html = _section(client.get("/summary/?year=2024").get_data(as_text=True))
    assert _stat(html, "事案の件数") == "1"
    assert _row(html, "incidents-by-judgement", "報告を要する") == ["1"]
    assert _row(html, "incidents-reports", "速報") == ["1", "0", "0", "0"]
    assert _row(html, "incidents-reports", "確報") == ["1", "0", "0", "0"]


def test_late_report_is_counted_late(client, auth, db):
    usb = service.load_incident(db, incident_id(db, USB))
    db.execute("UPDATE incidents SET final_reported_on = '2026-11-02' WHERE id = ?", [usb["id"]])  # due 10-24
    db.conn.commit()
    auth.login("chief")
    html = _section(client.get("/summary/?year=2026").get_data(as_text=True))
    assert _row(html, "incidents-reports", "確報") == ["0", "1", "0", "1"]


def test_scope_filters_and_the_joint_incident(client, auth, db):
    shimin = department_id(db, "shimin")
    bureau = db.execute("SELECT bureau_id FROM departments WHERE id = ?", [shimin]).fetchone()[0]
    # make the 市民課 case joint with 保険年金課: one incident, once for each 課
    joint = db.execute("SELECT incident_id FROM incident_departments WHERE department_id = ?", [shimin]).fetchone()[0]
    db["incident_departments"].insert({"incident_id": joint, "department_id": department_id(db, "hoken")})
    db.conn.commit()
    auth.login("chief")
    html = _section(client.get("/summary/?year=2026").get_data(as_text=True))
    assert _stat(html, "事案の件数") == "3"
    assert re.search(r'data-code="hoken"><td>[^<]*</td><td>[^<]*</td><td class="num">2</td>', html)
    scoped = _section(client.get(f"/summary/?year=2026&bureau={bureau}").get_data(as_text=True))
    codes = set(re.findall(r'data-code="([a-z]+)"', scoped))
    in_bureau = {r[0] for r in db.execute("SELECT code FROM departments WHERE bureau_id = ?", [bureau])}
    assert "shimin" in codes and codes <= in_bureau
    expected = db.execute(
        """SELECT count(DISTINCT x.incident_id) FROM incident_departments x JOIN incidents i ON i.id = x.incident_id
           JOIN departments d ON d.id = x.department_id WHERE d.bureau_id = ? AND i.discovered_at >= '2026-04-01'
           AND i.discovered_at < '2027-04-01'""", [bureau]).fetchone()[0]
    assert _stat(scoped, "事案の件数") == str(expected)


def test_without_register_incidents_the_count_comes_from_m_06_03(client, auth, db):
    db.execute(f"""UPDATE answers SET value = '2', category = '{scoring.DONE}' WHERE item_id = 'M-06-03' AND sheet_id IN (
                    SELECT h.id FROM sheets h JOIN departments d ON d.id = h.department_id
                    JOIN schedules s ON s.id = h.schedule_id WHERE d.code = 'shimin' AND s.fiscal_year = 2025)""")
    db.conn.commit()
    assert db.execute("SELECT count(*) FROM incidents WHERE discovered_at >= '2025-04-01' "
                      "AND discovered_at < '2026-04-01'").fetchone()[0] == 0
    auth.login("chief")
    html = _section(client.get("/summary/?year=2025").get_data(as_text=True))
    assert "登録簿にないため、件数は点検票のM-06-03" in html
    measured = re.search(r"合計は(\d+)件", html)
    assert measured and _stat(html, "事案の件数") == measured.group(1) and int(measured.group(1)) >= 2
    assert 'id="incidents-by-kind"' not in html


def test_department_members_do_not_see_the_organisation_figures(client, auth):
    auth.login("shimin.manager")
    assert client.get("/summary/?year=2026").status_code == 403


def test_pdf_and_excel_carry_the_incident_figures(app, client, auth, db):
    auth.login("chief")
    pdf = client.get("/summary/report.pdf?year=2026")
    assert pdf.status_code == 200
    text = re.sub(r"\s", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "８漏えい等事案" in text or "8漏えい等事案" in text
    assert "覚知した漏えい等事案は3件" in text and "件数は漏えい等事案の登録簿から数えている" in text
    assert "期限超過（未報告）" in text and "保険年金課" in text
    xlsx = client.get("/summary/report.xlsx?year=2026")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert "漏えい等事案" in wb.sheetnames and wb.sheetnames[-1] == "回答"
    rows = [r for r in wb["漏えい等事案"].iter_rows(min_row=2, values_only=True)]
    assert rows[0][:3] == ("件数", "漏えい等事案（令和８年度）", 3)
    assert ("確報", "期限超過（未報告）", 1) in [r[:3] for r in rows]
    titles = [r[5] for r in rows if r[0] == "事案"]
    assert USB in titles and FAX not in titles


def test_build_outside_the_web(app, db):
    with app.app_context():
        built = summary_report.build(db, Scope(2024), municipality="みどり市")
    assert built.incidents.count == 1 and built.incidents.rows[0].title == FAX
    assert built.incidents.rows[0].final == "期限内に完了"
