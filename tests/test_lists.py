"""The sheet list for a large city (filters, search, order, pages of 50) and the home page's figures that link to it.

Expected rows are counted here with plain SQL on the demo database, not with the app's query."""
from __future__ import annotations

import re

import pytest
from conftest import department_id

from audits.timeutil import now

SHEET_LINK = re.compile(r'<td><a href="/sheets/(\d+)">')
COUNT = re.compile(r'id="sheet-count" data-total="(\d+)"')
# Published schedules only: a draft plan's sheets are not shown anywhere.
VISIBLE = """FROM sheets h JOIN schedules s ON s.id = h.schedule_id JOIN departments d ON d.id = h.department_id
             JOIN checklist_versions v ON v.id = h.version_id
             LEFT JOIN schedule_departments sd ON sd.schedule_id = h.schedule_id AND sd.department_id = h.department_id
             WHERE h.removed_at IS NULL AND s.status != 'draft'"""


def listed(client, query: str = "") -> tuple[int, list[int], str]:
    """(total, sheet ids on the page, html) of /sheets/?query."""
    response = client.get(f"/sheets/?{query}")
    assert response.status_code == 200, (query, response.status_code)
    html = response.get_data(as_text=True)
    return int(COUNT.search(html).group(1)), [int(i) for i in SHEET_LINK.findall(html)], html


def expected(db, condition: str = "1", params=()) -> set[int]:
    return {r[0] for r in db.execute(f"SELECT h.id {VISIBLE} AND {condition}", list(params))}


def all_pages(client, query: str = "") -> list[int]:
    total, ids, _ = listed(client, query)
    page = 2
    while len(ids) < total:
        ids += listed(client, f"{query}&page={page}")[1]
        page += 1
    return ids


@pytest.fixture
def chief(client, auth):
    auth.login("chief")
    return client


def test_each_filter_shows_exactly_its_sheets(chief, db):
    kenko = department_id(db, "kenko")
    bureau = db.execute("SELECT bureau_id FROM departments WHERE id = ?", [kenko]).fetchone()[0]
    today = now().date().isoformat()
    cases = {
        "year=2024": expected(db, "s.fiscal_year = 2024"),
        f"bureau={bureau}": expected(db, "d.bureau_id = ?", [bureau]),
        f"department={kenko}": expected(db, "h.department_id = ?", [kenko]),
        "checklist=general": expected(db, "v.checklist_id = 'general'"),
        "status=submitted": expected(db, "h.status = 'submitted'"),
        "overdue=1": expected(db, "h.status NOT IN ('submitted', 'approved') AND "
                                  "coalesce(sd.due_date, s.due_date) < ?", [today]),
        "q=健康": expected(db, "d.name LIKE '%健康%'"),
        "year=2025&unapproved=1": expected(db, "s.fiscal_year = 2025 AND h.status != 'approved'"),
        f"year=2025&bureau={bureau}&status=approved": expected(
            db, "s.fiscal_year = 2025 AND d.bureau_id = ? AND h.status = 'approved'", [bureau]),
    }
    for query, sheets in cases.items():
        assert sheets, query                     # the demo has rows for each case, so the test can fail
        total, _ids, _html = listed(chief, query)
        assert total == len(sheets), query
        assert set(all_pages(chief, query)) == sheets, query
    assert listed(chief, "overdue=1")[0] < listed(chief)[0]


def test_search_treats_wildcards_as_text(chief):
    assert listed(chief, "q=%25")[0] == 0          # '%'
    assert listed(chief, "q=_")[0] == 0


