"""The aggregated report to the 総括保護管理者 as an A4 PDF (REPORTS.md section 3).

Built from the shared PDF pieces (audits/pdf: embedded IPAexGothic, A4 page with page numbers,
numbered headings); charts are matplotlib PNGs from charts.py. Long tables (one row per 課) use
plain-string cells, which lay out fast even for 500 課.
"""
from __future__ import annotations


from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Table, TableStyle

from checklists.model import severity_label
from checklists.sources import sources_text

from ..pdf import blocks, document, fonts
from ..pdf.linebreak import Paragraph
from ..pdf.styles import styles
from ..wareki import nendo, wareki_date, zenkaku
from . import charts, queries, scoring
from .report import SummaryReport

FRAME_MM = document.FRAME_WIDTH / mm
MAX_IMAGE_HEIGHT_MM = 225

WEAKEST_INTRO = ("重要度で重み付けした課題の大きい順に項目を掲げ、その根拠となる規定等を示す（並べ方は別紙「集計方法」"
                 "による）。重要度が高く、該当する課の多くに課題がある項目は、課の数が少なくても順位にかかわらず掲げる。")
SECTION_TITLES = ("概要", "区分別の回答状況", "課別の状況", "課題の多い項目", "前年度との比較", "監査の実施状況",
                  "指摘事項と改善措置", "漏えい等事案")


class _Chart(Flowable):
    """A matplotlib figure drawn as an image at its own size (fonts keep their point sizes), shrunk only to
    fit the frame."""

    def __init__(self, fig, dpi: int = charts.PDF_DPI):
        super().__init__()
        self.image = charts.pil_image(fig, dpi)
        w, h = self.image.size
        self.width = min(FRAME_MM * mm, w / dpi * 72)
        self.height = self.width * h / w
        if self.height > MAX_IMAGE_HEIGHT_MM * mm:
            self.height = MAX_IMAGE_HEIGHT_MM * mm
            self.width = self.height * w / h
        self.hAlign = "LEFT"

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(ImageReader(self.image), 0, 0, self.width, self.height)


def _chart(fig) -> _Chart:
    return _Chart(fig)


def _plain_table(header: list[str], rows: list[list], widths_mm: list[float], numeric_from: int) -> Table:
    """A ruled table of short values: fast for hundreds of rows (a value wraps only if it is wider than its
    column, so no text crosses a border); numbers right-aligned."""
    font = fonts.register()
    inner = [w * mm - 6 for w in widths_mm]           # minus LEFTPADDING and RIGHTPADDING

    def cell(value, column: int):
        text = "" if value is None else value if isinstance(value, Paragraph) else str(value)
        if isinstance(text, str) and stringWidth(text, font, 8) > inner[column]:
            return Paragraph(blocks.esc(text), styles().cell)
        return text

    data = [blocks.header_cells(header)] + [[cell(c, i) for i, c in enumerate(row)] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _note(text: str) -> Paragraph:
    return Paragraph(blocks.esc(text), styles().small)


# --------------------------------------------------------------------------- sections

def _cover(report: SummaryReport, author: str) -> list:
    """Page 1: the title and the 要点 (keypoints.py), then who the report is for; the contents follow on page 2."""
    st = styles()
    story = [Paragraph(blocks.esc(wareki_date(report.generated_at)), st.right),
             Paragraph(blocks.esc("総括保護管理者　様"), st.body[0]), blocks.spacer(4),
             blocks.title(f"{report.year_label}\n個人情報の安全管理に関する自己点検及び監査の結果について"),
             Paragraph(blocks.esc("（総括報告）"), st.subtitle), blocks.spacer(4),
             Paragraph(blocks.esc("要点"), st.heading[0]), _key_points_table(report), blocks.spacer(4)]
    c = report.completion
    rows = [
        ["団体名", report.municipality],
        ["年度", f"{report.year_label}（比較: {report.previous_label}）"],
        ["対象", f"{report.scope_label}（{c.departments}課・点検票{c.sheets}件）"],
        ["作成日", wareki_date(report.generated_at)],
    ]
    if author:
        rows.append(["出力者", author])
    story.append(blocks.table(["項目", "内容"], rows, [35, FRAME_MM - 35], repeat_header=False))
    story += [PageBreak(), Paragraph(blocks.esc("目次"), st.heading[0])]
    for n, title in enumerate(SECTION_TITLES, 1):
        story.append(Paragraph(blocks.esc(f"{zenkaku(n)}\u3000{title}"), st.body[1]))
    story += [Paragraph(blocks.esc("別紙\u3000集計方法"), st.body[1]), blocks.spacer(6)]
    return story


def _key_points_table(report: SummaryReport) -> Table:
    """The key points as a two-column ruled table; a point that needs action has its heading marked ■ and bold
    rules (legible in black and white)."""
    st = styles()
    data, commands = [], [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                          ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.92, 0.92, 0.92))]
    for r, point in enumerate(report.key_points):
        heading = ("■" if point.alert else "") + point.heading
        data.append([Paragraph(blocks.esc(heading), st.cell), Paragraph(blocks.esc(point.text), st.cell)])
        if point.alert:
            commands.append(("BOX", (0, r), (-1, r), 1.4, colors.black))
    table = Table(data, colWidths=[32 * mm, (FRAME_MM - 32) * mm])
    table.setStyle(TableStyle(commands))
    return table


