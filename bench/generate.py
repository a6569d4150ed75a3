"""The synthetic city: 部 and 課 with profiles, users, three 年度 of schedules, sheets, answers (with history
and evidence metadata), audits with findings, a hash-chained activity log, and five 年度 of 漏えい等事案 —
inserted in bulk.

The schema is the real one (audits.db.init_db) and so is the catalogue (catalogue.service.sync_builtin).
Answers get their category from audits/sheets/answers.evaluate, and items that do not apply to a 課
get the auto_na rows that schedules/service.py _create_sheet writes. Run alone:
`python -m bench.generate FOLDER --departments 500` writes FOLDER/tenken.db and FOLDER/city.json.
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from audits import create_app
from audits.activity.service import load_key_file
from audits.catalogue import service as catalogue
from audits.db import connect, init_db
from audits.demo import DEMO_AGENCIES, ORGANISATION, _NAMES
from audits.departments.agencies import DEFAULT as DEFAULT_AGENCY
from audits.sheets.answers import GAP_CATEGORIES, evaluate, normalise_value
from audits.summary import scoring
from audits.timeutil import JST, now
from audits.wareki import fiscal_year_of, nendo

from . import gen_audits, gen_incidents, gen_log

PASSWORD = "bench-pass-2025"
MUNICIPALITY = "みどり市"
PROFILES = [(name, tags) for _b, _bn, sections in ORGANISATION for _c, name, tags in sections if _c != "kansa"]
BUREAU_NAMES = [name for _code, name, _sections in ORGANISATION]
# Current 年度: what state each sheet is in (weights); earlier 年度 are all approved.
CURRENT_STATES = {"approved": 45, "submitted": 15, "answering": 25, "returned": 5, "not_started": 10}
DETAIL_DONE = ["{owner}が{freq}確認し、確認日・確認者を{record}に記録している。",
               "{record}により{freq}実施状況を確認し、保護管理者（課長）が決裁している。",
               "年度当初に手順を課内に周知し、{owner}が{freq}点検している。記録は{record}に保存。"]
DETAIL_GAP = ["{owner}が確認しているが、記録を残していない月がある（{record}に欠落あり）。",
              "手順は定めているが、{freq}の確認が実施できていない。"]
OWNERS, FREQS = ["庶務係長", "管理係長", "課長補佐", "担当係長"], ["毎月", "四半期ごとに", "毎週", "年2回"]
RECORDS = ["確認記録簿", "点検チェックシート", "管理台帳", "決裁文書"]
CHOICE_WEIGHTS = {"done": 82, "partial": 11, "not_done": 5, "na": 2, "special": 18, "sufficient": 72, "issues": 10}


@dataclass
class Scale:
    departments: int = 500
    bureaus: int = 40
    years: int = 3
    log_rows: int = 500_000
    audits_per_year: int = 0          # 0: one per 40 課 (at least 2)
    seed: int = 2025
    incidents: int = 0                # 0: four per 課 (2,000 at 500 課)
    incident_years: int = 5

    def audits(self) -> int:
        return self.audits_per_year or max(2, self.departments // 40)

    def incident_count(self) -> int:
        return self.incidents or self.departments * 4


@dataclass
class Department:
    id: int
    code: str
    name: str
    tags: frozenset
    manager_id: int = 0
    staff_id: int = 0


@dataclass
class City:
    """What generate() hands to the measurements (also written to city.json)."""
    database: str
    upload_folder: str
    password: str
    years: list[int]
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Builder:
    def __init__(self, db, scale: Scale):
        self.db, self.scale = db, scale
        self.rng = random.Random(scale.seed)
        self.today = now().date()
        current = fiscal_year_of(self.today)
        self.years = list(range(current - scale.years + 1, current + 1))
        self.departments: list[Department] = []
        self.users: dict[int, str] = {}
        self.events: dict[int, list[tuple]] = {y: [] for y in self.years}   # year -> log rows without id/hash
        self.schedules: dict[int, int] = {}
        self.versions = [dict(v, tags=frozenset(json.loads(v["tags"] or "[]"))) for v in catalogue.latest_versions(db)]
        self.items = {v["id"]: catalogue.version_items(db, v["id"]) for v in self.versions}
        self._applicability: dict = {}
        self.answer_id = self.evidence_id = 0
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    def event(self, year: int, at: datetime, user_id, action: str, code=None, object_type=None, object_id=None,
              detail: dict | None = None) -> None:
        self.events[year].append((stamp(at), user_id, self.users.get(user_id), action, code, object_type,
                                  None if object_id is None else str(object_id),
                                  json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), "10.0.0.1"))

    def applicability(self, version_id: int, tags: frozenset) -> dict:
        key = (version_id, tags)
        if key not in self._applicability:
            self._applicability[key] = catalogue.applicability(self.db, version_id, tags)
        return self._applicability[key]

    def insert(self, table: str, columns: tuple, rows) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.db.conn.executemany(sql, rows)
        self.counts[table] = self.counts.get(table, 0) + cursor.rowcount
        return cursor.rowcount

    # ------------------------------------------------------------------ organisation and users
    def organisation(self) -> None:
        s, created = self.scale, stamp(datetime(self.years[0], 4, 1, 9, tzinfo=JST))
        # each 部 in the 機関 of the demo's 部 of the same name (教育部 → 教育委員会 …)
        bureaus = [(b + 1, f"b{b + 1:03d}", BUREAU_NAMES[b % len(BUREAU_NAMES)] +
                    (str(b // len(BUREAU_NAMES) + 1) if b >= len(BUREAU_NAMES) else ""), b,
                    DEMO_AGENCIES.get(ORGANISATION[b % len(ORGANISATION)][0], DEFAULT_AGENCY)) for b in range(s.bureaus)]
        self.insert("bureaus", ("id", "code", "name", "sort_order", "agency"), bureaus)
        specials = [("soumu", "総務課", frozenset({"privacy_office", "web", "fax"})), ("kansa", "行政監察室", frozenset()),
                    ("digital", "デジタル戦略課", frozenset({"system", "server_room", "atena", "network", "itaku"}))]
        for n in range(s.departments):
            if n < len(specials):
                code, name, tags = specials[n]
            else:
                name, tags = PROFILES[n % len(PROFILES)]
                repeat = n // len(PROFILES)
                code, name, tags = f"k{n:04d}", name + (f"（{repeat + 1}）" if repeat else ""), frozenset(tags)
            self.departments.append(Department(n + 1, code, name, tags))
        self.insert("departments", ("id", "code", "name", "bureau_id", "sort_order", "active", "created_at", "updated_at"),
                    [(d.id, d.code, d.name, (i * s.bureaus) // s.departments + 1, i, 1, created, created)
                     for i, d in enumerate(self.departments)])
        self.insert("department_tags", ("department_id", "tag"),
                    [(d.id, t) for d in self.departments for t in sorted(d.tags)])
        hashed = generate_password_hash(PASSWORD)   # one hash for everybody keeps generation fast
        people = [("chief", "副市長 大森 一郎", "chief", 1), ("auditor", "監査責任者 相川 聡子", "auditor", 2),
                  ("auditor2", "監査員 内田 健", "auditor", 2), ("admin", "システム管理者 江口 真理", "admin", 3)]
        for i, d in enumerate(self.departments):
            family, other = _NAMES[i % len(_NAMES)], _NAMES[(i + 17) % len(_NAMES)]
            people += [(f"{d.code}.manager", f"{d.name}長 {family}", "manager", d.id),
                       (f"{d.code}.staff", f"{d.name} 担当 {other}", "staff", d.id)]
        rows, roles, members = [], [], []
        for user_id, (username, display, role, department_id) in enumerate(people, start=1):
            rows.append((user_id, username, display, hashed, 1, secrets.token_hex(16), created, created))
            roles.append((user_id, role))
            members.append((user_id, department_id))
            self.users[user_id] = username
            d = self.departments[department_id - 1]
            if role == "manager" and username.startswith(d.code + "."):
                d.manager_id = user_id
            elif role == "staff" and username.startswith(d.code + "."):
                d.staff_id = user_id
        self.insert("users", ("id", "username", "display_name", "password_hash", "active", "session_token",
                              "created_at", "updated_at"), rows)
        self.insert("user_roles", ("user_id", "role"), roles)
        self.insert("user_departments", ("user_id", "department_id"), members)

    # ------------------------------------------------------------------ one 年度 of self-check
    def answer_value(self, item: dict, day: date, department: Department) -> tuple[dict, str]:
        rng, scale = self.rng, catalogue.scale(item["scale"])
        if scale.kind == "choice":
            ids = [o.id for o in scale.options]
            value = rng.choices(ids, weights=[CHOICE_WEIGHTS.get(i, 1) for i in ids])[0]
        elif scale.kind == "date":
            value = (day - timedelta(days=rng.choice([7, 12, 20, 28, 33, 45, 70]))).isoformat()
        else:
            value = str(rng.choice([100, 100, 100, 96, 88] if "at_least" in (item["expect"] or {})
                                   else [0, 0, 0, 0, 1, 2]))
        category = evaluate(item, value, today=day).category
        words = {"owner": rng.choice(OWNERS), "freq": rng.choice(FREQS), "record": rng.choice(RECORDS)}
        out = {"value": normalise_value(item, value), "detail": "", "na_reason": "", "plan_action": "",
               "plan_due": "", "plan_owner": "", "evidence_note": ""}
        if category == scoring.NOT_APPLICABLE:
            out["na_reason"] = f"{department.name}では当該事務を行っていないため。"
        else:
            out["detail"] = rng.choice(DETAIL_GAP if category in GAP_CATEGORIES else DETAIL_DONE).format(**words)
        if category in GAP_CATEGORIES:
            out["plan_action"] = f"{words['record']}の様式を見直し、{words['owner']}が{words['freq']}確認・記録する運用を定着させる。"
            out["plan_due"] = (day + timedelta(days=rng.choice([60, 90, 120, 180]))).isoformat()
            out["plan_owner"] = f"{department.name} {words['owner']}"
        return out, category

    def year(self, year: int) -> None:
        rng, current = self.rng, year == self.years[-1]
        opened = self.today - timedelta(days=120) if current else date(year, 6, 3)
        due = self.today + timedelta(days=30) if current else date(year, 9, 30)
        created = datetime.combine(opened, datetime.min.time(), JST).replace(hour=9)
        title = f"{nendo(year)} 個人情報保護・特定個人情報保護 自己点検"
        schedule_id = self.db.execute(
            "INSERT INTO schedules (fiscal_year, title, open_date, due_date, target_mode, status, created_at, "
            "created_by, updated_at) VALUES (?, ?, ?, ?, 'all', ?, ?, 4, ?)",
            [year, title, opened.isoformat(), due.isoformat(), "open" if current else "closed", stamp(created),
             stamp(created)]).lastrowid
        self.schedules[year] = schedule_id
        self.insert("schedule_versions", ("schedule_id", "version_id"), [(schedule_id, v["id"]) for v in self.versions])
        self.insert("schedule_departments", ("schedule_id", "department_id"),
                    [(schedule_id, d.id) for d in self.departments])
        for action in ("schedule.create", "schedule.open"):
            self.event(year, created, 4, action, None, "schedule", schedule_id, {"fiscal_year": year})
        answers, history, evidence, evidence_links, sheet_events = [], [], [], [], []
        last_day = (self.today - timedelta(days=1)) if current else due
        states, weights = zip(*CURRENT_STATES.items())
        largest = max(self.versions, key=lambda v: len(self.items[v["id"]]))["id"]
        always_open = self.departments[min(3, len(self.departments) - 1)]   # even a tiny city has a sheet to answer
        for d in self.departments:
            for version in self.versions:
                if not version["tags"] <= d.tags:
                    continue
                status = rng.choices(states, weights)[0] if current else "approved"
                if current and d is always_open and version["id"] == largest:
                    status = "answering"
                sheet_id = self.db.execute(
                    "INSERT INTO sheets (schedule_id, department_id, version_id, status, status_revision, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
                    [schedule_id, d.id, version["id"], status, stamp(created), stamp(created)]).lastrowid
                self.counts["sheets"] = self.counts.get("sheets", 0) + 1
                reasons = self.applicability(version["id"], d.tags)
                applicable = []
                for item in self.items[version["id"]]:
                    if reasons.get(item["item_id"]):
                        self.answer_id += 1
                        answers.append((self.answer_id, sheet_id, item["id"], item["item_id"], None, scoring.NOT_APPLICABLE, None,
                                        reasons[item["item_id"]], 1, None, None, None, None, 0, stamp(created), None))
                    else:
                        applicable.append(item)
                fraction = {"not_started": 0.0, "answering": rng.uniform(0.3, 0.9)}.get(status, 1.0)
                span = max(1, (last_day - opened).days - 3)
                day = opened + timedelta(days=rng.randrange(1, span))
                moment = datetime.combine(day, datetime.min.time(), JST).replace(hour=9, minute=rng.randrange(60))
                first = moment
                for item in applicable[: int(len(applicable) * fraction)]:
                    moment += timedelta(seconds=rng.randrange(40, 300))
                    values, category = self.answer_value(item, day, d)
                    self.answer_id += 1
                    at = stamp(moment)
                    stored = {k: (v or None) for k, v in values.items()}
                    answers.append((self.answer_id, sheet_id, item["id"], item["item_id"], stored["value"], category,
                                    stored["detail"], stored["na_reason"], 0, stored["plan_action"],
                                    stored["plan_due"], stored["plan_owner"], None, 1, at, d.staff_id))
                    before = {k: "" for k in values} | {"category": None}
                    history.append((self.answer_id, sheet_id, item["item_id"], 1, at, d.staff_id,
                                    f"{d.name} 担当", "web", json.dumps(before, ensure_ascii=False),
                                    json.dumps({**values, "category": category}, ensure_ascii=False)))
                    self.event(year, moment, d.staff_id, "answer.save", d.code, "answer", self.answer_id,
                               {"category": category, "item": item["item_id"], "revision": 1, "sheet": sheet_id,
                                "source": "web"})
                    if item["evidence_required"] and category != scoring.NOT_APPLICABLE and rng.random() < 0.85:
                        self.evidence_id += 1
                        name, size, digest = secrets.token_hex(16), rng.randrange(20_000, 2_000_000), secrets.token_hex(32)
                        original = f"{item['item_id']}_{RECORDS[self.evidence_id % 4]}.pdf"
                        evidence.append((self.evidence_id, d.id, sheet_id, f"{name[:2]}/{name}",
                                         original, "application/pdf", size, digest, "", d.staff_id, f"{d.name} 担当", at))
                        evidence_links.append((self.evidence_id, self.answer_id))
                        self.event(year, moment, d.staff_id, "evidence.upload", d.code, "evidence", self.evidence_id,
                                   {"name": original, "owner": f"answer:{self.answer_id}", "sha256": digest, "size": size})
                sheet_events += self.sheet_history(year, sheet_id, status, d, first, moment)
        self.insert("answers", ("id", "sheet_id", "item_pk", "item_id", "value", "category", "detail", "na_reason",
                                "auto_na", "plan_action", "plan_due", "plan_owner", "evidence_note", "revision",
                                "updated_at", "updated_by"), answers)
        self.insert("answer_history", ("answer_id", "sheet_id", "item_id", "revision", "changed_at", "changed_by",
                                       "changed_by_name", "source", "before", "after"), history)
        self.insert("evidence", ("id", "department_id", "sheet_id", "stored_name",
                                 "original_name", "content_type", "size", "sha256", "note", "uploaded_by",
                                 "uploaded_by_name", "uploaded_at"), evidence)
        self.insert("answer_evidence", ("evidence_id", "answer_id"), evidence_links)
        self.insert("sheet_events", ("sheet_id", "at", "user_id", "username", "action", "from_status", "to_status",
                                     "reason"), sheet_events)

    def sheet_history(self, year: int, sheet_id: int, status: str, d: Department, first: datetime,
                      last: datetime) -> list[tuple]:
        """Workflow events (and the sheet's own columns) for a sheet that reached `status`."""
        if status == "not_started":
            return []
        rows = [(sheet_id, stamp(first), d.staff_id, self.users[d.staff_id], "start", "not_started", "answering", None)]
        changes: dict = {}
        if status in ("submitted", "approved", "returned"):
            at = last + timedelta(hours=1)
            rows.append((sheet_id, stamp(at), d.staff_id, self.users[d.staff_id], "submit", "answering", "submitted", None))
            self.event(year, at, d.staff_id, "sheet.submit", d.code, "sheet", sheet_id, {"from": "answering", "to": "submitted"})
            changes.update(submitted_at=stamp(at), submitted_by=d.staff_id)
            at += timedelta(days=2)
            if status == "approved":
                rows.append((sheet_id, stamp(at), d.manager_id, self.users[d.manager_id], "approve", "submitted",
                             "approved", None))
                self.event(year, at, d.manager_id, "sheet.approve", d.code, "sheet", sheet_id,
                           {"from": "submitted", "to": "approved"})
                changes.update(approved_at=stamp(at), approved_by=d.manager_id)
            elif status == "returned":
                reason = "証跡（点検記録簿）が添付されていない項目があります。添付してから再提出してください。"
                rows.append((sheet_id, stamp(at), d.manager_id, self.users[d.manager_id], "return", "submitted",
                             "returned", reason))
                self.event(year, at, d.manager_id, "sheet.return", d.code, "sheet", sheet_id,
                           {"from": "submitted", "to": "returned", "reason": reason})
                changes.update(return_reason=reason)
        changes.update(status_revision=len(rows), updated_at=rows[-1][1])
        self.db.execute(f"UPDATE sheets SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                        [*changes.values(), sheet_id])
        return rows


def log_key_file(database: str) -> Path:
    """The city's activity-log key lives beside its database; app_for() points LOG_KEY_FILE at it."""
    return Path(database).with_name("log_key")


def log_key(database: str) -> bytes:
    return load_key_file(log_key_file(database))


def city_app(database: str, upload_folder: str, **config):
    """The app on the city's database, with its log key."""
    return create_app({"DATABASE": database, "UPLOAD_FOLDER": upload_folder, "LOG_KEY_FILE": str(log_key_file(database)),
                       "SECRET_KEY": "bench-secret-key", **config})


def generate(folder: str | Path, scale: Scale | None = None, *, progress=None) -> City:
    """Build the city into folder/tenken.db (a new file) and return what the measurements need."""
    scale = scale or Scale()
    progress = progress or (lambda message: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tenken.db"
    if path.exists():
        raise FileExistsError(path)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    init_db(str(path))
    db = connect(str(path))
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    with city_app(str(path), str(folder / "uploads")).app_context():  # the sync writes log rows, keyed
        catalogue.sync_builtin(db)
    builder = Builder(db, scale)
    builder.log_key = log_key(str(path))
    with db.conn:
        builder.organisation()
    timings["organisation"] = time.perf_counter() - started
    for year in builder.years:
        mark = time.perf_counter()
        with db.conn:
            builder.year(year)
        gen_audits.build_year(builder, year, MUNICIPALITY)
        builder.counts["activity_log"] = gen_log.flush_year(builder, year, scale.log_rows)
        timings[f"year_{year}"] = time.perf_counter() - mark
        progress(f"{nendo(year)}: 点検票・回答・監査・操作ログを作成（{timings[f'year_{year}']:.1f} 秒、"
                 f"操作ログ累計 {builder.counts['activity_log']:,} 行）")
    mark = time.perf_counter()
    gen_incidents.build(builder, scale.incident_count(), scale.incident_years)
    timings["incidents"] = time.perf_counter() - mark
    progress(f"漏えい等事案 {builder.counts['incidents']:,} 件（{scale.incident_years} 年度）を作成"
             f"（{timings['incidents']:.1f} 秒）")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    timings["total"] = time.perf_counter() - started
    (folder / "uploads").mkdir(exist_ok=True)
    city = City(str(path), str(folder / "uploads"), PASSWORD, builder.years, builder.counts,
                {k: round(v, 2) for k, v in timings.items()})
    city.counts["departments"], city.counts["bureaus"] = scale.departments, scale.bureaus
    city.counts["db_mb"] = round(path.stat().st_size / 1e6, 1)
    (folder / "city.json").write_text(json.dumps(asdict(city), ensure_ascii=False, indent=1), encoding="utf-8")
    return city


def load_city(folder: str | Path) -> City:
    return City(**json.loads((Path(folder) / "city.json").read_text(encoding="utf-8")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description="架空の市を作成します")
    parser.add_argument("folder")
    parser.add_argument("--departments", type=int, default=500)
    parser.add_argument("--bureaus", type=int, default=40)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--log-rows", type=int, default=500_000)
    parser.add_argument("--audits-per-year", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--incidents", type=int, default=0)
    parser.add_argument("--incident-years", type=int, default=5)
    args = parser.parse_args(argv)
    scale = Scale(args.departments, args.bureaus, args.years, args.log_rows, args.audits_per_year, args.seed,
                  args.incidents, args.incident_years)
    generate(args.folder, scale, progress=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