def test_pages_of_fifty_cover_every_sheet_once(chief, db):
    total, first, html = listed(chief)
    assert total == len(expected(db)) > 100
    assert len(first) == 50 and 'rel="next"' in html and 'rel="prev"' not in html
    last_page = -(-total // 50)
    every = all_pages(chief)
    assert len(every) == len(set(every)) == total
    _total, last, html = listed(chief, f"page={last_page}")
    assert len(last) == total - 50 * (last_page - 1) and 'rel="next"' not in html
    assert listed(chief, f"page={last_page + 5}")[1] == last      # past the end: the last page
    assert f"{last_page} / {last_page} ページ" in html


@pytest.mark.parametrize("key, column", [("due", "coalesce(sd.due_date, s.due_date)"), ("updated", "h.updated_at"),
                                         ("department", "d.code")])
def test_sorting(chief, db, key, column):
    values = dict(db.execute(f"SELECT h.id, {column} {VISIBLE}").fetchall())
    ascending = [values[i] for i in listed(chief, f"sort={key}&year=2025")[1]]
    descending = [values[i] for i in listed(chief, f"sort=-{key}&year=2025")[1]]
    if key == "department":     # the organisation's order, not the code's: the first page is one block per 課
        assert ascending != descending
        return
    assert ascending == sorted(ascending) and descending == sorted(descending, reverse=True)
    assert ascending != descending


def test_sorting_by_status_puts_the_least_advanced_first(chief, db):
    statuses = dict(db.execute(f"SELECT h.id, h.status {VISIBLE}").fetchall())
    _total, ids, _html = listed(chief, "sort=status&year=2025")
    assert statuses[ids[0]] == "returned"
    _total, ids, _html = listed(chief, "sort=-status&year=2025")
    assert statuses[ids[0]] == "approved"


def test_the_form_keeps_its_values_and_headers_keep_the_filters(chief, db):
    kenko = department_id(db, "kenko")
    _total, _ids, html = listed(chief, f"year=2025&department={kenko}&status=answering&overdue=1&q=健康&sort=-due")
    assert '<option value="2025" selected>' in html
    assert f'<option value="{kenko}" selected>' in html
    assert '<option value="answering" selected>' in html
    assert 'name="overdue" value="1" checked' in html
    assert 'name="q" value="健康"' in html
    assert '<option value="-due" selected>' in html
    # the 回答期限 header reverses the order and keeps every filter
    link = re.search(r'<a href="([^"]*sort=due[^"]*)">回答期限</a>', html).group(1).replace("&amp;", "&")
    for part in ("year=2025", f"department={kenko}", "status=answering", "overdue=1"):
        assert part in link


@pytest.mark.parametrize("query", [
    "year=abc", "year=99999999999999999999999", "bureau=-1", "department=1e5", "page=0", "page=٣",
    "page=99999999999999999999999"])
def test_a_malformed_number_is_a_400_in_japanese(chief, query):
    response = chief.get(f"/sheets/?{query}")
    assert response.status_code == 400
    assert "の指定が正しくありません" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "status=zzz", "status=%E6%89%BF%E8%AA%8D%E6%B8%88", "checklist=../../etc", "sort=;DROP", "sort=-", "sort=--due",
    "overdue=yes", "q=" + "x" * 5000, "q=%00", "bureau=999999", "department=999999", "year=2099",
    "_external=1", "sheet_id=3", "page=", "status=submitted&status=approved"])
def test_other_bad_values_are_ignored_never_a_500(chief, query):
    response = chief.get(f"/sheets/?{query}")
    assert response.status_code == 200, query


def test_a_value_that_cannot_be_chosen_is_ignored_and_said(chief):
    _total, _ids, html = listed(chief, "status=zzz&bureau=999999")
    assert "部・状態 は選べない値だったため" in html


def test_a_department_member_lists_only_their_own_sheets(client, auth, db):
    shimin, kenko = department_id(db, "shimin"), department_id(db, "kenko")
    auth.login("shimin.staff")
    total, ids, html = listed(client)
    assert set(ids) == expected(db, "h.department_id = ?", [shimin]) and total == len(ids)
    # another 課 in the URL shows nothing of it: the filter is ignored, the list stays the 課's own
    total, ids, html = listed(client, f"department={kenko}")
    assert set(ids) == expected(db, "h.department_id = ?", [shimin])
    assert "課 は選べない値だったため" in html
    assert f'<option value="{kenko}"' not in html


def test_the_administrator_has_no_sheet_list_and_no_link_to_it(client, auth):
    auth.login("admin")
    assert client.get("/sheets/").status_code == 403
    assert 'href="/sheets/"' not in client.get("/").get_data(as_text=True)


# --- the home page's figures ------------------------------------------------------------------------------------

TILE = re.compile(r'<dt>([^<]+)</dt><dd><a href="([^"]+)">(\d+)</a></dd>')


@pytest.mark.parametrize("role", ["chief", "auditor"])
def test_each_progress_figure_is_the_count_of_the_list_it_links_to(client, auth, role):
    auth.login(role)
    tiles = [tile for tile in TILE.findall(client.get("/").get_data(as_text=True)) if tile[1].startswith("/sheets/")]
    assert [label for label, _url, _n in tiles] == ["点検票", "提出済（承認待ち）", "承認済", "差戻し", "期限超過"]
    for label, url, number in tiles:
        response = client.get(url.replace("&amp;", "&"))
        assert int(COUNT.search(response.get_data(as_text=True)).group(1)) == int(number), label
    assert int(tiles[-1][2]) > 0                    # 期限超過 exists in the demo, so the link is tested


