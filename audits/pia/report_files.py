"""The report per 評価書 as files: Excel (one row per 評価書, one per gap) and an A4 PDF."""
from __future__ import annotations

import io

from openpyxl import Workbook

from ..pdf import blocks
from ..pdf.document import PageOptions, render
from ..wareki import nendo, wareki_date
from ..xlsx import WRAP, autofilter, set_text, write_header
from . import values
from .report import COLUMNS, AssessmentResult, explanation, no_gaps_text

TITLE = "特定個人情報保護評価書ごとの点検結果"


def _counts_row(result: AssessmentResult) -> list:
    return [result.count(c) if result.counted else None for c in COLUMNS]


def to_xlsx(results: list[AssessmentResult], year: int, municipality: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "評価書ごとの結果"
    set_text(ws.cell(row=1, column=1), f"{municipality} {nendo(year)} {TITLE}")
    headers = ["部", "課", "評価書（事務）", "評価の種類", "公表日", "点検票の状態", *map(values.ppc_label, COLUMNS),
               "課題のある項目"]
    write_header(ws, 3, headers, [14, 16, 36, 14, 12, 12, 12, 10, 12, 10, 8, 40])
    for r, result in enumerate(results, start=4):
        texts = [result.bureau_name, result.department_name, result.name or values.UNREGISTERED_LABEL,
                 values.kind_label(result.kind) if result.name else "",
                 wareki_date(result.published_on, weekday=False) if result.published_on else "", result.state]
        for c, text in enumerate(texts, start=1):
            set_text(ws.cell(row=r, column=c), text)
        for c, n in enumerate(_counts_row(result), start=len(texts) + 1):
            ws.cell(row=r, column=c, value=n)
        gap_cell = ws.cell(row=r, column=len(headers))
        set_text(gap_cell, "\n".join(f"{g.item_id}（{g.label}）" for g in result.gaps))
        gap_cell.alignment = WRAP
    autofilter(ws, 3, len(headers), 3 + len(results))
    set_text(ws.cell(row=5 + len(results), column=1), explanation())

    gaps = wb.create_sheet("課題のある項目")
    write_header(gaps, 1, ["課", "評価書（事務）", "項目", "点検項目", "重要度", "区分", "改善予定", "改善期限"],
                 [16, 36, 10, 60, 8, 14, 40, 12])
    row = 2
    for result in results:
        for gap in result.gaps:
            for c, text in enumerate([result.department_name, result.title, gap.item_id, gap.question,
                                      gap.severity_label, gap.label, gap.plan_action,
                                      wareki_date(gap.plan_due, weekday=False) if gap.plan_due else ""], start=1):
                set_text(gaps.cell(row=row, column=c), text)
                gaps.cell(row=row, column=c).alignment = WRAP
            row += 1
    autofilter(gaps, 1, 8, row - 1)
    wb.properties.title = f"{nendo(year)} {TITLE}"
    wb.properties.creator = municipality
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_pdf(results: list[AssessmentResult], year: int, municipality: str) -> bytes:
    story = [blocks.title(f"{nendo(year)} {TITLE}"), blocks.spacer(2)]
    story += blocks.body(explanation())
    story.append(blocks.heading(1, 1, "評価書ごとの件数"))
    header = ["課", "評価書（事務）", "状態", *map(values.ppc_label, COLUMNS)]
    rows = [[result.department_name, result.title, result.state,
             *("" if n is None else str(n) for n in _counts_row(result))] for result in results]
    story.append(blocks.table(header, rows, [20, 44, 14, *[88 / len(COLUMNS)] * len(COLUMNS)]))
    story.append(blocks.heading(1, 2, "課題のある項目"))
    listed = False
    for result in results:
        if not result.gaps:
            continue
        listed = True
        story += blocks.body(f"{result.department_name}　{result.title}")
        story.append(blocks.table(
            ["項目", "点検項目", "区分", "改善予定"],
            [[g.item_id, g.question, g.label,
              f"{g.plan_action}（{wareki_date(g.plan_due, weekday=False)}まで）" if g.plan_due else g.plan_action]
             for g in result.gaps], [16, 76, 20, 54]))
        story.append(blocks.spacer(3))
    if not listed:
        story += blocks.body(no_gaps_text())
    return render(story, title=f"{nendo(year)} {TITLE}", author=municipality, subject=TITLE,
                  options=PageOptions(page_numbers="fraction"))
