"""The home page of each demo role on a phone (390 × 844): the page never scrolls sideways, a wide table scrolls
inside its own box, the stat tiles fit the width, and 「期限超過」 never breaks inside."""
from __future__ import annotations

import pytest

from e2e.test_browser import login

ROLES = ("chief", "auditor", "admin", "shimin.manager", "shimin.staff")

# Elements that stick out of the viewport without a scrolling box of their own between them and the page.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let up = el.parentElement, scrolls = false;
    while (up && !scrolls) { scrolls = ['auto', 'scroll'].includes(getComputedStyle(up).overflowX); up = up.parentElement; }
    if (!scrolls) found.push(`${el.tagName.toLowerCase()}.${el.className} (right edge ${Math.round(box.right)})`);
  }
  return {page: document.documentElement.scrollWidth, viewport: width, found: found.slice(0, 10)};
}"""


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


@pytest.mark.parametrize("role", ROLES)
def test_home_page_fits_a_phone(live_server, phone, role):
    login(phone, live_server, role)
    phone.wait_for_url(live_server + "/")
    seen = phone.evaluate(OVERFLOWING)
    assert seen["page"] <= seen["viewport"] and not seen["found"], seen
    # Each table too wide for the phone scrolls inside its own box.
    for table in phone.locator("table.list").all():
        overflow = table.evaluate("t => getComputedStyle(t).overflowX")
        assert table.evaluate("t => t.getBoundingClientRect().right") <= 390 + 1
        if table.evaluate("t => t.scrollWidth > t.clientWidth"):
            assert overflow == "auto"
    # The tiles fit: none wider than the screen.
    for tile in phone.locator("dl.stats > div").all():
        assert tile.evaluate("d => d.getBoundingClientRect().right") <= 390
    # 「期限超過」 stays on one line wherever it is shown.
    for label in phone.locator(".overdue-label, .badge.overdue").all()[:20]:
        assert label.evaluate("l => l.getClientRects().length") == 1, label.inner_text()
