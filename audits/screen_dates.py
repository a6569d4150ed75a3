"""Dates on screens: 和暦 with half-width digits (期限 令和7年9月30日（火）, 令和7年度), one filter family for every
template, and the plain-text functions behind it for Python code that builds screen text (the activity log).

Documents (PDF, Excel) keep audits/wareki.py's default, full-width digits (REPORTS.md); notices, read in the
app's list and by e-mail, and the activity log use the screen style. The ISO value stays
only where a machine reads it: each filter wraps its text in <time datetime="2025-09-30">, and form inputs keep
their own ISO values.

Filters: `wareki` (date), `wareki_day` (date with weekday), `datetime` (date and time), `nendo` (年度, in
<data value="2025">); the global `nendo()` gives the plain text.
A value that is not a date is shown as it is rather than failing the page.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask
from markupsafe import Markup, escape

from .timeutil import JST, parse_iso
from .wareki import hankaku, nendo, wareki_date, wareki_month

MONTH = re.compile(r"\d{4}-\d{2}")


def date_text(value, *, weekday: bool = False) -> str:
    """令和7年9月30日, or 令和7年9月30日（火）; a date, or the date part of an ISO date or date-time; a month alone
    (2017-12, as the casebook dates some cases) is 平成29年12月."""
    if isinstance(value, str) and MONTH.fullmatch(value):
        return wareki_month(f"{value}-01", digits=hankaku)
    return wareki_date(_day(value), weekday=weekday, digits=hankaku)


def time_text(moment: datetime) -> str:
    """9:05 (24-hour clock, as the screens' tables and 「保存しました（10:42）」 write it)."""
    return f"{moment.hour}:{moment.minute:02d}"


def datetime_text(value) -> str:
    """令和7年11月24日（月）9:05, in Japan time (a value without an offset is taken as Japan time)."""
    moment = _moment(value)
    return f"{date_text(moment, weekday=True)}{time_text(moment)}"


def span_text(start, end=None) -> str:
    """令和8年1月20日（火）10:00〜12:00 (the date is repeated only if it changes)."""
    if not end:
        return datetime_text(start)
    first, last = _moment(start), _moment(end)
    if first.date() == last.date():
        return f"{datetime_text(first)}〜{time_text(last)}"
    return f"{datetime_text(first)}〜{datetime_text(last)}"


def nendo_text(year) -> str:
    """令和7年度 for 2025."""
    return nendo(int(year), digits=hankaku)


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return _moment(text).date() if "T" in text else date.fromisoformat(text[:10])


def _moment(value) -> datetime:
    moment = value if isinstance(value, datetime) else parse_iso(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JST)
    return moment.astimezone(JST)


def _filter(render, machine, element="time"):
    """A template filter: '' for no value, the value as it is when it is not a date, else <time>text</time>."""
    attribute = "datetime" if element == "time" else "value"
    template = Markup(f'<{element} {attribute}="{{}}">{{}}</{element}>')

    def apply(value):
        if value is None or value == "":
            return ""
        try:
            return template.format(machine(value), render(value))
        except (TypeError, ValueError, OverflowError):
            return escape(str(value))

    return apply


def _iso_day(value) -> str:
    return value if isinstance(value, str) and MONTH.fullmatch(value) else _day(value).isoformat()


def _iso_moment(value) -> str:
    return _moment(value).isoformat(timespec="minutes")


def init_app(app: Flask) -> None:
    filters = app.jinja_env.filters
    filters["wareki"] = _filter(date_text, _iso_day)
    filters["wareki_day"] = _filter(lambda value: date_text(value, weekday=True), _iso_day)
    filters["datetime"] = _filter(datetime_text, _iso_moment)
    # A 年度 is not a calendar year (April to March): its number goes in <data value>, not <time>.
    filters["nendo"] = _filter(nendo_text, lambda year: str(int(year)), element="data")
    app.jinja_env.globals["nendo"] = nendo_text
