"""The 委員会's 定期的な報告 (個別テーマ 番号1〜15) for one 年度, one block per 機関, derived from what Tenken holds.

The themes, their wording and the items answering each come from checklists/ppc_periodic.yaml. Per 機関 (the 部 of
departments/agencies.py) and theme:

- status: each answer cell of the theme's items in the 機関's counted 点検票 is judged by `cell_state()`: 実施 is
  done; a gap (課題あり・未実施) whose 改善予定 falls due within the 年度 is 年度中に完了予定 and counts as done
  (「適切に実施している（…完了する予定の機関を含む。）」); a gap without an 改善予定 in the 年度 makes the 機関's
  answer 「年度中に対応が完了しない」, with the gaps as the main reasons. An answer that cannot be known (a 課 has
  not submitted the 点検票 holding the item, or left it unanswered) is never guessed: the theme is 要記入.
- incidents / commission: from the incident register (特定個人情報 involved, 覚知日 in the 年度), or, while the
  register holds nothing for the 年度, from the measurement item the 課 typed (incidents only).
- figures: measurement items are summed; a figure no item holds, or a sum with 課 missing, is 要記入.
- manual: 要記入 for a person.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from checklists.ppc_periodic import (COMMISSION, INCIDENTS, MANUAL, STATUS, Figure, PeriodicReport, Theme,
                                     load_periodic_report)

from ..departments.agencies import AGENCIES, agency_label
from ..incidents import judgement
from ..incidents.service import LIST_COLUMNS
from ..pia.values import sheet_assessment_title
from ..timeutil import now_iso
from ..wareki import fiscal_year_range, nendo, wareki_date
from . import scoring
from .queries import Scope, _with

TO_FILL = "要記入"
MAX_REASONS = 5          # main reasons printed per theme and 機関 (the 2017 report lists two or three)

# The state of one answer cell for the periodic report (cell_state).
DONE, PLANNED, NOT_COMPLETED, UNKNOWN, NOT_APPLICABLE = "done", "planned", "not_completed", "unknown", "na"


def cell_state(category: str, plan_due: str | None, year: int) -> str:
    """One answer as the periodic report reads it: done, a gap planned to close within the 年度, a gap that will
    not, unknown (未回答), or not applicable."""
    if category == scoring.DONE:
        return DONE
    if category == scoring.NOT_APPLICABLE:
        return NOT_APPLICABLE
    if category in (scoring.PARTIAL, scoring.NOT_DONE):
        _start, end = fiscal_year_range(year)
        due = _date(plan_due)
        return PLANNED if due is not None and due < end else NOT_COMPLETED
    return UNKNOWN


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


@dataclass
class Cell:
    department_id: int
    department: str              # 部 課
    checklist_id: str
    item_id: str
    counted: bool                # the sheet is 提出済・承認済
    category: str
    value: str | None
    plan_action: str
    plan_due: str | None
    detail: str
    assessment: str = ""         # the 評価書 a pia sheet answers for (values.sheet_assessment_title), else empty

    @property
    def answerer(self) -> str:
        """The 課, and the 評価書 when the 課 answers per 評価書: 「市民生活部 市民課・住民基本台帳に関する事務（全項目評価）」."""
        return f"{self.department}・{self.assessment}" if self.assessment else self.department


@dataclass
class FigureValue:
    label: str
    unit: str
    value: float | None          # None: 要記入
    note: str = ""

    @property
    def text(self) -> str:
        if self.value is None:
            return TO_FILL
        number = int(self.value) if float(self.value).is_integer() else round(self.value, 1)
        return f"{number}{self.unit}"


@dataclass
class ThemeAnswer:
    theme: Theme
    key: str | None              # the answer key of the theme (done / gap / na / occurred / none); None: 要記入
    answer: str                  # the report's wording, or 要記入
    reasons: list[str] = field(default_factory=list)
    more_reasons: int = 0        # reasons beyond MAX_REASONS
    notes: list[str] = field(default_factory=list)
    figures: list[FigureValue] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)    # 課 (部 課) whose unsubmitted 点検票 left it 要記入

    @property
    def to_fill(self) -> bool:
        return self.key is None

    @property
    def sources(self) -> str:
        """Which items the answer comes from (「M-02-02、M-02-04」)."""
        return "、".join(ref.item_id for ref in self.theme.items)


@dataclass
class AgencyBlock:
    agency: str
    label: str
    bureaus: list[str]
    departments: int
    answers: list[ThemeAnswer]

    @property
    def pending(self) -> list[str]:
        """The 課 whose unsubmitted 点検票 left some theme 要記入."""
        return list(dict.fromkeys(name for a in self.answers for name in a.pending))


@dataclass
class PeriodicReportData:
    year: int
    municipality: str
    report: PeriodicReport
    blocks: list[AgencyBlock]
    register_in_use: bool
    generated_at: str = field(default_factory=now_iso)

    @property
    def year_label(self) -> str:
        return nendo(self.year)


# --------------------------------------------------------------------------- loading

def _agencies(db: Database) -> dict[str, dict]:
    """The 機関 that have active 課: their 部 and 課 (department id -> 部 課)."""
    agencies: dict[str, dict] = {}
    for r in db.query("""SELECT b.agency, b.name AS bureau, d.id, d.name FROM departments d
                         JOIN bureaus b ON b.id = d.bureau_id WHERE d.active = 1
                         ORDER BY b.sort_order, b.code, d.sort_order, d.code"""):
        entry = agencies.setdefault(r["agency"], {"bureaus": [], "departments": {}})
        if r["bureau"] not in entry["bureaus"]:
            entry["bureaus"].append(r["bureau"])
        entry["departments"][r["id"]] = f"{r['bureau']} {r['name']}"
    order = {key: n for n, key in enumerate(AGENCIES)}
    return dict(sorted(agencies.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def _item_pks(db: Database, report: PeriodicReport) -> list[int]:
    """The checklist_items rows (every version) of the items the mapping names."""
    refs = report.item_refs()
    if not refs:
        return []
    pairs = " OR ".join("(v.checklist_id = ? AND i.item_id = ?)" for _ in refs)
    params = [value for ref in refs for value in ref.key]
    return [row[0] for row in db.execute(f"""SELECT i.id FROM checklist_items i
                                             JOIN checklist_versions v ON v.id = i.version_id WHERE {pairs}""",
                                         params).fetchall()]


def _cells(db: Database, year: int, report: PeriodicReport) -> list[Cell]:
    """Every cell of the mapped items in the 年度's sheets (any status)."""
    item_pks = _item_pks(db, report)
    if not item_pks:
        return []
    head, params = _with(Scope(year))
    rows = db.query(head + f"""
        SELECT s.department_id, b.name AS bureau, d.name, v.checklist_id, i.item_id,
               s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)} AS counted,
               {scoring.sql_category('a')} AS category, a.value, a.plan_action, a.plan_due, a.detail,
               pa.name AS assessment_name, pa.kind AS assessment_kind
        FROM year_sheets s
        JOIN departments d ON d.id = s.department_id JOIN bureaus b ON b.id = d.bureau_id
        JOIN checklist_versions v ON v.id = s.version_id
        JOIN sheets sh ON sh.id = s.sheet_id LEFT JOIN pia_assessments pa ON pa.id = sh.assessment_id
        JOIN checklist_items i ON i.version_id = s.version_id AND i.id IN ({", ".join(str(int(pk)) for pk in item_pks)})
        LEFT JOIN answers a ON a.sheet_id = s.sheet_id AND a.item_pk = i.id
        ORDER BY b.sort_order, b.code, d.sort_order, d.code, i.position""", params)
    return [Cell(r["department_id"], f"{r['bureau']} {r['name']}", r["checklist_id"], r["item_id"], bool(r["counted"]),
                 r["category"], r["value"], (r["plan_action"] or "").strip(), r["plan_due"], (r["detail"] or "").strip(),
                 sheet_assessment_title(r))
            for r in rows]


