"""In Chromium, with a real Celery worker: a reviewer's approval reaches the leader's indicator page
within seconds (approval → outbox → Redis → worker → snapshots → page)."""

import time

import pytest

from targets.actions.progress import reporting_period
from targets.models import ProgressSnapshot

from ..conftest import CITY, PASSWORD
from ..factories import approved, open_period, submitted
from ..integration.conftest import needs_redis

pytestmark = [pytest.mark.e2e, pytest.mark.worker, needs_redis]
ITEMS3 = "甲 | A-1\n乙 | B-2\n丙 | C-3"
ITEMS4 = "戊 | E-5\n己 | F-6\n庚 | G-7\n辛 | H-8"  # new items: one counted earlier is refused


def log_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    return page


def city_actual_shown(page) -> float | None:
    value = page.locator(".tile[data-actual]").first.get_attribute("data-actual")
    return float(value) if value else None


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def test_an_approval_reaches_the_leaders_indicator_page_within_seconds(
    live_server, celery_worker, plan, reporter, reviewer, leader, browser, screenshot_dir
):
    period = open_period(reporting_period(plan).code)
    earlier = open_period(f"{period.year}Q{period.quarter - 1}" if period.quarter > 1 else f"{period.year - 1}Q4")
    approved(reporter, reviewer, "M01-STD", earlier.code, increment="3", items=ITEMS3)
    city = dict(indicator__code="M01-STD", unit__code=CITY, period=period)
    assert wait_for(lambda: ProgressSnapshot.objects.filter(**city, actual=3).exists(), 60), celery_worker.log.read_text()[-2000:]

    leader_page = log_in(browser, live_server, "leader")
    leader_page.goto(f"{live_server.url}/progress/")
    assert "M01-STD" in leader_page.content()
    leader_page.wait_for_selector("#status-chart.js-plotly-plot .main-svg", timeout=15_000)  # the chart is drawn
    leader_page.screenshot(path=str(screenshot_dir / "dashboard_overview_zh.png"), full_page=True)
    leader_page.goto(f"{live_server.url}/progress/indicators/M01-STD/")
    assert city_actual_shown(leader_page) == 3
    leader_page.wait_for_selector("#trend-chart.js-plotly-plot .main-svg", timeout=15_000)

    pending = submitted(reporter, "M01-STD", period.code, increment="4", items=ITEMS4)
    reviewer_page = log_in(browser, live_server, "reviewer")
    reviewer_page.goto(f"{live_server.url}/submissions/{pending.pk}/")
    reviewer_page.click("form[action$='/approve/'] button[type=submit]")
    reviewer_page.wait_for_load_state("load")

    approved_at = time.monotonic()

    def page_shows_seven() -> bool:
        leader_page.reload()
        return city_actual_shown(leader_page) == 7

    assert wait_for(page_shows_seven, 30), celery_worker.log.read_text()[-2000:]
    print(f"approval visible on the leader's page after {time.monotonic() - approved_at:.1f} s")
    leader_page.screenshot(path=str(screenshot_dir / "dashboard_indicator_zh.png"), full_page=True)
