"""The aggregates of the report for one scope (年度, 部, tag or 課).

Completion figures come from SQL over the sheets. The results come from the cells of the counted
sheets (see scoring.py and cells.py), loaded once per scope from their stored codes (results.py)
and summed with numpy; `materialize()` keeps the loaded cells of a scope and of the previous 年度
for the dozen aggregates of one report. `raw_answers()` streams the answers for the Excel's last sheet.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

import numpy as np
from sqlite_utils import Database

from checklists.model import category_label, severity_label

from ..audit.values import REQUEST_IMPROVEMENT, RESULT_LABELS
from ..db import in_clause
from ..timeutil import now
from . import scoring
from .cells import Grid, YearCells, counts_of
from .scoring import Counts


@dataclass(frozen=True)
class Scope:
    """Which 課 a report covers: a 年度, optionally one 部, one profile tag, or given 課 only."""
    year: int
    bureau_id: int | None = None
    tag: str = ""
    department_ids: frozenset[int] | None = None
    today: str = field(default_factory=lambda: now().date().isoformat())

    def previous(self) -> "Scope":
        return Scope(self.year - 1, self.bureau_id, self.tag, self.department_ids, self.today)


# --------------------------------------------------------------------------- SQL fragments

def _scope_cte(scope: Scope, params: dict) -> str:
    where = ["1 = 1"]
    if scope.bureau_id:
        where.append("d.bureau_id = :bureau_id")
        params["bureau_id"] = scope.bureau_id
    if scope.tag:
        where.append("EXISTS (SELECT 1 FROM department_tags t WHERE t.department_id = d.id AND t.tag = :tag)")
        params["tag"] = scope.tag
    if scope.department_ids is not None:
        ids = sorted(int(i) for i in scope.department_ids) or [-1]
        where.append(f"d.id IN ({', '.join(str(i) for i in ids)})")
    return f"scope_departments AS (SELECT d.id FROM departments d WHERE {' AND '.join(where)})"


def _sheets_cte() -> str:
    """The 年度's sheets of the 課 in scope, with the effective due date (per-課 override first)."""
    return """year_sheets AS (
    SELECT sh.id AS sheet_id, sh.department_id, sh.version_id, sh.status,
           COALESCE(NULLIF(sd.due_date, ''), sc.due_date) AS due_date
    FROM sheets sh
    JOIN schedules sc ON sc.id = sh.schedule_id
    LEFT JOIN schedule_departments sd ON sd.schedule_id = sh.schedule_id AND sd.department_id = sh.department_id
    WHERE sc.fiscal_year = :year AND sh.removed_at IS NULL
      AND sh.department_id IN (SELECT id FROM scope_departments))"""


def _with(scope: Scope) -> tuple[str, dict]:
    """WITH scope_departments, year_sheets: the 課 in scope and their sheets of the 年度."""
    params: dict = {"year": scope.year, "today": scope.today}
    return f"WITH {_scope_cte(scope, params)},\n{_sheets_cte()}\n", params


class _Computed:
    """The cells of one scope and the sums made from them, each computed at most once."""

    def __init__(self, db: Database, scope: Scope):
        head, params = _with(scope)
        sheets = db.execute(head + f"""SELECT sheet_id, department_id, version_id FROM year_sheets
                                       WHERE status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}""",
                            params).fetchall()
        self.cells = YearCells.load(db, sheets)

    @cached_property
    def grid(self) -> Grid:
        return self.cells.grid()

    @cached_property
    def items(self) -> dict:
        return self.cells.items()


def _computed(db: Database, scope: Scope) -> _Computed:
    kept = getattr(db, "_summary_computed", None)
    if kept and scope in kept:
        return kept[scope]
    return _Computed(db, scope)


def materialize(db: Database, scope: Scope) -> None:
    """Load the cells of this scope and of the previous 年度 once for all the aggregates of a report."""
    db._summary_computed = {scope: _Computed(db, scope), scope.previous(): _Computed(db, scope.previous())}


def release(db: Database) -> None:
    """Forget what `materialize` loaded: later queries on this connection load the cells again."""
    db._summary_computed = None


