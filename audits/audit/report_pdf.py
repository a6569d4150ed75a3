"""The 監査報告書 as a PDF, in the structure of Setagaya's 報告資料No.6-2 (REPORTS.md section 1).

Input is the plain content of drafting.report_content(); nothing here reads the database, so an
issued report's frozen content renders the same way every time.
"""
from __future__ import annotations

import re

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Table, TableStyle

from ..pdf import blocks, document
from ..pdf.linebreak import Paragraph
from ..pdf.styles import styles
from ..incidents import report_pdf as incident_report
from ..incidents.deadlines import as_date
from ..wareki import wareki_date, zenkaku
from . import values
from .drafting import when_and_where

CIRCLED_START = re.compile(r"^([①-⑳])[\s\u3000]*(.+)$")
LABEL_WIDTH_MM = 30


def _facts_table(rows: list[tuple[str, str]]) -> Table:
    """（１）日　　時 | 令和… : labels in one column, the text (wrapping, several lines) in the other."""
    st = styles()
    data = [[Paragraph(blocks.esc(label), st.plain), Paragraph(blocks.esc(text), st.plain)]
            for label, text in rows]
    table = Table(data, colWidths=[LABEL_WIDTH_MM * mm, document.FRAME_WIDTH - LABEL_WIDTH_MM * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


def _result_text(text: str) -> list:
    """The auditor's prose for one 監査項目: a short block starting with ①… is a sub-heading."""
    out, level = [], 2
    for block in [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]:
        match = CIRCLED_START.match(block)
        if match and "\n" not in block and len(block) <= 60:
            number = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(match.group(1)) + 1
            out.append(blocks.heading(3, number, match.group(2)))
            level = 3
        else:
            out.extend(blocks.body(block, level))
    return out


def story(content: dict) -> list:
    titles = values.SECTION_TITLES
    number = content.get("report_number") or ""        # the 報告資料 number line, when the auditor set one
    items = [*([Paragraph(blocks.esc(number), styles().right)] if number else []), blocks.title(content["title"])]
    items += [blocks.heading(1, 1, titles[0]), *blocks.body(content["theme"] or "（未記入）")]
    departments = content.get("departments") or []
    if len(departments) > 1:
        items.append(blocks.heading(1, 2, titles[1]))
        for d in departments:                       # one 課 a line, each indented as the single 課 is
            items += blocks.body(d["label"])
    else:
        items += [blocks.heading(1, 2, titles[1]), *blocks.body(content["department"])]
    items += [blocks.heading(1, 3, titles[2]), *blocks.body(content["selection_reason"] or "（未記入）")]
    topic_lines = "\n".join(f"{blocks.number_label(3, t['position'])}{t['title']}" for t in content["topics"]
                            if not t.get("extra"))
    when_lines, place_lines = when_and_where(content)
    items += [blocks.heading(1, 4, titles[3]), _facts_table([
        ("（１）日\u3000\u3000時", "\n".join(when_lines)),
        ("（２）場\u3000\u3000所", "\n".join(place_lines)),
        ("（３）監査項目", topic_lines or "（未記入）"),
        ("（４）実施手法", content["methods"] or "（未記入）"),
    ])]
    items += [blocks.heading(1, 5, titles[4]), *blocks.body(content["conclusion"] or "（未記入）")]
    for topic in content["topics"]:
        items.append(blocks.heading(2, topic["position"], f"{topic['title']}について"))
        items += _result_text(topic["text"]) or blocks.body("（未記入）", 2)
    items += [blocks.heading(1, 6, titles[5]), *blocks.body(content["closing"] or "（未記入）")]
    show_annex = content.get("show_annex", True)            # each optional per report (report options)
    show_findings = content.get("show_findings", True) and content["findings"]
    if show_annex or show_findings:
        items.append(PageBreak())
    if show_annex:
        items += [blocks.heading(1, None, "別表\u3000監査項目ごとの確認結果"), *blocks.body(content["counts_text"], 0)]
        annex_header, annex_widths = ["項目番号", "点検項目", "自己点検の回答", "監査の確認結果", "備考"], [18, 68, 26, 18, 36]
        if len(departments) > 1:
            for n, d in enumerate([d for d in departments if d.get("shown", True)], start=1):
                items += [*([blocks.spacer(4)] if n > 1 else []), blocks.heading(2, n, d["name"]),
                          *blocks.body(d["counts_text"], 2)]
                if d["annex"]:
                    items.append(blocks.table(annex_header, d["annex"], annex_widths))
        elif content["annex"]:
            items.append(blocks.table(annex_header, content["annex"], annex_widths))
    if show_findings:
        items += [*([blocks.spacer(6)] if show_annex else []), blocks.heading(1, None, "指摘事項の一覧")]
        if len(departments) > 1:
            items.append(blocks.table(
                ["番号", "課", "指摘の内容", "関係条項", "重要度", "区分・求める対応", "改善の期限"],
                [[str(n), f.get("department", ""), f["title"], f["clause"], f["severity"],
                  f"【{f['request_kind']}】{f['request']}", wareki_date(f["due_date"], weekday=False)
                  if f["due_date"] else ""] for n, f in enumerate(content["findings"], start=1)],
                [10, 20, 38, 22, 10, 46, 20]))
        else:
            items.append(blocks.table(
                ["番号", "指摘の内容", "関係条項", "重要度", "区分・求める対応", "改善の期限"],
                [[str(n), f["title"], f["clause"], f["severity"], f"【{f['request_kind']}】{f['request']}",
                  wareki_date(f["due_date"], weekday=False) if f["due_date"] else ""]
                 for n, f in enumerate(content["findings"], start=1)],
                [10, 46, 26, 12, 52, 20]))
    for n, annex in enumerate(content.get("incidents") or [], start=1):  # 別添: the incident reports
        items += [PageBreak(), Paragraph(blocks.esc(f"別添{zenkaku(n)}"), styles().right),
                  *incident_report.story(annex["incident"], annex["events"], as_date(annex["on"]))]
    return items


def render(content: dict, *, draft: bool = False) -> bytes:
    top_right = "案（事実確認用）" if draft else (f"{content['issued_on']}発行" if content.get("issued_on") else "")
    if not draft and content.get("version", 1) > 1:
        top_right += f"（第{content['version']}版）"
    return document.render(story(content), title=content["title"], author=content["municipality"],
                           subject=content["department"],
                           options=document.PageOptions(page_numbers="dash", top_right=top_right,
                                                        draft_mark="案" if draft else ""))
