"""漏えい等事案 of the 年度 for the aggregated report: by kind, by 課 (with 部), by 判定, the 速報・確報 on time or
late, and the incidents still open.

An incident belongs to the 年度 of its 覚知日 (April–March, wareki.fiscal_year_range) and to the scope when one of
its 課 is in scope; a joint incident counts once in the totals and once for each of its 課 in scope. The states of
the reports come from incidents/deadlines.py (the one definition of overdue), with the 判定 the deadlines use
(confirmed, else the app's proposal).

Where the count comes from: when the register holds any incident of the 年度 (whatever the scope), the register
is the source; otherwise the report falls back on the number the 課 typed into the measurement item M-06-03.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from ..incidents import deadlines as dl
from ..incidents import judgement, ppc_report
from ..incidents.service import LIST_COLUMNS
from ..incidents.values import KINDS
from ..wareki import Digits, fiscal_year_range, nendo, zenkaku
from .queries import MeasurementRow, Scope, _scope_cte

MEASUREMENT_ITEM = "M-06-03"   # checklists/mynumber.yaml: 特定個人情報の漏えい等事案の件数 (typed by each 課)

REQUIRED, NOT_REQUIRED, UNCONFIRMED = "required", "not_required", "unconfirmed"
JUDGEMENT_LABELS = {REQUIRED: "報告を要する", NOT_REQUIRED: "報告を要しない", UNCONFIRMED: "未確定"}
STAGES = tuple(ppc_report.STAGES.items())    # (deadline key, label): 速報, 確報
TIMELINESS_LABELS = {"on_time": "期限内に報告", "late": "遅れて報告", "overdue": "期限超過（未報告）",
                     "pending": "期限前（未報告）"}


def judgement_key(incident) -> str:
    """報告を要する / 要しない as the privacy office confirmed it; 未確定 until it does."""
    if not judgement.is_confirmed(incident):
        return UNCONFIRMED
    return REQUIRED if judgement.report_required(judgement.confirmed_clauses(incident)) else NOT_REQUIRED


@dataclass
class Timeliness:
    """One report (速報 or 確報) over the 年度's incidents that must be reported."""
    label: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    def add(self, deadline: dl.Deadline, today: date) -> None:
        state = deadline.state(today)
        if state == dl.ON_TIME:
            self.on_time += 1
        elif state == dl.OVERDUE:
            if deadline.done is None:
                self.overdue += 1
            else:
                self.late += 1
        else:
            self.pending += 1

    def counts(self) -> list[tuple[str, int]]:
        """(label, count) in the order of TIMELINESS_LABELS."""
        return [(TIMELINESS_LABELS[key], getattr(self, key)) for key in TIMELINESS_LABELS]


@dataclass
class DepartmentCount:
    bureau_name: str
    code: str
    name: str
    count: int


@dataclass
class IncidentRow:
    id: int
    title: str
    discovered_on: str
    kind: str
    departments: str
    judgement: str
    persons: str
    preliminary: str
    final: str
    closed: bool
    prevention: bool


@dataclass
class IncidentSummary:
    year: int
    register_in_use: bool                 # the register holds incidents of the 年度 (the count's source)
    total: int = 0
    mynumber: int = 0                     # of which with 特定個人情報 (what M-06-03 asks about)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_department: list[DepartmentCount] = field(default_factory=list)
    by_judgement: dict[str, int] = field(default_factory=dict)
    reports: list[Timeliness] = field(default_factory=list)
    open: int = 0                         # not yet closed by the privacy office
    without_prevention: int = 0           # 再発防止策 not yet written
    rows: list[IncidentRow] = field(default_factory=list)
    measured: MeasurementRow | None = None
    digits: Digits = zenkaku              # the 年度's digits in source_text (SummaryReport.digits)

    def kind_rows(self) -> list[tuple[str, int]]:
        return [(KINDS[key], n) for key, n in self.by_kind.items()]

    def judgement_rows(self) -> list[tuple[str, int]]:
        return [(JUDGEMENT_LABELS[key], n) for key, n in self.by_judgement.items()]

    @property
    def count(self) -> int | None:
        """The 年度's incident count: the register's, else M-06-03's typed total (None when neither has one)."""
        if self.register_in_use:
            return self.total
        return int(self.measured.total) if self.measured else None

    @property
    def source_text(self) -> str:
        year = nendo(self.year, digits=self.digits)
        measured = (f"点検票の{MEASUREMENT_ITEM}（特定個人情報の事案の件数。各課が入力した値）の合計は"
                    f"{self.measured.total_text}" if self.measured else f"点検票の{MEASUREMENT_ITEM}の回答はない")
        if self.register_in_use:
            return (f"件数は漏えい等事案の登録簿から数えている（覚知日が{year}のもの）。{measured}で、"
                    f"登録簿で特定個人情報を含む事案は{self.mynumber}件である。")
        if self.measured:
            return (f"{year}の事案は登録簿にないため、件数は{measured}である（特定個人情報の事案のみ。"
                    "種類・判定・報告期限の内訳はない）。")
        return f"{year}の事案は登録簿になく、{measured}。"


