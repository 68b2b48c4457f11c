"""The reporter's web form: every bad input gets its message next to the field, with everything
typed kept and nothing saved; drafts, submissions, stale saves, returns, amendments and evidence.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from targets.actions import evidence_attach, submission_return, submission_save, user_create_or_update
from targets.models import AuditEntry, Evidence, Indicator, Submission, SubmissionVersion, User

from ..conftest import PASSWORD, client_for
from ..factories import approved, draft, open_period, submitted

Q3 = "2026Q3"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(indicator: str, period: str = Q3) -> str:
    return f"/report/{period}/{indicator}/"


def zh(msgid: str, params=None) -> str:
    """Return a message as the Chinese page shows it (translated, formatted, HTML-escaped)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
        if params is not None:
            text = text % params
    return escape(text)


def saved_rows() -> tuple[int, int, int, int]:
    return (
        Submission.objects.count(),
        SubmissionVersion.objects.count(),
        AuditEntry.objects.count(),
        Evidence.objects.count(),
    )


def tiny_pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def tiny_png(name: str = "photo.png") -> SimpleUploadedFile:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def hidden_version(body: str) -> str | None:
    match = re.search(r'<input type="hidden" name="version"(?: value="(\d*)")?', body)
    assert match, "the form carries no version field"
    return match.group(1)


@pytest.fixture
def mti_reporter(plan) -> User:
    """A reporter of the department that reports the milestone M11-ECG."""
    user, _ = user_create_or_update(username="reporter_mti", role=User.Role.REPORTER, unit_code="D-MTI", password=PASSWORD)
    return user


@pytest.fixture
def colleague(plan) -> User:
    """A second reporter of the first reporter's unit (Lucheng)."""
    user, _ = user_create_or_update(
        username="reporter_lucheng_2", role=User.Role.REPORTER, unit_code="330302", password=PASSWORD
    )
    return user


# --- Bad input: message next to the field, values kept, nothing saved ---------------------------


def refused(client, path: str, data: dict, *, files: dict | None = None, status: int = 400) -> str:
    before = saved_rows()
    response = client.post(path, {**data, **(files or {})})
    assert response.status_code == status, response.content.decode()[:2000]
    assert saved_rows() == before, "a refused form saved something"
    return response.content.decode()


@pytest.mark.django_db
def test_it_refuses_a_negative_increment_and_keeps_the_other_values(reporter):
    open_period(Q3)
    body = refused(
        client_for(reporter), url("M01-STD"),
        {"increment": "-3", "items": "标准装置甲 | CERT-9", "note": "第三季度备注", "action": "draft"},
    )
    assert zh("Must not be negative.") in body
    assert 'value="-3"' in body
    assert "标准装置甲 | CERT-9" in body and "第三季度备注" in body
    # The message sits next to the increment field, and again in the summary at the top.
    field = body.split('id="field-increment"', 1)[1].split("</div>", 1)[0]
    assert zh("Must not be negative.") in field
    assert 'id="error-summary"' in body


@pytest.mark.django_db
def test_it_refuses_a_value_that_is_not_a_number(reporter):
    open_period(Q3)
    body = refused(client_for(reporter), url("M14-RATE"), {"numerator": "abc", "denominator": "1000", "action": "draft"})
    assert zh("“%s” is not a number.", "abc") in body
    assert 'value="abc"' in body and 'value="1000"' in body


@pytest.mark.django_db
def test_it_refuses_a_fraction_where_a_count_is_expected(reporter):
    open_period(Q3)
    body = refused(
        client_for(reporter), url("M01-STD"), {"increment": "2.5", "items": "甲 | 1\n乙 | 2", "action": "submit"}
    )
    assert zh("A whole number is expected here (a count), not a fraction.") in body
    assert 'value="2.5"' in body


@pytest.mark.django_db
def test_it_refuses_a_numerator_above_the_denominator(reporter):
    open_period(Q3)
    body = refused(client_for(reporter), url("M14-RATE"), {"numerator": "120", "denominator": "100", "action": "submit"})
    assert zh("The numerator (%(num)s) cannot exceed the denominator (%(den)s).", {"num": 120, "den": 100}) in body
    assert 'value="120"' in body and 'value="100"' in body


