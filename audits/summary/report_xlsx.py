"""The aggregated report as an Excel workbook: one sheet per table, the raw answers on the last sheet.

Written with XlsxWriter (measured on the benchmark's 500 課: the answers sheet of 82,576 rows took 10.3 s of CPU
with openpyxl's write-only mode and 5.0 s with XlsxWriter). Every sheet has a Japanese header row repeated on
each printed page, panes frozen below it and right of the first column, filters, A4 landscape fitted to the
page width (audits/xlsx.py holds that rule for every workbook). Numbers are numbers, dates are dates shown in
和暦, and text is always written as text (quote-prefixed when it starts with = + - @): never as a formula.
The 課×区分 sheet colours its rates with a colour scale (conditional formatting), so a changed cell recolours.
The raw answers go in only up to RAW_SHEET_MAX_ROWS; a whole city's answers are the CSV's job (streamed).
"""
from __future__ import annotations

import io
from datetime import date, datetime
from itertools import islice
from typing import Iterable

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from checklists.model import severity_label
from checklists.sources import sources_text

from ..wareki import nendo
from ..xlsx import (FORMULA_PREFIXES, HEADER_FILL, HEATMAP_COLOURS, WAREKI_DATE_FORMAT, WAREKI_DATETIME_FORMAT,
                    as_date, page_setup_xlsxwriter)
from . import queries, scoring
from .report import SummaryReport

SHEET_TITLES = ("概要", "区分別", "課別", "課×区分", "課題の多い項目", "前年度比較（課）", "前年度比較（項目）",
                "監査", "改善措置", "集計方法", "回答", "計測項目", "漏えい等事案")
# Above this many answer rows the 回答 sheet says to use the CSV (the Excel stays under 5 s at 500 課).
RAW_SHEET_MAX_ROWS = 20_000


def _round(value: float | None, digits: int = 1):
    return None if value is None else round(value, digits)


class Book:
    """The workbook and its few formats (XlsxWriter wants each format made once)."""

    def __init__(self, buffer: io.BytesIO):
        self.wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
        self.header = self.wb.add_format({"bold": True, "bg_color": "#" + HEADER_FILL.fgColor.rgb[-6:],
                                          "text_wrap": True, "valign": "vcenter"})
        self.quoted = self.wb.add_format({"quote_prefix": True})
        self.date = self.wb.add_format({"num_format": WAREKI_DATE_FORMAT, "align": "left"})
        self.datetime = self.wb.add_format({"num_format": WAREKI_DATETIME_FORMAT, "align": "left"})


class Sheet:
    def __init__(self, workbook: Book, title: str, headers: list[str], widths: list[int]):
        self.book = workbook
        self.ws = workbook.wb.add_worksheet(title)
        self.columns = len(headers)
        self.rows = 1
        for column, width in enumerate(widths):
            self.ws.set_column(column, column, width)
        self.ws.write_row(0, 0, headers, workbook.header)
        page_setup_xlsxwriter(self.ws)

    def _write(self, row: int, column: int, value) -> None:
        ws, book = self.ws, self.book
        if value is None:
            return
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)   # control characters Excel cannot store
            if not value:
                return
            if value.startswith(FORMULA_PREFIXES):
                ws.write_string(row, column, value, book.quoted)   # text, and it stays text when edited
            else:
                ws.write_string(row, column, value)
        elif isinstance(value, datetime):
            ws.write_datetime(row, column, value, book.datetime)
        elif isinstance(value, date):
            ws.write_datetime(row, column, value, book.date)
        elif isinstance(value, bool):
            ws.write_boolean(row, column, value)
        elif isinstance(value, (int, float)):
            ws.write_number(row, column, value)
        else:
            ws.write_string(row, column, str(value))

    def append(self, values: Iterable) -> None:
        row = self.rows
        for column, value in enumerate(values):
            self._write(row, column, value)
        self.rows += 1

    def finish(self) -> None:
        self.ws.autofilter(0, 0, max(self.rows - 1, 1), self.columns - 1)