def _incidents(db: Database, year: int) -> tuple[bool, list[dict], dict[int, set[int]]]:
    """Whether the register holds any incident of the 年度; its 特定個人情報 incidents and their 課."""
    start, end = fiscal_year_range(year)
    bounds = {"start": start.isoformat(), "end": end.isoformat()}
    in_year = "discovered_at >= :start AND discovered_at < :end"
    in_use = db.execute(f"SELECT 1 FROM incidents WHERE {in_year} LIMIT 1", bounds).fetchone() is not None
    columns = ", ".join(dict.fromkeys(LIST_COLUMNS + ("judgement_mynumber",)))
    incidents = list(db.query(f"SELECT {columns} FROM incidents WHERE {in_year} AND mynumber = 1 ORDER BY "
                              "discovered_at, id", bounds))
    departments: dict[int, set[int]] = defaultdict(set)
    for incident_id, department_id in db.execute(
            """SELECT x.incident_id, x.department_id FROM incident_departments x JOIN incidents i
                ON i.id = x.incident_id WHERE i.mynumber = 1 AND i.discovered_at >= :start AND i.discovered_at < :end""",
            bounds).fetchall():
        departments[incident_id].add(department_id)
    return in_use, incidents, departments


# --------------------------------------------------------------------------- deriving

