"""The deadline scenario of the load test: the people at work in the last days before a 期限.

`python -m bench --scenario deadline --users 200`. Of N users, 10 % are 課長, the chief and each auditor are one
user each (3 in the benchmark's city), and the rest are 保護担当者 finishing their 課's open sheets (each 課's
sheet nearest to done first): they open the sheet, answer what the page lists as left to do (saved in place, as
sheet_answer.js saves: JSON, no page load), attach a file with one answer in five and wherever evidence is
required, and submit when nothing is left. The 課長 review and approve the submitted sheets of their 課
(one in ten returned with a reason). The 総括保護管理者 and the auditors open the dashboard (with
its charts, which the browser keeps as long as Cache-Control allows), the sheet list, the incident list and
home.

The think times below (seconds, uniform between the bounds) are what a person does between two requests: the
time people need, not a figure tuned to pass (README「性能」 gives the reasons).
"""
from __future__ import annotations

import html as html_lib
import random
import re
import time
from datetime import date, timedelta
from functools import partial

from audits import roles
from audits.db import connect
from audits.sheets.service import BLOCKER_LABELS, EVIDENCE_BLOCKER
from audits.summary import scoring

from .load import Session

MANAGER_SHARE = 0.10       # the chief and each auditor: one each (see plan()); the rest are 保護担当者
START_SPREAD = (0, 10)     # people are not all at their desks at the same second
PAGE_THINK = (3, 10)       # glance at a page (home, a list, the sheet's 区分) before the next click
ANSWER_THINK = (15, 45)    # read the question, choose the answer, type or paste one or two sentences of 具体的な実施内容
ATTACH_THINK = (10, 30)    # find the file in the file dialog
ATTACH_EVERY = 5           # besides required evidence, a file attached with one answer in five
SUBMIT_THINK = (5, 15)     # look over the sheet once more before 提出
REVIEW_THINK = (60, 180)   # a 課長 reading a submitted sheet (the gaps and their 改善予定) before deciding
RETURN_SHARE = 0.1         # … and returning one sheet in ten, with a reason
READ_THINK = (20, 60)      # the chief and the auditors reading a dashboard or a list
WAIT_THINK = (30, 90)      # nothing to do right now: look again later
STAFF_THINK_MEAN = sum(ANSWER_THINK) / 2

ITEM_FORM = re.compile(r'<form method="post" action="/sheets/(\d+)/items/([^"/]+)" class="answer-form"(.*?)</form>',
                       re.S)
OPTION = re.compile(r'class="option opt-([^" ]+)"><input type="radio" name="(value|value_option)" value="([^"]*)"')
BLOCKER_GROUP = re.compile(r"<h3>([^<]+)（\d+ 件）</h3>\s*<ul>(.*?)</ul>", re.S)
BLOCKER_ITEM = re.compile(r'<li><a href="[^"]*">([^<]+)</a>')
STATUS_FORM = r'action="/sheets/{sheet}/{action}".*?name="status_revision" value="(\d+)"'
SHEET_LINK = re.compile(r'href="/sheets/(\d+)"')
CHART = re.compile(r'<img[^>]+src="(/summary/charts/[^"]+)"')
KIND_OF_LABEL = {label: kind for kind, label in BLOCKER_LABELS.items()}


class Page:
    """What a simulated person reads on the answer page: the item forms, the list of what is left, the actions."""

    def __init__(self, sheet_id: int, text: str):
        self.sheet_id, self.text = sheet_id, text
        self.forms = {html_lib.unescape(m.group(2)): m.group(3) for m in ITEM_FORM.finditer(text)
                      if int(m.group(1)) == sheet_id}
        self.blockers = [(KIND_OF_LABEL.get(label.strip()), html_lib.unescape(item))
                         for label, items in BLOCKER_GROUP.findall(text) for item in BLOCKER_ITEM.findall(items)]

    def status_revision(self, action: str) -> str | None:
        found = re.search(STATUS_FORM.format(sheet=self.sheet_id, action=action), self.text, re.S)
        return found.group(1) if found else None

    def revision(self, item_id: str) -> str:
        found = re.search(r'data-revision="(\d+)"', self.forms[item_id])
        return found.group(1) if found else "0"

    def answer(self, item_id: str, note: str) -> dict:
        """The fields a careful person fills in: the 実施 answer where the scale has one (a recent date, a number
        that meets the expectation), else the first answer with its 改善予定."""
        form = self.forms[item_id]
        options = OPTION.findall(form)
        fields = {"detail": f"庶務係長が毎月確認し、確認記録簿に記録している（{note}）。"}
        done = next((value for category, name, value in options if category == scoring.DONE), None)
        typed = re.search(r'<input type="(date|number)"[^>]*name="value"', form)
        if typed:                                  # a date or a number (or an answer instead of it)
            if typed.group(1) == "date":
                fields["value"] = date.today().isoformat()
            else:
                at_least = re.search(r"([0-9.]+)[^<0-9]*以上であれば", form)
                fields["value"] = at_least.group(1) if at_least else ("0" if "以下であれば" in form else "1")
        elif done is not None:
            fields["value"] = done
        elif options:
            fields["value"] = options[0][2]
        gaps = re.search(r'data-gap-values="([^"]*)"', form)
        if gaps and fields.get("value") in gaps.group(1).split():
            fields.update(plan_action="手順書を改め、係内で周知する。", plan_owner="庶務係長",
                          plan_due=(date.today() + timedelta(days=90)).isoformat())
        return fields