@pytest.mark.django_db
def test_it_refuses_a_zero_denominator(reporter):
    open_period(Q3)
    body = refused(client_for(reporter), url("M01-COV"), {"numerator": "0", "denominator": "0", "action": "draft"})
    assert zh("The denominator must be greater than zero.") in body


@pytest.mark.django_db
def test_it_refuses_a_completion_date_outside_the_period(mti_reporter):
    period = open_period(Q3)
    body = refused(
        client_for(mti_reporter), url("M11-ECG"), {"done": "true", "completed_on": "2025-01-15", "action": "submit"}
    )
    assert zh(
        "The completion date must lie within %(period)s (%(start)s – %(end)s).",
        {"period": Q3, "start": period.start, "end": period.end},
    ) in body
    assert 'value="2025-01-15"' in body
    assert re.search(r'value="true"[^>]*checked', body), "the chosen answer is kept"


@pytest.mark.django_db
def test_it_refuses_a_completion_date_in_the_future(mti_reporter):
    open_period(Q3)
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    body = refused(client_for(mti_reporter), url("M11-ECG"), {"done": "true", "completed_on": future, "action": "submit"})
    assert zh("The completion date is in the future.") in body
    assert f'value="{future}"' in body


@pytest.mark.django_db
def test_it_refuses_figures_for_a_closed_period_and_shows_it_read_only(reporter):
    client = client_for(reporter)
    page = client.get(url("M14-RATE", "2023Q1")).content.decode()
    assert zh("This period is closed for reporting: the figures are shown read-only.") in page
    assert 'name="action"' not in page
    body = refused(client, url("M14-RATE", "2023Q1"), {"numerator": "5", "denominator": "10", "action": "submit"})
    assert zh("The period %s is closed for reporting.", "2023Q1") in body
    assert 'value="5"' in body and 'value="10"' in body


@pytest.mark.django_db
def test_an_indicator_not_assigned_to_the_unit_is_404(reporter):
    open_period(Q3)
    client = client_for(reporter)
    before = saved_rows()
    assert client.get(url("M11-ECG")).status_code == 404
    assert client.post(url("M11-ECG"), {"done": "true", "action": "draft"}).status_code == 404
    assert client.get(url("NO-SUCH")).status_code == 404
    assert client.get("/report/2099Q9/M01-STD/").status_code == 404
    assert saved_rows() == before


@pytest.mark.django_db
def test_a_second_creation_for_the_same_slot_is_refused(reporter):
    existing = draft(reporter, "M14-RATE")
    body = refused(client_for(reporter), url("M14-RATE"), {"numerator": "1", "denominator": "2", "action": "draft"})
    assert zh(
        "%(unit)s already has a submission for %(indicator)s in %(period)s (no. %(id)d): edit that one.",
        {"unit": reporter.unit.name, "indicator": "M14-RATE", "period": Q3, "id": existing.pk},
    ) in body
    assert 'value="1"' in body and 'value="2"' in body


@pytest.mark.django_db
def test_it_refuses_evidence_larger_than_20_mb_and_saves_nothing(reporter):
    open_period(Q3)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (20 * MB + 1 - 9), content_type="application/pdf")
    body = refused(
        client_for(reporter), url("M14-RATE"),
        {"numerator": "990", "denominator": "1000", "action": "submit"}, files={"evidence": big},
    )
    assert zh(
        "“%(name)s” is %(size).1f MB: evidence files may be at most 20 MB.", {"name": "big.pdf", "size": (20 * MB + 1) / MB}
    ) in body
    assert 'value="990"' in body
    assert not Submission.objects.exists(), "the figures were saved without their evidence"


