"""Flowable helpers: escaped paragraphs, numbered headings, hanging labels and ruled tables.

Text given to these helpers is plain text (user input included): it is escaped here, so a
"<" typed by a user never becomes reportlab markup.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from ..wareki import zenkaku
from .linebreak import FittedParagraph, Paragraph
from .styles import styles

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def esc(text: str | None) -> str:
    """Plain text for a Paragraph: markup escaped, line breaks kept."""
    return escape(text or "").replace("\n", "<br/>")


def number_label(level: int, n: int) -> str:
    """１ / （１） / ① for levels 1, 2, 3."""
    if level == 1:
        return zenkaku(n)
    if level == 2:
        return f"（{zenkaku(n)}）"
    return CIRCLED[n - 1] if n <= len(CIRCLED) else f"（{n}）"


def title(text: str) -> Paragraph:
    return Paragraph(esc(text), styles().title)


def heading(level: int, n: int | None, text: str) -> Paragraph:
    """A numbered heading: heading(1, 5, '監査の結果') -> '５ 監査の結果'."""
    label = number_label(level, n) if n is not None else ""
    separator = "" if level == 2 else "\u3000"
    return Paragraph(esc(f"{label}{separator}{text}" if label else text), styles().heading[level - 1])


def body(text: str, level: int = 1) -> list[Paragraph]:
    """Body paragraphs under a heading of `level`: one Paragraph per blank-line-separated block."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(esc(b), styles().body[level]) for b in blocks if b]


def labelled(level: int, n: int, label: str, text: str) -> Paragraph:
    """（１）日　時　令和… : a numbered label whose continuation lines hang under the text."""
    return Paragraph(esc(f"{number_label(level, n)}{label}\u3000{text}"), styles().label[level - 1])


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


def header_cells(header: list[str]) -> list[FittedParagraph]:
    """A table's header row: centred, a phrase never cut (the font shrinks a little instead)."""
    return [FittedParagraph(h, styles().cell_head) for h in header]


def table(header: list[str], rows: list[list[str]], col_widths_mm: list[float], *, repeat_header: bool = True) -> Table:
    """A black-and-white ruled table whose cells wrap Japanese text; the header repeats on each page."""
    st = styles()
    data = [header_cells(header)]
    data += [[Paragraph(esc(str(c) if c is not None else ""), st.cell) for c in row] for row in rows]
    result = Table(data, colWidths=[w * mm for w in col_widths_mm], repeatRows=1 if repeat_header else 0)
    result.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return result
