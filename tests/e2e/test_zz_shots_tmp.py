import pytest

from targets.models import Submission

from ..factories import approved, open_period, submitted, uscc
from .test_reporting_cycle_in_browser import log_in

pytestmark = pytest.mark.e2e
OUT = "/tmp/h13b/"


def test_shots(live_server, transactional_db, reporter, other_reporter, reviewer, auditor, page):
    a, b = uscc(424242), uscc(434343)
    approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=f"温州瑞丰电气有限公司 | {a}")
    open_period("2026Q3")
    waiting = submitted(other_reporter, "M10-ENT", "2026Q3", increment="2", items=f"温州瑞丰电气有限公司 | {b}\n温州华锐阀门有限公司 | {uscc(454545)}")
    log_in(page, live_server, "reporter_lucheng")
    page.goto(f"{live_server.url}/report/2026Q3/M10-ENT/")
    page.fill("#id_increment", "2")
    page.fill("#id_items", f"温州瑞丰电气有限公司 | {a}\n温州永安鞋业有限公司 | {a[:-1]}0")
    page.click("button[value=submit]")
    page.wait_for_load_state("load")
    page.screenshot(path=OUT + "form_refused.png", full_page=True)
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/submissions/{waiting.pk}/")
    page.screenshot(path=OUT + "review_flag.png", full_page=True)
    log_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audit/duplicates/")
    page.screenshot(path=OUT + "auditor_list.png", full_page=True)
