"""`python -m bench` on a tiny city: every figure is measured once, with its floor, and the JSON has the shape
the issue asks for. No timing is asserted (this machine's speed is not the point here)."""
from __future__ import annotations

import json

from audits.activity import service as activity
from audits.db import connect
from audits.summary import scoring
from audits.wareki import fiscal_year_of
from bench import floors, load, measure, report
from bench.generate import Scale, generate, log_key

FIGURES = ("dashboard", "sheet_list", "sheet_list_filtered", "answer_page", "save_answer", "save_in_place", "incident_list", "incident_page", "summary_pdf", "summary_xlsx",
           "ppc_pdf", "ppc_xlsx", "audit_pdf", "sheet_pdf", "verify_log")


def test_tiny_city_every_figure_and_the_json(tmp_path):
    city = generate(tmp_path / "city", Scale(departments=5, bureaus=2, years=2, log_rows=2_000))
    db = connect(city.database)
    try:
        verified = activity.verify(db, log_key(city.database))
        assert verified.ok and verified.rows >= 2_000
        assert db.execute("SELECT count(*) FROM audits WHERE status = 'issued'").fetchone()[0] >= 1
        assert db.execute("SELECT count(*) FROM audit_findings").fetchone()[0] >= 1
        # four incidents per 課 over five 年度 (by 覚知日), each with its 課 and 経過
        assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == 20
        known = [r[0] for r in db.execute("SELECT discovered_at FROM incidents")]
        assert len({fiscal_year_of(day) for day in known}) == 5
        assert db.execute("SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_departments x "
                          "WHERE x.incident_id = i.id) OR NOT EXISTS (SELECT 1 FROM incident_events e "
                          "WHERE e.incident_id = i.id)").fetchone()[0] == 0
        # auto_na rows exactly as opening a schedule writes them: 該当しない with the reason, no value
        assert db.execute(f"SELECT count(*) FROM answers WHERE auto_na = 1 AND (category != '{scoring.NOT_APPLICABLE}' "
                          "OR na_reason IS NULL OR value IS NOT NULL)").fetchone()[0] == 0
    finally:
        db.conn.close()
    quiet = lambda message: None  # noqa: E731

    figures, targets, peak = measure.run(city, 1, light_runs=1, progress=quiet)
    floors.run(city, figures, targets, 1, light_runs=1, progress=quiet)
    result = load.run(str(tmp_path / "city"), city, users=2, seconds=1, think=0.05, progress=quiet)
    data = json.loads(json.dumps(report.as_json(figures, peak, result)))

    for name in FIGURES:
        figure = data[name]
        assert {"median_ms", "p95_ms", "floor_ms", "ratio"} <= set(figure), name
        assert figure["median_ms"] > 0 and figure["floor_ms"] > 0 and figure["ratio"] > 0, name
    assert data["peak_memory_mb"] > 0
    assert data["load"]["users"] == 2 and data["load"]["errors"] == 0 and data["load"]["p95_ms"] > 0
    table = report.table(figures, peak, result)
    assert "全庁集計 PDF" in table and "負荷試験" in table