def _pending(cells: list[Cell]) -> list[str]:
    """課 whose 点検票 holding these items is not submitted (and that have no counted one holding them): for the
    pia checklist, answered per 評価書, any 評価書 not submitted (the 課's answer is its weakest, which one
    unsubmitted 評価書 leaves unknown)."""
    counted = {(c.department_id, c.checklist_id, c.assessment) for c in cells if c.counted}
    return list(dict.fromkeys(c.department for c in cells
                              if not c.counted and (c.department_id, c.checklist_id, c.assessment) not in counted))


def _reason(cell: Cell) -> str:
    plan = cell.plan_action or cell.detail or "改善予定の記載なし"
    due = _date(cell.plan_due)
    when = f"（改善予定 {wareki_date(due, weekday=False)}）" if due else ""
    return f"{cell.answerer}（{cell.item_id}）：{plan}{when}"


def _status(theme: Theme, cells: list[Cell], year: int, year_label: str) -> ThemeAnswer:
    counted = [c for c in cells if c.counted]
    states = [(c, cell_state(c.category, c.plan_due, year)) for c in counted]
    not_completed = [c for c, s in states if s == NOT_COMPLETED]
    if not_completed:
        reasons = [_reason(c) for c in not_completed]
        return ThemeAnswer(theme, "gap", theme.answer("gap", year_label), reasons[:MAX_REASONS],
                           max(0, len(reasons) - MAX_REASONS),
                           [f"{len({c.department_id for c in not_completed})}課の{len(not_completed)}件の回答が"
                            f"課題あり・実施していないで、{year_label}中の改善予定がない。"])
    pending = _pending(cells)
    unknown = [c for c, s in states if s == UNKNOWN]
    if pending or unknown:
        notes = []
        if pending:
            notes.append(f"点検票が未提出の課（{len(pending)}課）があり導けない。")
        if unknown:
            notes.append(f"未回答の項目がある（{'、'.join(dict.fromkeys(c.answerer for c in unknown))}）。")
        known = _settled(theme, [c for c, s in states if s != UNKNOWN], states, year_label)
        if known.key is not None:
            notes.append(f"提出済の回答だけでは「{known.answer}」。{''.join(known.notes)}")
        return ThemeAnswer(theme, None, TO_FILL, notes=notes, pending=pending)
    return _settled(theme, counted, states, year_label)


def _settled(theme: Theme, counted: list[Cell], states: list[tuple[Cell, str]], year_label: str) -> ThemeAnswer:
    """The answer when no gap stays open past the 年度: done (some planned), or not applicable."""
    answered = [(c, s) for c, s in states if s in (DONE, PLANNED)]
    if answered:
        planned = {c.department_id for c, s in answered if s == PLANNED}
        note = f"{len({c.department_id for c, _s in answered})}課の回答による"
        note += f"（うち{len(planned)}課は{year_label}中に完了予定）。" if planned else "。"
        return ThemeAnswer(theme, "done", theme.answer("done", year_label), notes=[note])
    if counted:
        return ThemeAnswer(theme, "na", theme.answer("na", year_label),
                           notes=[f"{len({c.department_id for c in counted})}課とも該当しないと回答。"])
    return ThemeAnswer(theme, None, TO_FILL, notes=["この機関の点検票にこのテーマの項目がない。"])


