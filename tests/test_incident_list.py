"""The register's list in pages of 100 rows (a city with thousands of incidents), overdue first on page 1."""
from __future__ import annotations

import re

from audits.incidents.routes import PAGE_SIZE
from conftest import department_id
from test_incidents import USB


def _add_closed(db, count: int) -> None:
    hoken = department_id(db, "hoken")
    for n in range(count):
        incident = db["incidents"].insert({
            "title": f"過去の事案{n:03d}", "kind": "other", "discovered_at": "2023-05-01T10:00", "persons": 1,
            "closed_at": "2023-06-01T10:00:00", "created_at": "2023-05-01T10:00:00", "updated_at": "2023-05-01T10:00:00",
            "revision": 0}).last_pk
        db["incident_departments"].insert({"incident_id": incident, "department_id": hoken})
    db.conn.commit()


def test_list_is_paged_with_the_overdue_first(client, auth, db):
    _add_closed(db, PAGE_SIZE + 5)
    total = db.execute("SELECT count(*) FROM incidents").fetchone()[0]
    auth.login("chief")
    first = client.get("/incidents/?all=1").get_data(as_text=True)
    assert f"{total} 件のうち 1〜{PAGE_SIZE} 件目" in first
    assert len(re.findall(r"<tr class=", first)) == PAGE_SIZE
    assert USB in first                                     # its 確報 is overdue: first page, first rows
    assert 'href="/incidents/?page=2&amp;all=1"' in first or 'href="/incidents/?all=1&amp;page=2"' in first
    last = client.get("/incidents/?all=1&page=99").get_data(as_text=True)   # past the end: the last page
    assert f"{PAGE_SIZE + 1}〜{total} 件目" in last and USB not in last
    assert client.get("/incidents/?all=1&page=x").status_code == 200
    # open ones only (the default) fit on one page
    assert "件目" not in client.get("/incidents/").get_data(as_text=True)
