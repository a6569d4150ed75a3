"""Deadlines of an incident that must be reported, each with its state, and the dates that cannot be.

Days are calendar days counted from the day after 覚知 (the 覚知 day itself is not counted, 民法第140条), so
「覚知日から三十日以内」 for a 覚知 on 8月5日 ends on 9月4日. Weekends and holidays do not move a deadline here
(the app's reading: confirm against the 委員会's guideline).
- 速報 (施行規則第44条第1項): 「速やかに」; the app's target is INCIDENT_PROMPT_DAYS days (a setting).
- 確報 (同条第2項): 30 days, 60 when 第43条第3号 (不正の目的) applies.
- 本人通知 or its 代替措置 (法第68条第2項, 施行規則第45条 「速やかに」): the same target as the 速報.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

from ..screen_dates import date_text
from ..timeutil import is_overdue
from . import judgement

ON_TIME = "on_time"
OVERDUE = "overdue"
PENDING = "pending"
STATE_LABELS = {ON_TIME: "期限内に完了", OVERDUE: "期限超過", PENDING: "未了"}

FINAL_DAYS = 30
FINAL_DAYS_LONG = 60  # 第43条第3号


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    basis: str
    due: date
    done: date | None

    def state(self, today: date) -> str:
        if self.done is not None:
            return ON_TIME if self.done <= self.due else OVERDUE
        return OVERDUE if is_overdue(self.due, self.done, today) else PENDING

    def state_label(self, today: date) -> str:
        label = STATE_LABELS[self.state(today)]
        if self.done is not None and self.done > self.due:
            return f"{label}（{(self.done - self.due).days}日遅れで完了）"
        if self.done is None and self.state(today) == OVERDUE:
            return f"{label}（未了・{(today - self.due).days}日経過）"
        return label


def as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def final_days(clauses: set[int]) -> int:
    return FINAL_DAYS_LONG if judgement.LONG_DEADLINE_CLAUSE in clauses else FINAL_DAYS


def deadlines(incident: Mapping, prompt_days: int, clauses: set[int] | None = None) -> list[Deadline]:
    """The incident's deadlines; none when no 号 of 第43条 applies (confirmed 判定, else the proposal; `clauses`
    when the caller has them already)."""
    clauses = judgement.effective_clauses(incident) if clauses is None else clauses
    if not judgement.report_required(clauses):
        return []
    known = as_date(incident["discovered_at"])
    days = final_days(clauses)
    return [
        Deadline("preliminary", "速報", f"施行規則第44条第1項「速やかに」（アプリの目安 {prompt_days}日）",
                 known + timedelta(days=prompt_days), as_date(incident.get("preliminary_reported_on"))),
        Deadline("final", "確報", f"施行規則第44条第2項（覚知日から{days}日以内）",
                 known + timedelta(days=days), as_date(incident.get("final_reported_on"))),
        Deadline("notice", "本人通知又は代替措置（公表）", f"法第68条第2項・施行規則第45条「速やかに」（アプリの目安 {prompt_days}日）",
                 known + timedelta(days=prompt_days), as_date(incident.get("notified_on"))),
    ]


def any_overdue(items: list[Deadline], today: date) -> bool:
    return any(is_overdue(d.due, d.done, today) for d in items)


def next_open(items: list[Deadline]) -> Deadline | None:
    """The earliest deadline not yet done (the one a home page shows first)."""
    open_items = [d for d in items if d.done is None]
    return min(open_items, key=lambda d: d.due) if open_items else None


def order_problems(values: Mapping, today: date) -> dict[str, str]:
    """Dates that cannot be, by field: 覚知 before 発生, 速報 before 覚知, 確報 before 速報, future dates."""
    problems: dict[str, str] = {}
    occurred = as_date(values.get("occurred_on"))
    known_at = values.get("discovered_at")
    known = as_date(known_at)
    preliminary = as_date(values.get("preliminary_reported_on"))
    final = as_date(values.get("final_reported_on"))
    labels = {"occurred_on": "発生日", "discovered_at": "覚知日時", "preliminary_reported_on": "速報の日",
              "final_reported_on": "確報の日", "notified_on": "本人通知・公表の日"}
    for key, label in labels.items():
        if (day := as_date(values.get(key))) and day > today:
            problems[key] = f"{label}が未来の日付です（{date_text(day)}）。済んだことだけを記録してください。"
    if occurred and known and known < occurred and "discovered_at" not in problems:
        problems["discovered_at"] = "覚知日時が発生日より前です。発生日と覚知日時を確かめてください。"
    if known:
        for key in ("preliminary_reported_on", "notified_on"):
            day = as_date(values.get(key))
            if day and day < known and key not in problems:
                problems[key] = f"{labels[key]}が覚知日（{date_text(known)}）より前です。"
    if final and "final_reported_on" not in problems:
        if preliminary is None:
            problems["final_reported_on"] = "確報の日を記録する前に速報の日を記録してください（同じ日でも構いません）。"
        elif final < preliminary:
            problems["final_reported_on"] = f"確報の日が速報の日（{date_text(preliminary)}）より前です。"
        elif known and final < known:
            problems["final_reported_on"] = f"確報の日が覚知日（{date_text(known)}）より前です。"
    return problems


def event_problem(on_date, today: date) -> str | None:
    """A 経過 entry in the future cannot be; one before 覚知 can (what happened before the 課 knew)."""
    day = as_date(on_date)
    if day and day > today:
        return f"経過の日付が未来です（{date_text(day)}）。済んだことだけを記録してください。"
    return None