def _overdue_sql(alias: str = "s") -> str:
    return (f"({alias}.status NOT IN {scoring.sql_in(scoring.SUBMITTED_STATUSES)} "
            f"AND {alias}.due_date IS NOT NULL AND {alias}.due_date < :today)")


def _completion_select(alias: str = "s") -> str:
    return f"""count(*) AS sheets,
       SUM({alias}.status IN {scoring.sql_in(scoring.SUBMITTED_STATUSES)}) AS submitted,
       SUM({alias}.status IN {scoring.sql_in(scoring.APPROVED_STATUSES)}) AS approved,
       SUM({_overdue_sql(alias)}) AS overdue"""


# --------------------------------------------------------------------------- the 年度 and the filters

def available_years(db: Database) -> list[int]:
    return [row[0] for row in db.execute(
        "SELECT DISTINCT fiscal_year FROM schedules ORDER BY fiscal_year DESC").fetchall()]


def report_years(db: Database) -> list[int]:
    """The 年度 the organisation-wide report can show: those of the schedules and of the incident register
    (by 覚知日), newest first."""
    from ..wareki import fiscal_year_of

    years = set(available_years(db)) | {fiscal_year_of(f"{row[0]}-01") for row in db.execute(
        "SELECT DISTINCT substr(discovered_at, 1, 7) FROM incidents").fetchall()}
    return sorted(years, reverse=True)


def default_year(db: Database) -> int:
    """The latest 年度 that has sheets, else the current 年度 (April–March)."""
    row = db.execute(
        """SELECT max(sc.fiscal_year) FROM schedules sc
           WHERE EXISTS (SELECT 1 FROM sheets sh WHERE sh.schedule_id = sc.id AND sh.removed_at IS NULL)"""
    ).fetchone()
    if row and row[0]:
        return int(row[0])
    today = now().date()
    return today.year if today.month >= 4 else today.year - 1


def bureau_name(db: Database, bureau_id: int | None) -> str | None:
    if not bureau_id:
        return None
    row = db.execute("SELECT name FROM bureaus WHERE id = ?", [bureau_id]).fetchone()
    return row[0] if row else None


# --------------------------------------------------------------------------- completion

@dataclass
class Completion:
    departments: int = 0
    sheets: int = 0
    submitted: int = 0
    approved: int = 0
    overdue: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def not_submitted(self) -> int:
        return self.sheets - self.submitted

    @property
    def submitted_rate(self) -> float | None:
        return scoring.rate(self.submitted, self.sheets)


def completion(db: Database, scope: Scope) -> Completion:
    head, params = _with(scope)
    row = db.execute(head + f"""
        SELECT count(DISTINCT s.department_id), {_completion_select('s')} FROM year_sheets s""", params).fetchone()
    result = Completion(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), int(row[4] or 0))
    result.by_status = {status: count for status, count in db.execute(
        head + "SELECT status, count(*) FROM year_sheets GROUP BY status", params).fetchall()}
    return result


# --------------------------------------------------------------------------- results

def overall(db: Database, scope: Scope) -> Counts:
    return _computed(db, scope).grid.overall()


@dataclass
class ChecklistInfo:
    checklist_id: str
    title: str


@dataclass
class SectionRow:
    checklist_id: str
    checklist_title: str
    section_id: str
    section_title: str
    counts: Counts

    @property
    def label(self) -> str:
        return f"{self.section_id} {self.section_title}"


def section_distribution(db: Database, scope: Scope) -> list[SectionRow]:
    """Answer categories per section (checklist + section), over every 課 in scope."""
    grid = _computed(db, scope).grid
    return [SectionRow(checklist_id, grid.titles[(checklist_id, section_id)][0], section_id,
                       grid.titles[(checklist_id, section_id)][1], counts)
            for (checklist_id, section_id), counts in grid.by_section()]


def checklists_of(sections: list[SectionRow]) -> list[ChecklistInfo]:
    seen: dict[str, ChecklistInfo] = {}
    for s in sections:
        seen.setdefault(s.checklist_id, ChecklistInfo(s.checklist_id, s.checklist_title))
    return list(seen.values())


