"""Paragraph styles for A4 reports in Japanese: title, headings １ / （１） / ①, body text, table cells.

Indents follow the municipal layout: a heading's number hangs, its text and the body under it
are indented one step (one full-width character = the font size) per level.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from . import fonts

BODY_SIZE = 10.5
LEADING = 18


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    right: ParagraphStyle
    heading: tuple[ParagraphStyle, ...]      # levels 1..3 at index 0..2
    body: tuple[ParagraphStyle, ...]         # body text under a heading of level 0..3
    label: tuple[ParagraphStyle, ...]        # hanging label "（１）日　時　…" at levels 1..3
    plain: ParagraphStyle                    # no indent at all (labels in tables)
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    small: ParagraphStyle


def _style(name: str, **kw) -> ParagraphStyle:
    base = dict(fontName=fonts.register(), fontSize=BODY_SIZE, leading=LEADING, wordWrap="CJK",
                alignment=TA_LEFT)
    base.update(kw)
    return ParagraphStyle(name, **base)


@lru_cache(maxsize=1)
def styles() -> Styles:
    em = BODY_SIZE
    # (base indent, hanging width) in characters: "１　" hangs 2, "（１）" hangs 3, "①　" hangs 2 from 1 in.
    layout = {1: (0, 2), 2: (0, 3), 3: (1, 2)}
    heading = tuple(_style(f"h{level}", leftIndent=(base + hang) * em, firstLineIndent=-hang * em,
                           spaceBefore=10 if level == 1 else 6, spaceAfter=2, keepWithNext=1)
                    for level, (base, hang) in layout.items())
    # Body under a level-n heading starts one character further in, first line indented once more.
    body = tuple(_style(f"body{level}", leftIndent=level * em, firstLineIndent=em, spaceAfter=4)
                 for level in range(4))
    label = tuple(_style(f"label{level}", leftIndent=(level - 1) * em + 3 * em, firstLineIndent=-3 * em,
                         spaceAfter=2) for level in (1, 2, 3))
    return Styles(
        title=_style("title", fontSize=14, leading=22, alignment=TA_CENTER, spaceAfter=14),
        subtitle=_style("subtitle", alignment=TA_CENTER, spaceAfter=6),
        right=_style("right", alignment=TA_RIGHT),
        heading=heading, body=body, label=label,
        plain=_style("plain"),
        cell=_style("cell", fontSize=8.5, leading=12),
        cell_head=_style("cell_head", fontSize=8.5, leading=12, alignment=TA_CENTER),
        small=_style("small", fontSize=8.5, leading=12),
    )