def _summary(report: SummaryReport) -> list:
    c, o, yoy = report.completion, report.overall, report.yoy
    text = (f"{report.year_label}は、{report.scope_label}の{c.departments}課（点検票{c.sheets}件）を対象に自己点検を実施し、"
            f"{c.submitted}件が提出済（うち承認済{c.approved}件）、未提出は{c.not_submitted}件"
            f"（うち提出期限を過ぎたもの{c.overdue}件）である。")
    if o.applicable:
        text += (f"提出済の点検票における実施率は{scoring.percent(o.rate)}、評点は{_score(o.score)}であった。")
    if yoy.has_previous:
        text += f"前年度（{report.previous_label}）の実施率は{scoring.percent(yoy.previous_overall.rate)}であった。"
        if yoy.common.pairs:
            text += (f"両年度とも回答のある課・項目（{yoy.common.pairs}件）で比べると、実施率は"
                     f"{scoring.change_text(yoy.common.rate_before, yoy.common.rate_now, yoy.common.change, predicate=True)}。")
    rows = [
        ["対象課数", f"{c.departments}", "点検票数", f"{c.sheets}"],
        ["提出済（承認済を含む）", f"{c.submitted}", "承認済", f"{c.approved}"],
        ["未提出の点検票", f"{c.not_submitted}", "期限超過の点検票", f"{c.overdue}"],
        ["実施率", scoring.percent(o.rate), "評点", _score(o.score)],
        [f"前年度の実施率（{report.previous_label}）", scoring.percent(yoy.previous_overall.rate) if yoy.has_previous else "—",
         "前年度比（同じ課・項目）", _points(yoy.common.change)],
    ]
    story = [blocks.heading(1, 1, SECTION_TITLES[0]), *blocks.body(text, 1),
             _plain_table(["項目", "値", "項目", "値"], rows, [52, 31, 52, 31], 1)]
    if c.sheets:
        story += [blocks.spacer(3), _note("点検票の状態（件数）"), _chart(charts.completion_bar(c))]
    return story


def _date(value: str | None) -> str:
    return wareki_date(value, weekday=False) if value else ""


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _points(value: float | None) -> str:
    return "—" if value is None else f"{scoring.points(value)}ポイント"


def _section_table(rows) -> Table:
    header = ["区分", "実施", "課題あり", "実施していない", "未回答", "該当しない", "実施率"]
    data = [[Paragraph(blocks.esc(f"{s.section_id} {s.section_title}"), styles().cell), s.counts.done, s.counts.partial, s.counts.not_done,
             s.counts.unanswered, s.counts.na, scoring.rate_with_n(s.counts.done, s.counts.applicable)] for s in rows]
    return _plain_table(header, data, [57, 14, 16, 22, 14, 18, 25], 1)


def _sections(report: SummaryReport) -> list:
    story: list = [CondPageBreak(60 * mm), blocks.heading(1, 2, SECTION_TITLES[1]),
                   *blocks.body("チェックリストの区分ごとに、提出済の点検票の回答を、該当しないを除いた区分別の割合で示す"
                                "（帯の「実施」の長さが右端の実施率と一致する。該当しないの件数は帯の右に示す）。", 1)]
    if not report.sections:
        return story + blocks.body("集計の対象となる提出済の点検票はない。", 1)
    for n, checklist in enumerate(report.checklists, 1):
        rows = report.sections_of(checklist.checklist_id)
        story.append(CondPageBreak(70 * mm))
        story.append(blocks.heading(2, n, checklist.title))
        story.append(_chart(charts.section_bars(rows)))
        story += [blocks.spacer(2), _section_table(rows)]
    return story


