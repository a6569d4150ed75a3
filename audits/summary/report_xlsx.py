"""The aggregated report as an Excel workbook: one sheet per table, the raw answers on the last sheet.

Every sheet has a Japanese header row, frozen, with filters. The workbook is written in openpyxl's
write-only mode, streaming the raw answers, so a city of 500 課 stays fast. Text is always written as
text (data type 's', and quote-prefixed when it starts with = + - @): never as a formula.
"""
from __future__ import annotations

import io
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from checklists.model import severity_label
from checklists.sources import sources_text

from ..wareki import nendo, wareki_date
from ..xlsx import FORMULA_PREFIXES, HEADER_FILL
from . import queries, scoring
from .report import SummaryReport

SHEET_TITLES = ("概要", "区分別", "課別", "課×区分", "課題の多い項目", "前年度比較（課）", "前年度比較（項目）",
                "監査", "改善措置", "集計方法", "回答", "計測項目", "漏えい等事案")


def _round(value: float | None, digits: int = 1):
    return None if value is None else round(value, digits)


class _Sheet:
    def __init__(self, workbook: Workbook, title: str, headers: list[str], widths: list[int]):
        self.ws = workbook.create_sheet(title)
        self.columns = len(headers)
        self.rows = 1
        for column, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = width
        self.ws.freeze_panes = "A2"
        header = []
        for title_text in headers:
            cell = WriteOnlyCell(self.ws, value=title_text)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        self.ws.append(header)

    def _cell(self, value):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)   # control characters Excel cannot store
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.data_type = "s"                   # text, never a formula
            cell.quotePrefix = True                # and Excel keeps it text when the cell is edited
            return cell
        return value                               # other text is written as text by openpyxl itself

    def append(self, values: Iterable) -> None:
        self.ws.append([self._cell(v) for v in values])
        self.rows += 1

    def finish(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{max(self.rows, 2)}"


def _overview(wb: Workbook, report: SummaryReport) -> None:
    c, o, yoy = report.completion, report.overall, report.yoy
    sheet = _Sheet(wb, SHEET_TITLES[0], ["項目", "値"], [36, 40])
    for label, value in [
        ("団体名", report.municipality),
        ("年度", report.year_label),
        ("対象", report.scope_label),
        ("作成日", wareki_date(report.generated_at)),
        ("対象課数", c.departments),
        ("点検票数", c.sheets),
        ("提出済（承認済を含む）", c.submitted),
        ("承認済", c.approved),
        ("未提出", c.not_submitted),
        ("期限超過", c.overdue),
        ("実施", o.done), ("課題あり", o.partial), ("実施していない", o.not_done), ("未回答", o.unanswered),
        ("該当しない", o.na),
        ("実施率（％）", _round(o.rate)),
        ("評点", _round(o.score)),
        (f"前年度（{report.previous_label}）の実施率（％）", _round(yoy.previous_overall.rate)),
        ("前年度比の比較件数（同じ課・項目）", yoy.common.pairs),
        ("前年度比：前年度の実施率（％）", _round(yoy.common.rate_before)),
        ("前年度比：当年度の実施率（％）", _round(yoy.common.rate_now)),
        ("前年度比（ポイント）", _round(yoy.common.change)),
        ("監査の件数", len({a.id for a in report.audits})),
        ("監査した課の数", len(report.audits)),      # an audit of several 課 has one row per 課
        ("指摘事項（当年度）", report.actions.findings_this_year),
        ("改善措置：対応中", report.actions.open),
        ("改善措置：期限超過", report.actions.overdue),
        ("改善措置：当年度中に完了", report.actions.closed_this_year),
    ]:
        sheet.append([label, value])
    sheet.finish()


def _counts(counts: scoring.Counts) -> list:
    return [counts.done, counts.partial, counts.not_done, counts.unanswered, counts.na, _round(counts.rate)]


COUNT_HEADERS = ["実施", "課題あり", "実施していない", "未回答", "該当しない", "実施率（％）"]


def _sections(wb: Workbook, report: SummaryReport) -> None:
    sheet = _Sheet(wb, SHEET_TITLES[1], ["チェックリスト", "区分ID", "区分", *COUNT_HEADERS, "評点"],
                   [36, 10, 40, 8, 10, 14, 8, 11, 12, 8])
    for s in report.sections:
        sheet.append([s.checklist_title, s.section_id, s.section_title, *_counts(s.counts), _round(s.counts.score)])
    sheet.finish()


def _departments(wb: Workbook, report: SummaryReport) -> None:
    sheet = _Sheet(wb, SHEET_TITLES[2], ["部", "課コード", "課名", "点検票", "提出済", "承認済", "期限超過",
                                         *COUNT_HEADERS, "評点"],
                   [16, 12, 22, 8, 8, 8, 9, 8, 10, 14, 8, 11, 12, 8])
    for d in report.departments:
        sheet.append([d.bureau_name, d.code, d.name, d.sheets, d.submitted, d.approved, d.overdue,
                      *_counts(d.counts), _round(d.score)])
    sheet.finish()


def _matrix(wb: Workbook, report: SummaryReport) -> None:
    sections = report.sections
    sheet = _Sheet(wb, SHEET_TITLES[3], ["部", "課コード", "課名", *[f"{s.section_id} {s.section_title}" for s in sections]],
                   [16, 12, 22, *[14] * len(sections)])
    for d in report.departments:
        sheet.append([d.bureau_name, d.code, d.name,
                      *[_round(report.heat.rate(d.id, s.checklist_id, s.section_id)) for s in sections]])
    sheet.finish()


def _weakest(wb: Workbook, report: SummaryReport) -> None:
    sheet = _Sheet(wb, SHEET_TITLES[4], ["順位", "チェックリストID", "項目ID", "区分", "質問", "重要度", "課題あり",
                                         "実施していない", "該当する課の数", "割合（％）", "根拠"],
                   [6, 14, 11, 24, 60, 7, 9, 13, 12, 10, 36])
    for item in report.weakest:
        sheet.append([item.rank, item.checklist_id, item.item_id, f"{item.section_id} {item.section_title}", item.question,
                      severity_label(item.severity), item.counts.partial, item.counts.not_done, item.counts.applicable,
                      _round(item.gap_rate), sources_text(item.sources)])
    sheet.finish()


def _measurements(wb: Workbook, report: SummaryReport) -> None:
    sheet = _Sheet(wb, SHEET_TITLES[11], ["チェックリストID", "項目ID", "質問", "合計", "単位", "1以上の課",
                                          "回答した課", "把握していない課"], [14, 11, 60, 10, 6, 10, 10, 14])
    for m in report.measurements:
        sheet.append([m.checklist_id, m.item_id, m.question, m.total, m.unit, m.with_any, m.reported, m.unknown])
    sheet.finish()


def _yoy(wb: Workbook, report: SummaryReport) -> None:
    before, now = report.previous_label, report.year_label
    sheet = _Sheet(wb, SHEET_TITLES[5], ["部", "課コード", "課名", "比較項目数", f"{before}の実施率（％）",
                                         f"{now}の実施率（％）", "差（ポイント）"], [16, 12, 22, 11, 18, 18, 13])
    for d in report.yoy.departments:
        sheet.append([d.bureau_name, d.code, d.name, d.pairs, _round(d.rate_before), _round(d.rate_now),
                      _round(d.change)])
    sheet.finish()
    sheet = _Sheet(wb, SHEET_TITLES[6], ["チェックリストID", "項目ID", "質問", "比較課数", f"{before}の実施率（％）",
                                         f"{now}の実施率（％）", "差（ポイント）", "改善した課", "悪化した課"],
                   [14, 11, 60, 9, 18, 18, 13, 10, 10])
    for item in report.yoy.items:
        sheet.append([item.checklist_id, item.item_id, item.question, item.pairs, _round(item.rate_before),
                      _round(item.rate_now), _round(item.change), item.improved, item.worsened])
    sheet.finish()


def _audits(wb: Workbook, report: SummaryReport) -> None:
    from ..audit.values import ACTION_STATUS_LABELS, AUDIT_STATUS_LABELS

    sheet = _Sheet(wb, SHEET_TITLES[7], ["部", "課コード", "課名", "監査の観点", "実施日", "状態", "結論",
                                         *queries.AUDIT_RESULTS, "指摘事項", "うち未完了"],
                   [16, 12, 22, 30, 12, 16, 50, 7, 9, 8, 8, 8, 9, 10])
    for a in report.audits:
        sheet.append([a.bureau_name, a.department_code, a.department_name, a.theme, (a.started_at or "")[:10],
                      AUDIT_STATUS_LABELS.get(a.status, a.status), a.conclusion_quote,
                      *[a.results[r] for r in queries.AUDIT_RESULTS], a.findings, a.open_findings])
    sheet.finish()
    sheet = _Sheet(wb, SHEET_TITLES[8], ["課コード", "課名", "監査年度", "指摘事項", "重要度", "期限", "状態",
                                         "期限超過", "完了日"], [12, 22, 12, 50, 7, 12, 18, 9, 12])
    for r in report.actions.rows:
        sheet.append([r.department_code, r.department_name, nendo(r.audit_year), r.finding_title, severity_label(r.severity),
                      r.due_date, ACTION_STATUS_LABELS.get(r.status, r.status), "期限超過" if r.overdue else "",
                      (r.closed_at or "")[:10]])
    sheet.finish()


def _incidents(wb: Workbook, report: SummaryReport) -> None:
    """Totals first (with where the count comes from), then one row per incident of the 年度."""
    s = report.incidents
    sheet = _Sheet(wb, SHEET_TITLES[12], ["区分", "項目", "件数", "事案ID", "覚知日", "件名", "課", "本人の数",
                                          "速報", "確報", "完結", "再発防止策"],
                   [14, 26, 8, 8, 12, 40, 24, 9, 22, 22, 6, 10])
    sheet.append(["件数", f"漏えい等事案（{report.year_label}）", s.count])
    sheet.append(["件数の出所", s.source_text])
    if s.register_in_use:
        sheet.append(["件数", "うち特定個人情報を含む", s.mynumber])
        for label, n in s.kind_rows():
            sheet.append(["種類", label, n])
        for label, n in s.judgement_rows():
            sheet.append(["判定", label, n])
        for r in s.reports:
            for label, n in r.counts():
                sheet.append([r.label, label, n])
        sheet.append(["状況", "未完結の事案", s.open])
        sheet.append(["状況", "再発防止策が未記入の事案", s.without_prevention])
        for d in s.by_department:
            sheet.append(["課別", f"{d.bureau_name} {d.name}", d.count])
        for row in s.rows:
            sheet.append(["事案", row.kind, None, row.id, row.discovered_on, row.title, row.departments, row.persons,
                          row.preliminary, row.final, "完結" if row.closed else "", "記入済" if row.prevention else "未記入"])
    sheet.finish()


def _method(wb: Workbook) -> None:
    sheet = _Sheet(wb, SHEET_TITLES[9], ["項目", "説明"], [20, 120])
    for heading, text in scoring.method_text():
        sheet.append([heading, text])
    sheet.finish()


def _raw(wb: Workbook, report: SummaryReport, rows: Iterable[dict]) -> None:
    columns = queries.RAW_COLUMNS
    widths = {"question": 50, "detail": 40, "plan_action": 30, "na_reason": 24, "checklist_title": 30,
              "section_title": 24, "department_name": 18, "bureau_name": 14, "updated_at": 20}
    sheet = _Sheet(wb, SHEET_TITLES[10], [label for _key, label in columns],
                   [widths.get(key, 11) for key, _label in columns])
    for row in rows:
        sheet.append([row.get(key) for key, _label in columns])
    sheet.finish()


def render(report: SummaryReport, raw_rows: Iterable[dict]) -> bytes:
    wb = Workbook(write_only=True)
    _overview(wb, report)
    _sections(wb, report)
    _departments(wb, report)
    _matrix(wb, report)
    _weakest(wb, report)
    _measurements(wb, report)
    _yoy(wb, report)
    _audits(wb, report)
    if report.incidents is not None:
        _incidents(wb, report)
    _method(wb)
    _raw(wb, report, raw_rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
