"""In Chromium, the quarterly cycle as the people do it: enter, err, fix, submit, return, correct,
approve — and the audit page shows every step."""

import re

import pytest

from targets.models import AuditEntry, Submission

from ..conftest import PASSWORD
from ..factories import open_period

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def test_the_quarterly_cycle(live_server, transactional_db, reporter, reviewer, auditor, page, screenshot_dir):
    period = open_period("2026Q3")
    form_url = f"{live_server.url}/report/{period.code}/M14-RATE/"

    # The reporter enters a numerator above the denominator, with a note.
    log_in(page, live_server, "reporter_lucheng")
    page.goto(form_url)
    page.fill("#id_numerator", "1200")
    page.fill("#id_denominator", "1000")
    page.fill("#id_note", "含乡镇所数据")
    page.click("button[value=submit]")
    error = page.locator(".error-summary")
    assert error.is_visible()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text()), "the error is in Chinese"
    assert "分子（1200）不能大于分母（1000）" in error.inner_text()
    assert page.input_value("#id_denominator") == "1000" and page.input_value("#id_note") == "含乡镇所数据"
    assert page.input_value("#id_numerator") == "1200", "what was typed is kept, even when wrong"
    page.screenshot(path=str(screenshot_dir / "report_form_error_zh.png"), full_page=True)
    assert Submission.objects.count() == 0, "nothing was saved"

    # Fixed and submitted; as it is typed, the form shows the year-to-date rate it leads to (the
    # year's earlier approved counts, none yet, plus this quarter's).
    page.fill("#id_numerator", "985")
    live = page.locator("[data-ratio-output]").inner_text()
    assert "含本季度的年度累计：98.5%（985 / 1000）" in live, live
    page.click("button[value=submit]")
    page.wait_for_load_state("load")
    submission = Submission.objects.get()
    assert submission.status == "submitted"

    # The reviewer returns it with a reason.
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/review/")
    page.click(f"a[href*='/submissions/{submission.pk}/']")
    page.fill("textarea[name=reason]", "分母与e-CQS平台数据不一致，请核实")
    page.click("form:has(textarea[name=reason]) button[type=submit]")
    page.wait_for_load_state("load")
    submission.refresh_from_db()
    assert submission.status == "returned"

    # The reporter sees the reason, corrects and resubmits.
    log_in(page, live_server, "reporter_lucheng")
    page.goto(form_url)
    assert "e-CQS" in page.locator(".notice.returned").inner_text()
    page.fill("#id_denominator", "1010")
    page.click("button[value=submit]")
    page.wait_for_load_state("load")
    submission.refresh_from_db()
    assert submission.status == "submitted" and submission.current.number == 2

    # The reviewer approves.
    log_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/submissions/{submission.pk}/")
    page.click("form[action$='/approve/'] button[type=submit]")
    page.wait_for_load_state("load")
    submission.refresh_from_db()
    assert submission.status == "approved" and submission.approved.denominator == 1010

    # The auditor's page shows each step.
    log_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audit/?object_type=submission&object_id={submission.pk}")
    text = page.locator("main").inner_text()
    steps = list(AuditEntry.objects.filter(object_type="submission", object_id=str(submission.pk)).order_by("id").values_list("action", flat=True))
    assert steps == ["create", "submit", "return", "edit", "submit", "approve"]
    for label in ("创建", "提交", "退回", "审核通过"):
        assert label in text, label
    page.screenshot(path=str(screenshot_dir / "audit_log_zh.png"), full_page=True)
