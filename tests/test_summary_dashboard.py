"""The 全庁の集計 dashboard: the hand-computed numbers on the page, filters, charts, and who may see what."""
from __future__ import annotations

import re

import pytest

import builders_summary as build

YEAR = build.YEAR


@pytest.fixture
def fixture_ids(db):
    ids = build.load_standard(db)
    ids.update(build.load_audits(db, ids))
    return ids


def stat(html: str, label: str) -> str:
    found = re.search(r"<dt>" + re.escape(label) + r"</dt><dd>(.*?)</dd>", html)
    assert found, f"no statistic {label}"
    return re.sub(r"<[^>]+>", "", found.group(1))


def section(html: str, section_id: str) -> str:
    found = re.search(r'<section class="card" id="' + section_id + r'">(.*?)</section>', html, re.S)
    assert found, f"no section {section_id}"
    return found.group(1)


def test_dashboard_shows_the_hand_computed_numbers(client, auth, fixture_ids):
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}").get_data(as_text=True)
    assert "全庁の集計" in html and "令和3年度" in html
    assert stat(html, "対象課") == "5"
    assert stat(html, "点検票") == "5"
    assert stat(html, "提出済（承認済を含む）") == "3"
    assert stat(html, "承認済") == "2"
    assert stat(html, "未提出の点検票") == "2"
    assert stat(html, "期限超過の点検票") == "1"
    assert stat(html, "実施率") == "60.0%"
    assert stat(html, "評点") == "65.9"
    # per 課, weakest (lowest 評点) first
    table = section(html, "summary-departments")
    assert re.findall(r'data-code="([a-z]+)"', table) == ["kosodate", "hoiku", "kenko", "hoken", "shimin"]
    assert "未提出の課が先頭" in table and table.count("未提出") >= 5
    assert "33.3%" in table and "50.0" in table and "85.7" in table
    # sections: counts table and the chart as an image served by the app
    sections = section(html, "summary-sections")
    assert "T-01 管理体制" in sections and "50.0%" in sections and "75.0%" in sections
    assert '/summary/charts/sections.png?' in sections
    heatmap = section(html, "summary-heatmap")
    cells = re.findall(r'<tr><th scope="row"><span class="bureau">[^<]+</span> ([^<]+)</th>(.*?)</tr>', heatmap)
    assert [name for name, _ in cells] == ["子育て支援課", "保育課", "健康づくり課", "市民課", "保険年金課"]  # weakest first
    assert dict(cells)["子育て支援課"] == '<td class="pending" colspan="2">未提出</td>'
    values = {name: re.findall(r'<td class="(heat-[^"]+)">([^<]+)</td>', row) for name, row in cells}
    assert values["市民課"] == [("heat-10", "100"), ("heat-0", "0")]
    assert values["保険年金課"] == [("heat-5", "50"), ("heat-10", "100")]
    weakest = section(html, "summary-weakest")
    assert weakest.index("T-01-01") < weakest.index("T-01-02") < weakest.index("T-02-01")
    assert "事務対応ガイド 4-8-2" in weakest and "所沢市の事案（住基ネットの利用）" in weakest and "CASE " not in weakest
    audits = section(html, "summary-audits")
    assert "健康づくり課" in audits and "概ね適正であると判断する。" in audits and "適正 2" in audits
    actions = section(html, "summary-actions")
    assert stat(actions, "改善措置：対応中") == "2" and stat(actions, "うち期限超過") == "1"
    assert "操作ログの確認記録がない" in actions and "取り下げた指摘" not in actions
    assert "該当しない" in section(html, "summary-method")


def test_auditor_sees_the_dashboard_too(client, auth, fixture_ids):
    auth.login("auditor")
    assert client.get(f"/summary/?year={YEAR}").status_code == 200


def test_sort_order_can_be_changed(client, auth, fixture_ids):
    auth.login("chief")
    html = client.get(f"/summary/?year={YEAR}&sort=code").get_data(as_text=True)
    codes = re.findall(r'data-code="([a-z]+)"', section(html, "summary-departments"))
    assert codes == sorted(codes)


