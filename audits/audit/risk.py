"""Help choosing audit targets: 課 ranked by the risk signals the app already holds, each shown.

Signals (all computed in one SQL query):
- gap_rate: share of applicable answered items in 課題あり/未実施, weighted by item severity (高3 中2 低1),
  over the sheets of the chosen self-check 年度;
- overdue_sheets: sheets of that 年度 not yet submitted/approved whose due date (課 override first) has passed;
- returned_sheets: sheets of that 年度 currently returned (差戻し);
- years_since_audit: plan 年度 minus the 年度 of the 課's last audit, an audit of several 課 counting for
  each of them (NULL: never audited);
- open_findings: findings of earlier audits still open;
- incidents: 漏えい等事案 of the 課 learned of (覚知) in the INCIDENT_YEARS 年度 up to the plan 年度 (a joint
  incident counting for each of its 課), and of them `reported_incidents`, those reported to the 委員会 (速報 made),
  which weigh again: an incident says where protection failed, a reported one that it failed seriously.
The score adds them with the weights below, so an auditor can explain a choice from the signals.
"""
from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from ..incidents.values import fiscal_year_sql
from ..summary import scoring
from ..timeutil import now
from . import values

WEIGHTS = {"gap_rate": 0.4, "overdue_sheets": 10, "returned_sheets": 10, "year": 4, "open_findings": 5,
           "incidents": 8, "reported_incidents": 8}
NEVER_AUDITED_YEARS = 5  # counts as this many years (also the cap)
INCIDENT_YEARS = 3  # the plan 年度 and the two before it

# The item weights of the 評点 (scoring.SEVERITY_WEIGHTS) and the gap categories, as SQL.
_SEVERITY_WEIGHTS = ", ".join(f"('{key}', {weight})" for key, weight in scoring.SEVERITY_WEIGHTS.items())
_GAPS = scoring.sql_in((scoring.PARTIAL, scoring.NOT_DONE))

RANKING_SQL = f"""
WITH severity_weight(severity, weight) AS (VALUES {_SEVERITY_WEIGHTS}),
live_sheets AS (
    SELECT s.id, s.department_id, s.status, COALESCE(sd.due_date, sc.due_date) AS due
    FROM sheets s
    JOIN schedules sc ON sc.id = s.schedule_id
    LEFT JOIN schedule_departments sd ON sd.schedule_id = s.schedule_id AND sd.department_id = s.department_id
    WHERE s.removed_at IS NULL AND sc.fiscal_year = :sheet_year
),
gaps AS (
    SELECT ls.department_id,
           SUM(CASE WHEN a.category IN {_GAPS} THEN w.weight ELSE 0 END) AS gap_weight,
           SUM(w.weight) AS applicable_weight,
           SUM(a.category IN {_GAPS}) AS gap_items,
           COUNT(*) AS answered_items
    FROM live_sheets ls
    JOIN answers a ON a.sheet_id = ls.id
    JOIN checklist_items i ON i.id = a.item_pk
    JOIN severity_weight w ON w.severity = i.severity
    WHERE a.category IS NOT NULL AND a.category != '{scoring.NOT_APPLICABLE}'
    GROUP BY ls.department_id
),
sheet_flags AS (
    SELECT department_id,
           SUM(status NOT IN ('submitted', 'approved') AND due IS NOT NULL AND due < :today) AS overdue_sheets,
           SUM(status = 'returned') AS returned_sheets
    FROM live_sheets GROUP BY department_id
),
last_audit AS (
    SELECT ad.department_id, MAX(a.fiscal_year) AS last_year
    FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
    WHERE a.fiscal_year <= :plan_year GROUP BY ad.department_id
),
open_findings AS (
    SELECT department_id, COUNT(*) AS open_findings FROM audit_findings
    WHERE status = 'open' AND request_kind = :improvement GROUP BY department_id
),
incident_counts AS (
    SELECT x.department_id, COUNT(*) AS incidents,
           SUM(i.preliminary_reported_on IS NOT NULL) AS reported_incidents
    FROM incidents i JOIN incident_departments x ON x.incident_id = i.id
    WHERE INCIDENT_YEAR BETWEEN :plan_year - :incident_years + 1 AND :plan_year
    GROUP BY x.department_id
),
signals AS (
    SELECT d.id AS department_id, d.code, d.name, b.name AS bureau_name,
           ROUND(100.0 * COALESCE(g.gap_weight, 0) / NULLIF(g.applicable_weight, 0), 1) AS gap_rate,
           COALESCE(g.gap_items, 0) AS gap_items, COALESCE(g.answered_items, 0) AS answered_items,
           COALESCE(f.overdue_sheets, 0) AS overdue_sheets, COALESCE(f.returned_sheets, 0) AS returned_sheets,
           la.last_year, :plan_year - la.last_year AS years_since_audit,
           COALESCE(o.open_findings, 0) AS open_findings,
           COALESCE(ic.incidents, 0) AS incidents, COALESCE(ic.reported_incidents, 0) AS reported_incidents
    FROM departments d
    JOIN bureaus b ON b.id = d.bureau_id
    LEFT JOIN gaps g ON g.department_id = d.id
    LEFT JOIN sheet_flags f ON f.department_id = d.id
    LEFT JOIN last_audit la ON la.department_id = d.id
    LEFT JOIN open_findings o ON o.department_id = d.id
    LEFT JOIN incident_counts ic ON ic.department_id = d.id
    WHERE d.active = 1
)
SELECT *,
       ROUND(COALESCE(gap_rate, 0) * :w_gap + overdue_sheets * :w_overdue + returned_sheets * :w_returned
             + MIN(COALESCE(years_since_audit, :never), :never) * :w_year + open_findings * :w_findings
             + incidents * :w_incidents + reported_incidents * :w_reported, 1) AS score
FROM signals
ORDER BY score DESC, COALESCE(gap_rate, 0) DESC, code
""".replace("INCIDENT_YEAR", fiscal_year_sql("i.discovered_at"))