@dataclass
class DepartmentRow:
    id: int
    code: str
    name: str
    bureau_name: str
    sheets: int = 0
    submitted: int = 0
    approved: int = 0
    overdue: int = 0
    counts: Counts = field(default_factory=Counts)

    @property
    def rate(self) -> float | None:
        return self.counts.rate

    @property
    def score(self) -> float | None:
        return self.counts.score

    @property
    def completion_label(self) -> str:
        return f"{self.submitted}/{self.sheets}"

    @property
    def nothing_submitted(self) -> bool:
        """No sheet of the 年度 submitted: the 課 has no result, and is shown as 未提出 rather than 「—」."""
        return self.submitted == 0

    def result_text(self, value: float | None, fmt=None) -> str:
        """A rate or score cell of the 課 tables: 未提出 for a 課 that submitted nothing."""
        if self.nothing_submitted:
            return NOT_SUBMITTED
        return (fmt or scoring.percent)(value)


NOT_SUBMITTED = "未提出"
# The orderings that put the weakest 課 first; a 課 that submitted nothing is the weakest of all.
WEAKEST_FIRST = ("score", "rate", "gaps")
SORT_KEYS = {key: label + ("（未提出の課が先頭）" if key in WEAKEST_FIRST else "") for key, label in {
    "score": "評点の低い順", "rate": "実施率の低い順", "gaps": "課題の多い順", "overdue": "期限超過の多い順",
    "code": "課コード順"}.items()}


def sort_departments(rows: list["DepartmentRow"], key: str = "score") -> list["DepartmentRow"]:
    """Weakest first by default. A 課 that submitted nothing comes first (overdue ones first among them) in every
    weakest-first order; then the 課 with results, weakest first."""
    inf = float("inf")
    if key == "overdue":
        return sorted(rows, key=lambda r: (-r.overdue, -(r.sheets - r.submitted), r.code))
    if key == "code":
        return sorted(rows, key=lambda r: r.code)

    def unsubmitted_first(r: DepartmentRow) -> tuple:
        return (not r.nothing_submitted, -r.overdue if r.nothing_submitted else 0)

    if key == "rate":
        return sorted(rows, key=lambda r: (*unsubmitted_first(r), r.rate is None,
                                           r.rate if r.rate is not None else inf, r.code))
    if key == "gaps":
        return sorted(rows, key=lambda r: (*unsubmitted_first(r), -r.counts.gaps, r.code))
    return sorted(rows, key=lambda r: (*unsubmitted_first(r), r.score is None,
                                       r.score if r.score is not None else inf,
                                       r.rate if r.rate is not None else inf, r.code))


def department_rows(db: Database, scope: Scope, sort: str = "score") -> list[DepartmentRow]:
    """Completion and results per 課 of the 年度 (課 with at least one sheet)."""
    head, params = _with(scope)
    completion_rows = db.query(head + f"""
        SELECT d.id, d.code, d.name, b.name AS bureau_name, {_completion_select('s')}
        FROM year_sheets s JOIN departments d ON d.id = s.department_id JOIN bureaus b ON b.id = d.bureau_id
        GROUP BY d.id""", params)
    rows = {r["id"]: DepartmentRow(r["id"], r["code"], r["name"], r["bureau_name"], int(r["sheets"]),
                                   int(r["submitted"] or 0), int(r["approved"] or 0), int(r["overdue"] or 0))
            for r in completion_rows}
    for department_id, counts in _computed(db, scope).grid.by_department().items():
        if department_id in rows:
            rows[department_id].counts = counts
    return sort_departments(list(rows.values()), sort)


