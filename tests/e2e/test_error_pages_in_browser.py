"""In Chromium: the error pages look like the portal, in Chinese and in English (screenshots)."""

import pytest

from .test_plan_in_browser import log_in

pytestmark = pytest.mark.e2e


def test_not_found_forbidden_and_bad_requests_are_the_portals_pages(live_server, transactional_db, reporter, page, screenshot_dir):
    log_in(page, live_server, "reporter_lucheng")
    cases = [("/no/such/page/", 404, "页面不存在"), ("/progress/", 403, "无权访问"), ("/units/%00/", 400, "请求无法读取")]
    for path, status, heading in cases:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status, path
        assert page.locator("h1").inner_text() == heading
        assert page.locator(".site-header .main-nav").is_visible(), "the portal's header and menu stay"
        page.screenshot(path=str(screenshot_dir / f"error_{status}_zh.png"))
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    for path, status, heading in [("/no/such/page/", 404, "Page not found"), ("/progress/", 403, "Not allowed")]:
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text() == heading and page.locator("html").get_attribute("lang") == "en"
        page.screenshot(path=str(screenshot_dir / f"error_{status}_en.png"))
