"""A 課's staff registers an incident in a real browser and finds its deadline on the home page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from audits.screen_dates import date_text

from .test_browser import login

pytestmark = pytest.mark.slow


def test_register_incident_and_see_deadline_on_home(live_server, page):
    known = date.today() - timedelta(days=2)
    login(page, live_server, "kosodate.staff")
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="事案を登録する").click()
    page.get_by_label("件名").fill("児童手当の通知書の誤送付")
    page.get_by_label("事案の種類").select_option(label="誤送付・誤送信")
    page.get_by_label("発生日", exact=True).fill(known.isoformat())
    page.get_by_label("覚知日時").fill(f"{known.isoformat()}T10:30")
    page.get_by_label("本人の数").fill("1")
    page.get_by_label("要配慮個人情報を含む（法第2条第3項）").check()
    page.get_by_label("事案の概要").fill("通知書を別の世帯に送付した（テスト）。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/incidents/*")
    assert "児童手当の通知書の誤送付について" in page.locator("h1").inner_text()
    assert "施行規則第４３条第１号" in page.content()
    page.get_by_role("link", name="ホーム").first.click()
    section = page.locator("#home-incidents")
    row = section.locator("tr", has_text="児童手当の通知書の誤送付")
    due = known + timedelta(days=5)
    assert f"速報 {date_text(due)}" in row.inner_text()
    assert row.locator(f'time[datetime="{due.isoformat()}"]').count() == 1
    assert "未了" in row.inner_text()
