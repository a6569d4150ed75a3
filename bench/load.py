"""N simulated users against the app under waitress on 127.0.0.1, for a bounded time.

Scenario `steady`: each user is the 保護担当者 of a 課 whose sheet of the largest checklist is open for answers.
After logging in (before the clock starts), a user repeats: open home, open the sheet, save an answer, and every
third round upload a small file; with a think time between steps. Scenario `deadline` (bench/deadline.py): the
people of the last days before a 期限. Loopback only; the server process stops by itself (bench/serve.py) and
every request has a timeout.
"""
from __future__ import annotations

import contextlib
import functools
import http.client
import http.cookies
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from audits.db import connect

from .measure import median, p95

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HOST = "127.0.0.1"


class Client:
    """A keep-alive HTTP/1.1 client with cookies, for one simulated user."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.csrf = ""
        self.headers = None     # of the last response

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        self.headers = response.headers
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, data

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict, headers: dict | None = None):
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 **(headers or {})})

    def upload(self, path: str, filename: str, content: bytes):
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n負荷試験\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                "Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username: str, password: str) -> None:
        status, html = self.get("/login")
        self.csrf = CSRF.search(html.decode()).group(1)
        status, _ = self.post("/login", {"username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login failed for {username}: {status}")
        status, html = self.get("/")
        self.csrf = CSRF.search(html.decode()).group(1)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@dataclass
class Result:
    users: int
    seconds: float
    think: float
    scenario: str = "steady"
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)   # expected refusals (a save that met another's save)
    mix: dict[str, int] = field(default_factory=dict)       # simulated users by role
    server_peak_mb: float | None = None
    server_cpu_seconds: float | None = None     # while the clock ran (Linux)
    server_messages: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[float]:
        return [x for samples in self.latencies.values() for x in samples]

    @property
    def requests(self) -> int:
        return len(self.all)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float | None:
        """Nearest rank, as measure.p95."""
        ordered = sorted(self.all)
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    def as_json(self) -> dict:
        return {"scenario": self.scenario, "users": self.users, "mix": self.mix, "seconds": round(self.seconds, 1),
                "think_seconds": self.think, "requests": self.requests, "throughput_rps": round(self.throughput, 1),
                "p50_ms": _round(self.percentile(0.50)), "p95_ms": _round(self.percentile(0.95)),
                "p99_ms": _round(self.percentile(0.99)), "errors": len(self.errors),
                "expected_refusals": sum(self.refused.values()),
                "by_step": {k: {"count": len(v), "median_ms": _round(median(v)), "p95_ms": _round(p95(v))}
                            for k, v in self.latencies.items()},
                "server_peak_memory_mb": self.server_peak_mb, "server_cpu_seconds": self.server_cpu_seconds}


def _round(value):
    return None if value is None else round(value, 1)


def _assignments(city, users: int) -> list[tuple[str, int, list[str]]]:
    """(username, sheet id, item ids) per user: the open sheets of the largest checklist, one 課 per user
    while there are enough; users sharing a sheet answer different items."""
    db = connect(city.database)
    try:
        largest = db.execute("SELECT version_id FROM checklist_items GROUP BY version_id "
                             "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        sheets = db.execute(
            """SELECT h.id, d.code FROM sheets h JOIN schedules s ON s.id = h.schedule_id
               JOIN departments d ON d.id = h.department_id
               WHERE s.fiscal_year = ? AND s.status = 'open' AND h.version_id = ?
                 AND h.status IN ('answering', 'not_started', 'returned') ORDER BY h.id""",
            [city.years[-1], largest]).fetchall()
        if not sheets:
            raise RuntimeError("回答できる点検票がありません")
        out = []
        for n in range(users):
            sheet_id, code = sheets[n % len(sheets)]
            items = [r[0] for r in db.execute(
                """SELECT i.item_id FROM checklist_items i LEFT JOIN answers a ON a.sheet_id = ? AND a.item_pk = i.id
                   WHERE i.version_id = ? AND i.scale = 'implementation' AND coalesce(a.auto_na, 0) = 0
                   ORDER BY i.position""", [sheet_id, largest])]
            share = n // len(sheets)
            out.append((f"{code}.staff", sheet_id, items[share::max(1, users // len(sheets) + 1)] or items))
        return out
    finally:
        db.conn.close()


def _revision(html: str, sheet_id: int, item_id: str) -> int:
    found = re.search(rf'action="/sheets/{sheet_id}/items/{re.escape(item_id)}"[^>]*?data-revision="(\d+)"', html)
    return int(found.group(1)) if found else 0


class Session:
    """One simulated user while the clock runs: timed steps and think times that end with the run."""

    def __init__(self, client: Client, username: str, rng: random.Random, result: Result, lock: threading.Lock,
                 deadline_box: list, pace: float = 1.0):
        self.client, self.username, self.rng, self.pace = client, username, rng, pace
        self.result, self.lock, self.deadline_box = result, lock, deadline_box

    @property
    def running(self) -> bool:
        return time.perf_counter() < self.deadline_box[0]

    def step(self, kind: str, function, expect: int, refused: tuple[int, ...] = ()):
        """Time one request; a status other than `expect` is an error of the run, except an expected refusal."""
        began = time.perf_counter()
        try:
            status, body = function()
        except Exception as error:  # noqa: BLE001 - every failure is an error of the run
            status, body = None, repr(error).encode()
        elapsed = (time.perf_counter() - began) * 1000
        with self.lock:
            self.result.latencies.setdefault(kind, []).append(elapsed)
            if status in refused:
                self.result.refused[kind] = self.result.refused.get(kind, 0) + 1
            elif status != expect:
                self.result.errors.append(f"{kind} {self.username}: {status}")
        return status, body

    def pause(self, low: float, high: float) -> bool:
        """Think for a uniform time between low and high seconds (times `pace`; cut short by the end of the run);
        False once the run is over."""
        think = self.rng.uniform(low, high) * self.pace
        remaining = min(time.perf_counter() + think, self.deadline_box[0]) - time.perf_counter()
        if remaining > 0:
            time.sleep(remaining)
        return self.running


def _steady(session: Session, sheet_id: int, items: list[str], think: float) -> None:
    """Home → the item's 区分 → save (form post) → every third round a small file, with `think` between steps."""
    client, username = session.client, session.username
    round_no = 0
    while session.running:
        round_no += 1
        item = items[round_no % len(items)]
        session.step("home", lambda: client.get("/"), 200)
        session.pause(0.5 * think, 1.5 * think)
        # The page of the item's 区分 (the answer page shows one 区分 at a time).
        status, html = session.step("sheet", lambda: client.get(f"/sheets/{sheet_id}?item={item}"), 200)
        revision = _revision(html.decode("utf-8", "replace"), sheet_id, item) if status == 200 else 0
        if not session.pause(0.5 * think, 1.5 * think):
            break
        session.step("save", lambda: client.post(f"/sheets/{sheet_id}/items/{item}", {
            "value": "done", "revision": revision,
            "detail": f"庶務係長が毎月確認し、確認記録簿に記録している（負荷試験 {username} {round_no}）。"}), 302)
        if session.pause(0.5 * think, 1.5 * think) and round_no % 3 == 0:
            session.step("upload", lambda: client.upload(f"/sheets/{sheet_id}/items/{item}/evidence", "点検記録.txt",
                                                          f"点検記録 {username} {round_no}\n".encode() * 20), 302)
            session.pause(0.5 * think, 1.5 * think)


