"""Risk ranking of 課 for choosing audit targets, on a small hand-made fixture with a known order.

Fixture (年度 2025, sheets due 2025-07-31, today 2025-09-01; item weights 高3 中2 低1):
  a  承認済  I1(高) 未実施, I2(中) 実施, I3(低) 実施 → gap 3/6 = 50.0% → 20.0; never audited → 5×4 = 20 → 40.0
  b  差戻し  I1 実施, I2 課題あり, I3 実施        → gap 2/6 = 33.3% → 13.3; returned 10; overdue 10;
             audited 2024 (1 year) → 4                                                          → 37.3
  c  回答中  no answers; overdue 10; audited 2023 (2 years) → 8; 2 open findings → 10             → 28.0
  d  承認済  all 実施 → 0; audited 2025 → 0                                                       →  0.0
"""
from __future__ import annotations

from datetime import date

import pytest
from builders_audit import bare_audit, checklist, departments, schedule, sheet

from audits.audit import risk
from audits.db import connect


@pytest.fixture
def ranked(empty_app):
    db = connect(empty_app.config["DATABASE"])
    ids = departments(db, ["a", "b", "c", "d"])
    version_id, pks = checklist(db, [("I1", "高"), ("I2", "中"), ("I3", "低")])
    schedule_id = schedule(db, 2025, version_id, "2025-07-31")
    sheet(db, schedule_id, ids["a"], version_id, "approved", {"I1": "未実施", "I2": "実施", "I3": "実施"}, pks)
    sheet(db, schedule_id, ids["b"], version_id, "returned", {"I1": "実施", "I2": "課題あり", "I3": "実施"}, pks)
    sheet(db, schedule_id, ids["c"], version_id, "answering")
    sheet(db, schedule_id, ids["d"], version_id, "approved", {"I1": "実施", "I2": "実施", "I3": "実施"}, pks)
    bare_audit(db, ids["b"], 2024)
    bare_audit(db, ids["c"], 2023, open_findings=2)
    bare_audit(db, ids["d"], 2025)
    rows = risk.ranking(db, 2025, today=date(2025, 9, 1))
    yield {r["code"]: r for r in rows}, [r["code"] for r in rows]
    db.conn.close()


def test_known_order(ranked):
    _, order = ranked
    assert order == ["a", "b", "c", "d"]


def test_each_signal_is_shown(ranked):
    rows, _ = ranked
    assert (rows["a"]["gap_rate"], rows["a"]["gap_items"], rows["a"]["answered_items"]) == (50.0, 1, 3)
    assert rows["a"]["years_since_audit"] is None and rows["a"]["score"] == 40.0
    assert (rows["b"]["gap_rate"], rows["b"]["returned_sheets"], rows["b"]["overdue_sheets"]) == (33.3, 1, 1)
    assert rows["b"]["years_since_audit"] == 1 and rows["b"]["score"] == 37.3
    assert rows["c"]["gap_rate"] is None and rows["c"]["overdue_sheets"] == 1
    assert (rows["c"]["years_since_audit"], rows["c"]["open_findings"], rows["c"]["score"]) == (2, 2, 28.0)
    assert rows["d"]["score"] == 0.0 and rows["d"]["rank"] == 4


def test_reason_text_explains_the_choice(ranked):
    rows, _ = ranked
    text = risk.reason_text(rows["c"], "令和７年度")
    assert "提出期限を過ぎても提出されていない点検票が1件" in text
    assert "前回の監査から2年" in text and "改善が完了していないものが2件" in text
    assert "これまで監査を実施していない" in risk.reason_text(rows["a"], "令和７年度")


def test_not_overdue_before_the_due_date(empty_app):
    db = connect(empty_app.config["DATABASE"])
    ids = departments(db, ["x"])
    version_id, _ = checklist(db, [("I1", "高")])
    sheet(db, schedule(db, 2025, version_id, "2025-07-31"), ids["x"], version_id, "answering")
    row = risk.ranking(db, 2025, today=date(2025, 7, 31))[0]
    assert row["overdue_sheets"] == 0
    db.conn.close()


def test_plan_page_shows_the_ranking(client, auth):
    auth.login("auditor")
    html = client.get("/audit/plans/2025").get_data(as_text=True)
    assert "リスクの指標による順位" in html and "健康づくり課" in html and "課題の割合" in html
