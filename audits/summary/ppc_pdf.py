"""The 委員会's 定期的な報告 (個別テーマ) as an A4 PDF: one table per 機関, 要記入 marked for a person to fill in.

Built from the shared PDF pieces (audits/pdf: embedded IPAexGothic, Japanese line breaking, 和暦)."""
from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak

from ..pdf import blocks, document
from ..pdf.linebreak import Paragraph
from ..pdf.styles import styles
from ..wareki import wareki_date
from .ppc import TO_FILL, AgencyBlock, PeriodicReportData, ThemeAnswer, method_text

FRAME_MM = document.FRAME_WIDTH / mm
WIDTHS_MM = (10, 56, 36, FRAME_MM - 102)
TO_FILL_SHADE = colors.Color(0.85, 0.85, 0.85)


def _answer_text(answer: ThemeAnswer) -> str:
    lines = [("■" if answer.to_fill else "") + answer.answer]
    # the value on its own line: 「■要記入」 or 「5人」 is never split in the narrow column
    lines += [f"{f.label}：\n{('■' if f.value is None else '') + f.text}" for f in answer.figures]
    return "\n".join(lines)


def _reason_text(answer: ThemeAnswer) -> str:
    lines = []
    if answer.reasons:
        lines.append("主な理由" if answer.key == "gap" else "該当する事案")
        lines += [f"・{r}" for r in answer.reasons]
        if answer.more_reasons:
            lines.append(f"・ほか{answer.more_reasons}件")
    lines += answer.notes
    lines += [f"{f.label}：{f.note}" for f in answer.figures if f.note]
    if answer.theme.items:
        lines.append(f"根拠の項目：{answer.sources}")
    return "\n".join(lines)


def _block(n: int, block: AgencyBlock) -> list:
    story: list = [PageBreak(), blocks.heading(1, n, block.label),
                   *blocks.body(f"{'、'.join(block.bureaus)}（{block.departments}課）", 1)]
    if block.pending:
        story += blocks.body(f"点検票が未提出で、回答を導けなかった課：{'、'.join(block.pending)}", 1)
    rows = [[str(a.theme.number), f"【{a.theme.group}】\n{a.theme.question}", _answer_text(a), _reason_text(a)]
            for a in block.answers]
    table = blocks.table(["番号", "設問", "回答", "主な理由・備考"], rows, list(WIDTHS_MM))
    table.setStyle([("BACKGROUND", (2, r), (2, r), TO_FILL_SHADE)
                    for r, a in enumerate(block.answers, 1) if a.to_fill or any(f.value is None for f in a.figures)])
    story.append(table)
    return story


def render(report: PeriodicReportData, *, author: str = "") -> bytes:
    st = styles()
    story: list = [Paragraph(blocks.esc(wareki_date(report.generated_at)), st.right), blocks.spacer(4),
                   blocks.title(f"{report.year_label}\n{report.report.title}"),
                   Paragraph(blocks.esc("（回答案）"), st.subtitle), blocks.spacer(4)]
    rows = [["団体名", report.municipality], ["年度", report.year_label], ["根拠", report.report.basis],
            ["機関", "、".join(f"{b.label}（{b.departments}課）" for b in report.blocks) or "—"],
            ["作成日", wareki_date(report.generated_at)]]
    if author:
        rows.append(["出力者", author])
    story.append(blocks.table(["項目", "内容"], rows, [30, FRAME_MM - 30], repeat_header=False))
    to_fill = sum(a.to_fill for b in report.blocks for a in b.answers)
    story += [blocks.spacer(4), *blocks.body(
        f"点検票の回答と改善予定、漏えい等事案の登録簿から、機関ごとに各テーマの回答を導いた。導けないもの"
        f"（{to_fill}件）は「{TO_FILL}」とし、■印と網掛けで示した。担当者が確認して記入したうえで報告する。導き方は別紙のとおり。", 0)]
    if report.blocks:
        story.append(blocks.table(
            ["機関", "課の数", "回答を導いたテーマ", "年度中に完了しない", TO_FILL],
            [[b.label, str(b.departments), str(sum(not a.to_fill for a in b.answers)),
              str(sum(a.key == "gap" for a in b.answers)), str(sum(a.to_fill for a in b.answers))]
             for b in report.blocks], [48, 20, 34, 42, FRAME_MM - 144]))
    for n, block in enumerate(report.blocks, 1):
        story += _block(n, block)
    if not report.blocks:
        story += blocks.body("課が登録されていません。", 1)
    story += [PageBreak(), Paragraph(blocks.esc("別紙\u3000導き方"), st.heading[0])]
    for n, (heading, text) in enumerate(method_text(report.year_label), 1):
        story.append(KeepTogether([blocks.heading(2, n, heading), *blocks.body(text, 2)]))
    return document.render(story, title=f"{report.year_label} {report.report.title}", author=report.municipality,
                           subject=f"{report.municipality} 定期的な報告（回答案）",
                           options=document.PageOptions(page_numbers="dash"))