@pytest.mark.parametrize("role", ["chief", "auditor"])
def test_the_unapproved_heading_counts_the_sheets_its_link_lists(client, auth, db, role):
    """「承認が済んでいない点検票 N 件（M 課）」: N is the rows of the list it links to, M the 課 those rows belong to."""
    auth.login(role)
    html = client.get("/").get_data(as_text=True)
    url, number, departments = re.search(
        r'承認が済んでいない点検票 <a href="([^"]+)">(\d+) 件</a>（(\d+) 課。', html).groups()
    query = url.split("?", 1)[1].replace("&amp;", "&")
    assert "unapproved=1" in query
    listed_ids = all_pages(client, query)
    assert len(listed_ids) == listed(client, query)[0] == int(number) > 0
    year = int(re.search(r"year=(\d+)", query).group(1))
    assert set(listed_ids) == expected(db, "s.fiscal_year = ? AND h.status != 'approved'", [year])
    marks = ",".join("?" * len(listed_ids))
    assert int(departments) == db.execute(
        f"SELECT count(DISTINCT department_id) FROM sheets WHERE id IN ({marks})", listed_ids).fetchone()[0]
    # The filter form keeps the condition, so the next search stays within the unapproved sheets.
    assert re.search(r'name="unapproved" value="1" checked', listed(client, query)[2])


def test_awaiting_approval_links_to_the_list_of_the_same_sheets(client, auth, db):
    manager = db.execute("""SELECT u.username FROM users u JOIN user_departments ud ON ud.user_id = u.id
                            JOIN sheets h ON h.department_id = ud.department_id
                            WHERE u.username LIKE '%.manager' AND h.status = 'submitted' LIMIT 1""").fetchone()[0]
    auth.login(manager)
    html = client.get("/").get_data(as_text=True)
    url, number = re.search(r'承認待ちの点検票（<a href="([^"]+)">(\d+)</a>）', html).groups()
    _total, ids, _html = listed(client, url.split("?", 1)[1].replace("&amp;", "&"))
    assert len(ids) == int(number) > 0


def test_action_figures_are_the_counts_of_the_lists_they_link_to(client, auth):
    auth.login("auditor")
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'<a href="(/audit/actions\?[^"]+)">(?:<strong[^>]*>)?[^<\d]*(\d+) 件', html)
    assert {url for url, _n in links} >= {"/audit/actions?open=1", "/audit/actions?overdue=1"}
    for url, number in links:
        page = client.get(url).get_data(as_text=True)
        assert int(re.search(r'id="action-count" data-total="(\d+)"', page).group(1)) == int(number), url


def test_open_incident_figure_is_the_count_of_the_register(client, auth, monkeypatch):
    from audits.home import routes as home

    monkeypatch.setattr(home, "HOME_INCIDENT_ROWS", 2)     # the home page shows a few; the figure counts all
    auth.login("chief")
    html = client.get("/").get_data(as_text=True)
    number = int(re.search(r'未完結の漏えい等事案（<a href="/incidents/">(\d+)</a>）', html).group(1))
    register = client.get("/incidents/").get_data(as_text=True)
    assert number == len(set(re.findall(r'href="/incidents/(\d+)"', register))) > 2
    assert "期限の近い 2 件を表示" in html


def test_organisation_figures_are_the_counts_of_the_lists_they_link_to(client, auth, db):
    with db.conn:                                        # an inactive 課 and user, so the filter matters
        db.execute("UPDATE departments SET active = 0 WHERE code = 'kenko'")
        db.execute("UPDATE users SET active = 0 WHERE username = 'kenko.staff'")
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    departments = re.search(r'<dt>課（有効）</dt><dd><a href="([^"]+)">(\d+)</a>', html).groups()
    users = re.search(r'<dt>利用者（有効）</dt><dd><a href="([^"]+)">(\d+)</a>', html).groups()
    listed_departments = client.get(departments[0]).get_data(as_text=True)
    listed_users = client.get(users[0]).get_data(as_text=True)
    assert f'<p class="count">{departments[1]} 課</p>' in listed_departments and "kenko" not in listed_departments
    assert f'<p class="count">{users[1]} 人</p>' in listed_users and "kenko.staff" not in listed_users
    bureaus = re.search(r'<dt>部</dt><dd><a href="([^"]+)">(\d+)</a>', html).groups()
    listed_bureaus = client.get(bureaus[0]).get_data(as_text=True)       # 部と機関: one row (and form) per 部
    assert listed_bureaus.count("admin/bureaus/") == int(bureaus[1]) > 0
    auth.logout()
    auth.login("chief")                                  # the users' list is the administrator's: no link to it
    html = client.get("/").get_data(as_text=True)
    assert "<dt>利用者（有効）</dt><dd>" in html and "/admin/users" not in html
