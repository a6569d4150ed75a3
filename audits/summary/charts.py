"""Charts of the aggregated report, drawn with matplotlib (Agg) as PNG for the web page and the PDF.

Japanese text uses IPAexGothic from matplotlib-fontja (registered once with font_manager.addfont).
Every chart reads in black and white: categories differ by grey level *and* hatching, and labels
carry the numbers. (The 課 × section heatmap is a shaded table, see heatmap_grey(): hundreds of
printed values lay out far faster as table cells than as matplotlib text.)
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Callable, Iterable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..pdf import linebreak
from . import scoring
from .queries import Completion, SectionRow

WIDTH_IN = 6.5          # the PDF frame is 166 mm wide
WEB_DPI = 110
PDF_DPI = 150

# (face colour, hatch, text colour) per category: grey levels 0.22 / 0.82 / 0.46 / 1.0 / 0.90.
CATEGORY_STYLE: dict[str, tuple[str, str, str]] = {
    scoring.DONE: ("#1f3b73", "", "white"),
    scoring.PARTIAL: ("#f3d36b", "///", "black"),
    scoring.NOT_DONE: ("#c8553d", "xxx", "black"),
    scoring.UNANSWERED: ("#ffffff", "...", "black"),
    scoring.NOT_APPLICABLE: ("#e6e6e6", "", "black"),
}
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "approved": ("#1f3b73", ""), "submitted": ("#7f95c0", "\\\\\\"), "answering": ("#f3d36b", "///"),
    "returned": ("#c8553d", "xxx"), "not_started": ("#ffffff", "..."),
}
STATUS_ORDER = ("approved", "submitted", "answering", "returned", "not_started")


@lru_cache(maxsize=1)
def font_family() -> str:
    """Register IPAexGothic (the same file the PDF embeds) with matplotlib and return its name."""
    from ..pdf.fonts import use_in_matplotlib

    return use_in_matplotlib()  # font_manager.addfont(ipaexg.ttf) and rcParams["font.family"]


def _figure(height_in: float) -> Figure:
    family = font_family()
    fig = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(fig)
    fig.set_facecolor("white")
    # rc-like defaults for this figure only (no global pyplot state).
    fig._tenken_family = family  # type: ignore[attr-defined]
    return fig


def _text_kw(fig: Figure, size: float = 8, **kw) -> dict:
    return {"fontfamily": fig._tenken_family, "fontsize": size, **kw}  # type: ignore[attr-defined]


def _style_axes(fig: Figure, ax) -> None:
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(fig._tenken_family)  # type: ignore[attr-defined]


def png(fig: Figure, dpi: int = WEB_DPI) -> bytes:
    """The figure as PNG; margins are laid out by each chart (no second 'tight' drawing pass)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "Tenken"})
    return buffer.getvalue()


DRAWN_KEPT = 64                # web charts kept drawn (each PNG 20–60 KB)
_drawn: OrderedDict[str, bytes] = OrderedDict()
_drawn_lock = threading.Lock()


def cached_png(data, draw: Callable[[], Figure]) -> bytes:
    """The PNG of `draw()`, drawn once for the same `data` (everything the chart is drawn from, read afresh for
    each request: a changed answer or status is new data and draws anew). Every reader of the dashboard asks for
    the same charts, each costing 0.1–0.5 s of CPU to draw; near a deadline that starved every other request."""
    key = hashlib.sha256(repr(data).encode()).hexdigest()
    with _drawn_lock:
        if key in _drawn:
            _drawn.move_to_end(key)
            return _drawn[key]
    image = png(draw())
    with _drawn_lock:
        _drawn[key] = image
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
    return image


def pil_image(fig: Figure, dpi: int = PDF_DPI):
    """The figure as an RGB PIL image (for the PDF: no PNG encoding and decoding on the way)."""
    from PIL import Image as PILImage

    fig.set_dpi(dpi)
    fig.canvas.draw()
    return PILImage.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert("RGB")


HEATMAP_MAX_ROWS = 40