def _start(session: Session) -> bool:
    return session.pause(*START_SPREAD)


def _staff(session: Session, sheet_ids: list[int]) -> None:
    """Finish the 課's open sheets one after the other; then look at home now and then."""
    if not _start(session):
        return
    for sheet_id in sheet_ids:
        if not _finish_sheet(session, sheet_id):
            return
    while session.running:
        session.step("home", lambda: session.client.get("/"), 200)
        session.pause(*WAIT_THINK)


def _finish_sheet(session: Session, sheet_id: int) -> bool:
    """Answer what the page lists as left to do, then submit. False when the run is over (or the page failed)."""
    client = session.client
    session.step("home", lambda: client.get("/"), 200)
    if not session.pause(*PAGE_THINK):
        return False
    path, saves = f"/sheets/{sheet_id}", 0
    while session.running:
        status, body = session.step("sheet", lambda: client.get(path), 200)
        if status != 200:
            return False
        page = Page(sheet_id, body.decode("utf-8", "replace"))
        if not page.blockers:
            revision = page.status_revision("submit")
            if revision is None:           # submitted by a colleague, or not this user's to submit
                return True
            if not session.pause(*SUBMIT_THINK):
                return False
            session.step("submit", lambda: client.post(f"/sheets/{sheet_id}/submit", {"status_revision": revision}),
                         302)
            session.step("sheet", lambda: client.get(f"/sheets/{sheet_id}"), 200)   # the redirect, as browsers do
            return True
        here = [(kind, item) for kind, item in page.blockers if item in page.forms]
        if not here:                       # what is left is on another 区分: open it
            path = f"/sheets/{sheet_id}?item={page.blockers[0][1]}"
            if not session.pause(*PAGE_THINK):
                return False
            continue
        path = f"/sheets/{sheet_id}"
        for kind, item in here:
            attach = kind == EVIDENCE_BLOCKER
            if not attach:
                if not session.pause(*ANSWER_THINK):
                    return False
                saves += 1
                fields = {**page.answer(item, f"負荷試験 {session.username} {saves}"),
                          "revision": page.revision(item)}
                session.step("save", lambda: client.post(f"/sheets/{sheet_id}/items/{item}", fields,
                                                         headers={"Accept": "application/json"}), 200, refused=(409,))
                attach = saves % ATTACH_EVERY == 0
            if attach:
                if not session.pause(*ATTACH_THINK):
                    return False
                session.step("upload", lambda: client.upload(f"/sheets/{sheet_id}/items/{item}/evidence",
                                                             "点検記録.txt", "点検記録\n".encode() * 20), 302)
                path = f"/sheets/{sheet_id}?item={item}"     # the redirect: the page is loaded again
                break
    return False


def _manager(session: Session, year: int) -> None:
    """Review each submitted sheet of the 課, then approve it (or return it with a reason)."""
    client, seen = session.client, set()
    if not _start(session):
        return
    while session.running:
        session.step("home", lambda: client.get("/"), 200)
        if not session.pause(*PAGE_THINK):
            return
        status, body = session.step("list", lambda: client.get(f"/sheets/?year={year}&status=submitted"), 200)
        waiting = [int(n) for n in SHEET_LINK.findall(body.decode("utf-8", "replace"))] if status == 200 else []
        sheet_id = next((n for n in waiting if n not in seen), None)
        if sheet_id is None:
            session.pause(*WAIT_THINK)
            continue
        seen.add(sheet_id)
        status, body = session.step("review", lambda: client.get(f"/sheets/{sheet_id}"), 200)
        page = Page(sheet_id, body.decode("utf-8", "replace")) if status == 200 else None
        action = "return" if session.rng.random() < RETURN_SHARE else "approve"
        revision = page.status_revision(action) if page else None
        if not session.pause(*REVIEW_THINK) or revision is None:
            continue
        fields = {"status_revision": revision}
        if action == "return":
            fields["reason"] = "改善予定の期限と担当を具体的に記入してください。"
        session.step(action, lambda: client.post(f"/sheets/{sheet_id}/{action}", fields), 302)
        session.step("review", lambda: client.get(f"/sheets/{sheet_id}"), 200)


