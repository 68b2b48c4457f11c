"""Exports built in the background: ask, watch the bar, download; the progress table's numbers are
the API's; access per role; failures say why and can be retried; files expire; all audited."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from targets.actions import ActionError
from targets.actions.exports import (
    _ProgressWriter,
    briefings_request_due,
    export_request,
    export_run,
    exports_expire,
)
from targets.exports import KINDS, ExportKind
from targets.models import AuditEntry, Export, Period, Unit
from targets.selectors.progress import latest_snapshot_period

from ..conftest import client_for
from .conftest import _wait_for, needs_redis

BOM = b"\xef\xbb\xbf"
NUMBER_COLUMNS = {  # CSV column (0-based) → /api/v1/progress/ field
    5: "actual", 6: "target", 10: "time_elapsed_pct", 11: "completion_pct", 12: "gap_pp",
    14: "required_pace", 15: "recent_pace", 16: "projected",
}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Exports are written under a MEDIA_ROOT of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT



@pytest.fixture
def period(computed) -> Period:
    return latest_snapshot_period()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def downloaded(client: Client, export: Export) -> bytes:
    response = client.get(f"/exports/{export.pk}/download/")
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content[len(BOM):].decode("utf-8"))))


def request_page(client: Client, **data) -> Export:
    """Ask for an export through the page's form; return the export it queued."""
    before = set(Export.objects.values_list("pk", flat=True))
    response = client.post("/exports/request/", data)
    assert response.status_code == 302 and response["Location"] == "/exports/"
    (created,) = Export.objects.exclude(pk__in=before)
    return created


def built(export: Export) -> Export:
    """Run the export's job as the worker does; return the export as it now stands."""
    export_run(export_id=export.pk)
    export.refresh_from_db()
    return export


def audit_stages(export: Export) -> list[str]:
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, object_type="export", object_id=str(export.pk))
    return [entry.after["stage"] for entry in entries.order_by("id")]


# --- Building, hashing, downloading --------------------------------------------------------------


