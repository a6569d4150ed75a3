"""One real browser session: log in, navigate by role, be refused another 課, log out."""
from __future__ import annotations

from conftest import DEMO_PASSWORD


def login(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("利用者ID").fill(username)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_staff_logs_in_navigates_and_logs_out(live_server, page):
    login(page, live_server, "kenko.staff")
    page.wait_for_url(live_server + "/")
    assert "保護担当者として" in page.content()
    page.get_by_role("link", name="所属課", exact=True).click()
    page.get_by_role("link", name="健康づくり課").click()
    assert page.locator("h1").inner_text().startswith("健康づくり課")
    # A guessed URL for another 課 is refused.
    response = page.goto(live_server + "/departments/1")
    assert response.status == 403
    assert "許可されていません" in page.content()
    page.goto(live_server + "/")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/login")
    assert "ログアウトしました" in page.content()


def test_admin_sees_admin_navigation(live_server, page):
    login(page, live_server, "admin")
    page.wait_for_url(live_server + "/")
    page.get_by_role("link", name="利用者管理").click()
    assert page.get_by_role("heading", name="利用者管理").is_visible()
    assert page.get_by_role("link", name="kenko.staff").is_visible()


def test_wrong_password_message(live_server, page):
    page.goto(live_server + "/login")
    page.get_by_label("利用者ID").fill("kenko.staff")
    page.get_by_label("パスワード").fill("not-the-password1")
    page.get_by_role("button", name="ログイン").click()
    assert "利用者ID又はパスワードが正しくありません" in page.content()
