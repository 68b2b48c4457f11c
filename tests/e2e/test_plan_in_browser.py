"""In Chromium: log in, open the plan overview, switch to English, save screenshots."""

import pytest

from ..conftest import PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/plan/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/plan/")


def test_a_leader_logs_in_and_reads_the_plan_overview(live_server, transactional_db, leader, page, screenshot_dir):
    log_in(page, live_server, "leader")
    assert page.locator("h1").inner_text().startswith("温州市")
    assert page.locator(".measure.card").count() == 16
    assert page.get_by_text("总体目标").first.is_visible()
    assert page.locator("#M01-STD").first.is_visible()
    # Styles come from the app itself (offline): the header is drawn in the portal's red.
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"
    shot = screenshot_dir / "plan_overview_zh.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000

    with page.expect_navigation():
        page.select_option("#lang-select", "en")  # the switcher submits itself
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Overall goals" in page.content()
    page.screenshot(path=str(screenshot_dir / "plan_overview_en.png"))


def test_a_wrong_password_shows_a_chinese_error(live_server, transactional_db, leader, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".form-errors").is_visible()
    assert "请输入" in page.locator(".form-errors").inner_text() or "正确" in page.locator(".form-errors").inner_text()
    assert page.input_value("#id_username") == "leader"