@pytest.mark.django_db
def test_a_progress_table_is_built_hashed_and_downloaded(media, period, leader):
    client = client_for(leader)
    export = request_page(client, kind="progress_csv", period=period.code)
    assert (export.status, export.progress, export.requested_by, export.params["period"]) == ("queued", 0, leader, period.code)

    export = built(export)

    path = Path(media) / export.file
    assert (export.status, export.progress, export.error) == ("done", 100, "")
    assert export.file.startswith("exports/") and path.is_file()
    assert export.sha256 == sha256(path) and export.size == path.stat().st_size
    assert export.expires_at - export.finished_at == dt.timedelta(days=7)
    assert export.summary["rows"] == len(csv_rows(path.read_bytes())) - 1
    response = client.get(f"/exports/{export.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content) == path.read_bytes()
    # Nothing else is left in the exports folder (no temporary file).
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert audit_stages(export) == ["requested", "built", "downloaded"]
    downloaded_entry = AuditEntry.objects.filter(object_id=str(export.pk)).order_by("-id").first()
    assert (downloaded_entry.actor, downloaded_entry.after["sha256"]) == (leader, export.sha256)


@pytest.mark.django_db
def test_the_progress_table_has_the_apis_numbers_and_chinese_headers(media, period, leader):
    client = client_for(leader)
    rows = csv_rows(downloaded(client, built(request_page(client, kind="progress_csv", period=period.code))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["指标代码", "指标", "单位代码", "单位", "报送期", "实际值"]
    api = client.get("/api/v1/progress/", {"period": period.code}).json()
    assert len(body) == api["count"] > 0
    by_key = {(row["indicator"], row["unit"]): row for row in api["results"]}
    city = Unit.objects.get(kind=Unit.Kind.CITY).code
    assert {row[2] for row in body} >= {city, "330302"}
    for row in body:
        expected = by_key[(row[0], row[2])]
        assert row[4] == period.code
        for column, field in NUMBER_COLUMNS.items():
            got = None if row[column] == "" else float(Decimal(row[column]))
            assert got == expected[field], (row[0], row[2], field)
        assert (int(row[7]) if row[7] else None) == expected["target_year"]


@pytest.mark.django_db
def test_english_headers_when_english_is_chosen_and_xlsx_has_the_same_rows(media, period, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    export = built(request_page(client, kind="progress_xlsx", period=period.code))
    assert export.params["language"] == "en"
    sheet = load_workbook(io.BytesIO(downloaded(client, export)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Indicator code", "Indicator", "Unit code", "Unit")
    assert len(rows) - 1 == export.summary["rows"] == client.get("/api/v1/progress/", {"period": period.code}).json()["count"]
    assert export.sha256 == sha256(Path(media) / export.file)


@pytest.mark.django_db
def test_a_formula_looking_name_is_written_as_text(media, period, leader):
    Unit.objects.filter(code="330302").update(name_zh='=HYPERLINK("http://evil.example/","点击")')
    client = client_for(leader)
    rows = csv_rows(downloaded(client, built(request_page(client, kind="progress_csv", period=period.code, unit="330302"))))
    assert {row[2] for row in rows[1:]} == {"330302"}
    assert all(row[3] == '\'=HYPERLINK("http://evil.example/","点击")' for row in rows[1:])


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reporters_export_is_always_of_their_own_unit(media, period, reporter):
    client = client_for(reporter)
    export = built(request_page(client, kind="progress_csv", period=period.code, unit="330381"))
    assert export.params["unit"] == reporter.unit.code == "330302"
    rows = csv_rows(downloaded(client, export))
    assert rows[1:] and {row[2] for row in rows[1:]} == {"330302"}
    assert f'id="export-{export.pk}"' in client.get("/exports/").content.decode()


@pytest.mark.django_db
def test_what_each_role_may_ask_for(media, period, reporter, reviewer, leader, auditor):
    def status(user, kind):
        return client_for(user).post("/api/v1/exports/", {"kind": kind, "period": period.code}, content_type="application/json").status_code

    assert status(leader, "audit_workbook") == 403
    assert status(reviewer, "audit_workbook") == 403
    assert status(reporter, "audit_workbook") == 403
    assert status(reviewer, "briefing_pdf") == 403
    assert status(reporter, "briefing_docx") == 403
    assert status(reviewer, "progress_xlsx") == 202
    assert status(leader, "progress_csv") == 202
    assert status(auditor, "audit_workbook") == (202 if KINDS["audit_workbook"].available else 400)
    assert status(leader, "briefing_pdf") == (202 if KINDS["briefing_pdf"].available else 400)
    # The page refuses the same way.
    assert client_for(leader).post("/exports/request/", {"kind": "audit_workbook"}).status_code == 403


@pytest.mark.django_db
def test_a_kind_without_its_builder_is_refused_with_a_message(monkeypatch, media, period, leader):
    monkeypatch.setitem(KINDS, "briefing_pdf", ExportKind(
        "briefing_pdf", "briefing", "targets.exports.not_written_yet:build", "pdf", "application/pdf",
        KINDS["briefing_pdf"].roles, period_required=True,
    ))
    response = client_for(leader).post("/api/v1/exports/", {"kind": "briefing_pdf", "period": period.code}, content_type="application/json")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    assert not Export.objects.exists()
    # The page offers only what can be built.
    assert 'data-kind="briefing_pdf"' not in client_for(leader).get("/exports/").content.decode()


@pytest.mark.django_db
def test_only_the_requester_and_auditors_reach_an_export(media, period, reporter, other_reporter, reviewer, leader, auditor, admin_user):
    export = built(request_page(client_for(reviewer), kind="progress_csv", period=period.code))
    for user in (leader, reporter, other_reporter):
        client = client_for(user)
        assert client.get(f"/exports/{export.pk}/download/").status_code == 404
        assert client.get(f"/exports/{export.pk}/").status_code == 404
        assert client.get(f"/api/v1/exports/{export.pk}/").json()["errors"]
        assert client.get(f"/api/v1/exports/{export.pk}/").status_code == 404
        assert str(export.pk) not in client.get("/exports/").content.decode()
    for user in (reviewer, auditor, admin_user):
        assert downloaded(client_for(user), export) == (Path(media) / export.file).read_bytes()
    assert Client().get(f"/exports/{export.pk}/download/").status_code == 302  # to the login page
    assert client_for(auditor).get("/exports/").content.decode().count(f'id="export-{export.pk}"') == 1
    # A reporter's export of their unit is not another reporter's.
    own = built(request_page(client_for(reporter), kind="progress_csv", period=period.code))
    assert client_for(other_reporter).get(f"/exports/{own.pk}/download/").status_code == 404
    assert client_for(reporter).get(f"/exports/{own.pk}/download/").status_code == 200


@pytest.mark.django_db
def test_nonsense_ids_are_404(leader):
    client = client_for(leader)
    for pk in ("nonsense", "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/exports/{pk}/download/").status_code == 404
        assert client.get(f"/api/v1/exports/{pk}/").status_code == 404
    # A NUL character is refused before any view runs (metrology_portal.middleware): a clear 400.
    assert client.get("/exports/%00/download/").status_code == 400
    assert client.get("/api/v1/exports/%00/").status_code == 400


# --- Failures, retries, expiry -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_export_says_why_offers_nothing_and_can_be_retried(media, period, leader):
    Path(media).mkdir(parents=True)
    (Path(media) / "exports").write_text("a file where the exports folder should be")
    client = client_for(leader)
    export = built(request_page(client, kind="progress_csv", period=period.code))

    assert export.status == "failed"
    assert "导出文件夹" in export.error and "Traceback" not in export.error
    assert (export.file, export.sha256, export.size) == ("", "", None)
    assert client.get(f"/exports/{export.pk}/download/").status_code == 404
    assert client.get(f"/api/v1/exports/{export.pk}/file/").status_code == 409
    page = client.get("/exports/").content.decode()
    assert export.error in page and f'/exports/{export.pk}/retry/' in page

    (Path(media) / "exports").unlink()
    response = client.post(f"/exports/{export.pk}/retry/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in response.content.decode()
    export.refresh_from_db()
    assert (export.status, export.error) == ("queued", "")
    export = built(export)
    assert export.status == "done" and export.sha256 == sha256(Path(media) / export.file)
    assert audit_stages(export) == ["requested", "retried", "built"]
    # Only a failed export is retried.
    assert client.post(f"/exports/{export.pk}/retry/").status_code == 302
    export.refresh_from_db()
    assert export.status == "done"


@pytest.mark.django_db
def test_a_builder_refusal_is_the_reason_given(media, computed, leader):
    future = Period.objects.order_by("-start").first()
    assert not Export.objects.exists()
    export = built(request_page(client_for(leader), kind="progress_csv", period=future.code))
    assert export.status == "failed"
    assert export.error == f"{future.code} 尚未计算进展，没有可导出的内容。"
    assert not list(Path(media, "exports").iterdir())


@pytest.mark.django_db
def test_an_unexpected_error_leaves_no_file_and_is_logged(monkeypatch, media, period, leader, caplog):
    monkeypatch.setitem(KINDS, "progress_csv", ExportKind(
        "progress_csv", "x", f"{__name__}:half_written_builder", "csv", "text/csv", KINDS["progress_csv"].roles, takes_unit=True,
    ))
    export = built(request_page(client_for(leader), kind="progress_csv", period=period.code))
    assert export.status == "failed" and "ZeroDivisionError" not in export.error and export.error
    assert not list(Path(media, "exports").iterdir())
    assert "ZeroDivisionError" in caplog.text


@pytest.mark.django_db
def test_expired_files_are_deleted(media, period, leader):
    client = client_for(leader)
    export = built(request_page(client, kind="progress_csv", period=period.code))
    path = Path(media) / export.file
    assert exports_expire() == {"expired": 0, "stalled": 0, "orphans": 0}
    assert path.exists()

    leftover = path.parent / ".some-killed-job.part"
    leftover.write_bytes(b"x")
    old = time.time() - 2 * 86400
    os.utime(leftover, (old, old))
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert exports_expire() == {"expired": 1, "stalled": 0, "orphans": 1}
    export.refresh_from_db()
    assert (export.status, export.file) == ("expired", "")
    assert not path.exists() and not leftover.exists()
    assert client.get(f"/exports/{export.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_an_export_whose_job_was_lost_is_given_up(media, period, leader):
    export = request_page(client_for(leader), kind="progress_csv", period=period.code)
    Export.objects.filter(pk=export.pk).update(queued_at=timezone.now() - dt.timedelta(days=2))
    assert exports_expire()["stalled"] == 1
    export.refresh_from_db()
    assert export.status == "failed" and export.error


@pytest.mark.django_db
def test_the_bar_moves_as_the_builder_reports(media, period, leader):
    export = request_page(client_for(leader), kind="progress_csv", period=period.code)
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING)
    report = _ProgressWriter(export.pk)

    def progress():
        return Export.objects.get(pk=export.pk).progress

    report(0.30)
    assert progress() == 30
    report(0.35)  # too soon after the last write
    assert progress() == 30
    time.sleep(0.55)
    report(0.352)
    assert progress() == 35
    report(1.0)
    time.sleep(0.55)
    report(1.0)
    assert progress() == 99  # 100 only with the finished file


@pytest.mark.django_db
def test_one_person_cannot_fill_the_queue(media, period, leader):
    for _ in range(5):
        export_request(user=leader, kind="progress_csv", period=period)
    with pytest.raises(ActionError):
        export_request(user=leader, kind="progress_csv", period=period)


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_exports_with_a_polling_row_while_running(media, period, leader):
    client = client_for(leader)
    queued = request_page(client, kind="progress_csv", period=period.code)
    done = built(request_page(client, kind="progress_xlsx", period=period.code))
    page = client.get("/exports/").content.decode()
    assert "我的导出" in page
    running_row = re.search(rf'<tr id="export-{queued.pk}"[^>]*>', page).group(0)
    assert f'hx-get="/exports/{queued.pk}/"' in running_row and 'hx-trigger="every 1s"' in running_row
    done_row = re.search(rf'<tr id="export-{done.pk}"[^>]*>', page).group(0)
    assert "hx-trigger" not in done_row
    assert done.sha256 in page and f"/exports/{done.pk}/download/" in page
    assert re.search(r'<progress max="100" value="100"', page)
    # htmx from the app itself; no inline script or style.
    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page
    # The row alone, as htmx fetches it.
    row = client.get(f"/exports/{queued.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert row.lstrip().startswith(f'<tr id="export-{queued.pk}"')


@pytest.mark.django_db
def test_each_role_is_offered_what_it_may_ask_for(reporter, reviewer, leader, auditor):
    def offered(user):
        return set(re.findall(r'data-kind="(\w+)"', client_for(user).get("/exports/").content.decode()))

    progress = {"progress_csv", "progress_xlsx"}
    available = {code for code, kind in KINDS.items() if kind.available and not kind.table}  # tables: on their pages
    assert offered(reporter) == progress
    assert offered(reviewer) == progress
    assert offered(leader) == progress | ({"briefing_pdf", "briefing_docx"} & available)
    assert offered(auditor) == available
    # A reporter picks no unit but their own.
    page = client_for(reporter).get("/exports/").content.decode()
    assert re.findall(r'<option value="(\d+)">', page) == ["330302", "330302"]


# --- The quarterly briefing, built automatically -------------------------------------------------


def fake_briefing(*, out, request, report):
    """A stand-in briefing (the real builders are another module's): its language and period."""
    report(0.5)
    out.write(f"briefing {request.period.code} {request.language}".encode())
    return {"pages": 1}


def half_written_builder(*, out, request, report):
    """A builder with a bug: it fails halfway through its file."""
    out.write(b"half a file")
    report(0.5)
    raise ZeroDivisionError("a bug")


@pytest.fixture
def briefings(monkeypatch):
    """Quick stand-ins for the briefing builders: these tests are about scheduling, not content
    (tests/integration/test_briefing.py builds the real ones)."""
    for code, extension in (("briefing_pdf", "pdf"), ("briefing_docx", "docx")):
        monkeypatch.setitem(KINDS, code, ExportKind(
            code, KINDS[code].label, f"{__name__}:fake_briefing", extension, KINDS[code].content_type,
            KINDS[code].roles, period_required=True,
        ))


@pytest.mark.django_db
def test_the_briefing_is_asked_for_once_some_days_after_the_due_date(settings, media, computed, briefings, leader, reporter, reviewer):
    settings.BRIEFING_AFTER_DUE_DAYS = 3
    due = Period.objects.filter(due__lte=timezone.localdate()).order_by("-due").first()
    # Two days after its due date, the period's briefing is not asked for yet (an earlier one may be).
    early = briefings_request_due(today=due.due + dt.timedelta(days=2))
    assert all(export.params["period"] != due.code for export in early)
    Export.objects.all().delete()

    created = briefings_request_due(today=due.due + dt.timedelta(days=3))
    assert sorted(e.kind for e in created) == ["briefing_docx", "briefing_pdf"]
    assert all(e.requested_by is None and e.params["period"] == due.code and e.params["language"] == "zh-hans" for e in created)
    assert briefings_request_due(today=due.due + dt.timedelta(days=4)) == []  # once
    entry = AuditEntry.objects.filter(object_id=str(created[0].pk)).get()
    assert (entry.actor, entry.actor_name, entry.after["stage"]) == (None, "celery beat", "requested")

    for export in created:
        built(export)
    pdf = Export.objects.get(kind="briefing_pdf")
    # Anyone who may ask for a briefing downloads the portal's own; others may not.
    assert downloaded(client_for(leader), pdf).startswith(f"briefing {due.code}".encode())
    assert client_for(reviewer).get(f"/exports/{pdf.pk}/download/").status_code == 404
    assert client_for(reporter).get(f"/exports/{pdf.pk}/download/").status_code == 404
    # The partial for the overview names the period and links both files.
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = leader
    html = render_to_string("targets/_exports_latest_briefing.html", {"request": request})
    assert due.code in html and f"/exports/{pdf.pk}/download/" in html and html.count("/download/") == 2
    request.user = reviewer
    assert render_to_string("targets/_exports_latest_briefing.html", {"request": request}).strip() == ""


# --- API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_accepts_follows_and_serves_an_export(media, period, reviewer):
    client = client_for(reviewer)
    response = client.post("/api/v1/exports/", {"kind": "progress_csv", "period": period.code}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/exports/{body['id']}/")
    assert (body["status"], body["progress"], body["download_url"], body["sha256"]) == ("queued", 0, None, None)

    built(Export.objects.get(pk=body["id"]))
    state = client.get(f"/api/v1/exports/{body['id']}/").json()
    assert set(state) == {
        "id", "kind", "kind_label", "status", "progress", "period", "unit", "download_url", "sha256", "size", "error",
        "created_at", "finished_at", "expires_at",
    }
    assert (state["status"], state["progress"], state["kind"], state["period"], state["error"]) == ("done", 100, "progress_csv", period.code, "")
    file = client.get(state["download_url"])
    content = b"".join(file.streaming_content)
    assert hashlib.sha256(content).hexdigest() == state["sha256"] and len(content) == state["size"]
    assert audit_stages(Export.objects.get()) == ["requested", "built", "downloaded"]


@pytest.mark.django_db
def test_the_api_refuses_bad_requests_as_json(media, period, leader):
    client = client_for(leader)

    def post(body):
        return client.post("/api/v1/exports/", body, content_type="application/json")

    for body, field in (
        ({"kind": "everything"}, "kind"),
        ({"kind": "progress_csv", "period": "2099Q9"}, "period"),
        ({"kind": "progress_csv", "unit": "999999"}, "unit"),
        ({"kind": "progress_csv", "colour": "red"}, "colour"),
        ({}, "kind"),
    ):
        response = post(body)
        assert response.status_code == 400, body
        assert field in response.json()["errors"], (body, response.json())
    assert post({"kind": "audit_workbook"}).json()["errors"]
    assert Client().post("/api/v1/exports/", {"kind": "progress_csv"}, content_type="application/json").status_code == 401
    assert not Export.objects.exists()


# --- With the real worker ------------------------------------------------------------------------


@pytest.fixture
def worker_media(monkeypatch, settings, tmp_path) -> Path:
    """The worker is another process: it finds MEDIA_ROOT (DATA_DIR/media) from its environment."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    return settings.MEDIA_ROOT


@pytest.mark.worker
@needs_redis
def test_a_real_worker_builds_the_export_and_the_bar_reaches_100(worker_media, celery_worker, computed, leader):
    period = latest_snapshot_period()
    client = client_for(leader)
    response = client.post("/api/v1/exports/", {"kind": "progress_xlsx", "period": period.code}, content_type="application/json")
    assert response.status_code == 202
    url = f"/api/v1/exports/{response.json()['id']}/"
    seen = []

    def finished():
        state = client.get(url).json()
        seen.append((state["status"], state["progress"]))
        return state["status"] in ("done", "failed")

    _wait_for(finished, 60, "the worker to build the export")
    state = client.get(url).json()
    assert (state["status"], state["progress"]) == ("done", 100), (state, celery_worker.log.read_text()[-3000:])
    export = Export.objects.get()
    path = Path(worker_media) / export.file
    assert state["sha256"] == export.sha256 == sha256(path)
    assert b"".join(client.get(state["download_url"]).streaming_content) == path.read_bytes()
    assert audit_stages(export) == ["requested", "built", "downloaded"]
    assert all(progress == 100 for status, progress in seen if status == "done")


@pytest.mark.worker
@needs_redis
def test_a_failure_in_the_worker_is_reported_and_a_retry_succeeds(worker_media, celery_worker, computed, leader):
    period = latest_snapshot_period()
    Path(worker_media).mkdir(parents=True)
    (Path(worker_media) / "exports").write_text("not a folder")
    client = client_for(leader)
    export = request_page(client, kind="progress_csv", period=period.code)

    def settled():
        export.refresh_from_db()
        return export.status in ("done", "failed")

    _wait_for(settled, 60, "the worker to give up")
    assert export.status == "failed" and "导出文件夹" in export.error
    (Path(worker_media) / "exports").unlink()
    client.post(f"/exports/{export.pk}/retry/")
    _wait_for(settled, 60, "the worker to build the export")
    assert export.status == "done" and export.sha256 == sha256(Path(worker_media) / export.file)


@pytest.mark.django_db
def test_the_export_endpoints_are_in_the_schema(leader):
    schema = client_for(leader).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    create = paths["/api/v1/exports/"]["post"]
    assert set(create["responses"]) == {"202", "400", "401", "403"}
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ExportCreate")
    assert set(paths["/api/v1/exports/{id}/"]["get"]["responses"]) == {"200", "401", "404"}
    assert set(paths["/api/v1/exports/{id}/file/"]["get"]["responses"]) == {"200", "401", "404", "409"}
    for path, method in (("/api/v1/exports/", "post"), ("/api/v1/exports/{id}/", "get"), ("/api/v1/exports/{id}/file/", "get")):
        assert paths[path][method]["summary"], path
    components = schema["components"]["schemas"]
    assert components["ExportCreate"]["additionalProperties"] is False
    assert components["ExportKindEnum"]["enum"] == sorted(KINDS)
    assert components["ExportStatusEnum"]["enum"] == ["queued", "running", "done", "failed", "expired"]
    assert {"id", "status", "progress", "download_url", "sha256"} <= set(components["Export"]["properties"])


@pytest.mark.django_db
def test_a_row_stops_polling_an_export_pending_for_too_long(media, period, leader):
    client = client_for(leader)
    export = request_page(client, kind="progress_csv", period=period.code)
    Export.objects.filter(pk=export.pk).update(queued_at=timezone.now() - dt.timedelta(hours=2))
    row = client.get(f"/exports/{export.pk}/").content.decode()
    assert "hx-trigger" not in row and "请稍后刷新本页" in row
    # Tried again (after failing), it is followed again.
    Export.objects.filter(pk=export.pk).update(status=Export.Status.FAILED)
    row = client.post(f"/exports/{export.pk}/retry/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in row
