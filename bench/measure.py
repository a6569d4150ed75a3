"""The app's figures, timed through the Flask test client as the right role (one untimed warm-up each).

Each figure keeps its samples in milliseconds; `Figure.median` / `Figure.p95` summarise them.
The PDF and Excel bytes of the last run are kept, so that floors.py can build the same document bare.
"""
from __future__ import annotations

import math
import re
import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

from audits.activity import service as activity
from audits.db import connect

from .generate import city_app, log_key

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def p95(samples: list[float]) -> float | None:
    """Nearest-rank 95th percentile (with 5 samples: the slowest)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: kilobytes


@dataclass
class Figure:
    name: str
    label: str
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)
    floor_label: str = ""
    output: bytes | None = None       # the last response body (PDF / Excel)
    detail: str = ""

    @property
    def median(self) -> float | None:
        return median(self.samples)

    @property
    def p95(self) -> float | None:
        return p95(self.samples)

    @property
    def floor(self) -> float | None:
        return median(self.floor_samples)

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor:
            return None
        return self.median / self.floor


def timed(function: Callable[[], object], runs: int, *, warm_up: bool = True) -> tuple[list[float], object]:
    result = function() if warm_up else None
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


class Browser:
    """A logged-in test client (real login form, real CSRF token)."""

    def __init__(self, app, username: str, password: str):
        self.client = app.test_client()
        self.username = username
        token = CSRF.search(self.client.get("/login").get_data(as_text=True)).group(1)
        response = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"{username} でログインできません（{response.status_code}）")
        self.csrf = CSRF.search(self.client.get("/").get_data(as_text=True)).group(1)

    def get(self, path: str, expect: int = 200):
        response = self.client.get(path)
        if response.status_code != expect:
            raise RuntimeError(f"GET {path} as {self.username}: {response.status_code}")
        return response

    def post(self, path: str, data: dict, expect: int = 302, headers: dict | None = None):
        response = self.client.post(path, data={"csrf_token": self.csrf, **data}, headers=headers or {})
        if response.status_code != expect:
            raise RuntimeError(f"POST {path} as {self.username}: {response.status_code}")
        return response


@dataclass
class Targets:
    """The records each figure uses, chosen by query so that any generated city works."""
    year: int
    answer_sheet: int          # largest checklist, open for answers
    answer_user: str
    save_item: str
    sheet_pdf: int             # largest fully answered sheet
    audit: int                 # the audit with the most checks
    incident: int = 0          # the incident with the most 経過 entries


def find_targets(db, year: int) -> Targets:
    largest = db.execute("""SELECT version_id FROM checklist_items GROUP BY version_id
                            ORDER BY count(*) DESC LIMIT 1""").fetchone()[0]
    sheet = db.execute(
        """SELECT h.id, d.code FROM sheets h JOIN schedules s ON s.id = h.schedule_id
           JOIN departments d ON d.id = h.department_id
           WHERE s.fiscal_year = ? AND h.version_id = ? AND h.removed_at IS NULL
           ORDER BY h.status IN ('answering', 'returned', 'not_started') DESC,
                    (SELECT count(*) FROM answers a WHERE a.sheet_id = h.id) DESC LIMIT 1""",
        [year, largest]).fetchone()
    item = db.execute(
        """SELECT i.item_id FROM checklist_items i
           LEFT JOIN answers a ON a.sheet_id = ? AND a.item_pk = i.id
           WHERE i.version_id = ? AND i.scale = 'implementation' AND coalesce(a.auto_na, 0) = 0
           ORDER BY i.position LIMIT 1""", [sheet[0], largest]).fetchone()
    full = db.execute(
        """SELECT h.id FROM sheets h WHERE h.version_id = ? AND h.status = 'approved'
           ORDER BY (SELECT count(*) FROM evidence e WHERE e.sheet_id = h.id) DESC, h.id LIMIT 1""",
        [largest]).fetchone()
    audit = db.execute("""SELECT audit_id FROM audit_checks GROUP BY audit_id
                          ORDER BY count(*) DESC, audit_id LIMIT 1""").fetchone()
    incident = db.execute("""SELECT incident_id FROM incident_events GROUP BY incident_id
                             ORDER BY count(*) DESC, incident_id DESC LIMIT 1""").fetchone()
    return Targets(year, sheet[0], f"{sheet[1]}.staff", item[0], (full or sheet)[0], audit[0] if audit else 0,
                   incident[0] if incident else 0)


# The filtered list measured (and its floor, floors.sheet_list_filtered): the current 年度's sheets being answered,
# 課 named 「…課」, newest change first, second page. Every generated city has more than 50 of them at 500 課.
SHEET_LIST_FILTERED = "/sheets/?year={year}&status=answering&q=課&sort=-updated&page=2"


def app_for(city, **config):
    return city_app(city.database, city.upload_folder, **config)


def run(city, runs: int, *, light_runs: int | None = None, progress=print) -> tuple[list[Figure], Targets, float]:
    """Every app figure; returns them, the records used and the peak RSS (MB) of this process afterwards."""
    light_runs = light_runs or runs * 4
    app = app_for(city)
    db = connect(city.database)
    targets = find_targets(db, city.years[-1])
    chief = Browser(app, "chief", city.password)
    staff = Browser(app, targets.answer_user, city.password)
    auditor = Browser(app, "auditor", city.password)
    year = targets.year
    figures = []

    def figure(name, label, function, count, detail="", warm_up=True):
        samples, result = timed(function, count, warm_up=warm_up)
        found = Figure(name, label, samples, detail=detail)
        if hasattr(result, "data") and result.mimetype != "text/html":
            found.output = result.data
        figures.append(found)
        progress(f"  {label}: 中央値 {found.median:,.0f} ms（{count} 回）")

    dashboard = lambda: chief.get(f"/summary/?year={year}")  # noqa: E731
    # The first view after the sheets were submitted computes and stores their results (summary/results.py);
    # later views read them. Both are measured: the first with every stored result deleted.
    dashboard()
    db.execute("DELETE FROM sheet_results")
    db.conn.commit()
    figure("dashboard_first", "全庁集計の画面（集計結果の保存前・初回）", dashboard, 1, warm_up=False)
    figure("dashboard", f"全庁集計の画面（{year}年度）", dashboard, light_runs)
    sheets = db.execute("SELECT count(*) FROM sheets").fetchone()[0]
    figure("sheet_list", f"点検票の一覧（全 {sheets:,} 票・既定の並び・1 ページ目 50 件）",
           lambda: chief.get("/sheets/"), light_runs, detail=str(sheets))
    figure("sheet_list_filtered", "点検票の一覧（年度・状態・課名で絞り込み、更新日順・2 ページ目）",
           lambda: chief.get(SHEET_LIST_FILTERED.format(year=year)), light_runs)
    figure("answer_page", "回答画面（最大のチェックリスト）", lambda: staff.get(f"/sheets/{targets.answer_sheet}"),
           light_runs)
    counter = iter(range(1, 10**9))

    def save(in_place: bool = False):
        n = next(counter)
        revision = db.execute("SELECT revision FROM answers WHERE sheet_id = ? AND item_id = ?",
                              [targets.answer_sheet, targets.save_item]).fetchone()
        return staff.post(f"/sheets/{targets.answer_sheet}/items/{targets.save_item}", {
            "value": "done", "detail": f"庶務係長が毎月確認し、確認記録簿に記録している（ベンチマーク {n}）。",
            "revision": revision[0] if revision else 0},
            **({"expect": 200, "headers": {"Accept": "application/json"}} if in_place else {}))

    figure("save_answer", "回答1件の保存", save, light_runs)
    # As sheet_answer.js saves: JSON back (the message, the progress and the item's card), no page load.
    figure("save_in_place", "回答1件の保存（画面はそのまま）", lambda: save(in_place=True), light_runs)
    if targets.incident:
        incidents = db.execute("SELECT count(*) FROM incidents").fetchone()[0]
        figure("incident_list", f"漏えい等事案の一覧（完結を含む全 {incidents:,} 件を並べ、1 ページ目 100 件を表示）",
               lambda: chief.get("/incidents/?all=1"), light_runs, detail=str(incidents))
        figure("incident_page", "漏えい等事案の画面", lambda: chief.get(f"/incidents/{targets.incident}"), light_runs)
    figure("summary_pdf", "全庁集計 PDF", lambda: chief.get(f"/summary/report.pdf?year={year}"), runs)
    figure("summary_xlsx", "全庁集計 Excel", lambda: chief.get(f"/summary/report.xlsx?year={year}"), runs)
    figure("ppc_pdf", "委員会への定期的な報告 PDF（機関ごと）", lambda: chief.get(f"/summary/ppc.pdf?year={year}"), runs)
    figure("ppc_xlsx", "委員会への定期的な報告 Excel", lambda: chief.get(f"/summary/ppc.xlsx?year={year}"), runs)
    if targets.audit:
        figure("audit_pdf", "監査報告書 PDF（案）", lambda: auditor.get(f"/audit/{targets.audit}/report.pdf?draft=1"), runs)
    figure("sheet_pdf", "点検票 PDF", lambda: chief.get(f"/sheets/{targets.sheet_pdf}/report.pdf"), runs)
    rows = db.execute("SELECT count(*) FROM activity_log").fetchone()[0]

    def verify():
        fresh = connect(city.database)
        try:
            result = activity.verify(fresh, log_key(city.database))
        finally:
            fresh.conn.close()
        if not result.ok:
            raise RuntimeError(f"verify-log が失敗しました: {result.reason}")
        return result

    figure("verify_log", f"verify-log（{rows:,} 行）", verify, max(1, min(runs, 3)), detail=str(rows))
    db.conn.close()
    return figures, targets, peak_rss_mb()
