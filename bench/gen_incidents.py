"""Incidents of the synthetic city: `Scale.incidents` 漏えい等事案 (default 4 per 課: 2,000 at 500 課) spread over
`Scale.incident_years` 年度 (default 5) up to today, with their 課 (one in twenty joint with a second 課) and two to
four 経過 entries each. Earlier 年度' incidents are reported, judged by the privacy office and mostly closed; this
年度's are a mix of open, reported and overdue. Rows go straight into the real tables, with the columns the app's
service writes (audits/incidents/service.py)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from audits.incidents import judgement
from audits.timeutil import JST
from audits.wareki import fiscal_year_of, fiscal_year_range

COLUMNS = ("id", "title", "kind", "occurred_on", "discovered_at", "discovery_how", "medium", "persons",
           "persons_estimated", "persons_or_more", "items", "sensitive", "ordinance_sensitive", "mynumber",
           "property_damage", "wrongful_purpose", "summary", "secondary_harm", "cause", "prevention",
           "response_to_persons", "publication", "preliminary_reported_on", "final_reported_on", "notified_on",
           "notice_kind", "judgement_proposal", "judgement_clauses", "judgement_mynumber", "judgement_reason",
           "judgement_by", "judgement_at", "closed_at", "created_at", "created_by", "updated_at", "updated_by",
           "revision")
TITLES = {"misdelivery": "通知書の誤送付", "wrong_issue": "証明書の誤交付", "wrong_publication": "ホームページへの誤掲載",
          "loss_theft": "記録媒体の紛失", "wrong_disposal": "保存期間内の文書の誤廃棄",
          "unauthorized_access": "委託先システムへの不正アクセス", "staff_misuse": "職員による業務外の照会",
          "other": "個人情報を含む書類の一時所在不明"}
KIND_WEIGHTS = {"misdelivery": 40, "wrong_issue": 20, "wrong_publication": 5, "loss_theft": 15, "wrong_disposal": 5,
                "unauthorized_access": 3, "staff_misuse": 4, "other": 8}
CHIEF = 1  # the city's 総括保護管理者 (generate.Builder.organisation: user 1)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build(b, count: int, years: int) -> None:
    db, rng, today = b.db, b.rng, b.today
    current = fiscal_year_of(today)
    first = current - years + 1
    start = fiscal_year_range(first)[0]
    span = (today - start).days
    kinds, weights = zip(*KIND_WEIGHTS.items())
    incidents, links, events = [], [], []
    event_id = 0
    for n in range(1, count + 1):
        d = b.departments[rng.randrange(len(b.departments))]
        known_day = start + timedelta(days=int(span * n / (count + 1)))
        known = datetime.combine(known_day, datetime.min.time(), JST).replace(hour=rng.randrange(9, 17),
                                                                              minute=rng.randrange(60))
        kind = rng.choices(kinds, weights)[0]
        persons = rng.choice([1, 1, 1, 2, 3, 5, 12, 40, 150, 300])
        facts = {"sensitive": int(rng.random() < 0.2), "ordinance_sensitive": 0, "mynumber": int(rng.random() < 0.15),
                 "property_damage": int(rng.random() < 0.05), "wrongful_purpose": int(kind == "staff_misuse"),
                 "persons": persons, "persons_or_more": 0}
        clauses = judgement.proposed_clauses(facts)
        age = (today - known_day).days
        final_days = 60 if judgement.LONG_DEADLINE_CLAUSE in clauses else 30
        reported = clauses and age > 3
        preliminary = min(today, known_day + timedelta(days=rng.choice([1, 2, 3, 4, 6]))) if reported else None
        late_final = rng.random() < 0.1
        final = (known_day + timedelta(days=final_days + (rng.randrange(1, 15) if late_final else -rng.randrange(0, 10))))
        final = final if reported and final <= today - timedelta(days=1) and rng.random() < 0.95 else None
        if final and preliminary and final < preliminary:
            final = preliminary
        notified = min(today, known_day + timedelta(days=rng.choice([0, 1, 2, 5]))) if clauses and age > 5 else None
        judged = age > 20 and rng.random() < 0.9
        closed = age > 120 and rng.random() < 0.9
        at = stamp(known + timedelta(hours=1))
        title = f"{TITLES[kind]}（{d.name}・{n}）"
        incidents.append((
            n, title, kind, known_day.isoformat() if rng.random() < 0.9 else None, stamp(known)[:16],
            "職員が気付いた。", "紙" if kind in ("misdelivery", "wrong_issue") else "電子データ", persons,
            int(persons > 10), 0, "氏名、住所、生年月日", facts["sensitive"], 0, facts["mynumber"],
            facts["property_damage"], facts["wrongful_purpose"],
            f"{TITLES[kind]}が発生したもの（ベンチマーク用の架空の事案）。", "二次被害のおそれは低い。",
            "確認の手順が守られていなかった。", "手順を見直し、複数人で確認する。" if age > 10 else "",
            "本人に説明し謝罪した。" if notified else "", "",
            preliminary and preliminary.isoformat(), final and final.isoformat(), notified and notified.isoformat(),
            "notice" if notified else None,
            judgement.proposal_json(facts) if judged else None, json.dumps(sorted(clauses)) if judged else None,
            None, "登録内容のとおり。" if judged else None, CHIEF if judged else None,
            stamp(known + timedelta(days=20)) if judged else None,
            stamp(known + timedelta(days=120)) if closed else None,
            at, d.staff_id, at, d.staff_id, 1))
        links.append((n, d.id))
        if rng.random() < 0.05:
            other = b.departments[rng.randrange(len(b.departments))]
            if other.id != d.id:
                links.append((n, other.id))
        for k in range(rng.randrange(2, 5)):
            day = min(today, known_day + timedelta(days=k * 2))
            event_id += 1
            events.append((event_id, n, day.isoformat(), f"{9 + k:02d}:00" if k % 2 == 0 else None,
                           f"経過{k + 1}：関係者に確認し、対応を記録した。", at, d.staff_id))
    with db.conn:
        b.insert("incidents", COLUMNS, incidents)
        b.insert("incident_departments", ("incident_id", "department_id"), links)
        b.insert("incident_events", ("id", "incident_id", "on_date", "at_time", "text", "created_at", "created_by"),
                 events)
    b.counts["incident_years"] = years
