"""The 委員会's 定期的な報告 (個別テーマ) as an Excel workbook: one row per 機関 and theme, the figures as numbers
(a figure to fill in is an empty cell with 要記入 beside it), and how the answers were derived."""
from __future__ import annotations

import io

from ..wareki import wareki_date
from .ppc import TO_FILL, PeriodicReportData, method_text
from .report_xlsx import Book, Sheet

SHEET_TITLES = ("概要", "回答", "数値", "導き方")


def render(report: PeriodicReportData) -> bytes:
    buffer = io.BytesIO()
    wb = Book(buffer)
    wb.wb.set_properties({"title": f"{report.year_label} {report.report.title}", "author": report.municipality})
    sheet = Sheet(wb, SHEET_TITLES[0], ["項目", "値"], [16, 100])
    for label, value in [("団体名", report.municipality), ("年度", report.year_label), ("報告", report.report.title),
                         ("根拠", report.report.basis), ("作成日", wareki_date(report.generated_at))]:
        sheet.append([label, value])
    sheet.finish()

    sheet = Sheet(wb, SHEET_TITLES[1], ["機関", "番号", "区分", "設問", "回答", TO_FILL, "主な理由", "備考", "根拠の項目"],
                   [16, 6, 14, 60, 36, 8, 60, 50, 24])
    for block in report.blocks:
        for a in block.answers:
            reasons = list(a.reasons) + ([f"ほか{a.more_reasons}件"] if a.more_reasons else [])
            sheet.append([block.label, a.theme.number, a.theme.group, a.theme.question, a.answer,
                          TO_FILL if a.to_fill else "", "\n".join(reasons), "\n".join(a.notes), a.sources])
    sheet.finish()

    sheet = Sheet(wb, SHEET_TITLES[2], ["機関", "番号", "項目", "値", "単位", TO_FILL, "備考"],
                   [16, 6, 40, 10, 6, 8, 70])
    for block in report.blocks:
        for a in block.answers:
            for f in a.figures:
                sheet.append([block.label, a.theme.number, f.label, f.value, f.unit,
                              TO_FILL if f.value is None else "", f.note])
    sheet.finish()

    sheet = Sheet(wb, SHEET_TITLES[3], ["項目", "説明"], [20, 120])
    for heading, text in method_text(report.year_label):
        sheet.append([heading, text])
    sheet.finish()
    wb.wb.close()
    return buffer.getvalue()
