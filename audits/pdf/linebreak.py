"""Japanese line breaking for every paragraph of every PDF (JIS X 4051 in the small).

reportlab's wordWrap='CJK' breaks between any two characters and lets at most one closing mark hang
into the margin, so lines start with 「、」 or 「）」, end with 「（」 and cut 「３０日」 or 「ネットワーク」 in two.
`Paragraph` here replaces that step (breakLinesCJK) and nothing else: markup, styles, splitting across
pages and drawing stay reportlab's. A line breaks, by preference:

1. at a phrase boundary found by BudouX (Google's phrase segmenter) or after a space, if that leaves at
   most two characters' width of the line empty;
2. else at the latest point between two characters that are not inside a number, date, time, Latin
   word or katakana word (as Japanese is typeset: kanji compounds may break, 「３０日」 may not);
3. else anywhere;

and in every case never before a character that may not start a line (、。）」ー small kana …) nor after
one that may not end it (（「『 …), unless a single character is wider than the line. Nothing hangs
into the margin, so no text crosses a table cell's border.
"""
from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
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

_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆]")


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
            # BudouX also cuts kanji compounds (期限超|過): there it is no better than any kanji gap.
            if position < n and levels[position] == 1 and not (_KANJI.match(text[position - 1])
                                                               and _KANJI.match(text[position])):
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


def _best_break(levels: tuple[int, ...], widths: list[float], start: int, end: int, slack: float) -> int:
    """Where to end the line that overflows at character `end`: a phrase boundary if it leaves at most `slack`
    points of the line empty, else the latest break between words, else inside a word, else at `end`.
    (Official documents fill their lines: a phrase boundary far back would leave a ragged edge.)"""
    best, best_level = end, -2
    loss = 0.0
    for k in range(end, start, -1):
        if k < end:
            loss += widths[k]
        level = levels[k]
        if level == 2 and loss > slack:
            level = 1
        if level > best_level:
            best, best_level = k, level
            if level == 2:
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
                widths = [x.width if isinstance(x.width, (int, float)) else 0 for x in units]
            end = _best_break(levels, widths, start, i, 2 * u.frag.fontSize)
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


def phrases(text: str) -> list[str]:
    """`text` cut at its phrase boundaries (level 2): the pieces a header should keep whole."""
    levels = break_levels(text + "\n")
    cuts = [0] + [k for k in range(1, len(text)) if levels[k] == 2] + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


class FittedParagraph(Paragraph):
    """A table header: if one of its phrases is wider than the cell, the font shrinks (down to 3/4)
    so that the phrase fits and no word is cut; beyond that it breaks as any paragraph."""

    MIN_SCALE = 0.75

    def __init__(self, text: str | None, style, **kw):
        # reportlab's split() calls the class again with text=None and the fragments.
        self._plain_text = text or ""
        self._base_style = style
        super().__init__(None if text is None else escape(text), style, **kw)

    def wrap(self, availWidth, availHeight):
        style = self._base_style
        widest = max((stringWidth(p.strip(), style.fontName, style.fontSize) for p in phrases(self._plain_text)),
                      default=0)
        inner = availWidth - style.leftIndent - style.rightIndent
        scale = inner / widest * 0.99 if widest > inner else 1.0
        if self.MIN_SCALE <= scale < 1.0 and self.style is style:
            fitted = ParagraphStyle(f"{style.name}_fitted", parent=style, fontSize=style.fontSize * scale,
                                    leading=style.leading * scale)
            super().__init__(escape(self._plain_text), fitted)
        return super().wrap(availWidth, availHeight)


def wrap(text: str, width: float) -> list[str]:
    """Plain text (a chart label) in lines of at most `width` full-width characters, half-width ones
    counting half, broken by the same rules as paragraphs."""
    import unicodedata

    if not text:
        return []
    widths = [1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text]
    levels = break_levels(text + "\n")
    lines, start, used = [], 0, 0.0
    for i, w in enumerate(widths):
        if used + w > width and i > start and text[i] not in _SPACES:
            end = _best_break(levels, widths, start, i, 2.0)
            lines.append(text[start:end].rstrip())
            start, used = end, sum(widths[end:i])
        used += w
    return lines + [text[start:].rstrip()]


def lines_of(text: str, width: float, style) -> list[str]:
    """The lines `text` (markup) is broken into at `width` points: for tests and checks."""
    paragraph = Paragraph(text, style)
    paragraph.wrap(width, 10_000)
    return ["".join(f.text for f in line.words) for line in paragraph.blPara.lines]
