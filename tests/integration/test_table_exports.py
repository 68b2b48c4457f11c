"""Every page's table as CSV and XLSX (/exports/table/<table>.<csv|xlsx>): the page's rows with its
filters, headers in the reader's language, formula-like text neutralised, the page's access rule,
and an audit entry per download."""

import csv
import hashlib
import io
import re

import pytest
from openpyxl import load_workbook

from targets.actions.progress import progress_recompute_all
from targets.models import AuditEntry, Submission, SubmissionVersion, Unit
from targets.selectors.audit import audit_entries_filtered

from ..conftest import client_for
from ..factories import approved, submitted

BOM = "\ufeff"
HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def computed(demo):
    """The demo figures with their progress computed (the dashboards read the snapshots)."""
    progress_recompute_all(trigger="test")


def download(client, table: str, fmt: str, **params):
    response = client.get(f"/exports/table/{table}.{fmt}", params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def csv_table(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_table(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def column(rows: list[list], name: str) -> list:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def last_export_entry(table: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, object_type="table", object_id=table).latest("id")


def assert_audited(table: str, user, data: bytes, rows: int, filters: dict) -> None:
    entry = last_export_entry(table)
    assert entry.actor_id == user.pk
    assert entry.after["rows"] == rows and entry.after["sha256"] == hashlib.sha256(data).hexdigest()
    assert {key: entry.after["filters"].get(key) for key in filters} == filters


# --- The review queue ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_queue_file_equals_the_filtered_page(reporter, other_reporter, reviewer):
    for code in ("M01-STD", "M01-COV", "M02-GRA"):
        submitted(reporter, code)
    submitted(other_reporter, "M01-STD")
    approved(reporter, reviewer, "M01-STD", "2026Q2")  # not "submitted": outside the filter
    Unit.objects.filter(code="330302").update(name_zh=HOSTILE, name_en=HOSTILE)
    client = client_for(reviewer)
    filters = {"unit": "330302", "status": "submitted", "sort": "indicator"}
    page = client.get("/review/", filters).content.decode()
    page_ids = [int(pk) for pk in re.findall(r'id="submission-(\d+)"', page)]
    expected = [
        (s.indicator.code, s.unit.code, s.period.code)
        for s in sorted(Submission.objects.filter(pk__in=page_ids).select_related("indicator", "unit", "period"),
                        key=lambda s: page_ids.index(s.pk))
    ]
    assert len(expected) == 3
    for fmt in ("csv", "xlsx"):  # the page's links carry its filters
        assert f'href="/exports/table/review_queue.{fmt}?unit=330302&amp;status=submitted&amp;sort=indicator"' in page

    data = download(client, "review_queue", "csv", **filters)
    rows = csv_table(data)
    assert rows[0][:4] == ["指标代码", "指标", "单位代码", "单位"]
    assert list(zip(column(rows, "指标代码"), column(rows, "单位代码"), column(rows, "报送期"))) == expected
    assert set(column(rows, "单位")) == {"'" + HOSTILE}  # neutralised: a spreadsheet shows it as text
    assert_audited("review_queue", reviewer, data, 3, {"unit": "330302", "status": "submitted"})

    xlsx = download(client, "review_queue", "xlsx", **filters)
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    unit_cell = sheet.cell(row=2, column=4)
    assert unit_cell.value == HOSTILE and unit_cell.data_type == "s" and unit_cell.quotePrefix
    assert list(zip(*(column(xlsx_table(xlsx), name) for name in ("指标代码", "单位代码", "报送期")))) == expected


@pytest.mark.django_db
def test_review_queue_headers_in_english_and_refused_to_leaders_and_reporters(reporter, reviewer, leader):
    submitted(reporter, "M01-STD")
    client = client_for(reviewer)
    client.cookies["django_language"] = "en"
    rows = csv_table(download(client, "review_queue", "csv"))
    assert rows[0][:4] == ["Indicator code", "Indicator", "Unit code", "Unit"] and len(rows) == 2
    before = AuditEntry.objects.filter(object_type="table").count()
    for user in (leader, reporter):
        for fmt in ("csv", "xlsx"):
            assert client_for(user).get(f"/exports/table/review_queue.{fmt}").status_code == 403
    assert AuditEntry.objects.filter(object_type="table").count() == before  # nothing handed out, nothing recorded


# --- The completeness matrix -----------------------------------------------------------------------


@pytest.mark.django_db
def test_completeness_file_equals_the_page(demo, reviewer, reporter):
    client = client_for(reviewer)
    page = client.get("/completeness/", {"period": "2026Q2"}).content.decode()
    page_units = re.findall(r'<tr data-unit="([^"]+)">', page)
    page_states = re.findall(r'data-unit="([^"]+)" data-indicator="([A-Z0-9-]+)" data-state="(\w+)"', page)
    assert page_units
    assert 'href="/exports/table/completeness.xlsx?period=2026Q2"' in page
    Unit.objects.filter(code=page_units[0]).update(name_zh=HOSTILE, name_en=HOSTILE)

    data = download(client, "completeness", "xlsx", period="2026Q2")
    rows = xlsx_table(data)
    assert rows[0][:3] == ["单位代码", "单位", "报送期"]
    assert column(rows, "单位代码") == page_units and set(column(rows, "报送期")) == {"2026Q2"}
    # Every cell the page shows, with the same state (a blank cell: not reported by the unit).
    codes = rows[0][8:]
    filled = {(row[0], code) for row in rows[1:] for code, value in zip(codes, row[8:]) if value}
    assert filled == {(unit, code) for unit, code, state in page_states if state != "none"}
    assert rows[1][1] == HOSTILE
    assert_audited("completeness", reviewer, data, len(page_units), {"period": "2026Q2"})

    client.cookies["django_language"] = "en"
    english = csv_table(download(client, "completeness", "csv", period="2026Q2"))
    assert english[0][:3] == ["Unit code", "Unit", "Period"] and english[1][1] == "'" + HOSTILE
    assert client_for(reporter).get("/exports/table/completeness.csv").status_code == 403


@pytest.mark.django_db
def test_an_unknown_period_is_refused_in_words_on_the_page(reviewer):
    response = client_for(reviewer).get("/exports/table/completeness.csv", {"period": "1999Q1"}, follow=True)
    assert response.redirect_chain[0][0].startswith("/completeness/?period=1999Q1")
    assert "1999Q1" in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="table").exists()


# --- The units compared ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_units_compared_file_equals_the_page(computed, leader, reporter):
    client = client_for(leader)
    params = {"period": "2026Q2", "summary-sort": "-completeness"}
    page = client.get("/progress/counties/", params).content.decode()
    summary = page[page.index('id="unit-summary"'):]
    summary = summary[:summary.index("</table>")]
    page_rows = re.findall(r'data-unit="(\d+)" data-rank="(\d+)"', summary)
    assert len(page_rows) == 12
    assert 'href="/exports/table/units_compared.csv?period=2026Q2&amp;summary-sort=-completeness"' in page
    data = download(client, "units_compared", "csv", **params)
    rows = csv_table(data)
    assert rows[0][:3] == ["排名", "单位代码", "单位"]
    assert list(zip(column(rows, "单位代码"), column(rows, "排名"))) == page_rows
    assert_audited("units_compared", leader, data, 12, params)

    client.cookies["django_language"] = "en"
    english = xlsx_table(download(client, "units_compared", "xlsx", **params))
    assert english[0][:3] == ["Rank", "Unit code", "Unit"]
    assert [(row[1], str(row[0])) for row in english[1:]] == page_rows  # ranks are numbers
    assert client_for(reporter).get("/exports/table/units_compared.xlsx").status_code == 403


# --- An indicator's approved figures ---------------------------------------------------------------


@pytest.mark.django_db
def test_indicator_figures_file_equals_the_filtered_page(computed, leader, reporter):
    client = client_for(leader)
    params = {"figures-unit": "330302"}
    page = client.get("/progress/indicators/M01-STD/", params).content.decode()
    page_ids = [int(pk) for pk in re.findall(r'data-submission="(\d+)"', page)]
    assert page_ids
    assert 'href="/exports/table/indicator_figures.xlsx?indicator=M01-STD&amp;figures-unit=330302"' in page
    periods = dict(Submission.objects.filter(pk__in=page_ids).values_list("pk", "period__code"))
    SubmissionVersion.objects.filter(pk=Submission.objects.get(pk=page_ids[0]).approved_id).update(narrative=HOSTILE)

    data = download(client, "indicator_figures", "csv", indicator="M01-STD", **params)
    rows = csv_table(data)
    assert rows[0][:4] == ["指标代码", "单位代码", "单位", "报送期"]
    assert column(rows, "报送期") == [periods[pk] for pk in page_ids]
    assert set(column(rows, "单位代码")) == {"330302"}
    assert "'" + HOSTILE in column(rows, "文字报告")
    assert_audited("indicator_figures", leader, data, len(page_ids), {"indicator": "M01-STD", "figures-unit": "330302"})

    # Reporters may not open the page, but get their own unit's figures (whatever they ask for).
    own = xlsx_table(download(client_for(reporter), "indicator_figures", "xlsx", indicator="M01-STD", **{"figures-unit": "330381"}))
    assert own[1:] == [] or set(column(own, "单位代码")) == {"330302"}
    mine = xlsx_table(download(client_for(reporter), "indicator_figures", "xlsx", indicator="M01-STD"))
    assert len(mine) - 1 == len(page_ids) and set(column(mine, "单位代码")) == {"330302"}
    assert HOSTILE in column(mine, "文字报告")

    client.cookies["django_language"] = "en"
    assert csv_table(download(client, "indicator_figures", "csv", indicator="M01-STD"))[0][:2] == ["Indicator code", "Unit code"]


# --- The audit log ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_log_file_equals_the_filtered_page_in_both_formats(reporter, reviewer, auditor, admin_user):
    approved(reporter, reviewer, "M01-STD")
    client = client_for(auditor)
    params = {"user": "reviewer"}
    expected = list(audit_entries_filtered(params).qs.values_list("id", flat=True))
    assert expected
    assert 'href="/exports/table/audit_log.xlsx?user=reviewer"' in client.get("/audit/", params).content.decode()

    data = download(client, "audit_log", "csv", **params)
    rows = csv_table(data)
    assert rows[0][:3] == ["条目", "时间", "用户"]
    assert [int(pk) for pk in column(rows, "条目")] == expected
    assert_audited("audit_log", auditor, data, len(expected), params)

    client.cookies["django_language"] = "en"
    xlsx = xlsx_table(download(client, "audit_log", "xlsx", **params))
    assert xlsx[0][:3] == ["Entry", "Time", "User"]
    assert column(xlsx, "Entry") == expected  # the first export's own entry is not the reviewer's
    # Text that a spreadsheet would run is kept as text.
    from targets.actions import audit_record

    audit_record(action=AuditEntry.Action.EXPORT, actor=auditor, object_type="plan", object_repr=HOSTILE)
    latest = csv_table(download(client, "audit_log", "csv", object_type="plan"))
    assert column(latest, "Object")[0] == "'" + HOSTILE
    for user in (reviewer, admin_user):  # the audit page is the auditors'
        assert client_for(user).get("/exports/table/audit_log.xlsx").status_code == 403


@pytest.mark.django_db
def test_unknown_tables_and_formats_are_not_found(auditor):
    client = client_for(auditor)
    assert client.get("/exports/table/progress.csv").status_code == 404  # a background kind, not a page's table
    assert client.get("/exports/table/review_queue.pdf").status_code == 404
    assert client.get("/exports/table/nothing.csv").status_code == 404
