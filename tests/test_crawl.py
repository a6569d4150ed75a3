"""A link the app shows never ends in 403, 404 or 500: each demo role follows every same-site link from its home
page, breadth first, as a user clicking through would (bounded; logout is a POST and downloads are fetched but
not read for links). Navigation must show only what the role may open (audits/access.py decides both)."""
from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from conftest import Auth

MAX_PAGES = 400
LINK = re.compile(r'<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?"')
# One user per role, and a 課 whose members differ (健康づくり課 has the issued audit, 市民課 the joint one).
USERS = ["chief", "auditor", "auditor2", "admin", "shimin.manager", "shimin.staff", "kenko.manager", "kenko.staff"]


def _shape(path: str) -> tuple:
    """Links that differ only in ids or in the values of the same parameters are of one shape."""
    parts = urlsplit(path)
    return re.sub(r"\d+", "N", parts.path), tuple(sorted(k for k, _v in parse_qsl(parts.query, keep_blank_values=True)))


def crawl(client, start: str = "/", limit: int = MAX_PAGES) -> tuple[dict[str, int], dict[str, str]]:
    """{path: status} of every page reached from `start` and {path: the page that linked to it}.

    Breadth first, one link of each shape before the others (a list's 200 rows or its sort and page links would
    otherwise use up the budget before the other pages are reached)."""
    seen: dict[str, int] = {}
    found_on: dict[str, str] = {start: "(start)"}
    shapes: set[tuple] = set()
    first, later = deque([start]), deque()
    while (first or later) and len(seen) < limit:
        path = (first or later).popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        targets = []
        if response.status_code in (301, 302, 303):
            targets = [response.headers["Location"]]
        elif response.status_code == 200 and response.mimetype == "text/html":
            targets = [html.unescape(href) for href in LINK.findall(response.get_data(as_text=True))]
        for target in targets:
            parts = urlsplit(urljoin("http://localhost" + path, target))
            if parts.netloc != "localhost" or parts.path in ("/logout",) or not parts.path:
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen and local not in found_on:
                found_on[local] = path
                shape = _shape(local)
                (later if shape in shapes else first).append(local)
                shapes.add(shape)
    return seen, found_on


@pytest.mark.slow
@pytest.mark.parametrize("username", USERS)
def test_no_link_shown_to_a_role_ends_in_an_error(app, username):
    client = app.test_client()
    assert Auth(client).login(username).status_code == 302
    seen, found_on = crawl(client)
    broken = [f"{status} {path}  (linked from {found_on[path]})" for path, status in seen.items() if status >= 400]
    assert len(seen) > 10
    print(f"{username}: {len(seen)} pages of {len({_shape(p) for p in found_on})} shapes, "
          f"{len(found_on) - len(seen)} links not followed")
    assert not broken, f"{username}: " + "\n".join(broken)