def _departments(report: SummaryReport) -> list:
    order = queries.SORT_KEYS.get(report.sort, queries.SORT_KEYS["score"])
    story: list = [PageBreak(), blocks.heading(1, 3, SECTION_TITLES[2]),
                   blocks.heading(2, 1, f"課別の提出状況と結果（{order}）")]
    header = ["部", "課", "点検票", "提出", "承認", "期限超過", "課題あり", "未実施", "実施率", "評点"]
    data = [[_fit(d.bureau_name, 10), _fit(d.name, 13), d.sheets, d.submitted, d.approved, d.overdue or "",
             "" if d.nothing_submitted else d.counts.partial, "" if d.nothing_submitted else d.counts.not_done,
             d.result_text(d.rate), d.result_text(d.score, _score)]
            for d in report.departments]
    if data:
        story.append(_plain_table(header, data, [26, 34, 12, 12, 12, 15, 15, 14, 15, 11], 2))
    else:
        story += blocks.body("対象の課はない。", 1)
    story += [CondPageBreak(80 * mm), blocks.heading(2, 2, "課×区分の実施率")]
    story += blocks.body(f"チェックリストごとに、区分別の実施率（％）を課ごとに示す。濃いほど実施率が低い。"
                         f"この点検票を提出していない課を「未提出」として先頭に、続いて実施率の低い課から、合わせて最大{charts.HEATMAP_MAX_ROWS}課を掲げ、全ての課の値は Excel の"
                         "「課×区分」シートにある。「—」は該当する項目がない区分である。", 2)
    for checklist in report.checklists:
        story += [CondPageBreak(50 * mm), _note(checklist.title), _heatmap_table(report, checklist.checklist_id),
                  blocks.spacer(3)]
    return story