@dataclass
class Heatmap:
    """実施率 per 課 × section; `rates[(department_id, checklist_id, section_id)]`."""
    sections: list[SectionRow]
    departments: list[DepartmentRow]
    cells: dict[tuple[int, str, str], Counts]
    # checklist id -> the 課 with a sheet of it in the 年度 none of which is submitted (shown as 未提出, first)
    pending: dict[str, set[int]] = field(default_factory=dict)

    def rate(self, department_id: int, checklist_id: str, section_id: str) -> float | None:
        counts = self.cells.get((department_id, checklist_id, section_id))
        return counts.rate if counts else None

    def is_pending(self, department_id: int, checklist_id: str) -> bool:
        return department_id in self.pending.get(checklist_id, ())

    def for_checklist(self, checklist_id: str, limit: int | None = None) -> tuple[list[SectionRow], list[DepartmentRow]]:
        """Sections of one checklist and the 課 that answered it, weakest (lowest 実施率) first, after the 課 that
        have not submitted it (overdue ones first)."""
        sections = [s for s in self.sections if s.checklist_id == checklist_id]
        totals: dict[int, list[int]] = {}
        for (dept, cl, _section), counts in self.cells.items():
            if cl == checklist_id:
                t = totals.setdefault(dept, [0, 0])
                t[0] += counts.done
                t[1] += counts.applicable
        # A 課 to which no item of the checklist applies (all 該当しない) has nothing to show.
        departments = [d for d in self.departments if d.id in totals and totals[d.id][1]]
        departments.sort(key=lambda d: (scoring.rate(*totals[d.id]) is None,
                                        scoring.rate(*totals[d.id]) or 0.0, d.code))
        pending = sorted((d for d in self.departments if self.is_pending(d.id, checklist_id)),
                         key=lambda d: (-d.overdue, d.code))
        departments = pending + departments
        return sections, (departments[:limit] if limit else departments)


def _pending_checklists(db: Database, scope: Scope) -> dict[str, set[int]]:
    """Per checklist, the 課 that have a sheet of it in the 年度 and have submitted none of them."""
    head, params = _with(scope)
    pending: dict[str, set[int]] = {}
    for checklist_id, department_id in db.execute(head + f"""
            SELECT v.checklist_id, s.department_id FROM year_sheets s JOIN checklist_versions v ON v.id = s.version_id
            GROUP BY v.checklist_id, s.department_id
            HAVING SUM(s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}) = 0""", params).fetchall():
        pending.setdefault(checklist_id, set()).add(department_id)
    return pending


def heatmap(db: Database, scope: Scope, sections: list[SectionRow] | None = None,
            departments: list[DepartmentRow] | None = None) -> Heatmap:
    cells = _computed(db, scope).grid.cells()
    return Heatmap(sections if sections is not None else section_distribution(db, scope),
                   departments if departments is not None else department_rows(db, scope), cells,
                   _pending_checklists(db, scope))


@dataclass
class ItemRow:
    checklist_id: str
    item_id: str
    question: str
    section_id: str
    section_title: str
    severity: str
    sources: list[str]
    counts: Counts
    rank: int = 0                 # the rank by weighted gap among every item with a gap

    @property
    def gap_rate(self) -> float | None:
        return scoring.rate(self.counts.gaps, self.counts.applicable)

    @property
    def weighted_gap(self) -> float:
        return scoring.weighted_gap(self.severity, self.counts)


def weakest_items(db: Database, scope: Scope, limit: int = 20) -> list[ItemRow]:
    """Items ranked by weighted gap (scoring.weighted_gap: severity × the 課 answering 未実施 / 課題あり), the first
    `limit`, plus any item scoring.always_listed() keeps (high severity, most of its 課 with a gap), in rank order,
    with their source clauses."""
    totals = [(key, counts_of(values), item_pk) for key, (values, item_pk) in _computed(db, scope).items.items()]
    totals = [t for t in totals if t[1].gaps > 0]
    if not totals:
        return []
    where, params = in_clause("id", [item_pk for _, _, item_pk in totals])
    details = {r["id"]: r for r in db.query(
        f"SELECT id, question, section_id, section_title, severity, sources FROM checklist_items WHERE {where}",
        params)}
    rows = []
    for (checklist_id, item_id), counts, item_pk in totals:
        r = details[item_pk]
        rows.append(ItemRow(checklist_id, item_id, r["question"], r["section_id"], r["section_title"] or "",
                            r["severity"], json.loads(r["sources"] or "[]"), counts))
    rows.sort(key=lambda i: (-i.weighted_gap, -(i.gap_rate or 0.0), -i.counts.not_done, i.checklist_id, i.item_id))
    for n, row in enumerate(rows, 1):
        row.rank = n
    return [row for row in rows if row.rank <= limit or scoring.always_listed(row.severity, row.counts)]


# --------------------------------------------------------------------------- measurement items