@pytest.mark.django_db
def test_it_refuses_a_text_file_renamed_to_pdf(reporter):
    open_period(Q3)
    fake = SimpleUploadedFile("report.pdf", "这不是PDF文件，只是文本。".encode(), content_type="application/pdf")
    body = refused(
        client_for(reporter), url("M14-RATE"),
        {"numerator": "990", "denominator": "1000", "action": "draft"}, files={"evidence": fake},
    )
    assert zh("Only PDF, JPEG, PNG, XLSX and DOCX files are accepted (judged by their content).") in body
    assert "report.pdf" in body


@pytest.mark.django_db
def test_it_accepts_a_real_pdf_and_png_with_the_figures_in_one_save(reporter):
    open_period(Q3)
    client = client_for(reporter)
    response = client.post(
        url("M14-RATE"),
        {"numerator": "990", "denominator": "1000", "action": "submit", "evidence": [tiny_pdf(), tiny_png()]},
    )
    assert response.status_code == 302 and response["Location"] == url("M14-RATE")
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SUBMITTED
    files = {e.original_name: e.content_type for e in submission.evidence.all()}
    assert files == {"证明.pdf": "application/pdf", "photo.png": "image/png"}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPLOAD, object_id=str(submission.pk)).count() == 2
    page = client.get(url("M14-RATE")).content.decode()
    for evidence in submission.evidence.all():
        assert f'href="/evidence/{evidence.pk}/"' in page


@pytest.mark.django_db
def test_unusual_values_need_an_explanation(reporter, reviewer):
    approved(reporter, reviewer, "M01-STD", "2026Q2")  # an increment of 2
    open_period(Q3)
    client = client_for(reporter)
    seven = "\n".join(f"装置{i} | C-{i}" for i in range(7))
    body = refused(client, url("M01-STD"), {"increment": "7", "items": seven, "action": "submit"})
    assert zh(
        "The increment %(value)s is more than 3× the unit's largest earlier quarter (%(largest)s).",
        {"value": 7, "largest": 2},
    ) in body
    assert zh("Explain it in the explanation note.") in body
    explanation = body.split('id="field-explanation"', 1)[1].split("</div>", 1)[0]
    assert zh("Explain it in the explanation note.") in explanation
    response = client.post(
        url("M01-STD"), {"increment": "7", "items": seven, "explanation": "新建实验室集中建标。", "action": "submit"}
    )
    assert response.status_code == 302
    submission = Submission.objects.get(period__code=Q3)
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.current.explanation == "新建实验室集中建标。"


@pytest.mark.django_db
def test_it_refuses_to_submit_an_item_list_that_does_not_match_the_increment(reporter):
    open_period(Q3)
    client = client_for(reporter)
    data = {"increment": "3", "items": "甲 | C-1\n乙 | C-2"}
    body = refused(client, url("M01-STD"), {**data, "action": "submit"})
    assert zh(
        "The increment is %(count)s but %(listed)d items are listed: list each one counted.", {"count": 3, "listed": 2}
    ) in body
    items = body.split('id="field-items"', 1)[1].split("</div>", 1)[0]
    assert "甲 | C-1" in items
    # The same figures are fine as a draft: the list is still being written.
    assert client.post(url("M01-STD"), {**data, "action": "draft"}).status_code == 302
    assert Submission.objects.get().status == Submission.Status.DRAFT


