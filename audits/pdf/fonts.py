"""IPAexGothic from the matplotlib-fontja package, embedded in every PDF (TTFont) and used by matplotlib.

Embedding (rather than a CID font that the reader's machine must supply) makes every viewer show
the same glyphs, in a closed network as anywhere else.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_NAME = "IPAexGothic"


def font_path() -> Path:
    import matplotlib_fontja

    return Path(matplotlib_fontja.__file__).resolve().parent / "fonts" / "ipaexg.ttf"


@lru_cache(maxsize=1)
def register() -> str:
    """Register the font with reportlab once; returns its name for styles."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    # The same face for bold/italic: <b> in a paragraph must not fall back to a Latin-only font.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


def use_in_matplotlib() -> str:
    """Make matplotlib (Agg) draw Japanese with the same font; returns the family name."""
    from matplotlib import font_manager, rcParams

    font_manager.fontManager.addfont(str(font_path()))
    family = font_manager.FontProperties(fname=str(font_path())).get_name()
    rcParams["font.family"] = family
    rcParams["pdf.fonttype"] = 42  # embed TrueType, not Type 3
    return family