def heatmap_grey(rate: float | None) -> float | None:
    """Grey level of a heatmap cell: 0 % -> 0.3 (dark), 50 % -> 0.48, 100 % -> 1.0 (white); None when nothing
    applies. Squared, so that the weak cells stand out among mostly high rates."""
    if rate is None:
        return None
    return 0.3 + 0.7 * (max(0.0, min(rate, 100.0)) / 100.0) ** 2


def heatmap_class(rate: float | None) -> str:
    """CSS class of a heatmap cell on the web page: heat-0 (0–9 %) … heat-10 (100 %), heat-na."""
    return "heat-na" if rate is None else f"heat-{int(max(0.0, min(rate, 100.0)) // 10)}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(linebreak.wrap(text, width)[:2])


def _legend(fig: Figure, categories: Iterable[str], labels: dict[str, str], styles: dict, ncol: int) -> None:
    """The key above the plot, from the figure's left edge (the y labels' column), never cut off."""
    handles = []
    for key in categories:
        face, hatch = styles[key][0], styles[key][1]
        handles.append(Patch(facecolor=face, hatch=hatch, edgecolor="black", linewidth=0.6, label=labels[key]))
    height = fig.get_figheight()
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 1 - 0.04 / height), ncol=ncol,
               frameon=False, prop={"family": fig._tenken_family, "size": 8},  # type: ignore[attr-defined]
               handlelength=2.2, handleheight=1.2, columnspacing=1.2, borderaxespad=0)


def _segment_label(ax, x: float, y: float, value: float, count: int, text_colour: str, fig: Figure) -> None:
    text = f"{value:.0f}%"
    box = None if text_colour == "white" else {"boxstyle": "round,pad=0.12", "facecolor": "white",
                                               "edgecolor": "none", "alpha": 0.9}
    ax.text(x, y, text, ha="center", va="center", color=text_colour, bbox=box, **_text_kw(fig, 7))


# --------------------------------------------------------------------------- stacked bars per section

def section_bars(sections: list[SectionRow]) -> Figure:
    """One 100% stacked bar per section over the applicable answers (該当しない apart), so that the 実施 segment
    is the printed 実施率; the 該当しない count is printed outside the bar."""
    rows = [s for s in sections if s.counts.total]
    height = 0.95 + 0.42 * max(len(rows), 1)
    fig = _figure(height)
    ax = fig.add_subplot(111)
    categories = [c for c in scoring.BAR_CATEGORIES if c != scoring.NOT_APPLICABLE
                  and (c != scoring.UNANSWERED or any(s.counts.unanswered for s in rows))]
    labels = [f"{s.section_id} {_wrap(s.section_title, 16)}" for s in rows]
    positions = list(range(len(rows)))
    lefts = [0.0] * len(rows)
    for category in categories:
        face, hatch, text_colour = CATEGORY_STYLE[category]
        widths = []
        for s in rows:
            counts = s.counts.by_category()
            widths.append(100.0 * counts[category] / s.counts.applicable if s.counts.applicable else 0)
        ax.barh(positions, widths, left=lefts, color=face, hatch=hatch, edgecolor="black", linewidth=0.6,
                height=0.62)
        for i, (left, width) in enumerate(zip(lefts, widths)):
            if width >= 7:
                _segment_label(ax, left + width / 2, i, width, 0, text_colour, fig)
        lefts = [l + w for l, w in zip(lefts, widths)]
    for i, s in enumerate(rows):
        ax.text(101.5, i, scoring.rate_with_n(s.counts.done, s.counts.applicable, 0), va="center", ha="left",
                **_text_kw(fig, 7.5))
        ax.text(150, i, str(s.counts.na), va="center", ha="right", **_text_kw(fig, 7.5))
    ax.text(101.5, -0.9, "実施率", va="center", ha="left", **_text_kw(fig, 7))
    ax.text(150, -0.9, NA_COLUMN, va="center", ha="right", **_text_kw(fig, 7))
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_ylim(len(rows) - 0.5, -1.2)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
    ax.tick_params(axis="both", labelsize=7.5, length=2)
    ax.spines[["top", "right"]].set_visible(False)
    _style_axes(fig, ax)
    _legend(fig, categories, scoring.CATEGORY_LABELS, {k: v[:2] for k, v in CATEGORY_STYLE.items()}, 5)
    fig.subplots_adjust(left=0.34, right=0.72, top=1 - 0.42 / height, bottom=0.32 / height)
    return fig


