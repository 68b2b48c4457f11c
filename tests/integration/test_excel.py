"""The Excel round trip: the unit's template, the checked upload and the all-or-nothing confirmation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from targets.actions import submission_save, user_create_or_update
from targets.excel import KEYS
from targets.models import AuditEntry, Indicator, Period, Submission, SubmissionVersion, Unit, User

from ..conftest import PASSWORD, client_for
from ..factories import approved, draft, open_period, values_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN = {key: i for i, key in enumerate(KEYS, start=1)}
LUCHENG_CODES = [
    "M01-STD", "M01-COV", "M02-ITEM", "M02-GRB", "M02-GRA", "M10-ENT", "M12-AUD", "M14-RATE",
    "M15-PLG", "M16-NAR", "G27-DEMO", "S01-NAR", "S02-NAR",
]


# --- helpers: a user downloading, filling and uploading the file -------------------------------------


def template_url(period: str = "2026Q3") -> str:
    return reverse("targets:excel_template", args=[period])


def upload_url(period: str = "2026Q3") -> str:
    return reverse("targets:excel_upload", args=[period])


def confirm_url(period: str = "2026Q3") -> str:
    return reverse("targets:excel_confirm", args=[period])


def download(client, period: str = "2026Q3") -> openpyxl.Workbook:
    response = client.get(template_url(period))
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def data_sheet(workbook):
    return workbook.worksheets[1]


def items_sheet(workbook):
    return workbook.worksheets[2]


def row_of(workbook, code: str) -> int:
    sheet = data_sheet(workbook)
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(row=r, column=1).value == code:
            return r
    raise AssertionError(f"{code} is not in the data sheet")


def cell(workbook, code: str, key: str):
    return data_sheet(workbook).cell(row=row_of(workbook, code), column=COLUMN[key])


def fill(workbook, code: str, **values) -> None:
    for key, value in values.items():
        cell(workbook, code, key).value = value


def add_items(workbook, code: str, items: list[tuple[str, str]]) -> None:
    for name, number in items:
        items_sheet(workbook).append([code, name, number])


def as_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, content, *, period: str = "2026Q3", submit: bool = False, name: str = "filled.xlsx"):
    if not isinstance(content, bytes):
        content = as_bytes(content)
    data = {"file": SimpleUploadedFile(name, content, content_type=XLSX)}
    if submit:
        data["submit"] = "on"
    return client.post(upload_url(period), data)


def confirm(client, report, period: str = "2026Q3"):
    return client.post(confirm_url(period), {"token": report.context["token"], "digest": report.context["digest"]})


def reporter_of(code: str) -> User:
    user, _ = user_create_or_update(username=f"reporter_{code}", role=User.Role.REPORTER, unit_code=code, password=PASSWORD)
    return user


def zh(message: str) -> str:
    """Return `message` as the Chinese interface shows it."""
    with translation.override("zh-hans"):
        return gettext(message)


def outcome_row(response, code: str) -> dict:
    rows = [r for r in response.context["rows"] if r["code"] == code]
    assert len(rows) == 1, [r["code"] for r in response.context["rows"]]
    return rows[0]


def current(code: str, unit: str = "330302", period: str = "2026Q3") -> Submission:
    return Submission.objects.select_related("current").get(indicator__code=code, unit__code=unit, period__code=period)


# --- the template --------------------------------------------------------------------------------------


def test_openpyxl_reads_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.django_db
def test_it_lists_the_assigned_indicators_with_their_current_values(reporter):
    draft(reporter, "M01-STD", items="标准装置甲 | CERT-001\n标准装置乙 | CERT-002")
    draft(reporter, "M14-RATE", numerator="12", denominator="40", note="抽查")
    response = client_for(reporter).get(template_url())
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment") and "温州计量_330302_2026Q3.xlsx" in disposition

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = data_sheet(workbook)
    codes = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert codes == LUCHENG_CODES
    assert cell(workbook, "M01-STD", "increment").value == 2
    assert cell(workbook, "M01-STD", "version").value == 1
    with translation.override("zh-hans"):
        assert cell(workbook, "M01-STD", "status").value == str(Submission.Status.DRAFT.label)
    assert cell(workbook, "M14-RATE", "numerator").value == 12
    assert cell(workbook, "M14-RATE", "denominator").value == 40
    assert cell(workbook, "M14-RATE", "note").value == "抽查"
    assert cell(workbook, "M01-COV", "version").value is None  # not started
    items = [tuple(row) for row in items_sheet(workbook).iter_rows(min_row=2, values_only=True) if any(row)]
    assert items == [("M01-STD", "标准装置甲", "CERT-001"), ("M01-STD", "标准装置乙", "CERT-002")]

    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).get()
    assert (entry.actor, entry.object_type, entry.object_id) == (reporter, "unit", str(reporter.unit.pk))
    assert entry.after == {"period": "2026Q3", "rows": 13}


@pytest.mark.django_db
def test_it_builds_the_template_in_the_same_queries_at_1x_and_10x_the_figures(reporter, django_assert_num_queries):
    client = client_for(reporter)
    codes = list(
        Indicator.objects.filter(reporting_units=reporter.unit, active=True).order_by("code").values_list("code", flat=True)[:10]
    )
    assert len(codes) == 10
    draft(reporter, codes[0])
    client.get(template_url())  # warm the session and the user
    with CaptureQueriesContext(connection) as one_figure:
        client.get(template_url())
    for code in codes[1:]:
        draft(reporter, code)
    with django_assert_num_queries(len(one_figure.captured_queries)):
        assert client.get(template_url()).status_code == 200


@pytest.mark.django_db
def test_it_greys_and_locks_what_a_row_may_not_change(reporter):
    workbook = download(client_for(reporter))
    sheet = data_sheet(workbook)
    assert sheet.protection.sheet is True
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width > 30  # the indicator's name is readable
    grey = "00D9D9D9"
    for key in ("code", "name", "kind", "unit", "status", "version"):
        assert cell(workbook, "M01-STD", key).fill.start_color.rgb == grey
        assert cell(workbook, "M01-STD", key).protection.locked
    # A cumulative count uses the increment, a ratio its numerator and denominator, a narrative its text.
    assert not cell(workbook, "M01-STD", "increment").protection.locked
    for key in ("numerator", "denominator", "done", "completed_on", "self_status", "narrative"):
        assert cell(workbook, "M01-STD", key).fill.start_color.rgb == grey
        assert cell(workbook, "M01-STD", key).protection.locked
    for key in ("numerator", "denominator", "note", "explanation"):
        assert not cell(workbook, "M14-RATE", key).protection.locked
    assert cell(workbook, "M14-RATE", "increment").fill.start_color.rgb == grey
    for key in ("narrative", "self_status"):
        assert not cell(workbook, "M16-NAR", key).protection.locked


@pytest.mark.django_db
def test_it_offers_drop_downs_and_number_checks(reporter):
    workbook = download(client_for(reporter))
    rules = {str(rule.sqref).split(":")[0][0]: rule for rule in data_sheet(workbook).data_validations.dataValidation}
    letter = {key: openpyxl.utils.get_column_letter(i) for key, i in COLUMN.items()}
    with translation.override("zh-hans"):
        assert rules[letter["done"]].formula1 == f'"{gettext("Yes")},{gettext("No")}"'
        labels = [str(label) for _value, label in SubmissionVersion.SelfStatus.choices]
    assert rules[letter["done"]].type == "list"
    assert rules[letter["self_status"]].formula1 == '"%s"' % ",".join(labels)
    assert (rules[letter["increment"]].type, rules[letter["increment"]].formula1) == ("whole", "0")
    assert rules[letter["completed_on"]].type == "date"
    assert str(rules[letter["done"]].sqref) == f"{letter['done']}2:{letter['done']}{len(LUCHENG_CODES) + 1}"


@pytest.mark.django_db
def test_it_explains_the_file_in_the_users_language(reporter):
    client = client_for(reporter)
    chinese = download(client)
    text = "\n".join(str(c.value) for c in chinese.worksheets[0]["A"] if c.value)
    assert chinese.worksheets[0].title == zh("Instructions")
    assert "2026-10-10" in text  # the due date
    assert zh("Cumulative count") in text or "Cumulative count" in text
    assert chinese.sheetnames[:3] == [zh("Instructions"), zh("Data"), zh("Items")]

    client.cookies["django_language"] = "en"
    english = download(client)
    text = "\n".join(str(c.value) for c in english.worksheets[0]["A"] if c.value)
    assert english.sheetnames[:3] == ["Instructions", "Data", "Items"]
    assert "Do not change the grey columns" in text
    assert "Due date: 2026-10-10" in text
    assert "Milestone" not in text  # Lucheng reports no milestone: only its kinds are explained
    assert data_sheet(english).cell(row=1, column=COLUMN["increment"]).value == "Increment"


@pytest.mark.django_db
def test_it_gives_each_reporter_the_template_of_their_own_unit(reporter, other_reporter):
    draft(reporter, "M01-STD")
    response = client_for(other_reporter).get(template_url())
    assert "330381" in unquote(response["Content-Disposition"])
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert cell(workbook, "M01-STD", "version").value is None  # Lucheng's draft is not theirs
    assert not any(row for row in items_sheet(workbook).iter_rows(min_row=2, values_only=True) if any(row))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "leader", "auditor", "admin_user"])
def test_it_refuses_other_roles(request, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(template_url()).status_code == 403
    assert client.get(upload_url()).status_code == 403
    assert client.post(confirm_url(), {"token": "x", "digest": "y"}).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.django_db
def test_it_asks_visitors_to_log_in(plan, client):
    response = client.get(template_url())
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_period(reporter):
    client = client_for(reporter)
    assert client.get(template_url("2031Q5")).status_code == 404
    assert client.get(upload_url("2031Q5")).status_code == 404


# --- the round trip -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_saves_drafts_after_the_check_and_the_confirmation(reporter):
    open_period("2026Q3")
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M01-STD", increment=2, note="两项")
    add_items(workbook, "M01-STD", [("标准装置甲", "CERT-001"), ("标准装置乙", "CERT-002")])
    fill(workbook, "M14-RATE", numerator=990, denominator=1000)
    with translation.override("zh-hans"):
        at_risk = str(SubmissionVersion.SelfStatus.AT_RISK.label)
    fill(workbook, "M16-NAR", narrative="推进执法体系建设。", self_status=at_risk)
    content = as_bytes(workbook)

    report = upload(client, content)
    assert report.status_code == 200
    assert [(r["code"], r["outcome"]) for r in report.context["rows"] if r["outcome"] != "empty"] == [
        ("M01-STD", "create"), ("M14-RATE", "create"), ("M16-NAR", "create"),
    ]
    assert (report.context["count_ok"], report.context["count_errors"], report.context["count_unchanged"]) == (3, 0, 10)
    body = report.content.decode()
    assert "CERT-002" in body and "990" in body
    assert 'action="%s"' % confirm_url() in body
    # The check saved nothing and logged nothing.
    assert not Submission.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["create", "upload"]).exists()

    response = confirm(client, report)
    assert response.status_code == 302
    saved = {s.indicator.code: s for s in Submission.objects.select_related("indicator", "current")}
    assert set(saved) == {"M01-STD", "M14-RATE", "M16-NAR"}
    assert all(s.status == Submission.Status.DRAFT for s in saved.values())
    assert saved["M01-STD"].current.increment == 2
    assert saved["M01-STD"].current.items == [
        {"name": "标准装置甲", "number": "CERT-001"}, {"name": "标准装置乙", "number": "CERT-002"},
    ]
    assert saved["M01-STD"].current.note == "两项"
    assert (saved["M14-RATE"].current.numerator, saved["M14-RATE"].current.denominator) == (990, 1000)
    assert saved["M16-NAR"].current.self_status == "at_risk"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, actor=reporter).count() == 3
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPLOAD)
    assert entry.object_id == str(reporter.unit.pk)
    assert entry.after["period"] == "2026Q3" and entry.after["rows"] == 3
    assert entry.after["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert "excel_upload" not in client.session
    # The same report cannot be confirmed twice.
    assert confirm(client, report).status_code == 302
    assert SubmissionVersion.objects.count() == 3


@pytest.mark.django_db
def test_it_submits_for_review_when_asked(reporter):
    draft(reporter, "M14-RATE")  # complete and unchanged in the file: only submitted
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M01-COV", numerator=45, denominator=50)
    report = upload(client, workbook, submit=True)
    assert outcome_row(report, "M01-COV")["outcome"] == "create"
    assert outcome_row(report, "M14-RATE")["outcome"] == "submit"
    assert confirm(client, report).status_code == 302
    assert current("M01-COV").status == Submission.Status.SUBMITTED
    rate = current("M14-RATE")
    assert rate.status == Submission.Status.SUBMITTED and rate.current.number == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SUBMIT).count() == 2
    assert AuditEntry.objects.get(action=AuditEntry.Action.UPLOAD).after["rows"] == 2


@pytest.mark.django_db
def test_it_updates_changed_drafts_and_leaves_unchanged_ones_alone(reporter):
    draft(reporter, "M01-STD")
    draft(reporter, "M14-RATE")
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M14-RATE", numerator=995)
    report = upload(client, workbook)
    assert outcome_row(report, "M14-RATE")["outcome"] == "update"
    assert outcome_row(report, "M01-STD")["outcome"] == "unchanged"
    assert confirm(client, report).status_code == 302
    assert current("M14-RATE").current.number == 2 and current("M14-RATE").current.numerator == 995
    assert current("M01-STD").current.number == 1


@pytest.mark.django_db
def test_it_skips_unchanged_approved_figures_and_refuses_changed_ones(reporter, reviewer):
    approved(reporter, reviewer, "M01-STD")
    client = client_for(reporter)
    workbook = download(client)
    report = upload(client, workbook)
    assert outcome_row(report, "M01-STD")["outcome"] == "unchanged"
    assert report.context["count_errors"] == 0

    fill(workbook, "M01-STD", increment=3)
    add_items(workbook, "M01-STD", [("标准装置丙", "CERT-003")])
    report = upload(client, workbook)
    row = outcome_row(report, "M01-STD")
    assert row["outcome"] == "error"
    assert zh("Approved figures: amend them in the form, with a reason.") in [m for _f, m in row["errors"]]
    assert not report.context["can_confirm"]


BAD_ROWS = [
    ("M01-STD", {"increment": -1}, "Must not be negative."),
    ("M01-STD", {"increment": 2.5}, "A whole number is expected here (a count), not a fraction."),
    ("M14-RATE", {"numerator": 1200, "denominator": 1000}, None),  # num > den, message formatted below
    ("M14-RATE", {"numerator": 5, "denominator": 0}, "The denominator must be greater than zero."),
    ("M16-NAR", {"self_status": "很好"}, "Choose on track, at risk or off track."),
]


@pytest.mark.django_db
@pytest.mark.parametrize("code,values,message", BAD_ROWS)
def test_it_reports_a_bad_row_and_saves_nothing(reporter, code, values, message):
    open_period("2026Q3")
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M01-COV", numerator=45, denominator=50)  # a good row beside the bad one
    fill(workbook, code, **values)
    report = upload(client, workbook)
    assert report.status_code == 200
    if message is None:
        with translation.override("zh-hans"):
            message = gettext("The numerator (%(num)s) cannot exceed the denominator (%(den)s).") % {"num": 1200, "den": 1000}
    else:
        message = zh(message)
    body = report.content.decode()
    assert '<html lang="zh-hans">' in body
    assert message in body
    row = outcome_row(report, code)
    assert row["outcome"] == "error" and message in [m for _f, m in row["errors"]]
    assert outcome_row(report, "M01-COV")["outcome"] == "create"
    assert report.context["count_errors"] == 1 and not report.context["can_confirm"]
    assert f'action="{confirm_url()}"' not in body

    # Forcing the confirmation anyway saves nothing.
    response = confirm(client, report)
    assert response.status_code == 409
    assert not Submission.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD).exists()


@pytest.mark.django_db
def test_it_refuses_a_completion_date_outside_the_period(plan):
    mti = reporter_of("D-MTI")
    open_period("2026Q3")
    client = client_for(mti)
    workbook = download(client)
    with translation.override("zh-hans"):
        yes = gettext("Yes")
    fill(workbook, "M11-ECG", done=yes, completed_on=dt.date(2026, 6, 15))
    fill(workbook, "M11-MAM", done=yes, completed_on="2026-08-15")
    report = upload(client, workbook)
    period = Period.objects.get(code="2026Q3")
    with translation.override("zh-hans"):
        message = gettext("The completion date must lie within %(period)s (%(start)s – %(end)s).") % {
            "period": "2026Q3", "start": period.start, "end": period.end,
        }
    assert message in [m for _f, m in outcome_row(report, "M11-ECG")["errors"]]
    assert outcome_row(report, "M11-MAM")["outcome"] == "create"
    assert confirm(client, report).status_code == 409
    assert not Submission.objects.exists()

    client.cookies["django_language"] = "en"
    fill(workbook, "M11-ECG", done="No", completed_on=None)
    report = upload(client, workbook, submit=True)
    assert report.context["count_errors"] == 0
    assert confirm(client, report).status_code == 302
    assert current("M11-MAM", unit="D-MTI").current.completed_on.isoformat() == "2026-08-15"
    assert current("M11-ECG", unit="D-MTI").current.done is False


@pytest.mark.django_db
def test_it_reports_codes_the_unit_does_not_report_and_values_in_grey_cells(reporter):
    client = client_for(reporter)
    workbook = download(client)
    sheet = data_sheet(workbook)
    sheet.append(["NOPE-1"] + [None] * 5 + [1])
    sheet.append(["M11-ECG"] + [None] * 8 + ["是"])  # a milestone of another unit
    fill(workbook, "M14-RATE", numerator=1, denominator=2, increment=4)
    add_items(workbook, "M14-RATE", [("装置", "C-1")])
    report = upload(client, workbook)
    assert zh("Unknown indicator code “%s”.") % "NOPE-1" in [m for _f, m in outcome_row(report, "NOPE-1")["errors"]]
    assert zh("%s is not an indicator your unit reports.") % "M11-ECG" in [m for _f, m in outcome_row(report, "M11-ECG")["errors"]]
    assert zh("This column is not used by this kind of indicator: leave it empty.") in [
        m for _f, m in outcome_row(report, "M14-RATE")["errors"]
    ]
    assert len(report.context["item_errors"]) == 1
    assert report.context["count_errors"] == 4
    assert not report.context["can_confirm"]


@pytest.mark.django_db
def test_it_saves_nothing_when_a_row_went_stale_before_the_confirmation(reporter):
    draft(reporter, "M01-STD")
    draft(reporter, "M14-RATE")
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M01-STD", note="已核对")
    fill(workbook, "M14-RATE", numerator=980)
    report = upload(client, workbook)
    assert report.context["count_ok"] == 2 and report.context["can_confirm"]

    # Someone saves M14-RATE between the check and the confirmation.
    rate = current("M14-RATE")
    submission_save(
        user=reporter, indicator=rate.indicator, unit=reporter.unit, period=rate.period,
        values=values_for("M14-RATE", numerator="970"), expected_version=1,
    )
    response = confirm(client, report)
    assert response.status_code == 409
    row = [r for r in response.context["rows"] if r["code"] == "M14-RATE"][0]
    assert row["outcome"] == "error" and row["errors"][0][0] == zh("Version")
    assert not response.context["can_confirm"]
    # All or nothing: the other row was not saved either, and no upload was logged.
    assert current("M01-STD").current.number == 1 and current("M01-STD").current.note == ""
    assert current("M14-RATE").current.numerator == 970
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD).exists()


@pytest.mark.django_db
def test_it_refuses_a_confirmation_that_does_not_match_the_report(reporter, other_reporter):
    client = client_for(reporter)
    workbook = download(client)
    fill(workbook, "M01-COV", numerator=45, denominator=50)
    report = upload(client, workbook)
    token = report.context["token"]
    response = client.post(confirm_url(), {"token": token, "digest": "0" * 64})
    assert response.status_code == 302 and response["Location"] == upload_url()
    # Another reporter cannot confirm it either: the check lives in the uploader's session.
    assert confirm(client_for(other_reporter), report).status_code == 302
    # Nor can it be confirmed for another period.
    assert client.post(confirm_url("2026Q4"), {"token": token, "digest": report.context["digest"]}).status_code == 302
    assert not Submission.objects.exists()
    # The genuine confirmation still works.
    assert confirm(client, report).status_code == 302
    assert current("M01-COV").current.numerator == 45


@pytest.mark.django_db
def test_it_shows_the_form_with_a_message_when_no_file_is_chosen(reporter):
    client = client_for(reporter)
    page = client.get(upload_url())
    assert page.status_code == 200
    assert template_url() in page.content.decode()
    response = client.post(upload_url(), {"submit": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert 'name="submit" checked' in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_the_template_of_another_unit_or_period(reporter, other_reporter):
    theirs = download(client_for(other_reporter))
    response = upload(client_for(reporter), theirs)
    assert response.status_code == 400
    assert "330381" in response.context["form"].errors["file"][0]
    open_period("2026Q4")
    q4 = download(client_for(reporter), "2026Q4")
    response = upload(client_for(reporter), q4)
    assert response.status_code == 400
    assert "2026Q4" in response.context["form"].errors["file"][0]
    assert Unit.objects.get(code="330302").submissions.count() == 0


# --- hostile and everyday input (issue 11) ------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.django_db
def test_it_writes_stored_text_as_text_never_as_a_formula(reporter):
    draft(reporter, "M16-NAR", narrative=HYPERLINK, note="=1+1")
    draft(reporter, "M14-RATE", note="=cmd|' /C calc'!A0", explanation="+SUM(1,2)")
    draft(reporter, "M01-STD", items=[{"name": "=HYPERLINK(\"http://x\",\"名称\")", "number": "=2+3"}, {"name": "@A1", "number": "#N/A"}])
    client = client_for(reporter)
    workbook = download(client)
    narrative = cell(workbook, "M16-NAR", "narrative")
    assert narrative.value == HYPERLINK and narrative.data_type == "s"
    assert narrative.quotePrefix, "editing the cell in Excel keeps it text"
    assert (cell(workbook, "M16-NAR", "note").value, cell(workbook, "M16-NAR", "note").data_type) == ("=1+1", "s")
    assert cell(workbook, "M14-RATE", "note").value == "=cmd|' /C calc'!A0"
    assert cell(workbook, "M14-RATE", "explanation").value == "+SUM(1,2)"
    items = [tuple(c.value for c in row) for row in items_sheet(workbook).iter_rows(min_row=2) if row[0].value]
    assert items == [("M01-STD", '=HYPERLINK("http://x","名称")', "=2+3"), ("M01-STD", "@A1", "#N/A")]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{sheet.title}!{c.coordinate} is a formula"
                assert c.data_type != "e", f"{sheet.title}!{c.coordinate} is an error value"
    # The file goes back unchanged: the texts read back exactly as stored.
    report = upload(client, workbook)
    assert {outcome_row(report, code)["outcome"] for code in ("M16-NAR", "M14-RATE", "M01-STD")} == {"unchanged"}


@pytest.mark.django_db
def test_a_control_character_in_stored_text_does_not_break_the_template(reporter):
    draft(reporter, "M14-RATE", note="第一行\x0b第二行\x01")
    workbook = download(client_for(reporter))
    assert cell(workbook, "M14-RATE", "note").value == "第一行第二行"


def status_words(language: str) -> list[str]:
    """Return the words the message “Choose on track, at risk or off track.” names, in `language`."""
    with translation.override(language):
        message = gettext("Choose on track, at risk or off track.")
    if language == "zh-hans":
        return re.split("、|或", message.removeprefix("请选择").rstrip("。"))
    return re.split(", | or ", message.removeprefix("Choose ").rstrip("."))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_takes_the_status_words_its_message_names(reporter, language):
    words = status_words(language)
    assert len(words) == 3, words
    client = client_for(reporter)
    workbook = download(client)
    for code, word in zip(("M16-NAR", "S01-NAR", "S02-NAR"), words):
        fill(workbook, code, narrative="按计划推进。", self_status=word)
    report = upload(client, workbook)
    assert [outcome_row(report, code)["outcome"] for code in ("M16-NAR", "S01-NAR", "S02-NAR")] == ["create"] * 3
    assert confirm(client, report).status_code == 302
    assert [current(code).current.self_status for code in ("M16-NAR", "S01-NAR", "S02-NAR")] == [
        "on_track", "at_risk", "off_track",
    ]


@pytest.mark.django_db
def test_it_takes_status_codes_and_labels_too(reporter):
    client = client_for(reporter)
    workbook = download(client)
    with translation.override("en"):
        label = str(SubmissionVersion.SelfStatus.OFF_TRACK.label)
    fill(workbook, "M16-NAR", narrative="甲", self_status="at_risk")
    fill(workbook, "S01-NAR", narrative="乙", self_status="正常推进(绿灯)")  # half-width brackets
    fill(workbook, "S02-NAR", narrative="丙", self_status=label.upper())
    report = upload(client, workbook)
    assert report.context["count_errors"] == 0
    assert confirm(client, report).status_code == 302
    assert [current(code).current.self_status for code in ("M16-NAR", "S01-NAR", "S02-NAR")] == [
        "at_risk", "on_track", "off_track",
    ]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
@pytest.mark.parametrize("typed", ["2026-08-15garbage", "20260815", 20260815, "2026-W33"])
def test_it_refuses_a_completion_date_that_is_not_a_date(plan, typed):
    mti = reporter_of("D-MTI")
    open_period("2026Q3")
    client = client_for(mti)
    workbook = download(client)
    with translation.override("zh-hans"):
        yes = gettext("Yes")
    fill(workbook, "M11-ECG", done=yes, completed_on=typed)
    fill(workbook, "M11-MAM", done=yes, completed_on=dt.datetime(2026, 8, 15))  # an Excel date cell
    report = upload(client, workbook)
    errors = outcome_row(report, "M11-ECG")["errors"]
    assert [f for f, _m in errors] == [zh("Completed on")]
    if isinstance(typed, str):
        assert errors[0][1] == zh("“%s” is not a date (YYYY-MM-DD).") % typed
    # (A number typed into the date-formatted cell reads back as the error #VALUE!: refused too.)
    assert outcome_row(report, "M11-MAM")["outcome"] == "create"
