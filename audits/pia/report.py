"""The report per 評価書 for a 年度: each 評価書's pia sheet counted in the PPC's categories, with its gaps.

Counted as the aggregated report counts (summary/scoring.py): a sheet's cells are counted once it is 提出済 or
承認済; a sheet still being answered is listed with its status and no counts. The category of a cell is
`scoring.sql_category`, shown with the PPC's word through `values.ppc_label` (the one mapping).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..db import in_clause
from ..summary import scoring
from ..sheets import review
from ..sheets.workflow import STATUS_LABELS
from ..summary.scoring import COUNTED_STATUSES
from . import values

# The columns of the table, in the PPC's order, then 未回答 apart.
COLUMNS: tuple[str, ...] = (*values.PPC_CATEGORIES, scoring.UNANSWERED)


@dataclass(frozen=True)
class Gap(review.Gap):
    """An answer with a gap, as the 課長's review shows it, labelled in the PPC's category."""

    @property
    def label(self) -> str:
        return values.ppc_label(self.category)


@dataclass
class AssessmentResult:
    department_id: int
    department_name: str
    bureau_name: str
    assessment_id: int | None
    name: str | None
    kind: str | None
    active: bool
    published_on: str | None
    sheet_id: int | None = None
    status: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def title(self) -> str:
        return values.assessment_title(self.name, self.kind)

    @property
    def counted(self) -> bool:
        return self.status in COUNTED_STATUSES

    @property
    def state(self) -> str:
        if self.sheet_id is None:
            return "点検票なし"
        return STATUS_LABELS[self.status]

    def count(self, category: str) -> int:
        return self.counts.get(category, 0)


def _sheets(db: Database, year: int, department_ids) -> list[dict]:
    """The pia sheets of the 年度, with their 評価書 (NULL for a 課 that had none registered)."""
    where, params = ("1 = 1", [])
    if department_ids is not None:
        where, params = in_clause("h.department_id", sorted(department_ids) or [-1])
    return list(db.query(
        f"""SELECT h.id AS sheet_id, h.status, h.department_id, d.name AS department_name, b.name AS bureau_name,
                   h.assessment_id, pa.name, pa.kind, coalesce(pa.active, 1) AS active, pa.published_on
            FROM sheets h JOIN schedules s ON s.id = h.schedule_id
            JOIN checklist_versions v ON v.id = h.version_id
            JOIN departments d ON d.id = h.department_id JOIN bureaus b ON b.id = d.bureau_id
            LEFT JOIN pia_assessments pa ON pa.id = h.assessment_id
            WHERE s.fiscal_year = ? AND s.status != 'draft' AND h.removed_at IS NULL AND v.checklist_id = ?
              AND {where}
            ORDER BY b.sort_order, d.sort_order, h.assessment_id IS NULL, pa.name, h.id""",
        [year, values.PIA_CHECKLIST_ID, *params]))


def _without_sheet(db: Database, year: int, department_ids, seen: set[int]) -> list[dict]:
    """Active 評価書 that have no pia sheet in the 年度 (registered after the 点検, or their 課 not targeted)."""
    where, params = ("1 = 1", [])
    if department_ids is not None:
        where, params = in_clause("a.department_id", sorted(department_ids) or [-1])
    rows = db.query(
        f"""SELECT a.id AS assessment_id, a.department_id, d.name AS department_name, b.name AS bureau_name,
                   a.name, a.kind, a.active, a.published_on
            FROM pia_assessments a JOIN departments d ON d.id = a.department_id JOIN bureaus b ON b.id = d.bureau_id
            WHERE a.active = 1 AND {where} ORDER BY b.sort_order, d.sort_order, a.name""", params)
    return [r for r in rows if r["assessment_id"] not in seen]


def _counts(db: Database, sheet_ids: list[int]) -> dict[int, dict[str, int]]:
    if not sheet_ids:
        return {}
    where, params = in_clause("h.id", sheet_ids)
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for sheet_id, category, n in db.execute(
            f"""SELECT h.id, {scoring.sql_category('a')} AS category, count(*)
                FROM sheets h JOIN checklist_items i ON i.version_id = h.version_id
                LEFT JOIN answers a ON a.sheet_id = h.id AND a.item_pk = i.id
                WHERE {where} GROUP BY h.id, category""", params).fetchall():
        found[sheet_id][category] = n
    return found


def _gaps(db: Database, sheet_ids: list[int]) -> dict[int, list[Gap]]:
    if not sheet_ids:
        return {}
    where, params = in_clause("a.sheet_id", sheet_ids)
    found: dict[int, list[Gap]] = defaultdict(list)
    for row in db.query(
            f"""SELECT a.sheet_id, i.item_id, i.question, i.severity, a.category, a.plan_action, a.plan_due,
                       a.plan_owner
                FROM answers a JOIN checklist_items i ON i.id = a.item_pk
                WHERE {where} AND a.auto_na = 0 AND a.category IN {scoring.sql_in(values.GAP_CATEGORIES)}
                ORDER BY a.sheet_id, i.position, i.id""", params):
        found[row["sheet_id"]].append(Gap(row["item_id"], row["question"], row["severity"] or "", row["category"],
                                          row["plan_action"] or "", row["plan_due"] or "", row["plan_owner"] or ""))
    return found


def assessment_results(db: Database, year: int, *, department_ids=None) -> list[AssessmentResult]:
    """Every 評価書 of the 年度 (of the given 課, or all): its sheet's state, counts and gaps."""
    sheets = _sheets(db, year, department_ids)
    counted = [s["sheet_id"] for s in sheets if s["status"] in COUNTED_STATUSES]
    counts, gaps = _counts(db, counted), _gaps(db, counted)
    results = []
    for s in sheets:
        counted_here = s["status"] in COUNTED_STATUSES
        results.append(AssessmentResult(
            s["department_id"], s["department_name"], s["bureau_name"], s["assessment_id"], s["name"], s["kind"],
            bool(s["active"]), s["published_on"], s["sheet_id"], s["status"],
            counts.get(s["sheet_id"], {}) if counted_here else {}, gaps.get(s["sheet_id"], []) if counted_here else []))
    seen = {s["assessment_id"] for s in sheets if s["assessment_id"]}
    for a in _without_sheet(db, year, department_ids, seen):
        results.append(AssessmentResult(a["department_id"], a["department_name"], a["bureau_name"],
                                        a["assessment_id"], a["name"], a["kind"], bool(a["active"]),
                                        a["published_on"]))
    return results


def explanation() -> str:
    """How the table is counted, printed under it (page, Excel and PDF say the same)."""
    labels = "、".join(f"{scoring.CATEGORY_LABELS[c]}→{values.PPC_LABELS[c]}" for c in values.PPC_CATEGORIES)
    statuses = "・".join(STATUS_LABELS[s] for s in COUNTED_STATUSES)
    return (f"評価書ごとの点検票（特定個人情報保護評価書の記載事項の実施状況点検票）の項目を、個人情報保護委員会の"
            f"定期的な報告の区分で数えています（{labels}）。{scoring.CATEGORY_LABELS[scoring.UNANSWERED]}は委員会の区分に"
            f"当たらないため別に示します。集計するのは状態が{statuses}の点検票だけです。")


def no_gaps_text() -> str:
    return (f"集計した評価書に、{values.ppc_label(scoring.PARTIAL)}・{values.ppc_label(scoring.NOT_DONE)}と"
            "回答した項目はありません。")
