"""Keyboard only, in Chromium: a reporter logs in, finds the form, enters and submits a figure, and
a reviewer approves it — with Tab, typing, Enter and Space, never the mouse; the focus is visible at
every step, and the first Tab offers to skip the header."""

import pytest

from targets.models import Submission

from ..factories import open_period
from ..conftest import PASSWORD

pytestmark = pytest.mark.e2e

MAX_TABS = 250  # more than any page of the portal has focusable elements before its form

# What has the focus, and whether it is visibly marked (an outline or a shadow, as :focus-visible draws).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"), value: el.getAttribute("value"),
    href: el.getAttribute("href") || "", text: el.textContent.trim().slice(0, 60),
    visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== "none",
  };
}"""


def tab_to(page, wanted, what: str) -> dict:
    """Press Tab until the focused element satisfies `wanted` (a predicate on FOCUSED's dict)."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"the focus on {focused} is not visible"
        if wanted(focused):
            return focused
        seen.append(focused["id"] or focused["href"] or focused["text"])
    raise AssertionError(f"Tab never reached {what}; went through {seen[:40]} …")


def log_in_by_keyboard(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, lambda f: f["id"] == "id_username", "the user name")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url, "logged in"


def test_a_figure_is_entered_submitted_and_approved_with_the_keyboard_alone(live_server, transactional_db, reporter, reviewer, page):
    period = open_period("2026Q3")
    base = live_server.url

    log_in_by_keyboard(page, base, "reporter_lucheng")
    # The first Tab offers the jump past the header; Enter takes the focus to the content.
    page.goto(f"{base}/report/{period.code}/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["href"] == "#content" and skip["text"] == "跳到正文" and skip["visible"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    # From the content, Tab reaches the indicator's form link; Enter opens it.
    form_path = f"/report/{period.code}/M14-RATE/"
    tab_to(page, lambda f: f["href"].endswith(form_path), "the link to the M14-RATE form")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(form_path)

    tab_to(page, lambda f: f["id"] == "id_numerator", "the numerator")
    page.keyboard.type("985")
    tab_to(page, lambda f: f["id"] == "id_denominator", "the denominator")
    page.keyboard.type("1000")
    tab_to(page, lambda f: f["tag"] == "button" and f["value"] == "submit", "the submit button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    submission = Submission.objects.get(unit=reporter.unit, indicator__code="M14-RATE", period=period)
    assert submission.status == Submission.Status.SUBMITTED
    assert (submission.current.numerator, submission.current.denominator) == (985, 1000)

    # The reviewer opens it from the queue and approves it, with Space on the button.
    log_in_by_keyboard(page, base, "reviewer")
    page.goto(f"{base}/review/")
    tab_to(page, lambda f: f"/submissions/{submission.pk}/" in f["href"], "the submission in the queue")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "button" and "通过" in f["text"], "the approve button")
    with page.expect_navigation():
        page.keyboard.press("Space")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
