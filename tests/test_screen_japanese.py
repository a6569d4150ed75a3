"""Japanese on screen: 和暦 dates with half-width digits (期限 令和7年9月30日（火）), ISO only where a machine reads it
(<time datetime>, input values), 「又は」, export links worded one way, natural reason labels and confirmations.

Documents keep full-width digits (REPORTS.md): a document shown on a page (the report preview, the 委員会 draft)
is marked `class="document"`, and what people typed (`.prose`, the log's details) is theirs; both are left out of
the digit-style scan, never out of the ISO scan.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from builders_selfcheck import sheet_id
from conftest import Auth, department_id
from test_access_table import TABLE, _placeholders

from audits import screen_dates
from audits.sheets import workflow
from audits.wareki import hankaku, nendo, wareki_date

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}/\d{1,2}/\d{1,2}\b")
FULL_WIDTH_ERA = re.compile(r"(明治|大正|昭和|平成|令和)[０-９]+年")
HALF_WIDTH_ERA = re.compile(r"(明治|大正|昭和|平成|令和)[0-9]+年")
EXPORT_URL = re.compile(r"\.(pdf|xlsx|csv|yaml)(\?|$)")
EXPORT_TEXT = re.compile(r"(PDF|Excel|CSV|YAML) で出力$")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NOT_SHOWN = {"script", "style", "textarea"}     # code, and what a person is typing
THEIRS = {"document", "prose", "detail"}        # a document's own style, free text people wrote


class Page(HTMLParser):
    """A page's shown text (all of it, and the part the app wrote itself) and its export links."""

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[tuple[str, bool, bool]] = []   # (tag, hidden, theirs)
        self.text: list[str] = []
        self.own_text: list[str] = []
        self.links: list[list[str]] = []                # [href, text]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = (self.stack[-1][1] if self.stack else False) or tag in NOT_SHOWN
        theirs = (self.stack[-1][2] if self.stack else False) or bool(THEIRS & set((attrs.get("class") or "").split()))
        if tag == "a":
            self.links.append([attrs.get("href") or "", ""])
        if tag not in VOID:
            self.stack.append((tag, hidden, theirs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        hidden, theirs = self.stack[-1][1:] if self.stack else (False, False)
        if hidden:
            return
        self.text.append(data)
        if not theirs:
            self.own_text.append(data)
        if any(tag == "a" for tag, _h, _t in self.stack) and self.links:
            self.links[-1][1] += data


def problems_of(html: str) -> list[str]:
    page = Page(html)
    text, own = " ".join(page.text), " ".join(page.own_text)
    found = [f"ISO date on screen: …{text[max(0, m.start() - 30):m.end() + 10]}…" for m in ISO_DATE.finditer(text)]
    found += [f"「または」: …{text[max(0, m.start() - 30):m.end() + 10]}…" for m in re.finditer("または", text)]
    found += [f"full-width era digits: …{own[max(0, m.start() - 30):m.end() + 10]}…"
              for m in FULL_WIDTH_ERA.finditer(own)]
    found += [f"export link worded otherwise: {href} 「{label.strip()}」" for href, label in page.links
              if EXPORT_URL.search(href) and not EXPORT_TEXT.search(" ".join(label.split()))]
    return found


# ---------------------------------------------------------------------------------------------- the filters

def render(app, source: str, **context) -> str:
    with app.app_context():
        return app.jinja_env.from_string(source).render(**context)


def test_date_filters_write_wareki_with_half_width_digits_and_keep_iso_for_machines(app):
    assert render(app, "{{ d|wareki }}", d="2025-09-30") == '<time datetime="2025-09-30">令和7年9月30日</time>'
    assert render(app, "{{ d|wareki_day }}", d=date(2025, 9, 30)) == '<time datetime="2025-09-30">令和7年9月30日（火）</time>'
    assert render(app, "{{ d|wareki_day }}", d="2019-05-01") == '<time datetime="2019-05-01">令和元年5月1日（水）</time>'
    # Date and time in Japan time, whatever offset the value was stored with.
    assert render(app, "{{ d|datetime }}", d="2026-11-24T00:05:00+00:00") == \
        '<time datetime="2026-11-24T09:05+09:00">令和8年11月24日（火）9:05</time>'
    assert render(app, "{{ d|datetime }}", d=datetime(2025, 2, 26, 15, 0)) == \
        '<time datetime="2025-02-26T15:00+09:00">令和7年2月26日（水）15:00</time>'
    # A 年度 is not a calendar year: its number goes to <data value>.
    assert render(app, "{{ y|nendo }}", y=2025) == '<data value="2025">令和7年度</data>'
    assert render(app, "{{ nendo(2018) }}") == "平成30年度"
    # A month alone (the casebook's dates), and the date part of a date-time.
    assert render(app, "{{ d|wareki }}", d="2017-12") == '<time datetime="2017-12">平成29年12月</time>'
    assert render(app, "{{ d|wareki }}", d="2026-10-14T16:40") == '<time datetime="2026-10-14">令和8年10月14日</time>'


def test_date_filters_show_nothing_for_no_value_and_a_non_date_as_it_is(app):
    assert render(app, "{{ d|wareki or '未' }}|{{ d|datetime or '—' }}|{{ d|nendo }}", d=None) == "未|—|"
    assert render(app, "{{ d|wareki }}", d="<b>不明</b>") == "&lt;b&gt;不明&lt;/b&gt;"
    assert render(app, "{{ d|datetime }}", d="2025-13-45") == "2025-13-45"


def test_documents_keep_full_width_digits_and_screens_use_half_width():
    assert wareki_date("2025-02-26") == "令和７年２月２６日（水）"            # REPORTS.md
    assert nendo(2025) == "令和７年度"
    assert nendo(2025, digits=hankaku) == screen_dates.nendo_text(2025) == "令和7年度"
    assert screen_dates.span_text("2026-01-20T10:00+09:00", "2026-01-20T11:30+09:00") == "令和8年1月20日（火）10:00〜11:30"
    assert screen_dates.span_text("2026-01-20T10:00", "2026-01-21T09:00") == \
        "令和8年1月20日（火）10:00〜令和8年1月21日（水）9:00"


# ------------------------------------------------------------------------------------------ pages as shown

def test_the_scan_finds_each_slip():
    """The page scan itself: each kind of slip is reported, and a machine's ISO in an attribute is not."""
    assert problems_of('<p>期限 <time datetime="2025-09-30">令和7年9月30日</time></p><input value="2025-09-30">') == []
    assert len(problems_of("<td>2025-09-30</td>")) == 1
    assert len(problems_of("<p>A または B</p>")) == 1
    assert len(problems_of("<h2>令和７年度</h2>")) == 1
    assert problems_of('<p class="prose">令和７年度に</p><article class="document"><h2>令和７年度</h2></article>') == []
    assert len(problems_of('<article class="document">2025-09-30</article>')) == 1
    assert len(problems_of('<a href="/sheets/1/report.pdf">PDF を出力</a>')) == 1
    assert problems_of('<a href="/sheets/1/report.pdf">PDF で出力</a>') == []


HOME_ROLES = ("chief", "auditor", "admin", "shimin.manager", "shimin.staff", "kenko.manager")


def test_home_sheet_and_incident_pages_show_wareki_and_no_slip(app, db):
    shimin_sheet = sheet_id(db, "shimin")
    incident = db.execute("SELECT incident_id FROM incident_departments WHERE department_id = ?",
                          [department_id(db, "shimin")]).fetchone()[0]
    found = {}
    for role in HOME_ROLES:
        client = app.test_client()
        assert Auth(client).login(role).status_code == 302
        html = client.get("/").get_data(as_text=True)
        found[f"{role} /"] = problems_of(html)
        assert HALF_WIDTH_ERA.search(html), role
        if role.startswith("shimin"):
            for url in (f"/sheets/{shimin_sheet}", f"/incidents/{incident}"):
                found[f"{role} {url}"] = problems_of(client.get(url).get_data(as_text=True))
    assert not any(found.values()), found


def test_the_home_pages_recent_log_shows_wareki(app):
    client = app.test_client()
    Auth(client).login("admin")
    html = client.get("/").get_data(as_text=True)
    box = html[html.index('id="home-log"'):]
    box = box[:box.index("</section>")]
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}T[^"]+">令和\d+年\d+月\d+日（.）\d+:\d{2}</time>', box)
    assert not ISO_DATE.search(re.sub(r'datetime="[^"]*"', "", box))


@pytest.mark.slow
def test_every_page_each_role_opens_shows_no_slip(app, db):
    """Every GET page of the access table that a role may open, as each demo role."""
    values = _placeholders(db)
    found = []
    for role in ("chief", "auditor", "admin", "shimin.manager", "shimin.staff", "kenko.staff"):
        client = app.test_client()
        assert Auth(client).login(role).status_code == 302
        for endpoint, url, expected in TABLE:
            if expected.get(role) != 200:
                continue
            response = client.get(url.format(**values))
            if response.status_code == 200 and response.mimetype == "text/html":
                found += [f"{role} {endpoint}: {p}" for p in problems_of(response.get_data(as_text=True))]
    assert not found, "\n" + "\n".join(found[:40])


# ------------------------------------------------------------------------------------------------- wording

def test_each_reason_box_and_confirmation_reads_as_japanese():
    for transition in workflow.TRANSITIONS.values():
        if transition.needs_reason:
            assert transition.reason_label.endswith("の理由"), transition.action
            assert not re.search(r"[るすう]の理由", transition.reason_label), transition.reason_label
        if transition.confirm:
            assert transition.confirm.endswith("か。") or "か。" in transition.confirm, transition.confirm
            assert "「" not in transition.confirm, transition.confirm
    assert workflow.TRANSITIONS["withdraw"].reason_label == "取下げの理由"
    assert workflow.TRANSITIONS["return"].reason_label == "差戻しの理由"


def test_the_sheet_page_asks_in_whole_sentences(app, db):
    client = app.test_client()
    Auth(client).login("shimin.manager")
    html = client.get(f"/sheets/{sheet_id(db, 'shimin')}").get_data(as_text=True)
    assert "の理由 <span" in html                         # a submitted sheet: return (and withdraw) ask why
    assert not re.search(r"[るすう]の理由", html)
    assert "」。よろしいですか" not in html
    assert "差戻しの理由" in html and 'data-confirm="この点検票を担当者に差し戻しますか。"' in html
