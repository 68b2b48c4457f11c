"""Evidence downloads: served under the type judged from the content (never the uploader's
extension), as an attachment the browser may not sniff, and only to those who may see the version
the file belongs to (leaders: the approved version and earlier)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from targets.actions import evidence_attach, submission_amend, submission_approve
from targets.models import Evidence, Submission

from ..conftest import client_for
from ..factories import submitted, values_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A PNG header is enough for the content check.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 32


def attach(reporter, submission: Submission, name: str, data: bytes = PDF) -> Evidence:
    return evidence_attach(user=reporter, submission=submission, uploaded_file=SimpleUploadedFile(name, data))


def download(user, evidence: Evidence):
    return client_for(user).get(f"/evidence/{evidence.pk}/")


def rfc5987(name: str) -> str:
    return "filename*=utf-8''" + quote(name)


def served_name(disposition: str) -> str:
    """Return the file name a Content-Disposition header gives (RFC 5987 form or plain)."""
    extended = re.search(r"filename\*=utf-8''([^;]+)", disposition)
    if extended:
        return unquote(extended.group(1))
    return re.search(r'filename="([^"]*)"', disposition).group(1)


# --- #4: the detected type's extension, not the uploader's -------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("uploaded_as,served_as", [
    ("季度报告.bat", "季度报告.pdf"),
    ("季度报告.html", "季度报告.pdf"),
    ("invoice.pdf.exe", "invoice.pdf.pdf"),
    ("no-extension", "no-extension.pdf"),
    (".htaccess", "htaccess.pdf"),
])
def test_a_pdf_uploaded_under_another_extension_downloads_as_a_pdf(reporter, uploaded_as, served_as):
    evidence = attach(reporter, submitted(reporter, "M14-RATE"), uploaded_as)
    response = download(reporter, evidence)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert served_name(disposition) == served_as
    if not served_as.isascii():
        assert rfc5987(served_as) in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_an_image_keeps_its_own_type_whatever_it_was_called(reporter):
    evidence = attach(reporter, submitted(reporter, "M14-RATE"), "现场照片.svg", PNG)
    response = download(reporter, evidence)
    assert response["Content-Type"] == "image/png"
    assert rfc5987("现场照片.png") in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_portal_keeps_showing_the_name_it_was_uploaded_with(reporter):
    evidence = attach(reporter, submitted(reporter, "M14-RATE"), "季度报告.bat")
    assert Evidence.objects.get(pk=evidence.pk).original_name == "季度报告.bat"
    page = client_for(reporter).get(f"/submissions/{evidence.submission_id}/").content.decode()
    assert "季度报告.bat" in page and f"/evidence/{evidence.pk}/" in page


# --- #6: evidence follows the visibility of its version ----------------------------------------


def amended_with_evidence(reporter, reviewer) -> tuple[Evidence, Evidence]:
    """Return (a file of the approved version 1, a file of amendment version 2 under review)."""
    submission = submitted(reporter, "M14-RATE")
    first = attach(reporter, submission, "原始证书.pdf")
    submission = submission_approve(user=reviewer, submission=submission)
    submission = submission_amend(
        user=reporter, submission=submission, reason="更正分母", values=values_for("M14-RATE", denominator="999"),
    )
    assert submission.status == Submission.Status.SUBMITTED and submission.current.number == 2
    second = attach(reporter, submission, "更正证明.pdf")
    assert (first.version_number, second.version_number) == (1, 2)
    return first, second


@pytest.mark.django_db
def test_a_leader_cannot_download_evidence_of_an_amendment_under_review(reporter, reviewer, leader):
    first, second = amended_with_evidence(reporter, reviewer)
    assert download(leader, first).status_code == 200, "the approved version's file stays readable"
    assert download(leader, second).status_code == 404
    # The page agrees with the download: the amendment's file is not listed either.
    page = client_for(leader).get(f"/submissions/{first.submission_id}/").content.decode()
    assert f"/evidence/{first.pk}/" in page and f"/evidence/{second.pk}/" not in page


@pytest.mark.django_db
def test_a_leader_downloads_the_amendments_evidence_once_it_is_approved(reporter, reviewer, leader):
    first, second = amended_with_evidence(reporter, reviewer)
    submission_approve(user=reviewer, submission=Submission.objects.get(pk=second.submission_id))
    assert download(leader, second).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reporter", "reviewer", "auditor", "admin_user"])
def test_roles_reading_every_version_download_the_amendments_evidence(request, reporter, reviewer, role):
    _first, second = amended_with_evidence(reporter, reviewer)
    assert download(request.getfixturevalue(role), second).status_code == 200


@pytest.mark.django_db
def test_evidence_of_another_unit_stays_hidden_from_a_reporter(reporter, other_reporter):
    evidence = attach(reporter, submitted(reporter, "M14-RATE"), "检定证书.pdf")
    assert download(other_reporter, evidence).status_code == 404
