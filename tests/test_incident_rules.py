"""The incident rules as plain functions: 判定 per 号 of 施行規則第43条 and their combinations, the deadlines
(30/60 days, year ends, leap years), the one definition of overdue, and the dates that cannot be."""
from __future__ import annotations

import json
from datetime import date

import pytest

from audits.incidents import deadlines as dl
from audits.incidents import judgement


def incident(**facts):
    base = {"kind": "misdelivery", "persons": 3, "persons_or_more": 0, "persons_estimated": 0, "sensitive": 0,
            "ordinance_sensitive": 0, "mynumber": 0, "property_damage": 0, "wrongful_purpose": 0,
            "discovered_at": "2024-08-05T15:18", "judgement_at": None, "judgement_clauses": None,
            "judgement_mynumber": None, "preliminary_reported_on": None, "final_reported_on": None,
            "notified_on": None}
    base.update(facts)
    return base


@pytest.mark.parametrize("facts, expected", [
    ({}, set()),
    ({"sensitive": 1}, {1}),
    ({"property_damage": 1}, {2}),
    ({"wrongful_purpose": 1}, {3}),
    ({"persons": 101}, {4}),
    ({"persons": 100}, set()),                               # 「百人を超える」: 100 is not more than 100
    ({"persons": 100, "persons_or_more": 1}, {4}),           # 「100人以上」 may be more than 100
    ({"persons": 150, "persons_estimated": 1}, {4}),
    ({"persons": None}, set()),                              # unknown: not proposed, said so
    ({"ordinance_sensitive": 1}, {5}),
    ({"sensitive": 1, "wrongful_purpose": 1}, {1, 3}),
    ({"property_damage": 1, "persons": 500}, {2, 4}),
    ({"sensitive": 1, "property_damage": 1, "wrongful_purpose": 1, "persons": 101, "ordinance_sensitive": 1},
     {1, 2, 3, 4, 5}),
])
def test_proposal_per_clause_and_combinations(facts, expected):
    case = incident(**facts)
    results = judgement.propose(case)
    assert [r.number for r in results] == [1, 2, 3, 4, 5]
    assert {r.number for r in results if r.applies} == expected
    assert all(r.reason for r in results)
    assert judgement.report_required(judgement.effective_clauses(case)) == bool(expected)


def test_unknown_number_of_persons_is_named_in_the_reason():
    reason = judgement.propose(incident(persons=None))[3].reason
    assert "未確定" in reason


def test_clause_texts_are_quoted_from_the_seed():
    assert "百人を超える" in judgement.CLAUSE_TEXTS[4]
    assert judgement.CLAUSE_TEXTS[3].startswith("不正の目的をもって行われたおそれがある")
    assert "条例要配慮個人情報について定められているときに限る" in judgement.CLAUSE_TEXTS[5]


def test_confirmed_judgement_overrides_the_proposal_and_keeps_it():
    case = incident(sensitive=1, judgement_at="2024-08-08T10:00", judgement_clauses=json.dumps([]),
                    judgement_proposal=judgement.proposal_json(incident(sensitive=1)))
    assert judgement.proposed_clauses(case) == {1}
    assert judgement.effective_clauses(case) == set()
    assert [r.number for r in judgement.stored_proposal(case) if r.applies] == [1]
    assert dl.deadlines(case, 5) == []


@pytest.mark.parametrize("facts, expected", [
    ({}, None),
    ({"mynumber": 1}, False),
    ({"mynumber": 1, "persons": 101}, True),
    ({"mynumber": 1, "wrongful_purpose": 1}, True),
    ({"mynumber": 1, "kind": "wrong_publication"}, True),
])
def test_mynumber_report_is_the_apps_reading(facts, expected):
    assert judgement.mynumber_report_proposed(incident(**facts)) is expected
    assert "アプリの読み" in judgement.MYNUMBER_READING and "確認してください" in judgement.MYNUMBER_READING


def due(case, key, days=5):
    return next(d for d in dl.deadlines(case, days) if d.key == key).due


