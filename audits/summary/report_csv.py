"""The raw answers of the aggregated report as CSV (UTF-8 with BOM, so Excel opens it in Japanese).

The Excel's last sheet holds the same rows, but writing a workbook of every answer of a large city
takes openpyxl tens of seconds; the CSV streams them. A text that Excel would read as a formula
(starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe, as Excel itself
does for text typed that way.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from ..xlsx import FORMULA_PREFIXES
from .queries import RAW_COLUMNS

BOM = "\ufeff"


def _text(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def render(rows: Iterable[dict], *, batch: int = 500) -> Iterator[str]:
    """The CSV in chunks of `batch` rows: the header line first (with the BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in RAW_COLUMNS])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, start=1):
        writer.writerow([_text(row.get(key)) for key, _ in RAW_COLUMNS])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
