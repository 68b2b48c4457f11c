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


# The bar's values as the page shows them: every <progress> of the export's row, each time htmx
# swaps the row (a MutationObserver set up from the test; the page itself runs no inline script).
WATCH_BAR = """(rowId) => {
  window.__bar = [];
  const record = () => {
    const bar = document.querySelector(`#${rowId} progress`);
    if (bar) window.__bar.push(Number(bar.getAttribute("value")));
  };
  record();
  new MutationObserver(record).observe(document.querySelector("table tbody") || document.body,
                                        {subtree: true, childList: true, attributes: true});
}"""


def test_an_auditor_requests_the_workbook_watches_the_bar_and_verifies_the_file(
    worker_media, celery_worker, browser, live_server, demo, auditor, screenshot_dir, tmp_path
):
    from openpyxl import load_workbook

    from targets.models import Export, ProgressSnapshot

    from ..conftest import client_for

    call_command("recompute_progress", stdout=io.StringIO())
    period = latest_snapshot_period()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "auditor")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

        # Asked for on "My exports", as an auditor does: the workbook's form, every period.
        page.goto(f"{live_server.url}/exports/")
        page.locator('form[data-kind="audit_workbook"] button[type=submit]').click()
        page.wait_for_load_state("load")
        export = Export.objects.get(kind="audit_workbook", requested_by=auditor)
        row_id = f"export-{export.pk}"
        page.evaluate(WATCH_BAR, row_id)
        row = page.locator(f"#{row_id}")
        try:
            row.locator("a.export-download").wait_for(timeout=180_000)
        except Exception:
            export.refresh_from_db()
            raise AssertionError(f"{export.status} {export.progress} {export.error}\n{celery_worker.log.read_text()[-3000:]}")
        page.screenshot(path=str(screenshot_dir / "exports-workbook-done.png"), full_page=True)
        bar = page.evaluate("window.__bar")
        # The bar moved: at least one state between empty and full was shown, never going back.
        assert any(0 < value < 100 for value in bar), bar
        assert bar == sorted(bar) and bar[-1] == 100
        assert row.locator("progress").get_attribute("value") == "100"

        with page.expect_download() as download_info:
            row.locator("a.export-download").click()
        path = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(path)
        export.refresh_from_db()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256
    finally:
        context.close()

    # Its numbers are the API's (the dashboards' source) for the same period.
    workbook = load_workbook(path, read_only=True)
    progress_sheet = workbook[workbook.sheetnames[3]]
    header, *rows = list(progress_sheet.iter_rows(values_only=True))
    by_key = {(r[header.index("指标代码")], r[header.index("单位代码")], r[header.index("报送期")]): r for r in rows}
    assert len(by_key) == ProgressSnapshot.objects.count()
    api = client_for(auditor)
    for indicator, unit in [("M01-STD", "330300"), ("M01-STD", "330302"), ("M14-RATE", "330300")]:
        expected = api.get("/api/v1/progress/", {"indicator": indicator, "unit": unit, "period": period.code}).json()["results"][0]
        line = by_key[(indicator, unit, period.code)]
        for name, key in [("实际值", "actual"), ("完成度（%）", "completion_pct"), ("序时进度（%）", "time_elapsed_pct")]:
            value = line[header.index(name)]
            assert (value is None and expected[key] is None) or value == pytest.approx(float(expected[key])), (indicator, unit, key)
    workbook.close()

    out = io.StringIO()
    call_command("verify_export", str(path), stdout=out)
    assert out.getvalue().startswith("OK")