@pytest.mark.parametrize("known, facts, expected_final", [
    ("2024-08-05T15:18", {"sensitive": 1}, date(2024, 9, 4)),          # Setagaya: 確報 9月3日 was in time
    ("2024-08-05T15:18", {"wrongful_purpose": 1}, date(2024, 10, 4)),  # 第3号: 60 days
    ("2024-12-15T09:00", {"sensitive": 1}, date(2025, 1, 14)),         # across the year end
    ("2024-12-31T23:59", {"sensitive": 1}, date(2025, 1, 30)),
    ("2024-02-01T10:00", {"sensitive": 1}, date(2024, 3, 2)),          # leap year: 29 days in February
    ("2025-02-01T10:00", {"sensitive": 1}, date(2025, 3, 3)),
    ("2024-01-10T10:00", {"wrongful_purpose": 1, "sensitive": 1}, date(2024, 3, 10)),  # 60 days over 29 Feb
    ("2023-01-10T10:00", {"wrongful_purpose": 1}, date(2023, 3, 11)),
])
def test_final_report_deadline(known, facts, expected_final):
    assert due(incident(discovered_at=known, **facts), "final") == expected_final


def test_prompt_deadlines_follow_the_setting():
    case = incident(sensitive=1, discovered_at="2024-12-29T12:00")
    assert due(case, "preliminary", 5) == date(2025, 1, 3)
    assert due(case, "preliminary", 3) == date(2025, 1, 1)
    assert due(case, "notice", 3) == date(2025, 1, 1)


@pytest.mark.parametrize("done, today, state", [
    (None, date(2024, 9, 4), dl.PENDING),        # the due day itself is still in time
    (None, date(2024, 9, 5), dl.OVERDUE),
    ("2024-09-03", date(2024, 12, 1), dl.ON_TIME),
    ("2024-09-04", date(2024, 12, 1), dl.ON_TIME),
    ("2024-09-06", date(2024, 12, 1), dl.OVERDUE),  # done, but late
])
def test_deadline_states(done, today, state):
    case = incident(sensitive=1, preliminary_reported_on="2024-08-09", final_reported_on=done)
    final = next(d for d in dl.deadlines(case, 5) if d.key == "final")
    assert final.state(today) == state
    assert dl.STATE_LABELS[state] in final.state_label(today)
    assert dl.is_overdue(final.due, final.done, today) == (done is None and state == dl.OVERDUE)


def test_late_completion_is_not_counted_as_open_overdue():
    case = incident(sensitive=1, preliminary_reported_on="2024-08-20", notified_on="2024-08-05",
                    final_reported_on="2024-09-03")
    items = dl.deadlines(case, 5)
    assert not dl.any_overdue(items, date(2026, 1, 1))
    assert "遅れで完了" in items[0].state_label(date(2026, 1, 1))


TODAY = date(2026, 12, 2)


@pytest.mark.parametrize("values, field, words", [
    ({"occurred_on": "2024-08-06", "discovered_at": "2024-08-05T15:18"}, "discovered_at", "発生日より前"),
    ({"discovered_at": "2024-08-05T15:18", "preliminary_reported_on": "2024-08-04"}, "preliminary_reported_on",
     "覚知日"),
    ({"discovered_at": "2024-08-05T15:18", "preliminary_reported_on": "2024-08-09",
      "final_reported_on": "2024-08-08"}, "final_reported_on", "速報の日"),
    ({"discovered_at": "2024-08-05T15:18", "final_reported_on": "2024-08-08"}, "final_reported_on", "速報の日を記録"),
    ({"discovered_at": "2024-08-05T15:18", "notified_on": "2024-08-01"}, "notified_on", "覚知日"),
    ({"discovered_at": "2026-12-03T09:00"}, "discovered_at", "未来"),
    ({"discovered_at": "2026-12-01T09:00", "preliminary_reported_on": "2027-01-01"}, "preliminary_reported_on",
     "未来"),
    ({"occurred_on": "2026-12-25", "discovered_at": "2026-12-01T09:00"}, "occurred_on", "未来"),
])
def test_impossible_orders_are_refused_with_the_reason(values, field, words):
    problems = dl.order_problems(values, TODAY)
    assert field in problems and words in problems[field]


def test_possible_orders_pass():
    assert dl.order_problems({"occurred_on": "2024-08-05", "discovered_at": "2024-08-05T15:18",
                              "preliminary_reported_on": "2024-08-09", "final_reported_on": "2024-08-09",
                              "notified_on": "2024-08-05"}, TODAY) == {}
    assert dl.order_problems({"occurred_on": None, "discovered_at": "2026-12-02T08:00"}, TODAY) == {}
    assert dl.event_problem("2026-12-03", TODAY)
    assert dl.event_problem("2024-08-05", TODAY) is None
