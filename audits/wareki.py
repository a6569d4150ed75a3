"""和暦 (Japanese era) dates for reports: 令和７年２月２６日（水）, 午後３時００分, 令和７年度.

The era and its year come from japanera; holidays from jpholiday. Digits are full-width by default, as in
municipal documents; screens pass `digits=hankaku` (令和7年9月30日, see audits/screen_dates.py), so each medium
keeps one style. The first year of an era is written 元年.
"""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Callable

import jpholiday
from japanera import EraDate

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
WEEKDAYS = "月火水木金土日"


def zenkaku(value) -> str:
    """Half-width digits to full-width: 2025 -> ２０２５."""
    return str(value).translate(_FULL_WIDTH)


def hankaku(value) -> str:
    """Digits as they are (half-width), the style of the screens: 令和7年度."""
    return str(value)


Digits = Callable[[object], str]


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date() if "T" in str(value) else date.fromisoformat(str(value)[:10])


def _as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def era_year(value: date | datetime | str) -> tuple[str, int]:
    """('令和', 7) for 2025-02-26."""
    era_date = EraDate.from_date(_as_date(value))
    return era_date.era.kanji, int(era_date.strftime("%-Y"))


def _year_text(year: int, digits: Digits = zenkaku) -> str:
    return "元" if year == 1 else digits(year)


def wareki_date(value: date | datetime | str, *, weekday: bool = True, digits: Digits = zenkaku) -> str:
    """令和７年２月２６日（水） (weekday optional)."""
    day = _as_date(value)
    era, year = era_year(day)
    text = f"{era}{_year_text(year, digits)}年{digits(day.month)}月{digits(day.day)}日"
    return text + (f"（{weekday_of(day)}）" if weekday else "")


def wareki_month(value: date | datetime | str, *, digits: Digits = zenkaku) -> str:
    """令和７年２月 (a month, e.g. when an incident happened or a case the casebook dates to the month)."""
    day = _as_date(value)
    era, year = era_year(day)
    return f"{era}{_year_text(year, digits)}年{digits(day.month)}月"


def weekday_of(value: date | datetime | str) -> str:
    """水 for 2025-02-26; holidays stay weekdays here (see is_holiday)."""
    return WEEKDAYS[_as_date(value).weekday()]


def wareki_time(value: datetime | time | str) -> str:
    """午後３時００分 (12-hour clock with 午前/午後, minutes always two digits, as in the model report)."""
    moment = value if isinstance(value, time) else _as_datetime(value).time()
    half = "午前" if moment.hour < 12 else "午後"
    hour = moment.hour % 12  # noon is 午後０時, midnight 午前０時
    return f"{half}{zenkaku(hour)}時{zenkaku(f'{moment.minute:02d}')}分"


def wareki_datetime(value: datetime | str) -> str:
    """令和７年２月２６日（水）午後３時００分."""
    return wareki_date(value) + wareki_time(value)


def wareki_span(start: datetime | str, end: datetime | str | None) -> str:
    """令和７年２月２６日（水）午後３時００分から午後４時２０分まで (the date is repeated only if it changes)."""
    if not end:
        return wareki_datetime(start)
    start_dt, end_dt = _as_datetime(start), _as_datetime(end)
    if start_dt.date() == end_dt.date():
        return f"{wareki_datetime(start_dt)}から{wareki_time(end_dt)}まで"
    return f"{wareki_datetime(start_dt)}から{wareki_datetime(end_dt)}まで"


def fiscal_year_of(value: date | datetime | str) -> int:
    """The 年度 (April–March) a date belongs to: 2025-02-26 -> 2024."""
    day = _as_date(value)
    return day.year if day.month >= 4 else day.year - 1


@lru_cache(maxsize=512)      # a list of 50 sheets asks 50 times; japanera takes about 1 ms each
def nendo(fiscal_year: int, *, digits: Digits = zenkaku) -> str:
    """令和７年度 for 2025 (令和7年度 with digits=hankaku: screens and file names); the era is the one in force
    for most of the 年度 (2019 -> 令和元年度)."""
    era, year = era_year(date(int(fiscal_year), 12, 31))
    return f"{era}{_year_text(year, digits)}年度"


def is_holiday(value: date | datetime | str) -> bool:
    """A Saturday, Sunday or national holiday (jpholiday)."""
    day = _as_date(value)
    return day.weekday() >= 5 or jpholiday.is_holiday(day)


def holiday_name(value: date | datetime | str) -> str | None:
    return jpholiday.is_holiday_name(_as_date(value))


def fiscal_year_range(fiscal_year: int) -> tuple[date, date]:
    """The 年度's first day and the day after its last (April 1st to the next April 1st), for range queries."""
    return date(int(fiscal_year), 4, 1), date(int(fiscal_year) + 1, 4, 1)
