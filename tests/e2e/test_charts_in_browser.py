"""In Chromium: every chart of the progress pages is drawn by the portal's own script from the
figure JSON in the page, with no inline script — under the portal's strict Content-Security-Policy
(tests/e2e/conftest.py fails any browser test on a violation)."""

import datetime as dt

import pytest

from targets.actions.progress import progress_recompute_all

from ..conftest import PASSWORD

pytestmark = [pytest.mark.e2e]
TODAY = dt.date(2026, 11, 26)  # the demo's last quarter, 2026Q3, is then the reporting period
PAGES = {
    "overview": ("/progress/", ["status-chart", "overview-county-map"]),
    "indicator": ("/progress/indicators/M01-STD/", ["trend-chart", "contribution-chart", "county-map"]),
    "ratio": ("/progress/indicators/M14-RATE/", ["trend-chart", "contribution-chart", "county-map"]),
    "counties": ("/progress/counties/?rank=M14-RATE", ["ranking-chart"]),
}


# Each blocked action, as the browser reports it to the page.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push({directive: e.violatedDirective, blocked: e.blockedURI, element: (e.target && e.target.id) || ""});
});
"""


@pytest.fixture
def strict_page(browser, live_server, transactional_db, demo, leader):
    """A leader's page whose every response from the portal carries the strict policy."""
    progress_recompute_all(trigger="test", today=TODAY)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    login = page.goto(f"{live_server.url}/accounts/login/")
    policy = login.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    page.fill("#id_username", "leader")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    yield page, errors
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_chart_is_drawn_under_a_strict_policy(strict_page, live_server, screenshot_dir, name):
    page, errors = strict_page
    path, charts = PAGES[name]
    response = page.goto(f"{live_server.url}{path}")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for chart in charts:
        page.wait_for_selector(f"#{chart}.js-plotly-plot .main-svg", timeout=15_000)
        assert page.locator(f"#{chart} .main-svg .trace").count() > 0, chart
    page.screenshot(path=str(screenshot_dir / f"charts_{name}_zh.png"), full_page=True)
    violations = page.evaluate("window.__violations")
    assert violations == []
    assert errors == []
    if "county-map" in charts or "overview-county-map" in charts:
        # The map: twelve divisions drawn from the portal's own boundaries (no basemap fetched), and
        # a click on one opens its page.
        chart = next(c for c in charts if c.endswith("county-map"))
        assert page.locator(f"#{chart} .choroplethlocation").count() >= 12
        # Hover over the middle of the largest division, then click it.
        page.locator(f"#{chart}").scroll_into_view_if_needed()
        box = page.evaluate(
            """(id) => { let best = null;
                 document.querySelectorAll('#' + id + ' .choroplethlocation').forEach((p) => {
                   const r = p.getBoundingClientRect();
                   if (!best || r.width * r.height > best.width * best.height) best = r; });
                 return {x: best.x + best.width / 2, y: best.y + best.height / 2}; }""",
            chart,
        )
        page.mouse.move(box["x"], box["y"])
        page.wait_for_function("(id) => document.querySelector('#' + id + ' .hoverlayer').textContent.includes('：')", arg=chart)
        page.mouse.click(box["x"], box["y"])
        page.wait_for_url("**/units/3303*/", timeout=10_000)
