"""A large city (500 課, about 120 answers each in two 年度): every part of the report still works.

Speed is measured by `python -m bench`, not here."""
from __future__ import annotations

import re

import builders_summary as build

YEAR = build.YEAR


def test_dashboard_and_pdf_with_500_departments(client, auth, db):
    build.load_large_city(db, departments=500)
    auth.login("chief")
    response = client.get(f"/summary/?year={YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The 課 table shows the weakest first and offers the rest.
    assert len(re.findall(r'data-code="big\d{3}"', html)) == 60
    assert "500 課のうち 60 課を表示" in html
    everything = client.get(f"/summary/?year={YEAR}&rows=all").get_data(as_text=True)
    assert len(re.findall(r'data-code="big\d{3}"', everything)) == 500
    response = client.get(f"/summary/report.pdf?year={YEAR}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/summary/charts/sections.png?year={YEAR}&checklist=general").status_code == 200
