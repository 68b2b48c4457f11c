"""Browser tests: Playwright drives Debian's Chromium (never `playwright install`)."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make in the
# same thread are safe (nothing runs concurrently), so Django's async guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# Content-Security-Policy violations the browser reported during the session (see below).
CSP_VIOLATIONS: list[str] = []
# Each blocked action, as the browser reports it to the page (the portal's own policy applies).
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber);
});
"""


class WatchedBrowser:
    """The browser, whose every context reports Content-Security-Policy violations to the suite."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(RECORD_VIOLATIONS)

        def record(message):
            text = message.text
            if "Content Security Policy" in text or text.startswith("CSP violation"):
                CSP_VIOLATIONS.append(text)

        context.on("console", record)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/ensure-system-packages.sh installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_policy_violations():
    """Fail the test when the browser blocked anything under the portal's Content-Security-Policy:
    every script and style must come from the portal's own files."""
    seen = len(CSP_VIOLATIONS)
    yield
    assert CSP_VIOLATIONS[seen:] == [], "Content-Security-Policy violations"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# The real Celery worker of the integration tests, for the browser tests that need one.
from ..integration.conftest import celery_worker  # noqa: E402,F401
