"""Japanese line breaking for every paragraph of every PDF (JIS X 4051 in the small).

reportlab's wordWrap='CJK' breaks between any two characters and lets at most one closing mark hang
into the margin, so lines start with 「、」 or 「）」, end with 「（」 and cut 「３０日」 or 「ネットワーク」 in two.
`Paragraph` here replaces that step (breakLinesCJK) and nothing else: markup, styles, splitting across
pages and drawing stay reportlab's. A line breaks, by preference:

1. at a phrase boundary found by BudouX (Google's phrase segmenter) or after a space;
2. else between two characters that are not inside a number, date, time, Latin word or katakana word;
3. else anywhere;

and in every case never before a character that may not start a line (、。）」ー small kana …) nor after
one that may not end it (（「『 …), unless a single character is wider than the line. Nothing hangs
into the margin, so no text crosses a table cell's border.
"""
from __future__ import annotations

import re
from functools import lru_cache

from reportlab.platypus import Paragraph as _ReportlabParagraph
from reportlab.platypus.paragraph import ParaLines, _handleBulletWidth, cjkU, makeCJKParaLine
from reportlab.rl_config import _FUZZ

# 行頭禁則: closing brackets and punctuation, iteration marks, the long-vowel mark, small kana.
CANNOT_START = frozenset(
    "、。，．・：；？！゛゜ヽヾゝゞ々〻ー―‐…‥〜～"
    "）」』】〕］｝〉》〙〗’”"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    ")]},.:;!?%％‰℃°′″")
# 行末禁則: opening brackets and quotes.
CANNOT_END = frozenset("（「『【〔［｛〈《〘〖‘“([{")

_SPACES = frozenset(" \u3000\t")
_DIGIT = "0-9０-９"
# Runs that are one word to a reader: dates, times, numbers with units or decimals, Latin words and
# codes (G-04-06), katakana words.
_WORDS = re.compile("|".join((
    rf"(?:令和|平成|昭和)?[{_DIGIT}元]+年(?:度|[{_DIGIT}]+月(?:[{_DIGIT}]+日(?:（[月火水木金土日]）)?)?)?",
    rf"[{_DIGIT}]+月[{_DIGIT}]+日(?:（[月火水木金土日]）)?",
    rf"(?:午前|午後)?[{_DIGIT}]+時(?:[{_DIGIT}]+分)?",
    rf"[{_DIGIT}A-Za-zＡ-Ｚａ-ｚ](?:[{_DIGIT}A-Za-zＡ-Ｚａ-ｚ]|[-_.,:/．，－](?=[{_DIGIT}A-Za-zＡ-Ｚａ-ｚ]))*[%％]?",
    r"[ァ-ヺー]+",
)))


@lru_cache(maxsize=1)
def _parser():
    import budoux

    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=4096)
def break_levels(text: str) -> tuple[int, ...]:
    """For each position k (0 < k < len(text)), how good a break before text[k] is: 2 at a phrase
    boundary, 1 between words, 0 inside a word, -1 where kinsoku forbids it. Index 0 is unused."""
    n = len(text)
    levels = [1] * n
    for match in _WORDS.finditer(text):
        for k in range(match.start() + 1, match.end()):
            levels[k] = 0
    position = 0
    for line in text.split("\n"):
        for phrase in _parser().parse(line) if line.strip() else [line]:
            position += len(phrase)
            if position < n and levels[position] == 1:
                levels[position] = 2
        position += 1                       # the "\n"
    for k in range(1, n):
        if text[k - 1] in _SPACES:
            levels[k] = 2
        if text[k] in CANNOT_START or text[k - 1] in CANNOT_END or text[k] in _SPACES:
            levels[k] = -1
    return tuple(levels)


def _width(u, max_width: float) -> float:
    w = u.width
    if hasattr(w, "normalizedValue"):
        w._normalizer = max_width
        w = w.normalizedValue(max_width)
    return w


def _best_break(levels: tuple[int, ...], start: int, end: int) -> int:
    """The break position in (start, end] of the highest level, the latest among equals."""
    best, best_level = end, -2
    for k in range(end, start, -1):
        if levels[k] > best_level:
            best, best_level = k, levels[k]
            if best_level == 2:
                break
    return best


def split_frags(frags, max_widths: list[float], calc_bounds: bool) -> ParaLines:
    """reportlab's cjkFragSplit with the breaking rules above."""
    units = []
    for f in frags:
        text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
        units.extend(cjkU(t, f, "utf8") for t in text) if text else units.append(cjkU(text, f, "utf8"))
    levels: tuple[int, ...] | None = None
    lines = []
    start = i = 0
    used = 0.0
    max_width = max_widths[0]
    n = len(units)
    while i < n:
        u = units[i]
        w = _width(u, max_width)
        line_break = hasattr(u.frag, "lineBreak")
        if line_break:
            lines.append(makeCJKParaLine(units[start:i + 1], max_width, used + w, max_width - used - w, True,
                                         calc_bounds))
            start = i = i + 1
        elif used + w > max_width + _FUZZ and i > start and u not in _SPACES:
            if levels is None:
                # Empty units stand for <br/>: one character each so that positions match.
                levels = break_levels("".join(x or "\n" for x in units) + "\n")
            end = _best_break(levels, start, i)
            width = sum(_width(x, max_width) for x in units[start:end])
            lines.append(makeCJKParaLine(units[start:end], max_width, width, max_width - width, False,
                                         calc_bounds))
            start = i = end
        else:
            used += w
            i += 1
            continue
        used = 0.0
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
    if start < n:
        width = sum(_width(x, max_width) for x in units[start:])
        lines.append(makeCJKParaLine(units[start:], max_width, width, max_width - width, False, calc_bounds))
    return ParaLines(kind=1, lines=lines)


class Paragraph(_ReportlabParagraph):
    """reportlab's Paragraph with Japanese line breaking (styles keep wordWrap='CJK')."""

    def breakLinesCJK(self, maxWidths):
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara
        _handleBulletWidth(self.bulletText, style, maxWidths)
        if not self.frags:
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName, textColor=style.textColor,
                             lines=[], ascent=style.fontSize, descent=-0.2 * style.fontSize)
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return split_frags(self.frags, list(maxWidths), auto_leading not in ("", "off"))


def lines_of(text: str, width: float, style) -> list[str]:
    """The lines `text` (markup) is broken into at `width` points: for tests and checks."""
    paragraph = Paragraph(text, style)
    paragraph.wrap(width, 10_000)
    return ["".join(f.text for f in line.words) for line in paragraph.blPara.lines]
