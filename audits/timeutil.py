"""Time in Japan Standard Time (no daylight saving), stored as ISO 8601 strings."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


def now() -> datetime:
    return datetime.now(JST)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)


def display(value: str | None) -> str:
    """'2026-11-24T09:05:00+09:00' -> '2026-11-24 09:05' for tables and lists."""
    if not value:
        return ""
    return parse_iso(value).astimezone(JST).strftime("%Y-%m-%d %H:%M")


def is_overdue(due: date, done: date | None, today: date) -> bool:
    """The one definition of overdue for a dated duty: not done and the due date has passed (the due day itself
    is still in time). The SQL lists write the same rule as `due_date < :today` for what is not done."""
    return done is None and today > due