@dataclass
class MeasurementRow:
    """A measurement item (FORMAT.md): its figures added up over the counted sheets, never judged."""
    checklist_id: str
    item_id: str
    question: str
    unit: str
    total: float                 # sum of the figures the 課 reported
    with_any: int                # 課 that reported one or more
    reported: int                # 課 that reported a figure (0 included)
    unknown: int                 # 課 that answered 把握していない (or another 未実施 option)

    @property
    def total_text(self) -> str:
        number = int(self.total) if float(self.total).is_integer() else round(self.total, 1)
        return f"{number}{self.unit}"


def measurements(db: Database, scope: Scope) -> list[MeasurementRow]:
    """Per measurement item of the 年度's counted sheets in scope: total, 課 with one or more, 課 that do not know."""
    from ..catalogue.service import vocabulary

    scales = vocabulary().scales
    head, params = _with(scope)
    rows = db.execute(head + f"""
        SELECT v.checklist_id, i.item_id, min(i.question), min(i.scale), min(i.unit),
               sum(CASE WHEN a.category = '{scoring.DONE}' THEN CAST(a.value AS REAL) ELSE 0 END),
               count(DISTINCT CASE WHEN a.category = '{scoring.DONE}' AND CAST(a.value AS REAL) > 0 THEN s.department_id END),
               count(DISTINCT CASE WHEN a.category = '{scoring.DONE}' THEN s.department_id END),
               count(DISTINCT CASE WHEN a.category = '{scoring.NOT_DONE}' THEN s.department_id END),
               min(i.position)
        FROM year_sheets s
        JOIN checklist_versions v ON v.id = s.version_id
        JOIN answers a ON a.sheet_id = s.sheet_id AND a.auto_na = 0
        JOIN checklist_items i ON i.id = a.item_pk AND i.measurement = 1
        WHERE s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}
        GROUP BY v.checklist_id, i.item_id
        ORDER BY v.checklist_id, min(i.position)""", params).fetchall()
    out = []
    for checklist_id, item_id, question, scale_id, unit, total, with_any, reported, unknown, _ in rows:
        scale = scales.get(scale_id)
        out.append(MeasurementRow(checklist_id, item_id, question, unit or (scale.unit if scale else "") or "",
                                  total or 0, with_any, reported, unknown))
    return out


# --------------------------------------------------------------------------- year over year

@dataclass
class YearOverYear:
    previous_year: int
    previous_overall: Counts           # all of last year's cells (not only the common ones)
    common: "PairCounts"               # the like-for-like comparison
    departments: list["DepartmentChange"]
    items: list["ItemChange"]

    @property
    def has_previous(self) -> bool:
        return self.previous_overall.total > 0


@dataclass
class PairCounts:
    pairs: int = 0
    done_now: int = 0
    done_before: int = 0

    @property
    def rate_now(self) -> float | None:
        return scoring.rate(self.done_now, self.pairs)

    @property
    def rate_before(self) -> float | None:
        return scoring.rate(self.done_before, self.pairs)

    @property
    def change(self) -> float | None:
        return scoring.change(self.rate_now, self.rate_before)


@dataclass
class DepartmentChange(PairCounts):
    id: int = 0
    code: str = ""
    name: str = ""
    bureau_name: str = ""


@dataclass
class ItemChange(PairCounts):
    checklist_id: str = ""
    item_id: str = ""
    question: str = ""
    improved: int = 0      # 課 whose answer moved to 実施
    worsened: int = 0      # 課 whose answer moved away from 実施