def _overseer(session: Session, year: int) -> None:
    """The chief or an auditor: the dashboard (and its charts, as the browser loads them), the lists, home."""
    client = session.client
    if not _start(session):
        return
    pages = [("dashboard", f"/summary/?year={year}"), ("list", f"/sheets/?year={year}"),
             ("incidents", "/incidents/"), ("home", "/")]
    turn = session.rng.randrange(len(pages))
    fresh_until: dict[str, float] = {}     # the browser's cache of images (Cache-Control: max-age)
    while session.running:
        kind, path = pages[turn % len(pages)]
        turn += 1
        status, body = session.step(kind, lambda: client.get(path), 200)
        if kind == "dashboard" and status == 200:
            for chart in map(html_lib.unescape, CHART.findall(body.decode("utf-8", "replace"))):
                if fresh_until.get(chart, 0) > time.monotonic():
                    continue
                session.step("chart", lambda: client.get(chart), 200)
                max_age = re.search(r"max-age=(\d+)", (client.headers or {}).get("Cache-Control", ""))
                if max_age:
                    fresh_until[chart] = time.monotonic() + int(max_age.group(1))
        session.pause(*READ_THINK)


def plan(city, users: int, seed: int = 2025) -> tuple[list[tuple[str, object]], dict[str, int]]:
    """(username, behaviour) for each simulated user, and how many of each role."""
    year = city.years[-1]
    db = connect(city.database)
    try:
        open_sheets = db.execute(
            """SELECT d.code, h.id,
                      (SELECT count(*) FROM checklist_items i WHERE i.version_id = h.version_id)
                      - (SELECT count(*) FROM answers a WHERE a.sheet_id = h.id AND a.category IS NOT NULL) AS left
               FROM sheets h JOIN schedules s ON s.id = h.schedule_id JOIN departments d ON d.id = h.department_id
               WHERE s.fiscal_year = ? AND s.status = 'open' AND h.removed_at IS NULL
                 AND h.status IN ('answering', 'not_started', 'returned')
               ORDER BY left, h.id""", [year]).fetchall()
        submitted = [r[0] for r in db.execute(
            """SELECT DISTINCT d.code FROM sheets h JOIN schedules s ON s.id = h.schedule_id
               JOIN departments d ON d.id = h.department_id
               WHERE s.fiscal_year = ? AND h.status = 'submitted' AND h.removed_at IS NULL ORDER BY d.code""",
            [year])]
        overseer_names = [r[0] for r in db.execute(
            """SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id
               WHERE r.role IN (?, ?) AND u.active = 1 ORDER BY r.role = ? DESC, u.id""",
            [roles.CHIEF, roles.AUDITOR, roles.CHIEF])]
    finally:
        db.conn.close()
    # Each of the chief and the auditors is one person with one browser (3 in the benchmark's city), however
    # many 保護担当者 there are; 1 in 20 users at most.
    overseers = min(len(overseer_names), users // 20) if users >= 20 else min(1, len(overseer_names), users - 1)
    managers = round(users * MANAGER_SHARE)
    staff = users - managers - overseers
    by_department: dict[str, list[int]] = {}
    for code, sheet_id, _left in open_sheets:        # each 課's sheets, the one nearest to done first
        by_department.setdefault(code, []).append(sheet_id)
    if staff and not by_department:
        raise RuntimeError("回答できる点検票がありません")
    departments = sorted(by_department)
    random.Random(seed).shuffle(departments)         # 課 far from done and near it, as at any deadline
    plans = [(f"{departments[n % len(departments)]}.staff",
              partial(_staff, sheet_ids=by_department[departments[n % len(departments)]])) for n in range(staff)]
    reviewed = submitted or departments            # 課 with sheets waiting for their 課長, else those answering
    plans += [(f"{reviewed[n % len(reviewed)]}.manager", partial(_manager, year=year)) for n in range(managers)]
    plans += [(overseer_names[n % len(overseer_names)], partial(_overseer, year=year)) for n in range(overseers)]
    return plans, {"保護担当者": staff, "課長": managers, "総括保護管理者・監査員": overseers}
