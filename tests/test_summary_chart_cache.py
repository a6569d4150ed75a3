"""Dashboard charts are drawn once for the same data and drawn anew when the data changes (charts.cached_png)."""
from __future__ import annotations

import pytest

import builders_summary as build
from audits.summary import charts

YEAR = build.YEAR


@pytest.fixture
def drawn(monkeypatch):
    """Count the charts actually drawn (PNG encodings), with an empty cache."""
    calls = []
    real = charts.png

    def counting(fig, *args, **kwargs):
        calls.append(fig)
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(charts, "png", counting)
    monkeypatch.setattr(charts, "_drawn", type(charts._drawn)())
    return calls


@pytest.mark.parametrize("kind", ["completion", "sections", "years"])
def test_the_same_chart_is_drawn_once_for_every_reader(client, auth, db, drawn, kind):
    build.load_standard(db)
    url = f"/summary/charts/{kind}.png?year={YEAR}&checklist={build.CHECKLIST_ID}"
    auth.login("chief")
    first = client.get(url)
    auth.logout()
    auth.login("auditor")
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and again.data.startswith(b"\x89PNG")
    assert len(drawn) == 1


def test_a_chart_is_drawn_anew_when_its_data_changes(client, auth, db, drawn):
    build.load_standard(db)
    url = f"/summary/charts/completion.png?year={YEAR}"
    auth.login("chief")
    before = client.get(url).data
    changed = db.execute("UPDATE sheets SET status = 'approved' WHERE id = (SELECT min(h.id) FROM sheets h "
                         "JOIN schedules s ON s.id = h.schedule_id WHERE h.status = 'submitted' AND s.fiscal_year = ?)",
                         [YEAR]).rowcount
    db.conn.commit()
    assert changed == 1
    after = client.get(url).data
    assert len(drawn) == 2 and after != before
    # another year, another chart: never the cached one of this year
    assert client.get(f"/summary/charts/completion.png?year={YEAR - 1}").status_code in (200, 404)