def year_over_year(db: Database, scope: Scope, item_limit: int = 20) -> YearOverYear:
    """Like-for-like change: the (課コード, item) answered in both 年度, summed overall, per 課 and per item."""
    now, before = _computed(db, scope), _computed(db, scope.previous())
    previous = before.grid.overall()
    department_ids = now.cells.department_ids() | before.cells.department_ids()
    if now.cells.empty or before.cells.empty:
        return YearOverYear(scope.year - 1, previous, PairCounts(), [], [])
    where, params = in_clause("id", department_ids)
    codes = dict(db.execute(f"SELECT id, code FROM departments WHERE {where}", params).fetchall())
    code_index = {code: i for i, code in enumerate(sorted(set(codes.values())))}
    item_keys = sorted(now.cells.item_keys() | before.cells.item_keys())
    item_index = {key: i for i, key in enumerate(item_keys)}
    state_now = now.cells.states(codes, code_index, item_index)
    state_before = before.cells.states(codes, code_index, item_index)
    pair = (state_now >= 0) & (state_before >= 0)
    done_now, done_before = pair & (state_now == 1), pair & (state_before == 1)
    common = PairCounts(int(pair.sum()), int(done_now.sum()), int(done_before.sum()))

    per_code = np.stack([pair.sum(axis=1), done_now.sum(axis=1), done_before.sum(axis=1)], axis=1)
    ids_by_code = {codes[d]: d for d in now.cells.department_ids()}
    changed_departments = {ids_by_code[code]: per_code[i] for code, i in code_index.items()
                           if per_code[i][0] and code in ids_by_code}
    departments = []
    if changed_departments:
        where, params = in_clause("d.id", changed_departments)
        for r in db.query(f"""SELECT d.id, d.code, d.name, b.name AS bureau_name FROM departments d
                              JOIN bureaus b ON b.id = d.bureau_id WHERE {where}""", params):
            pairs, done, done_then = (int(v) for v in changed_departments[r["id"]])
            departments.append(DepartmentChange(pairs, done, done_then, id=r["id"], code=r["code"], name=r["name"],
                                                bureau_name=r["bureau_name"]))
    departments.sort(key=lambda d: (d.change, d.done_now - d.done_before, d.code))   # largest fall first

    per_item = np.stack([pair.sum(axis=0), done_now.sum(axis=0), done_before.sum(axis=0),
                         (done_now & ~done_before).sum(axis=0), (done_before & ~done_now).sum(axis=0)], axis=1)
    changed = [ItemChange(int(p), int(n), int(b), checklist_id=key[0], item_id=key[1], improved=int(up),
                          worsened=int(down))
               for key, (p, n, b, up, down) in zip(item_keys, per_item) if p and n != b]
    # Largest fall first, in the points the table prints (then the larger number of 課 that fell).
    changed.sort(key=lambda i: (i.change, i.done_now - i.done_before, i.checklist_id, i.item_id))
    items = changed[:item_limit]
    if items:
        item_pks = now.cells.highest_item_pks()
        where, params = in_clause("id", [item_pks[(i.checklist_id, i.item_id)] for i in items])
        questions = dict(db.execute(f"SELECT id, question FROM checklist_items WHERE {where}", params).fetchall())
        for item in items:
            item.question = questions.get(item_pks[(item.checklist_id, item.item_id)], "")
    return YearOverYear(scope.year - 1, previous, common, departments, items)


def section_rates_previous(db: Database, scope: Scope) -> dict[tuple[str, str], Counts]:
    """Last year's counts per (checklist, section id), for the chart comparing the two 年度."""
    return {(s.checklist_id, s.section_id): s.counts for s in section_distribution(db, scope.previous())}


# --------------------------------------------------------------------------- raw answers (Excel)

RAW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("bureau_name", "部"), ("department_code", "課コード"), ("department_name", "課名"),
    ("sheet_status", "点検票の状態"), ("checklist_id", "チェックリストID"), ("checklist_title", "チェックリスト"),
    ("assessment", "評価書"), ("version", "版"), ("section_id", "区分ID"), ("section_title", "区分"),
    ("item_id", "項目ID"), ("question", "質問"), ("severity", "重要度"), ("value_label", "回答"), ("category", "回答の区分"),
    ("detail", "具体的な実施内容"), ("na_reason", "該当しない理由"), ("plan_action", "改善予定（内容）"),
    ("plan_due", "改善予定（期限）"), ("plan_owner", "改善予定（担当）"), ("updated_at", "更新日時"),
)