def _user(port, password, username: str, behaviour, start: threading.Event, deadline_box: list, result: Result,
          lock: threading.Lock, seed: int, ready: threading.Barrier, pace: float = 1.0,
          logins: threading.Semaphore | None = None) -> None:
    """Log in before the clock starts (at most `logins` at a time: people arrive over minutes, not in the same
    second), then run `behaviour(session)` until the run is over."""
    client = Client(port)
    try:
        with logins or contextlib.nullcontext():
            client.login(username, password)
    except Exception as error:  # noqa: BLE001
        with lock:
            result.errors.append(f"login {username}: {error!r}")
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    start.wait()
    try:
        behaviour(Session(client, username, random.Random(seed), result, lock, deadline_box, pace))
    except Exception as error:  # noqa: BLE001 - a simulated user that breaks is an error of the run
        with lock:
            result.errors.append(f"{username}: {error!r}")
    client.close()


SCENARIOS = ("steady", "deadline")


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (Linux); None elsewhere. Near the run's
    length means the server is CPU-bound: one core is all that Python threads get (the GIL)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run(city_folder: str, city, *, scenario: str = "steady", users: int = 50, seconds: float = 60,
        think: float = 1.0, threads: int = 8, pace: float = 1.0, progress=print) -> Result:
    """Start the server, log every user in, run for `seconds`, stop everything; returns the figures.

    steady: every user a 保護担当者 saving answers with `think` seconds between steps (bench/load.py);
    deadline: the mix of people in the last days before a 期限, with their own think times (bench/deadline.py),
    multiplied by `pace` (1 in the benchmark; a test runs them faster to see every step in a few seconds)."""
    if scenario == "deadline":
        from . import deadline

        plans, mix = deadline.plan(city, users)
        think = deadline.STAFF_THINK_MEAN
    else:
        plans = [(username, functools.partial(_steady, sheet_id=sheet_id, items=items, think=think))
                 for username, sheet_id, items in _assignments(city, users)]
        mix = {"staff": users}
    users = len(plans)
    stats = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".json", delete=False)
    stats.close()
    budget = seconds + 60 + users * 2                       # login and shutdown included
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")   # waitress's own messages (queue depth …)
    server = subprocess.Popen([sys.executable, "-m", "bench.serve", city_folder, "--threads", str(threads),
                               "--seconds", str(budget), "--stats", stats.name],
                              stdout=subprocess.PIPE, stderr=log, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            log.seek(0)
            raise RuntimeError(f"サーバーが起動しませんでした: {line!r} {log.read()[-2000:]}")
        port = int(line.split()[1])
        result = Result(users, seconds, think, scenario=scenario, mix=mix)
        lock, start, logins = threading.Lock(), threading.Event(), threading.Semaphore(threads)
        ready = threading.Barrier(users + 1)
        deadline_box = [float("inf")]
        workers = [threading.Thread(target=_user, args=(port, city.password, username, behaviour, start,
                                                        deadline_box, result, lock, n, ready,
                                                        pace if scenario == "deadline" else 1.0, logins),
                                   daemon=True)
                   for n, (username, behaviour) in enumerate(plans)]
        for worker in workers:
            worker.start()
        progress(f"  {users} 人がログイン中…")
        try:
            ready.wait(timeout=users * 2 + 60)
        except threading.BrokenBarrierError:
            result.errors.append("not every user logged in in time")
        cpu_before = _cpu_seconds(server.pid)
        began = time.perf_counter()
        deadline_box[0] = began + seconds
        start.set()
        for worker in workers:
            worker.join(timeout=seconds + 60)
        result.seconds = time.perf_counter() - began
        cpu_after = _cpu_seconds(server.pid)
        if cpu_before is not None and cpu_after is not None:
            result.server_cpu_seconds = round(cpu_after - cpu_before, 1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log.seek(0)
    result.server_messages = [line.strip()[:300] for line in log if "WARNING" in line or "ERROR" in line][:20]
    log.close()
    try:
        with open(stats.name, encoding="utf-8") as f:
            result.server_peak_mb = json.load(f).get("peak_memory_mb")
    except (OSError, ValueError):
        pass
    os.unlink(stats.name)
    return result