def incident_summary(db: Database, scope: Scope, measurements: list[MeasurementRow], prompt_days: int,
                     digits: Digits = zenkaku) -> IncidentSummary:
    start, end = fiscal_year_range(scope.year)
    bounds = {"start": start.isoformat(), "end": end.isoformat()}
    in_year = "i.discovered_at >= :start AND i.discovered_at < :end"
    in_use = db.execute(f"SELECT 1 FROM incidents i WHERE {in_year} LIMIT 1", bounds).fetchone() is not None
    result = IncidentSummary(scope.year, in_use, by_kind={key: 0 for key in KINDS},
                             by_judgement={key: 0 for key in JUDGEMENT_LABELS},
                             measured=next((m for m in measurements if m.item_id == MEASUREMENT_ITEM), None),
                             digits=digits)
    result.reports = [Timeliness(label) for _key, label in STAGES]
    if not in_use:
        return result
    params = dict(bounds)
    head = "WITH " + _scope_cte(scope, params) + f""",
        scoped AS (SELECT x.incident_id, x.department_id FROM incident_departments x JOIN incidents i
                   ON i.id = x.incident_id WHERE {in_year} AND x.department_id IN (SELECT id FROM scope_departments))
        """
    columns = ", ".join(f"i.{c}" for c in LIST_COLUMNS)
    incidents = list(db.query(head + f"""SELECT {columns}, trim(i.prevention) <> '' AS has_prevention
                                         FROM incidents i WHERE i.id IN (SELECT incident_id FROM scoped)
                                         ORDER BY i.discovered_at, i.id""", params))
    names: dict[int, list[str]] = {}
    counts: dict[int, DepartmentCount] = {}
    for r in db.query(head + """
            SELECT x.incident_id, d.id, d.code, d.name, b.name AS bureau_name,
                   s.department_id IS NOT NULL AS in_scope
            FROM incident_departments x JOIN departments d ON d.id = x.department_id
            JOIN bureaus b ON b.id = d.bureau_id
            LEFT JOIN scoped s ON s.incident_id = x.incident_id AND s.department_id = x.department_id
            WHERE x.incident_id IN (SELECT incident_id FROM scoped)
            ORDER BY b.sort_order, d.sort_order, d.code""", params):
        names.setdefault(r["incident_id"], []).append(r["name"])
        if r["in_scope"]:
            counts.setdefault(r["id"], DepartmentCount(r["bureau_name"], r["code"], r["name"], 0)).count += 1
    today = date.fromisoformat(scope.today)
    for incident in incidents:
        result.total += 1
        result.mynumber += int(bool(incident["mynumber"]))
        result.by_kind[incident["kind"]] = result.by_kind.get(incident["kind"], 0) + 1
        key = judgement_key(incident)
        result.by_judgement[key] += 1
        states = {}
        for deadline in dl.deadlines(incident, prompt_days):
            for timeliness, (stage, _label) in zip(result.reports, STAGES):
                if deadline.key == stage:
                    timeliness.add(deadline, today)
                    states[stage] = deadline.state_label(today)
        result.open += int(incident["closed_at"] is None)
        result.without_prevention += int(not incident["has_prevention"])
        result.rows.append(IncidentRow(
            incident["id"], incident["title"], incident["discovered_at"][:10], KINDS.get(incident["kind"], ""),
            "、".join(names.get(incident["id"], [])), JUDGEMENT_LABELS[key],
            "" if incident["persons"] is None else str(incident["persons"]) + ("以上" if incident["persons_or_more"]
                                                                              else ""),
            states.get("preliminary", "報告不要"), states.get("final", "報告不要"), incident["closed_at"] is not None,
            bool(incident["has_prevention"])))
    result.by_department = sorted(counts.values(), key=lambda c: (-c.count, c.code))
    return result
