"""The A4 portrait page: margins, page numbers (「－ N －」 or 「N / M」), document metadata, draft mark."""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import SimpleDocTemplate, tables

from ..wareki import zenkaku
from . import fonts

# Streams are written binary (Flate only) rather than ASCII85 + Flate: the pure-Python ASCII85
# encoder is the slowest step for reports with images, and each stream names its own filters, so
# every reader opens the PDF the same. Set once here, never toggled per request (threads).
rl_config.useA85 = 0
# Table cells select their font before drawing, even cells holding a Paragraph: reportlab's default
# (Helvetica, never embedded) would be named in every PDF. Set once here, like useA85.
tables.CellStyle.fontname = fonts.FONT_NAME

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class PageOptions:
    page_numbers: str = "dash"        # 'dash' -> －１－, 'fraction' -> 1 / 3, '' -> none
    top_right: str = ""               # e.g. 報告資料Ｎｏ．６－２ or 案
    draft_mark: str = ""              # a framed stamp in every page's top margin, e.g. 案


def _canvas_class(options: PageOptions):
    """A canvas that holds pages until the end so that 'N / M' knows M."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            font = fonts.register()
            number = self._pageNumber
            if options.page_numbers == "dash":
                text = f"－ {zenkaku(number)} －"
            elif options.page_numbers == "fraction":
                text = f"{number} / {total}"
            else:
                text = ""
            self.saveState()
            self.setFont(font, 9)
            if text:
                self.drawCentredString(PAGE_WIDTH / 2, 12 * mm, text)
            if options.top_right:
                self.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 12 * mm, options.top_right)
            if options.draft_mark:
                # A framed stamp in the top margin, left, where no text of the page runs: it never covers text.
                size = 16
                width = self.stringWidth(options.draft_mark, font, size) + 4 * mm
                height = size + 2 * mm
                bottom = PAGE_HEIGHT - MARGIN + 3 * mm
                self.setLineWidth(1.2)
                self.rect(MARGIN, bottom, width, height)
                self.setFont(font, size)
                self.drawString(MARGIN + 2 * mm, bottom + 1 * mm + size * 0.18, options.draft_mark)
            self.restoreState()

    return NumberedCanvas


def render(story: list, *, title: str, author: str = "", subject: str = "",
           options: PageOptions = PageOptions()) -> bytes:
    """Lay the flowables out on A4 portrait pages and return the PDF bytes."""
    buffer = io.BytesIO()
    # The canvas starts in IPAexGothic rather than Helvetica, so every font the PDF names is embedded.
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=author,
                            subject=subject, creator="Tenken 点検", initialFontName=fonts.register())
    doc.build(list(story), canvasmaker=_canvas_class(options))
    return buffer.getvalue()