def _figure(figure: Figure, cells: list[Cell]) -> FigureValue:
    if figure.item is None:
        return FigureValue(figure.label, figure.unit, None, "点検票に該当する項目がない。")
    mine = [c for c in cells if (c.checklist_id, c.item_id) == figure.item.key]
    counted = [c for c in mine if c.counted]
    total = _whole(sum(_number(c.value) or 0.0 for c in counted if c.category == scoring.DONE))
    unknown = [c for c in counted if c.category not in (scoring.DONE, scoring.NOT_APPLICABLE)]
    pending = _pending(mine)
    reported = len({c.department_id for c in counted if c.category == scoring.DONE})
    if not counted:
        return FigureValue(figure.label, figure.unit, None, f"{figure.item.item_id}の回答がない。")
    if unknown or pending:
        number = FigureValue(figure.label, figure.unit, total).text
        return FigureValue(figure.label, figure.unit, None,
                           f"{figure.item.item_id}の合計は{number}（{reported}課）。把握していない・未回答の課"
                           f"{len({c.department_id for c in unknown})}、未提出の課{len(pending)}を含まない。")
    return FigureValue(figure.label, figure.unit, total, f"{figure.item.item_id}の{reported}課の合計。")


def _whole(value: float) -> float | int:
    """A sum as Excel should hold it: 4, not 4.0."""
    return int(value) if float(value).is_integer() else value


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _incident_answer(theme: Theme, cells: list[Cell], register: tuple, departments: set[int]) -> ThemeAnswer:
    in_use, incidents, incident_departments = register
    if in_use:
        mine = [i for i in incidents if incident_departments.get(i["id"], set()) & departments]
        count = FigureValue("漏えい等事案の件数", "件", len(mine), "漏えい等事案の登録簿（特定個人情報を含む事案）から。")
        key = "occurred" if mine else "none"
        return ThemeAnswer(theme, key, theme.answer(key, ""), figures=[count],
                           reasons=[f"{i['discovered_at'][:10]} {i['title']}" for i in mine][:MAX_REASONS],
                           more_reasons=max(0, len(mine) - MAX_REASONS))
    measured = theme.items[0] if theme.items else None      # the measurement item the 課 typed the count into
    figure = _figure(Figure("漏えい等事案の件数", "件", measured), cells) if measured else None
    if figure is None or figure.value is None:
        occurred = figure is not None and any(
            c.counted and (c.checklist_id, c.item_id) == measured.key and c.category == scoring.DONE
            and _number(c.value) for c in cells)
        if occurred:      # at least one 課 reported one: the answer is certain, the count is not
            return ThemeAnswer(theme, "occurred", theme.answer("occurred", ""), figures=[figure],
                               notes=["登録簿にこの年度の事案がなく、点検票の回答による。"])
        return ThemeAnswer(theme, None, TO_FILL, figures=[figure] if figure else [],
                           notes=["登録簿にこの年度の事案がなく、点検票の回答からも導けない。"])
    key = "occurred" if figure.value else "none"
    return ThemeAnswer(theme, key, theme.answer(key, ""), figures=[figure],
                       notes=["登録簿にこの年度の事案がなく、点検票の回答による。"])


def _commission_answer(theme: Theme, register: tuple, departments: set[int], year_label: str) -> ThemeAnswer:
    in_use, incidents, incident_departments = register
    if not in_use:
        return ThemeAnswer(theme, None, TO_FILL, notes=["漏えい等事案の登録簿にこの年度の事案がない。"])
    mine = [i for i in incidents if incident_departments.get(i["id"], set()) & departments]
    if not mine:
        return ThemeAnswer(theme, "na", theme.answer("na", year_label), notes=["特定個人情報の漏えい等事案はない。"])
    unconfirmed = [i for i in mine if not judgement.is_confirmed(i) or i.get("judgement_mynumber") is None]
    required = [i for i in mine if i not in unconfirmed and judgement.mynumber_report(i)]
    unreported = [i for i in required if not (i["preliminary_reported_on"] or i["final_reported_on"])]
    if unreported:
        return ThemeAnswer(theme, "gap", theme.answer("gap", year_label),
                           reasons=[f"{i['discovered_at'][:10]} {i['title']}：委員会への報告が未了" for i in unreported])
    if unconfirmed:
        return ThemeAnswer(theme, None, TO_FILL, notes=[f"報告の要否の判定が未確定の事案が{len(unconfirmed)}件ある。"])
    if required:
        return ThemeAnswer(theme, "done", theme.answer("done", year_label),
                           notes=[f"報告を要する{len(required)}件とも報告済み（登録簿の速報・確報の日付による）。"])
    return ThemeAnswer(theme, "na", theme.answer("na", year_label),
                       notes=[f"特定個人情報の事案{len(mine)}件はいずれも報告を要しないと判定済み。"])


