"""In Chromium: a leader's progress table waits on "My exports", the real worker builds it, the
row updates itself (htmx polling, no reload) until the download link appears, and the file
downloaded is the one whose SHA-256 the page shows — under a strict Content-Security-Policy."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from targets.actions import exports as exports_actions
from targets.actions.exports import export_request
from targets.selectors.progress import latest_snapshot_period

from ..conftest import PASSWORD
from ..integration.conftest import needs_redis

pytestmark = [pytest.mark.e2e, pytest.mark.worker, needs_redis]
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


@pytest.fixture
def worker_media(monkeypatch, settings, tmp_path) -> Path:
    """The worker (another process) and the live server write and read the same MEDIA_ROOT."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    return settings.MEDIA_ROOT


def test_a_leader_watches_the_export_finish_and_downloads_it(
    worker_media, celery_worker, browser, live_server, demo, leader, screenshot_dir, monkeypatch
):
    call_command("recompute_progress", stdout=io.StringIO())
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def with_policy(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route(f"{live_server.url}/**", with_policy)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "leader")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

        # Asked for, with the job held back until the page shows the export waiting.
        held = []
        with monkeypatch.context() as patched:
            patched.setattr(exports_actions, "_send", held.append)
            export = export_request(user=leader, kind="progress_xlsx", period=latest_snapshot_period(), language="zh-hans")
        page.goto(f"{live_server.url}/exports/")
        row = page.locator(f"#export-{export.pk}")
        assert row.get_attribute("data-status") == "queued" and row.get_attribute("hx-trigger") == "every 1s"
        page.screenshot(path=str(screenshot_dir / "exports-queued.png"), full_page=True)
        page.evaluate("window.__same_page = true")
        assert held == [export.pk]
        exports_actions._send(export.pk)  # now the worker gets the job
        # The same page, never reloaded: the row replaces itself until the file is ready.
        row.locator("a.export-download").wait_for(timeout=60_000)
        assert page.evaluate("window.__same_page") is True
        page.screenshot(path=str(screenshot_dir / "exports-done.png"), full_page=True)

        export.refresh_from_db()
        assert export.status == "done" and export.progress == 100
        assert row.get_attribute("data-status") == "done" and row.get_attribute("hx-trigger") is None
        assert row.locator("progress").get_attribute("value") == "100"
        assert row.locator("code.sha256").inner_text() == export.sha256
        with page.expect_download() as download_info:
            row.locator("a.export-download").click()
        content = Path(download_info.value.path()).read_bytes()
        assert hashlib.sha256(content).hexdigest() == export.sha256
        assert download_info.value.suggested_filename.endswith(".xlsx")
        assert errors == []
    finally:
        context.close()  # no row left polling a server that is going away