NA_COLUMN = "該当しない（件）"


# --------------------------------------------------------------------------- completion

def completion_bar(completion: Completion) -> Figure:
    """One stacked bar of the sheets by status (承認済 → 未着手), with counts."""
    fig = _figure(1.25)
    ax = fig.add_subplot(111)
    total = completion.sheets or 1
    left = 0
    shown = [s for s in STATUS_ORDER if completion.by_status.get(s)]
    for status in shown:
        count = completion.by_status.get(status, 0)
        face, hatch = STATUS_STYLE[status]
        width = 100.0 * count / total
        ax.barh([0], [width], left=left, color=face, hatch=hatch, edgecolor="black", linewidth=0.6, height=0.6)
        if width >= 6:
            colour = "white" if status == "approved" else "black"
            box = None if colour == "white" else {"boxstyle": "round,pad=0.12", "facecolor": "white",
                                                  "edgecolor": "none", "alpha": 0.9}
            ax.text(left + width / 2, 0, f"{count}", ha="center", va="center", color=colour, bbox=box,
                    **_text_kw(fig, 8))
        left += width
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.tick_params(labelsize=7.5, length=2)
    ax.spines[["top", "right", "left"]].set_visible(False)
    _style_axes(fig, ax)
    labels = {s: f"{scoring.STATUS_LABELS[s]}（{completion.by_status.get(s, 0)}）" for s in STATUS_ORDER}
    _legend(fig, shown or ["not_started"], labels, STATUS_STYLE, 5)
    fig.subplots_adjust(left=0.03, right=0.97, top=0.58, bottom=0.25)
    return fig


# --------------------------------------------------------------------------- the two 年度 side by side

def year_comparison(sections: list[SectionRow], previous: dict[tuple[str, str], scoring.Counts], *,
                    year_label: str, previous_label: str) -> Figure:
    """実施率 per section, this 年度 (dark) and the previous one (white, hatched), for sections in both."""
    rows = [s for s in sections if s.counts.rate is not None
            and previous.get((s.checklist_id, s.section_id)) is not None
            and previous[(s.checklist_id, s.section_id)].rate is not None]
    height = 0.8 + 0.4 * max(len(rows), 1)
    fig = _figure(height)
    ax = fig.add_subplot(111)
    for i, s in enumerate(rows):
        before = previous[(s.checklist_id, s.section_id)].rate or 0.0
        now_rate = s.counts.rate or 0.0
        ax.barh(i - 0.19, before, height=0.37, color="white", hatch="///", edgecolor="black", linewidth=0.6)
        ax.barh(i + 0.19, now_rate, height=0.37, color="#1f3b73", edgecolor="black", linewidth=0.6)
        ax.text(before + 1, i - 0.19, f"{before:.0f}%", va="center", **_text_kw(fig, 6.5))
        ax.text(now_rate + 1, i + 0.19, f"{now_rate:.0f}%（{scoring.points(now_rate - before, 1)}）",
                va="center", **_text_kw(fig, 6.5))
    ax.set_yticks(list(range(len(rows))), [f"{s.section_id} {_wrap(s.section_title, 16)}" for s in rows])
    ax.set_ylim(len(rows) - 0.5, -0.6)
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
    ax.tick_params(labelsize=7.5, length=2)
    ax.spines[["top", "right"]].set_visible(False)
    _style_axes(fig, ax)
    styles = {"before": ("white", "///"), "now": ("#1f3b73", "")}
    _legend(fig, ["before", "now"], {"before": previous_label, "now": year_label}, styles, 2)
    fig.subplots_adjust(left=0.34, right=0.97, top=1 - 0.42 / height, bottom=0.32 / height)
    return fig
