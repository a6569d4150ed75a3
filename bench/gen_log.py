"""The activity log of the synthetic city: the events the generated records imply (answer saves, uploads,
submissions, audits), topped up with logins, downloads and exports to the wanted size, sorted by time
and hash-chained exactly as audits/activity/service.record() does (row_hash over LOG_COLUMNS, under the city's key)."""
from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta

from audits.activity.service import GENESIS_HASH, row_hash
from audits.timeutil import JST

BATCH = 50_000
SQL = ("INSERT INTO activity_log (id, at, user_id, username, action, department_code, object_type, object_id, "
       "detail, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Chain:
    """Where the log ends: the next id and the hash to chain to."""

    def __init__(self, db, key: bytes):
        self.key = key
        last = db.execute("SELECT id, hash FROM activity_log ORDER BY id DESC LIMIT 1").fetchone()
        self.next_id, self.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        self.rows = self.next_id - 1

    def rows_of(self, events):
        for event in events:
            row = (self.next_id, *event, self.prev_hash)
            digest = row_hash(row, self.key)
            yield (*row, digest)
            self.prev_hash, self.next_id, self.rows = digest, self.next_id + 1, self.rows + 1


def _top_up(b, year: int, count: int, rng: random.Random) -> list[tuple]:
    """Logins, logouts, downloads and exports spread over the 年度 (up to yesterday for this 年度)."""
    start = datetime(year, 4, 1, 8, tzinfo=JST)
    end = min(datetime(year + 1, 3, 31, 19, tzinfo=JST),
              datetime.combine(b.today - timedelta(days=1), datetime.min.time(), JST).replace(hour=19))
    seconds = max(1, int((end - start).total_seconds()))
    people = [(d.staff_id, d.code) for d in b.departments] + [(d.manager_id, d.code) for d in b.departments]
    out = []
    for _ in range(count):
        at = (start + timedelta(seconds=rng.randrange(seconds))).isoformat(timespec="seconds")
        user_id, code = rng.choice(people)
        kind = rng.random()
        if kind < 0.55:
            action, object_type, object_id, detail = "login.success", None, None, "{}"
        elif kind < 0.75:
            action, object_type, object_id, detail = "logout", None, None, "{}"
        elif kind < 0.85:
            action, object_type, object_id, detail = "session.timeout", None, None, "{}"
        elif kind < 0.95 and b.evidence_id:
            evidence = rng.randrange(1, b.evidence_id + 1)
            action, object_type, object_id = "evidence.download", "evidence", str(evidence)
            detail = json.dumps({"name": "記録簿.pdf", "sha256": f"{evidence:064x}"}, ensure_ascii=False, sort_keys=True)
        else:
            action, object_type, object_id, detail = "sheet.export", "sheet", str(rng.randrange(1, 1000)), '{"format": "pdf"}'
        out.append((at, user_id, b.users[user_id], action, None if action.startswith(("log", "session")) else code,
                    object_type, object_id, detail, f"10.0.{user_id // 250}.{user_id % 250}"))
    return out


def flush_year(b, year: int, target_rows: int) -> int:
    """Write year's events (plus top-up, so that the log holds its share of target_rows); returns the log size."""
    chain = b.chain if hasattr(b, "chain") else Chain(b.db, b.log_key)
    b.chain = chain
    index = b.years.index(year)
    wanted = math.ceil(target_rows * (index + 1) / len(b.years))
    events = b.events.pop(year)
    events += _top_up(b, year, max(0, wanted - chain.rows - len(events)), random.Random(year))
    events.sort(key=lambda e: e[0])
    rows = chain.rows_of(events)
    with b.db.conn:
        while True:
            batch = [row for _, row in zip(range(BATCH), rows)]
            if not batch:
                break
            b.db.conn.executemany(SQL, batch)
    return chain.rows