def raw_answers(db: Database, scope: Scope) -> Iterator[dict]:
    """Every answer row of the 年度's sheets in scope (streamed), with the answer's label and, for a pia sheet, its
    評価書."""
    from ..catalogue.service import vocabulary
    from ..pia.values import sheet_assessment_title

    scales = vocabulary().scales
    head, params = _with(scope)
    cursor = db.execute(head + f"""
        SELECT b.name AS bureau_name, d.code AS department_code, d.name AS department_name, s.status AS sheet_status,
               v.checklist_id, v.title AS checklist_title, v.version, i.section_id, i.section_title, i.item_id,
               i.question, i.severity, i.scale, i.unit, a.value, {scoring.sql_category('a')} AS category, a.detail,
               a.na_reason, a.plan_action, a.plan_due, a.plan_owner, a.updated_at,
               pa.name AS assessment_name, pa.kind AS assessment_kind
        FROM year_sheets s
        JOIN departments d ON d.id = s.department_id JOIN bureaus b ON b.id = d.bureau_id
        JOIN checklist_versions v ON v.id = s.version_id
        JOIN answers a ON a.sheet_id = s.sheet_id
        JOIN checklist_items i ON i.id = a.item_pk
        JOIN sheets sh ON sh.id = s.sheet_id LEFT JOIN pia_assessments pa ON pa.id = sh.assessment_id
        ORDER BY b.sort_order, b.code, d.sort_order, d.code, v.checklist_id, s.sheet_id, i.position""", params)
    names = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        row["sheet_status"] = scoring.STATUS_LABELS.get(row["sheet_status"], row["sheet_status"])
        row["assessment"] = sheet_assessment_title(row)      # empty for the checklists answered once per 課
        row["value_label"] = _value_label(scales, row)
        row["severity"] = severity_label(row["severity"])
        row["category"] = category_label(row["category"])
        yield row


def _value_label(scales, row: dict) -> str:
    value = row.get("value")
    if value in (None, ""):
        return ""
    scale = scales.get(row.get("scale"))
    option = scale.option(value) if scale is not None else None      # also 「実施していない」 on a date scale
    if option is not None:
        return option.label
    if scale is not None and getattr(scale, "kind", "") == "choice":
        return str(value)
    unit = row.get("unit") or (getattr(scale, "unit", None) if scale is not None else None) or ""
    return f"{value}{unit}" if getattr(scale, "kind", "") == "number" else str(value)


# --------------------------------------------------------------------------- audits, findings, corrective actions

AUDIT_RESULTS = tuple(RESULT_LABELS.values())   # the 確認結果 as headed in pages and files, in the scale's order


@dataclass
class AuditRow:
    """One audited 課 of an audit: an audit of several 課 gives one row per 課 (its own checks and findings)."""
    id: int
    department_code: str
    department_name: str
    bureau_name: str
    theme: str
    started_at: str | None
    status: str
    conclusion: str
    results: dict[str, int]
    findings: int
    open_findings: int

    @property
    def conclusion_head(self) -> str:
        """The first sentence of the conclusion (「概ね適正であると判断する。」)."""
        text = (self.conclusion or "").strip()
        end = text.find("。")
        return text[:end + 1] if end >= 0 else text

    @property
    def is_draft(self) -> bool:
        """The report is not issued yet: its conclusion is a draft."""
        from ..audit.values import ISSUED

        return self.status != ISSUED

    @property
    def conclusion_quote(self) -> str:
        """The conclusion as every part of the summary quotes it: marked 【案】 while the report is a draft."""
        head = self.conclusion_head
        if not head:
            return "（未記載）"
        return f"{DRAFT_MARK}{head}" if self.is_draft else head


DRAFT_MARK = "【案】"


def _audit_visibility(department_view: bool) -> str:
    # A 課 sees its audit once the draft was sent for 事実確認 (audits/audit/permissions.py).
    return " AND a.fact_check_sent_at IS NOT NULL" if department_view else ""


