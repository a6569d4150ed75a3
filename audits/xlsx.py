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