def _overview(wb: Book, report: SummaryReport) -> None:
    c, o, yoy = report.completion, report.overall, report.yoy
    sheet = Sheet(wb, SHEET_TITLES[0], ["項目", "値"], [36, 40])
    for label, value in [
        ("団体名", report.municipality),
        ("年度", report.year_label),
        ("対象", report.scope_label),
        ("作成日", as_date(report.generated_at[:10])),
        ("対象課数", c.departments),
        ("点検票数", c.sheets),
        ("提出済（承認済を含む）", c.submitted),
        ("承認済", c.approved),
        ("未提出の点検票", c.not_submitted),
        ("期限超過の点検票", c.overdue),
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


def _sections(wb: Book, report: SummaryReport) -> None:
    sheet = Sheet(wb, SHEET_TITLES[1], ["チェックリスト", "区分ID", "区分", *COUNT_HEADERS, "評点"],
                   [36, 10, 40, 8, 10, 14, 8, 11, 12, 8])
    for s in report.sections:
        sheet.append([s.checklist_title, s.section_id, s.section_title, *_counts(s.counts), _round(s.counts.score)])
    sheet.finish()


def _departments(wb: Book, report: SummaryReport) -> None:
    sheet = Sheet(wb, SHEET_TITLES[2], ["部", "課コード", "課名", "点検票", "提出済", "承認済", "期限超過",
                                         *COUNT_HEADERS, "評点"],
                   [16, 12, 22, 8, 8, 8, 9, 8, 10, 14, 8, 11, 12, 8])
    for d in report.departments:
        sheet.append([d.bureau_name, d.code, d.name, d.sheets, d.submitted, d.approved, d.overdue,
                      *_counts(d.counts), _round(d.score)])
    sheet.finish()


def _matrix(wb: Book, report: SummaryReport) -> None:
    sections = report.sections
    sheet = Sheet(wb, SHEET_TITLES[3], ["部", "課コード", "課名", *[f"{s.section_id} {s.section_title}" for s in sections]],
                   [16, 12, 22, *[14] * len(sections)])
    for d in report.departments:
        sheet.append([d.bureau_name, d.code, d.name,
                      *[_round(report.heat.rate(d.id, s.checklist_id, s.section_id)) for s in sections]])
    if sections and sheet.rows > 1:
        low, high = HEATMAP_COLOURS
        sheet.ws.conditional_format(1, 3, sheet.rows - 1, 2 + len(sections), {
            "type": "2_color_scale", "min_type": "num", "min_value": 0, "min_color": low,
            "max_type": "num", "max_value": 100, "max_color": high})
    sheet.finish()


def _weakest(wb: Book, report: SummaryReport) -> None:
    sheet = Sheet(wb, SHEET_TITLES[4], ["順位", "チェックリストID", "項目ID", "区分", "質問", "重要度", "課題あり",
                                         "実施していない", "該当する課の数", "割合（％）", "根拠"],
                   [6, 14, 11, 24, 60, 7, 9, 13, 12, 10, 36])
    for item in report.weakest:
        sheet.append([item.rank, item.checklist_id, item.item_id, f"{item.section_id} {item.section_title}", item.question,
                      severity_label(item.severity), item.counts.partial, item.counts.not_done, item.counts.applicable,
                      _round(item.gap_rate), sources_text(item.sources)])
    sheet.finish()


def _measurements(wb: Book, report: SummaryReport) -> None:
    sheet = Sheet(wb, SHEET_TITLES[11], ["チェックリストID", "項目ID", "質問", "合計", "単位", "1以上の課",
                                          "回答した課", "把握していない課"], [14, 11, 60, 10, 6, 10, 10, 14])
    for m in report.measurements:
        sheet.append([m.checklist_id, m.item_id, m.question, m.total, m.unit, m.with_any, m.reported, m.unknown])
    sheet.finish()


def _yoy(wb: Book, report: SummaryReport) -> None:
    before, now = report.previous_label, report.year_label
    sheet = Sheet(wb, SHEET_TITLES[5], ["部", "課コード", "課名", "比較項目数", f"{before}の実施率（％）",
                                         f"{now}の実施率（％）", "差（ポイント）"], [16, 12, 22, 11, 18, 18, 13])
    for d in report.yoy.departments:
        sheet.append([d.bureau_name, d.code, d.name, d.pairs, _round(d.rate_before), _round(d.rate_now),
                      _round(d.change)])
    sheet.finish()
    sheet = Sheet(wb, SHEET_TITLES[6], ["チェックリストID", "項目ID", "質問", "比較課数", f"{before}の実施率（％）",
                                         f"{now}の実施率（％）", "差（ポイント）", "改善した課", "悪化した課"],
                   [14, 11, 60, 9, 18, 18, 13, 10, 10])
    for item in report.yoy.items:
        sheet.append([item.checklist_id, item.item_id, item.question, item.pairs, _round(item.rate_before),
                      _round(item.rate_now), _round(item.change), item.improved, item.worsened])
    sheet.finish()


def _audits(wb: Book, report: SummaryReport) -> None:
    from ..audit.values import ACTION_STATUS_LABELS, AUDIT_STATUS_LABELS

    sheet = Sheet(wb, SHEET_TITLES[7], ["部", "課コード", "課名", "監査の観点", "実施日", "状態", "結論",
                                         *queries.AUDIT_RESULTS, "指摘事項", "うち未完了"],
                   [16, 12, 22, 30, 12, 16, 50, 7, 9, 8, 8, 8, 9, 10])
    for a in report.audits:
        sheet.append([a.bureau_name, a.department_code, a.department_name, a.theme, as_date((a.started_at or "")[:10]),
                      AUDIT_STATUS_LABELS.get(a.status, a.status), a.conclusion_quote,
                      *[a.results[r] for r in queries.AUDIT_RESULTS], a.findings, a.open_findings])
    sheet.finish()
    sheet = Sheet(wb, SHEET_TITLES[8], ["課コード", "課名", "監査年度", "指摘事項", "重要度", "期限", "状態",
                                         "期限超過", "完了日"], [12, 22, 12, 50, 7, 12, 18, 9, 12])
    for r in report.actions.rows:
        sheet.append([r.department_code, r.department_name, nendo(r.audit_year), r.finding_title,
                      severity_label(r.severity), as_date(r.due_date), ACTION_STATUS_LABELS.get(r.status, r.status),
                      "期限超過" if r.overdue else "", as_date((r.closed_at or "")[:10])])
    sheet.finish()


def _incidents(wb: Book, report: SummaryReport) -> None:
    """Totals first (with where the count comes from), then one row per incident of the 年度."""
    s = report.incidents
    sheet = Sheet(wb, SHEET_TITLES[12], ["区分", "項目", "件数", "事案ID", "覚知日", "件名", "課", "本人の数",
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
            sheet.append(["事案", row.kind, None, row.id, as_date(row.discovered_on), row.title, row.departments, row.persons,
                          row.preliminary, row.final, "完結" if row.closed else "", "記入済" if row.prevention else "未記入"])
    sheet.finish()


def _method(wb: Book) -> None:
    sheet = Sheet(wb, SHEET_TITLES[9], ["項目", "説明"], [20, 120])
    for heading, text in scoring.method_text():
        sheet.append([heading, text])
    sheet.finish()


DATE_COLUMNS = frozenset({"plan_due", "updated_at"})


def _raw(wb: Book, report: SummaryReport, rows: Iterable[dict]) -> None:
    columns = queries.RAW_COLUMNS
    widths = {"question": 50, "detail": 40, "plan_action": 30, "na_reason": 24, "checklist_title": 30,
              "section_title": 24, "department_name": 18, "bureau_name": 14, "updated_at": 20, "plan_due": 16,
              "assessment": 30}
    sheet = Sheet(wb, SHEET_TITLES[10], [label for _key, label in columns],
                   [widths.get(key, 11) for key, _label in columns])
    first = list(islice(rows, RAW_SHEET_MAX_ROWS + 1))
    if len(first) > RAW_SHEET_MAX_ROWS:
        sheet.append([raw_sheet_note()])
    else:
        for row in first:
            sheet.append([as_date(row.get(key)) if key in DATE_COLUMNS else row.get(key) for key, _label in columns])
    sheet.finish()


def raw_sheet_note() -> str:
    return (f"回答が {RAW_SHEET_MAX_ROWS:,} 行を超えるため、この Excel には載せていません。回答の一覧は CSV で出力して"
            "ください（全庁集計の画面の「回答の一覧（CSV）」、又は flask --app app report summary --year 年度 -o FILE.csv）。")


def render(report: SummaryReport, raw_rows: Iterable[dict], *, author: str = "") -> bytes:
    buffer = io.BytesIO()
    wb = Book(buffer)
    wb.wb.set_properties({"title": report.document_title, "author": author or report.municipality,
                          "company": report.municipality})
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
    wb.wb.close()
    return buffer.getvalue()
