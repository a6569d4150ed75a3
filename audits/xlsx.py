"""Excel helpers shared by every export: text that can never become a formula, header rows."""
from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDE3EC")


def set_text(cell, value) -> None:
    """Write user text as text: a value starting with = + - @ stays a string, never a formula."""
    if value is None:
        cell.value = None
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters Excel cannot store
    cell.value = text
    cell.data_type = "s"


def write_header(sheet, row: int, headers: list[str], widths: list[int] | None = None) -> None:
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    if widths:
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def autofilter(sheet, header_row: int, columns: int, last_row: int) -> None:
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(last_row, header_row)}"


WRAP = Alignment(wrap_text=True, vertical="top")

# ---------------------------------------------------------------------------------------- layout of every workbook
# One rule for every Excel the app writes (the sheet export with openpyxl, the summary with XlsxWriter):
# A4 landscape, fit to one page wide, the header rows repeated on every printed page, panes frozen below the
# header and right of the first column, dates as real dates shown in 和暦, the workbook's title and author set.
# Excel shows 令和元年 (not 令和1年) with the x-gannen calendar tag; LibreOffice shows the same era and year.
WAREKI_DATE_FORMAT = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日"'
WAREKI_DATETIME_FORMAT = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日" h:mm'
# The 課×区分 colour scale: 0 % red to 100 % white, so that, as in the PDF, the darker the lower (and it prints
# in black and white as grey to white).
HEATMAP_COLOURS = ("#F8696B", "#FFFFFF")


def as_date(value):
    """An ISO text (2025-06-30 or 2025-06-30T10:00:00+09:00) from the database as a date or datetime, else None.

    Excel stores no time zone: a datetime is written as the wall-clock time in Japan (JST)."""
    from datetime import date, datetime

    from .timeutil import JST, parse_iso

    if not value:
        return None
    if isinstance(value, datetime):
        return (value.astimezone(JST) if value.tzinfo else value).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) > 10:
            return parse_iso(text).astimezone(JST).replace(tzinfo=None)
        return date.fromisoformat(text)
    except ValueError:
        return None


def page_setup(sheet, header_row: int = 1) -> None:
    """openpyxl: print and view setup for a sheet whose table header is on `header_row`."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)


def page_setup_xlsxwriter(sheet, header_row: int = 1) -> None:
    """XlsxWriter: the same setup as page_setup() (header_row counted from 1, as in Excel)."""
    sheet.set_landscape()
    sheet.set_paper(9)                  # A4
    sheet.fit_to_pages(1, 0)            # one page wide, as many pages tall as needed
    sheet.repeat_rows(header_row - 1)
    sheet.freeze_panes(header_row, 1)


def properties(workbook, title: str, author: str) -> None:
    """openpyxl: the title and author shown in the file's properties."""
    workbook.properties.title = title
    workbook.properties.creator = author