def _answer(theme: Theme, mine: list[Cell], register: tuple, departments: set[int], year: int) -> ThemeAnswer:
    """The theme's answer for one 機関 (`mine`: the cells of its 課, `departments`: their ids)."""
    label = nendo(year)
    if theme.kind == STATUS:
        answer = _status(theme, [c for c in mine if (c.checklist_id, c.item_id) in {r.key for r in theme.items}],
                         year, label)
    elif theme.kind == INCIDENTS:
        answer = _incident_answer(theme, mine, register, departments)
    elif theme.kind == COMMISSION:
        answer = _commission_answer(theme, register, departments, label)
    else:
        assert theme.kind == MANUAL
        answer = ThemeAnswer(theme, None, TO_FILL, notes=["アプリに記録がないため、担当者が記入する。"])
    answer.figures += [_figure(f, mine) for f in theme.figures]
    answer.figures += [FigureValue(text, "", None, "アプリに記録がない。") for text in theme.to_fill]
    return answer


def build(db: Database, year: int, *, municipality: str) -> PeriodicReportData:
    report = load_periodic_report()
    cells = _cells(db, year, report)
    register = _incidents(db, year)
    by_department: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_department[cell.department_id].append(cell)
    blocks = []
    for agency, entry in _agencies(db).items():
        departments = set(entry["departments"])
        mine = [c for d in entry["departments"] for c in by_department.get(d, ())]
        blocks.append(AgencyBlock(agency, agency_label(agency), entry["bureaus"], len(departments),
                                  [_answer(theme, mine, register, departments, year) for theme in report.themes]))
    return PeriodicReportData(year, municipality, report, blocks, register[0])


def method_text(year_label: str) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs: how the answers were derived, printed in the PDF and the Excel."""
    statuses = "・".join(scoring.STATUS_LABELS[s] for s in scoring.COUNTED_STATUSES)
    gaps = "・".join(scoring.CATEGORY_LABELS[c] for c in (scoring.PARTIAL, scoring.NOT_DONE))
    return [
        ("機関", "部ごとに設定した機関（市長部局、教育委員会、選挙管理委員会など）の課の回答を、機関ごとにまとめた。"
               "部の機関はシステム管理者が「部と機関」の画面で設定する。"),
        ("使う回答", f"{year_label}の点検票のうち{statuses}のものの、各テーマに対応する点検項目（機関ごとの表の「根拠の項目」）の回答と"
                  "改善予定を用いた。課が評価書ごとに複数の点検票で答える項目は、全ての評価書の回答を用い、いずれかの評価書の"
                  "課題をその課の課題とした（全庁集計と同じ扱い）。"),
        ("実施状況のテーマ", f"回答が{gaps}で、改善予定の期限が{year_label}中にないものが1件でもあれば「{year_label}中に"
                      f"対応が完了しない」とし、その回答と改善予定を主な理由として掲げた。{gaps}でも改善予定の期限が"
                      f"{year_label}中にあるものは完了予定として「適切に実施している（{year_label}中に対応が完了する予定の"
                      "機関を含む。）」に含めた。全ての課が該当しないと回答したテーマは「該当なし」とした。"),
        ("要記入", "対応する点検票が未提出の課や未回答の項目があり、完了しない課題も見当たらない場合は、推測せずに「要記入」とし、"
                 "提出済の回答だけから導いた回答を備考に示した。アプリに記録のない事項（受講者数、独自の取組など）も"
                 "「要記入」である。担当者が確認して記入する。"),
        ("漏えい等事案", "漏えい等事案の登録簿に覚知日がこの年度の事案があれば、特定個人情報を含む事案を登録簿から数え、"
                    "委員会への報告は登録簿の判定と速報・確報の日付によった。登録簿にこの年度の事案がなければ、"
                    "点検票の計測項目（漏えい等事案の件数）の合計によった。"),
        ("数値", "研修の未受講者数などの数値は、計測項目に各課が入力した値の合計である。把握していない課や未提出の課が"
               "あれば、合計を備考に示して「要記入」とした。"),
    ]
