"""What a client may send as a number: ids, 年度, page and version numbers, each within its range.

Route arguments use the converters that `init_app` registers: `<id:audit_id>` matches 1 … 2**63-1 (the
range of a SQLite rowid) and `<year:year>` a 年度 between YEAR_MIN and YEAR_MAX; anything else is a
404 before the view runs, so no number too large for SQLite ever reaches a query. Query parameters
(and the few numbers read straight from a form) go through `int_arg`/`year_arg`: a malformed or
out-of-range value is refused with 400 and a Japanese message.
"""
from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

ID_MAX = 2**63 - 1          # the largest SQLite INTEGER
YEAR_MIN, YEAR_MAX = 2000, 2100
_DIGITS = re.compile(r"[0-9]{1,19}")   # ASCII digits only: str.isdigit() also accepts "٣" and "²"


class InvalidParameter(BadRequest):
    """A malformed query parameter; the description is the Japanese message shown on the 400 page."""


class IdConverter(IntegerConverter):
    """`<id:name>`: a row id, 1 … ID_MAX."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=ID_MAX)


class YearConverter(IntegerConverter):
    """`<year:name>`: a 年度 (西暦), YEAR_MIN … YEAR_MAX."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=YEAR_MIN, max=YEAR_MAX)


def parse_int(raw, low: int = 0, high: int = ID_MAX) -> int | None:
    """`raw` as an integer in low … high, or None when it is missing, malformed or out of range."""
    text = raw.strip() if isinstance(raw, str) else str(raw) if isinstance(raw, int) else ""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_arg(name: str, label: str, *, low: int = 1, high: int = ID_MAX, source=None) -> int | None:
    """An integer query parameter (or form field, with `source=request.form`): None when absent or empty;
    400 with a Japanese message when malformed or outside low … high."""
    raw = (request.args if source is None else source).get(name, "")
    if raw == "":
        return None
    value = parse_int(raw, low, high)
    if value is None:
        raise InvalidParameter(f"{label}の指定が正しくありません（{low}〜{high} の半角数字で指定してください）。")
    return value


def year_arg(name: str, label: str = "年度") -> int | None:
    return int_arg(name, label, low=YEAR_MIN, high=YEAR_MAX)


def init_app(app: Flask) -> None:
    """Register the converters; must run before the blueprints are registered."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["year"] = YearConverter