@pytest.mark.django_db
def test_a_draft_accepts_partial_input_and_submitting_needs_everything(reporter):
    open_period(Q3)
    client = client_for(reporter)
    response = client.post(url("M14-RATE"), {"numerator": "990", "action": "draft"}, follow=True)
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.DRAFT
    assert submission.current.numerator == 990 and submission.current.denominator is None
    assert zh("Draft saved (version %d).", 1) in response.content.decode()
    # The page now edits that draft: it carries version 1.
    assert hidden_version(response.content.decode()) == "1"
    with translation.override("zh-hans"):
        denominator = gettext("the denominator")
    body = refused(client, url("M14-RATE"), {"numerator": "990", "version": "1", "action": "submit"})
    assert zh("Enter %s.", denominator) in body
    response = client.post(url("M14-RATE"), {"numerator": "990", "denominator": "1000", "version": "1", "action": "submit"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.current.number == 2


@pytest.mark.django_db
def test_messages_are_chinese_by_default_and_english_on_request(reporter):
    open_period(Q3)
    client = client_for(reporter)
    body = refused(client, url("M01-STD"), {"increment": "-1", "action": "draft"})
    assert 'lang="zh-hans"' in body
    assert "本期增量" in body  # the field's label, from the Chinese catalogue
    assert "不能为负数" in body
    client.cookies["django_language"] = "en"
    english = refused(client, url("M01-STD"), {"increment": "-1", "action": "draft"})
    assert "Must not be negative." in english and "本期增量" not in english


# --- Concurrent edits, returns, amendments -----------------------------------------------------


@pytest.mark.django_db
def test_a_stale_save_is_refused_with_the_other_version_shown_and_a_second_save_succeeds(reporter, colleague):
    first = draft(reporter, "M14-RATE")  # version 1: 990 / 1000
    client = client_for(reporter)
    assert hidden_version(client.get(url("M14-RATE")).content.decode()) == "1"
    # Meanwhile a colleague of the same unit saves version 2.
    submission_save(
        user=colleague, indicator=first.indicator, unit=first.unit, period=first.period,
        values={"numerator": "987", "denominator": "1001"}, expected_version=1,
    )
    mine = {"numerator": "995", "denominator": "1000", "note": "我的修改", "version": "1", "action": "draft"}
    body = refused(client, url("M14-RATE"), mine, status=409)
    assert "reporter_lucheng_2" in body and "987" in body and "1001" in body  # their version
    assert 'value="995"' in body and "我的修改" in body  # my typed values
    assert hidden_version(body) == "2"
    # The deliberate second save, from the page as it now stands, goes through.
    response = client.post(url("M14-RATE"), {**mine, "version": hidden_version(body)})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.current.number == 3 and first.current.numerator == 995


@pytest.mark.django_db
def test_a_submitted_report_is_read_only_awaiting_review(reporter):
    submitted(reporter, "M14-RATE")
    client = client_for(reporter)
    page = client.get(url("M14-RATE")).content.decode()
    assert 'name="action"' not in page and 'name="numerator"' not in page
    assert "990" in page and "99.0%" in page
    body = refused(client, url("M14-RATE"), {"numerator": "1", "denominator": "2", "version": "1", "action": "draft"}, status=409)
    assert zh("This submission is %s: it can no longer be edited (amend it once approved).", zh("Submitted")) in body


@pytest.mark.django_db
def test_a_returned_report_shows_the_reason_and_can_be_corrected_and_resubmitted(reporter, reviewer):
    submission = submitted(reporter, "M14-RATE")
    submission_return(user=reviewer, submission=submission, reason="分母与上季度差异较大，请核实。")
    client = client_for(reporter)
    home = client.get("/report/").content.decode()
    assert "分母与上季度差异较大，请核实。" in home and url("M14-RATE") in home
    page = client.get(url("M14-RATE")).content.decode()
    assert "分母与上季度差异较大，请核实。" in page
    assert 'name="numerator"' in page and 'value="990"' in page and hidden_version(page) == "1"
    response = client.post(url("M14-RATE"), {"numerator": "985", "denominator": "1000", "version": "1", "action": "submit"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.current.number == 2 and submission.current.numerator == 985
    assert "分母与上季度差异较大，请核实。" not in client.get("/report/").content.decode()


@pytest.mark.django_db
def test_an_amendment_needs_a_reason_and_the_approved_figures_count_until_it_is_approved(reporter, reviewer):
    submission = approved(reporter, reviewer, "M14-RATE")
    approved_version = submission.approved
    client = client_for(reporter)
    page = client.get(url("M14-RATE")).content.decode()
    assert 'value="amend"' in page and 'value="draft"' not in page
    assert 'name="reason"' in page
    values = {"numerator": "980", "denominator": "1000", "version": "1", "action": "amend"}
    body = refused(client, url("M14-RATE"), values)
    assert zh("Give the reason for the amendment.") in body
    assert 'value="980"' in body
    response = client.post(url("M14-RATE"), {**values, "reason": "复核发现漏报一家。"}, follow=True)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.current.number == 2 and submission.current.reason == "复核发现漏报一家。"
    assert submission.approved_id == approved_version.pk and submission.approved.numerator == 990
    body = response.content.decode()
    assert zh("Version %(n)s is approved and still counts until the amendment is approved.", {"n": 1}) in body
    assert 'name="numerator"' not in body  # back in review: read-only


@pytest.mark.django_db
def test_an_approved_report_cannot_be_edited_as_a_draft(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE")
    body = refused(
        client_for(reporter), url("M14-RATE"),
        {"numerator": "1", "denominator": "2", "version": "1", "action": "draft"}, status=409,
    )
    assert zh("This submission is %s: it can no longer be edited (amend it once approved).", zh("Approved")) in body


@pytest.mark.django_db
def test_the_side_column_lists_earlier_approved_quarters_newest_first(reporter, reviewer):
    for code in ("2025Q4", "2026Q1", "2026Q2"):
        approved(reporter, reviewer, "M14-RATE", code)
    open_period(Q3)
    page = client_for(reporter).get(url("M14-RATE")).content.decode()
    side = page.split('class="report-side"', 1)[1]
    assert side.index("2026Q2") < side.index("2026Q1") < side.index("2025Q4")
    assert "990 / 1000 = 99.0%" in side


@pytest.mark.django_db
def test_the_forms_of_each_kind_have_their_inputs(reporter, mti_reporter):
    open_period(Q3)
    client = client_for(reporter)
    cumulative = client.get(url("M01-STD")).content.decode()
    assert 'name="increment"' in cumulative and 'name="items"' in cumulative and "data-items-count" in cumulative
    ratio = client.get(url("M14-RATE")).content.decode()
    assert 'name="numerator"' in ratio and 'name="denominator"' in ratio and "data-ratio-output" in ratio
    narrative = client.get(url("M16-NAR")).content.decode()
    assert 'name="narrative"' in narrative and 'name="self_status"' in narrative and 'value="at_risk"' in narrative
    milestone = client_for(mti_reporter).get(url("M11-ECG")).content.decode()
    assert 'name="done"' in milestone and 'type="date"' in milestone
    for body in (cumulative, ratio, narrative, milestone):
        assert 'name="evidence"' in body and 'enctype="multipart/form-data"' in body
        assert 'value="draft"' in body and 'value="submit"' in body
        assert hidden_version(body) is None  # creating: no version yet
        assert "/static/js/report_form.js" in body


@pytest.mark.django_db
def test_a_narrative_and_a_milestone_are_submitted_from_the_form(reporter, mti_reporter):
    open_period(Q3)
    response = client_for(reporter).post(
        url("M16-NAR"), {"narrative": "按计划推进。", "self_status": "at_risk", "action": "submit"}
    )
    assert response.status_code == 302
    done_on = open_period(Q3).start + dt.timedelta(days=10)
    response = client_for(mti_reporter).post(
        url("M11-ECG"), {"done": "true", "completed_on": done_on.isoformat(), "action": "submit"}
    )
    assert response.status_code == 302
    versions = {s.indicator.code: s.current for s in Submission.objects.select_related("indicator", "current")}
    assert versions["M16-NAR"].self_status == "at_risk"
    assert versions["M11-ECG"].done is True and versions["M11-ECG"].completed_on == done_on


@pytest.mark.django_db
def test_evidence_can_be_added_to_a_draft_later(reporter):
    submission = draft(reporter, "M14-RATE")
    evidence_attach(user=reporter, submission=submission, uploaded_file=tiny_pdf("first.pdf"))
    client = client_for(reporter)
    response = client.post(
        url("M14-RATE"),
        {"numerator": "990", "denominator": "1000", "version": "1", "action": "draft", "evidence": tiny_png()},
    )
    assert response.status_code == 302
    assert sorted(submission.evidence.values_list("original_name", flat=True)) == ["first.pdf", "photo.png"]
    assert Indicator.objects.get(code="M14-RATE").submissions.get().current.number == 2
