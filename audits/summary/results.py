"""The stored results of counted 点検票: the category code of every item, one byte per item.

A counted sheet (提出済・承認済) is read-only, so what its answers say can be computed once and
reused by every report: `load()` returns the codes of the sheets asked for, computing the ones
that are missing (a sheet submitted since the last report, a database migrated from an older
release) from the answers with the same SQL category as everywhere else (`scoring.sql_category`).
The triggers of schema.py delete a sheet's row whenever an answer, the sheet's status or version,
or an item of the version changes, so a stored row is never stale.

Codes are indexes into `scoring.BAR_CATEGORIES`; the bytes follow the version's items ordered by
(position, id), the order of `layouts()`.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import numpy as np
from sqlite_utils import Database

from ..db import in_clause, transaction
from ..timeutil import now_iso
from . import scoring

CODES: dict[str, int] = {category: code for code, category in enumerate(scoring.BAR_CATEGORIES)}
DONE, PARTIAL, NOT_DONE, UNANSWERED, NOT_APPLICABLE = (CODES[c] for c in (
    scoring.DONE, scoring.PARTIAL, scoring.NOT_DONE, scoring.UNANSWERED, scoring.NOT_APPLICABLE))
# Per code: its place in scoring.DEPARTMENT_ANSWER_ORDER (0 the weakest).
_WEAKNESS = np.array([scoring.DEPARTMENT_ANSWER_ORDER.index(c) for c in scoring.BAR_CATEGORIES], dtype=np.uint8)
# Per code: the credit of the 評点 (scoring.CREDIT) and whether the cell is in the denominators.
CREDITS = np.array([scoring.CREDIT.get(c, 0.0) for c in scoring.BAR_CATEGORIES])
APPLICABLE = np.array([c != scoring.NOT_APPLICABLE for c in scoring.BAR_CATEGORIES])

_ITEM_ORDER = "i.position, i.id"


@dataclass
class Layout:
    """The items of one checklist version, in the order of the stored codes."""
    version_id: int
    checklist_id: str
    checklist_title: str
    item_pks: list[int]
    item_ids: list[str]
    section_ids: list[str]
    section_titles: dict[str, str]
    weights: np.ndarray        # severity weight per item (scoring.SEVERITY_WEIGHTS)

    def __len__(self) -> int:
        return len(self.item_pks)


def layouts(db: Database, version_ids) -> dict[int, Layout]:
    version_ids = sorted({int(v) for v in version_ids})
    if not version_ids:
        return {}
    where, params = in_clause("i.version_id", version_ids)
    rows = db.execute(f"""
        SELECT i.version_id, v.checklist_id, v.title, i.id, i.item_id, i.section_id, i.section_title, i.severity
        FROM checklist_items i JOIN checklist_versions v ON v.id = i.version_id
        WHERE {where} ORDER BY i.version_id, {_ITEM_ORDER}""", params).fetchall()
    result = {}
    for version_id, group in groupby(rows, key=lambda r: r[0]):
        group = list(group)
        result[version_id] = Layout(
            version_id, group[0][1], group[0][2], [r[3] for r in group], [r[4] for r in group],
            [r[5] for r in group], {r[5]: r[6] or "" for r in group},
            np.array([scoring.SEVERITY_WEIGHTS.get(r[7], scoring.DEFAULT_SEVERITY_WEIGHT) for r in group],
                     dtype=np.float64))
    return result


def weakest(rows: np.ndarray) -> np.ndarray:
    """One row of codes from several sheets of the same version (a 課's 評価書): per item, the weakest answer."""
    if len(rows) == 1:
        return rows[0]
    return rows[_WEAKNESS[rows].argmin(axis=0), np.arange(rows.shape[1])]


def _code_sql(answer_alias: str = "a") -> str:
    cases = " ".join(f"WHEN '{category}' THEN {code}" for category, code in CODES.items())
    return f"(CASE {scoring.sql_category(answer_alias)} {cases} END)"


def _compute(db: Database, sheet_ids: list[int]) -> list[tuple[int, int, bytes]]:
    """(sheet_id, version_id, codes) computed from the answers, for the counted ones of `sheet_ids`."""
    where, params = in_clause("s.id", sheet_ids)
    rows = db.execute(f"""
        SELECT s.id, s.version_id, {_code_sql('a')}
        FROM sheets s
        JOIN checklist_items i ON i.version_id = s.version_id
        LEFT JOIN answers a ON a.sheet_id = s.id AND a.item_pk = i.id
        WHERE {where} AND s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}
        ORDER BY s.id, {_ITEM_ORDER}""", params).fetchall()
    return [(sheet_id, group[0][1], bytes(r[2] for r in group))
            for sheet_id, group in ((k, list(g)) for k, g in groupby(rows, key=lambda r: r[0]))]


def _missing(db: Database, sheet_ids: list[int]) -> list[int]:
    where, params = in_clause("s.id", sheet_ids)
    return [row[0] for row in db.execute(f"""
        SELECT s.id FROM sheets s LEFT JOIN sheet_results r ON r.sheet_id = s.id
        WHERE {where} AND r.sheet_id IS NULL AND s.status IN {scoring.sql_in(scoring.COUNTED_STATUSES)}""",
        params).fetchall()]


def refresh(db: Database, sheet_ids) -> int:
    """Compute and store the results of those of `sheet_ids` that are counted and not stored; how many."""
    sheet_ids = sorted({int(i) for i in sheet_ids})
    if not sheet_ids or not _missing(db, sheet_ids):
        return 0
    # Under the write lock, so that no answer can change between computing a row and storing it.
    with transaction(db):
        missing = _missing(db, sheet_ids)
        computed = _compute(db, missing) if missing else []
        stamp = now_iso()
        db.conn.executemany(
            "INSERT OR REPLACE INTO sheet_results (sheet_id, version_id, codes, computed_at) VALUES (?, ?, ?, ?)",
            [(sheet_id, version_id, codes, stamp) for sheet_id, version_id, codes in computed])
    return len(computed)


def load(db: Database, sheet_ids) -> dict[int, tuple[int, np.ndarray]]:
    """{sheet_id: (version_id, codes)} for the counted ones of `sheet_ids` (missing rows computed first)."""
    sheet_ids = sorted({int(i) for i in sheet_ids})
    if not sheet_ids:
        return {}
    refresh(db, sheet_ids)
    where, params = in_clause("r.sheet_id", sheet_ids)
    return {sheet_id: (version_id, np.frombuffer(codes, dtype=np.uint8))
            for sheet_id, version_id, codes in db.execute(
                f"SELECT r.sheet_id, r.version_id, r.codes FROM sheet_results r WHERE {where}", params).fetchall()}


def discard(db: Database, sheet_ids) -> None:
    """Forget stored results (they are computed again on the next `load`)."""
    sheet_ids = sorted({int(i) for i in sheet_ids})
    if sheet_ids:
        where, params = in_clause("sheet_id", sheet_ids)
        with transaction(db):
            db.execute(f"DELETE FROM sheet_results WHERE {where}", params)