def _heatmap_table(report: SummaryReport, checklist_id: str) -> Table:
    """課 (rows, weakest first) × section (columns): the value printed, the cell shaded by it (black and white)."""
    sections, departments = report.heat.for_checklist(checklist_id, limit=charts.HEATMAP_MAX_ROWS)
    font = fonts.register()
    name_mm = 38
    cell_mm = min(16, (FRAME_MM - name_mm) / max(len(sections), 1))
    data = [["課"] + [s.section_id for s in sections]]
    commands = [
        ("FONT", (0, 0), (-1, -1), font, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, department in enumerate(departments, 1):
        row = [_fit(department.name, 12)]
        if report.heat.is_pending(department.id, checklist_id):
            data.append(row + [queries.NOT_SUBMITTED] + [""] * (len(sections) - 1))
            commands.append(("SPAN", (1, r), (-1, r)))
            continue
        for c, section in enumerate(sections, 1):
            value = report.heat.rate(department.id, checklist_id, section.section_id)
            grey = charts.heatmap_grey(value)
            row.append("—" if value is None else f"{value:.0f}")
            if grey is not None:
                commands.append(("BACKGROUND", (c, r), (c, r), colors.Color(grey, grey, grey)))
                if grey < 0.5:
                    commands.append(("TEXTCOLOR", (c, r), (c, r), colors.white))
        data.append(row)
    table = Table(data, colWidths=[name_mm * mm] + [cell_mm * mm] * len(sections), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _weakest(report: SummaryReport) -> list:
    st = styles()
    story: list = [CondPageBreak(60 * mm), blocks.heading(1, 4, SECTION_TITLES[3]),
                   *blocks.body(WEAKEST_INTRO, 1)]
    if not report.weakest:
        return story + blocks.body("課題あり・実施していないの回答はない。", 1)
    header = ["順位", "項目", "課題あり", "実施していない", "割合", "根拠"]
    data = [blocks.header_cells(header)]
    for item in report.weakest:
        data.append([
            Paragraph(str(item.rank), st.cell),
            Paragraph(blocks.esc(f"{item.item_id}（重要度{severity_label(item.severity)}）\n{item.question}"), st.cell),
            Paragraph(str(item.counts.partial), st.cell), Paragraph(str(item.counts.not_done), st.cell),
            Paragraph(blocks.esc(f"{scoring.percent(item.gap_rate)}（{item.counts.gaps}/{item.counts.applicable}課）"),
                      st.cell),
            Paragraph(blocks.esc(sources_text(item.sources)), st.cell),
        ])
    table = Table(data, colWidths=[w * mm for w in (10, 74, 14, 17, 21, 30)], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return story + [table] + _measurements(report)


def _measurements(report: SummaryReport) -> list:
    """The figures of the measurement items, added up and not judged (FORMAT.md)."""
    if not report.measurements:
        return []
    story: list = [CondPageBreak(40 * mm), blocks.heading(2, 1, "計測項目の集計"),
                   *blocks.body("件数・人数を尋ねる項目は、値を把握していれば実施として数え、値そのものは判定せずに"
                                "合計した。把握していない課は実施していないとして数えている。", 2)]
    st = styles()
    header = ["項目", "合計", "1以上の課", "回答した課", "把握していない課"]
    data = [blocks.header_cells(header)]
    for m in report.measurements:
        data.append([Paragraph(blocks.esc(f"{m.item_id} {m.question}"), st.cell),
                     *(Paragraph(blocks.esc(str(v)), st.cell) for v in (m.total_text, m.with_any, m.reported, m.unknown))])
    table = Table(data, colWidths=[w * mm for w in (96, 18, 18, 18, 22)], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return story + [table]


def _year_over_year(report: SummaryReport) -> list:
    yoy = report.yoy
    story: list = [CondPageBreak(60 * mm), blocks.heading(1, 5, SECTION_TITLES[4])]
    if not yoy.has_previous:
        return story + blocks.body(f"{report.previous_label}の提出済の点検票がないため、比較できない。", 1)
    story += blocks.body(
        f"{report.previous_label}の実施率は{scoring.percent(yoy.previous_overall.rate)}、"
        f"{report.year_label}は{scoring.percent(report.overall.rate)}である。"
        f"同じ課の同じ項目で両年度とも回答があるもの（{yoy.common.pairs}件）に限って比べると、"
        f"{scoring.change_text(yoy.common.rate_before, yoy.common.rate_now, yoy.common.change, predicate=True)}。", 1)
    if any(report.previous_sections.get((s.checklist_id, s.section_id)) for s in report.sections):
        story.append(_note("区分別の実施率（両年度）"))
        for checklist in report.checklists:
            rows = [s for s in report.sections_of(checklist.checklist_id)
                    if report.previous_sections.get((s.checklist_id, s.section_id))]
            if rows:
                story.append(KeepTogether([_note(checklist.title), _chart(charts.year_comparison(
                    rows, report.previous_sections, year_label=report.year_label,
                    previous_label=report.previous_label))]))
    story += [CondPageBreak(40 * mm), blocks.heading(2, 1, "課別の変化（低下の大きい順）")]
    if yoy.departments:
        data = [[_fit(d.bureau_name, 10), _fit(d.name, 14), d.pairs, scoring.percent(d.rate_before),
                 scoring.percent(d.rate_now), scoring.points(d.change)] for d in yoy.departments]
        story.append(_plain_table(["部", "課", "比較項目数", f"{report.previous_label}", f"{report.year_label}",
                                   "差（ポイント）"], data, [30, 40, 22, 25, 25, 24], 2))
    else:
        story += blocks.body("両年度とも回答のある課はない。", 2)
    story += [CondPageBreak(40 * mm), blocks.heading(2, 2, "実施率が変化した項目（低下の大きい順）")]
    if yoy.items:
        st = styles()
        header = ["項目", "課数", report.previous_label, report.year_label, "差", "改善/悪化"]
        data = [blocks.header_cells(header)]
        for item in yoy.items:
            data.append([Paragraph(blocks.esc(f"{item.item_id} {item.question}"), st.cell),
                         Paragraph(str(item.pairs), st.cell), Paragraph(scoring.percent(item.rate_before), st.cell),
                         Paragraph(scoring.percent(item.rate_now), st.cell),
                         Paragraph(blocks.esc(scoring.points(item.change)), st.cell),
                         Paragraph(f"{item.improved}/{item.worsened}", st.cell)])
        table = Table(data, colWidths=[w * mm for w in (82, 13, 20, 20, 15, 16)], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    else:
        story += blocks.body("実施率が変化した項目はない。", 2)
    return story


def _audits(report: SummaryReport) -> list:
    from ..audit.values import AUDIT_STATUS_LABELS

    story: list = [CondPageBreak(50 * mm), blocks.heading(1, 6, SECTION_TITLES[5])]
    if not report.audits:
        return story + blocks.body(f"{report.year_label}に実施した監査はない。", 1)
    story += blocks.body(f"{report.year_label}は{len(report.audits)}課の監査を実施した。", 1)
    rows = []
    for a in report.audits:
        checks = "、".join(f"{k}{v}" for k, v in a.results.items() if v) or "—"
        rows.append([f"{a.department_name}（{a.bureau_name}）",
                     _date(a.started_at) or "未定",
                     AUDIT_STATUS_LABELS.get(a.status, a.status), a.conclusion_quote, checks,
                     f"{a.findings}（未完了{a.open_findings}）"])
    story.append(blocks.table(["監査対象課", "実施日", "状態", "結論", "確認結果", "指摘事項"], rows,
                              [28, 23, 18, 47, 26, 24]))
    return story


def _actions(report: SummaryReport) -> list:
    from ..audit.values import ACTION_STATUS_LABELS

    a = report.actions
    story: list = [CondPageBreak(50 * mm), blocks.heading(1, 7, SECTION_TITLES[6])]
    story += blocks.body(f"{report.year_label}の監査による指摘事項は{a.findings_this_year}件である。改善措置は、"
                         f"対応中{a.open}件（うち期限超過{a.overdue}件）、{report.year_label}中に完了{a.closed_this_year}件である。"
                         "対応中の改善措置は、前年度以前の指摘によるものを含む。", 1)
    story.append(_plain_table(["指摘事項（当年度）", "対応中", "うち期限超過", "当年度中に完了"],
                              [[a.findings_this_year, a.open, a.overdue, a.closed_this_year]],
                              [FRAME_MM / 4] * 4, 0))
    if a.rows:
        rows = [[r.department_name, nendo(r.audit_year), r.finding_title, severity_label(r.severity), _date(r.due_date),
                 ("期限超過・" if r.overdue else "") + ACTION_STATUS_LABELS.get(r.status, r.status), _date(r.closed_at)]
                for r in a.rows]
        story += [blocks.spacer(3),
                  blocks.table(["課", "監査年度", "指摘事項", "重要度", "期限", "状態", "完了日"], rows,
                               [24, 18, 44, 12, 24, 20, 24])]
    return story


def _incidents(report: SummaryReport) -> list:
    s = report.incidents
    story: list = [CondPageBreak(60 * mm), blocks.heading(1, 8, SECTION_TITLES[7])]
    count = "—" if s.count is None else f"{s.count}件"
    story += blocks.body(f"{report.year_label}に覚知した漏えい等事案は{count}である。{s.source_text}", 1)
    if not s.register_in_use:
        return story
    story += [blocks.heading(2, 1, "種類別・判定別"),
              _plain_table(["種類", "件数"], [[label, n] for label, n in s.kind_rows()], [60, 20], 1),
              blocks.spacer(3),
              _plain_table(["判定（施行規則第43条）", "件数"], [[label, n] for label, n in s.judgement_rows()],
                           [60, 20], 1)]
    story += [CondPageBreak(40 * mm), blocks.heading(2, 2, "委員会への報告の期限")]
    story += blocks.body("確定した判定（未確定ならアプリの判定案）で報告を要する事案について、速報・確報が期限内かを"
                         f"数えた。未完結の事案は{s.open}件、再発防止策が未記入の事案は{s.without_prevention}件である。", 2)
    labels = [label for label, _n in s.reports[0].counts()]
    story.append(_plain_table(["報告", *labels], [[r.label, *[n for _l, n in r.counts()]] for r in s.reports],
                              [25, *[(FRAME_MM - 25) / len(labels)] * len(labels)], 1))
    story += [CondPageBreak(40 * mm), blocks.heading(2, 3, "課別（件数の多い順）")]
    if s.by_department:
        story.append(_plain_table(["部", "課", "件数"], [[_fit(d.bureau_name, 14), _fit(d.name, 20), d.count]
                                                        for d in s.by_department], [50, 70, 20], 2))
    story += blocks.body("複数の課の事案は、件数では1件、課別では各課に数えている。", 2)
    return story


def _annex() -> list:
    story: list = [PageBreak(), Paragraph(blocks.esc("別紙\u3000集計方法"), styles().heading[0])]
    for n, (heading, text) in enumerate(scoring.method_text(), 1):
        story.append(KeepTogether([blocks.heading(2, n, heading), *blocks.body(text, 2)]))
    return story


def render(report: SummaryReport, *, author: str = "") -> bytes:
    story = _cover(report, author)
    story += _summary(report)
    story += _sections(report)
    story += _departments(report)
    story += _weakest(report)
    story += _year_over_year(report)
    story += _audits(report)
    story += _actions(report)
    if report.incidents is not None:
        story += _incidents(report)
    story += _annex()
    return document.render(story, title=report.document_title, author=report.municipality,
                           subject=f"{report.municipality} {report.scope_label}",
                           options=document.PageOptions(page_numbers="dash"))