def test_filter_by_bureau_and_tag(client, auth, db, fixture_ids):
    auth.login("chief")
    bureau = db.execute("SELECT id FROM bureaus WHERE code = 'shimin'").fetchone()[0]
    html = client.get(f"/summary/?year={YEAR}&bureau={bureau}").get_data(as_text=True)
    assert stat(html, "対象課") == "2" and stat(html, "実施率") == "71.4%"
    assert re.findall(r'data-code="([a-z]+)"', section(html, "summary-departments")) == ["hoken", "shimin"]
    html = client.get(f"/summary/?year={YEAR}&tag=juki").get_data(as_text=True)
    assert stat(html, "対象課") == "1" and stat(html, "実施率") == "66.7%"
    # an unknown filter value is ignored, not an error
    assert client.get(f"/summary/?year={YEAR}&bureau=99999&tag=nope&sort=x").status_code == 200


@pytest.mark.parametrize("kind", ["completion", "sections", "years"])
def test_charts_are_png_images(client, auth, fixture_ids, kind):
    auth.login("chief")
    response = client.get(f"/summary/charts/{kind}.png?year={YEAR}&checklist={build.CHECKLIST_ID}")
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")


def test_unknown_chart_is_404(client, auth, fixture_ids):
    auth.login("chief")
    assert client.get(f"/summary/charts/pie.png?year={YEAR}").status_code == 404
    assert client.get(f"/summary/charts/sections.png?year={YEAR}&checklist=nope").status_code == 404


@pytest.mark.parametrize("username", ["shimin.staff", "shimin.manager", "admin"])
def test_organisation_view_is_forbidden_to_others(client, auth, fixture_ids, username):
    auth.login(username)
    for path in (f"/summary/?year={YEAR}", f"/summary/report.pdf?year={YEAR}", f"/summary/report.xlsx?year={YEAR}",
                 f"/summary/charts/sections.png?year={YEAR}&checklist={build.CHECKLIST_ID}"):
        assert client.get(path).status_code == 403, path


def test_forbidden_attempt_is_logged(client, auth, db, fixture_ids):
    auth.login("shimin.staff")
    client.get("/summary/")
    row = db.execute("SELECT username, detail FROM activity_log WHERE action = 'access.denied' "
                     "ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0] == "shimin.staff" and "/summary/" in row[1]


def test_staff_sees_only_their_own_part(client, auth, db, fixture_ids):
    auth.login("shimin.staff")
    nav = client.get("/").get_data(as_text=True)
    assert "所属課の集計" in nav and "全庁の集計" not in nav
    response = client.get(f"/summary/mine?year={YEAR}")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "市民課の集計" in html
    assert stat(html, "対象課") == "1" and stat(html, "実施率") == "66.7%"
    assert "健康づくり課" not in html and "保険年金課" not in html
    shimin = build.department(db, "shimin")
    assert client.get(f"/summary/departments/{shimin}/charts/sections.png?year={YEAR}&checklist={build.CHECKLIST_ID}"
                      ).status_code == 200
    kenko = build.department(db, "kenko")
    assert client.get(f"/summary/departments/{kenko}?year={YEAR}").status_code == 403
    assert client.get(f"/summary/departments/{kenko}/charts/sections.png?year={YEAR}&checklist="
                      f"{build.CHECKLIST_ID}").status_code == 403
    assert client.get("/summary/departments/999999").status_code == 404


def test_department_part_hides_audits_not_sent_for_fact_check(client, auth, db, fixture_ids):
    auth.login("hoken.staff")
    hoken = build.department(db, "hoken")
    html = client.get(f"/summary/departments/{hoken}?year={YEAR}").get_data(as_text=True)
    assert "に実施した監査はありません" in section(html, "summary-audits")
    assert "委託先の確認が未実施" in section(html, "summary-actions")
    auth.logout()
    auth.login("kenko.manager")
    kenko = build.department(db, "kenko")
    html = client.get(f"/summary/departments/{kenko}?year={YEAR}").get_data(as_text=True)
    assert "概ね適正であると判断する。" in section(html, "summary-audits")


def test_chief_opens_any_department_part(client, auth, db, fixture_ids):
    auth.login("chief")
    kenko = build.department(db, "kenko")
    html = client.get(f"/summary/departments/{kenko}?year={YEAR}").get_data(as_text=True)
    assert "健康づくり課の集計" in html and stat(html, "実施率") == "33.3%"


def test_admin_cannot_read_department_part(client, auth, db, fixture_ids):
    auth.login("admin")
    assert client.get(f"/summary/departments/{build.department(db, 'shimin')}").status_code == 403


def test_nav_link_for_chief(client, auth):
    auth.login("chief")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/summary/">全庁の集計</a>' in html


def test_empty_year_renders(client, auth):
    auth.login("chief")
    html = client.get("/summary/?year=2001").get_data(as_text=True)
    assert "この年度の点検票はありません" in html