def audits_of_year(db: Database, scope: Scope, *, department_view: bool = False) -> list[AuditRow]:
    params: dict = {"year": scope.year}
    head = "WITH " + _scope_cte(scope, params) + "\n"
    results = ", ".join(f"SUM(c.result = '{r}') AS r{i}" for i, r in enumerate(RESULT_LABELS))
    rows = db.query(head + f"""
        , checks AS (SELECT c.audit_id, c.department_id, {results} FROM audit_checks c
                     GROUP BY c.audit_id, c.department_id),
        findings AS (SELECT f.audit_id, f.department_id, SUM(f.status <> 'withdrawn') AS findings,
                            SUM(f.status = 'open' AND f.request_kind = '{REQUEST_IMPROVEMENT}') AS open_findings
                     FROM audit_findings f GROUP BY f.audit_id, f.department_id)
        SELECT a.id, d.code, d.name, b.name AS bureau_name, a.theme,
               COALESCE(ad.started_at, a.started_at) AS started_at, a.status, a.conclusion, ch.*, f.findings,
               f.open_findings
        FROM audits a JOIN audit_departments ad ON ad.audit_id = a.id
        JOIN departments d ON d.id = ad.department_id JOIN bureaus b ON b.id = d.bureau_id
        LEFT JOIN checks ch ON ch.audit_id = a.id AND ch.department_id = ad.department_id
        LEFT JOIN findings f ON f.audit_id = a.id AND f.department_id = ad.department_id
        WHERE a.fiscal_year = :year AND ad.department_id IN (SELECT id FROM scope_departments)
              {_audit_visibility(department_view)}
        ORDER BY COALESCE(ad.started_at, a.started_at) IS NULL, COALESCE(ad.started_at, a.started_at), d.code""",
        params)
    return [AuditRow(r["id"], r["code"], r["name"], r["bureau_name"], r["theme"] or "", r["started_at"], r["status"],
                     r["conclusion"] or "", {res: int(r[f"r{i}"] or 0) for i, res in enumerate(AUDIT_RESULTS)},
                     int(r["findings"] or 0), int(r["open_findings"] or 0)) for r in rows]


@dataclass
class ActionRow:
    id: int
    department_code: str
    department_name: str
    audit_year: int
    finding_title: str
    severity: str
    due_date: str
    status: str
    closed_at: str | None
    overdue: bool
    bureau_name: str = ""        # the 部: five 健康づくり課 are told apart


@dataclass
class ActionSummary:
    findings_this_year: int = 0
    open: int = 0
    overdue: int = 0
    closed_this_year: int = 0
    rows: list[ActionRow] = field(default_factory=list)   # open ones (any year) and those closed this 年度


def corrective_actions(db: Database, scope: Scope, *, department_view: bool = False) -> ActionSummary:
    """Corrective actions of the 課 in scope, from audits of this 年度 or earlier: open (until closed, whatever
    the 年度 of the audit), of which overdue, and closed during this 年度; a finding's once it was issued."""
    from ..audit.findings import ISSUED_ACTION_SQL

    params: dict = {"year": scope.year, "today": scope.today, "fy_start": f"{scope.year}-04-01",
                    "fy_end": f"{scope.year + 1}-04-01"}
    head = "WITH " + _scope_cte(scope, params) + "\n"
    visible = _audit_visibility(department_view)
    result = ActionSummary()
    result.findings_this_year = db.execute(head + f"""
        SELECT count(*) FROM audit_findings f JOIN audits a ON a.id = f.audit_id
        WHERE a.fiscal_year = :year AND f.status <> 'withdrawn'
          AND f.department_id IN (SELECT id FROM scope_departments){visible}""", params).fetchone()[0]
    rows = db.query(head + f"""
        SELECT ca.id, d.code, d.name, b.name AS bureau_name, a.fiscal_year, f.title, f.severity, ca.due_date, ca.status, ca.closed_at,
               (ca.status <> 'closed' AND ca.due_date < :today) AS overdue
        FROM corrective_actions ca
        JOIN audit_findings f ON f.id = ca.finding_id JOIN audits a ON a.id = f.audit_id
        JOIN departments d ON d.id = ca.department_id JOIN bureaus b ON b.id = d.bureau_id
        WHERE f.status <> 'withdrawn' AND a.fiscal_year <= :year AND {ISSUED_ACTION_SQL}
          AND ca.department_id IN (SELECT id FROM scope_departments){visible}
          AND (ca.status <> 'closed' OR (ca.closed_at >= :fy_start AND ca.closed_at < :fy_end))
        ORDER BY ca.status = 'closed', overdue DESC, ca.due_date, d.code""", params)
    for r in rows:
        row = ActionRow(r["id"], r["code"], r["name"], r["fiscal_year"], r["title"], r["severity"], r["due_date"],
                        r["status"], r["closed_at"], bool(r["overdue"]), r["bureau_name"])
        result.rows.append(row)
        if row.status == "closed":
            result.closed_this_year += 1
        else:
            result.open += 1
            result.overdue += int(row.overdue)
    return result