def ranking(db: Database, plan_year: int, *, sheet_year: int | None = None, today: date | None = None,
            exclude_department_ids=()) -> list[dict]:
    """Active 課 ordered by score, highest first; `sheet_year` defaults to the plan 年度."""
    params = {
        "plan_year": plan_year, "sheet_year": sheet_year or plan_year,
        "today": (today or now().date()).isoformat(), "never": NEVER_AUDITED_YEARS,
        "w_gap": WEIGHTS["gap_rate"], "w_overdue": WEIGHTS["overdue_sheets"],
        "w_returned": WEIGHTS["returned_sheets"], "w_year": WEIGHTS["year"], "w_findings": WEIGHTS["open_findings"],
        "w_incidents": WEIGHTS["incidents"], "w_reported": WEIGHTS["reported_incidents"],
        "incident_years": INCIDENT_YEARS, "improvement": values.REQUEST_IMPROVEMENT,   # a 要望 is not followed up
    }
    excluded = set(exclude_department_ids)
    rows = [r for r in db.query(RANKING_SQL, params) if r["department_id"] not in excluded]
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def latest_sheet_year(db: Database, plan_year: int) -> int:
    """The most recent self-check 年度 up to the plan 年度 that has sheets (else the plan 年度)."""
    row = db.execute("""SELECT MAX(sc.fiscal_year) FROM schedules sc JOIN sheets s ON s.schedule_id = sc.id
                        WHERE sc.fiscal_year <= ?""", [plan_year]).fetchone()
    return row[0] if row and row[0] else plan_year


def reason_text(row: dict, sheet_year_label: str) -> str:
    """A 選定理由 sentence built from the signals, for the auditor to edit."""
    parts = []
    if row["gap_rate"] is not None and row["answered_items"]:
        parts.append(f"{sheet_year_label}の自己点検で、該当する項目のうち「課題あり」又は「実施していない」と回答した"
                     f"項目が{row['gap_items']}項目あり、重要度で加重した割合が{row['gap_rate']:g}％であった")
    if row["overdue_sheets"]:
        parts.append(f"提出期限を過ぎても提出されていない点検票が{row['overdue_sheets']}件ある")
    if row["returned_sheets"]:
        parts.append(f"差戻し中の点検票が{row['returned_sheets']}件ある")
    if row["years_since_audit"] is None:
        parts.append("これまで監査を実施していない")
    elif row["years_since_audit"] >= 2:
        parts.append(f"前回の監査から{row['years_since_audit']}年が経過している")
    if row["open_findings"]:
        parts.append(f"過去の監査の指摘事項のうち改善が完了していないものが{row['open_findings']}件ある")
    if row["incidents"]:
        reported = (f"（うち個人情報保護委員会に報告したもの{row['reported_incidents']}件）"
                    if row["reported_incidents"] else "")
        parts.append(f"直近{INCIDENT_YEARS}年度に漏えい等事案が{row['incidents']}件{reported}生じている")
    if not parts:
        return "中期監査計画に基づき、順次監査を実施するため。"
    return "、".join(parts) + "ことから、取扱状況を実地に確認する必要があるため。"
