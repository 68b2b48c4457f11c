"""Faults of the media storage during an evidence upload: a read-only directory, a write that
fails half-way (as when the disk fills). Real files in a media directory of the test's own.

Each test says in its name what it broke and what it found intact.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from targets.actions import ActionError, evidence_attach
from targets.models import AuditEntry, Evidence, Submission, SubmissionVersion

from ..conftest import client_for
from ..factories import draft, open_period

Q3 = "2026Q3"
FORM = f"/report/{Q3}/M14-RATE/"
MESSAGE = (
    "The file “%s” could not be stored: the portal's storage is full or cannot be written to. "
    "Nothing was saved; try again later, and tell the portal's administrator if it keeps happening."
)
# A real PDF of a few hundred bytes: larger than the write limit below.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"% padding\n" * 40 + b"trailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    return tmp_path / "media"


def zh(msgid: str, *params) -> str:
    with translation.override("zh-hans"):
        return escape(gettext(msgid) % params)


def rows() -> tuple[int, int, int, int]:
    return Submission.objects.count(), SubmissionVersion.objects.count(), Evidence.objects.count(), AuditEntry.objects.count()


def files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


@contextlib.contextmanager
def read_only(directory: Path):
    """Make `directory` refuse writes for real: immutable for root (who ignores permissions),
    without write permission for anyone else; checked with a probe file."""
    as_root = os.geteuid() == 0
    if as_root:
        if not shutil.which("chattr"):
            pytest.fail("chattr is needed to make a directory read-only for root")
        subprocess.run(["chattr", "+i", str(directory)], check=True)
    else:
        directory.chmod(0o555)
    try:
        with pytest.raises(OSError):
            (directory / "probe").write_bytes(b"x")
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        else:
            directory.chmod(0o755)


@contextlib.contextmanager
def writes_fail_after(limit: int):
    """Let this process write at most `limit` bytes into any file: the kernel then refuses the rest
    of the write (EFBIG), as a full disk refuses it (ENOSPC) — half a file written, then an error."""
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not the signal's kill
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)


@pytest.mark.django_db
def test_a_read_only_media_directory_refuses_the_upload_clearly_and_saves_neither_figures_nor_evidence(reporter, media):
    """Broke: the media directory, made read-only, while a reporter saves figures with a PDF.
    Found intact: a clear message in Chinese on the form with the figures kept as typed; no
    submission, version, evidence row or audit entry saved; no file written."""
    open_period(Q3)
    client = client_for(reporter)  # (logging in is audited: before counting)
    before = rows()
    (media / "evidence").mkdir()
    with read_only(media / "evidence"):
        response = client.post(
            FORM, {"numerator": "990", "denominator": "1000", "action": "submit",
                   "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")},
        )
    body = response.content.decode()
    assert response.status_code in (200, 400, 503) and zh(MESSAGE, "证明.pdf") in body, body[:2000]
    assert 'value="990"' in body and 'value="1000"' in body, "what was typed is kept"
    assert "Traceback" not in body
    assert rows() == before, "nothing half-saved"
    assert files_under(media) == []


@pytest.mark.django_db
def test_a_write_failing_half_way_like_a_full_disk_leaves_no_evidence_row_and_no_partial_file(reporter, media):
    """Broke: the write of an evidence file, cut off by the kernel after 64 bytes (as when the disk
    fills), on a draft that exists. Found intact: a clear error (503 for the API); the draft as it
    was, no evidence row pointing at a missing or partial file, and no partial file left behind."""
    submission = draft(reporter, "M14-RATE", Q3)
    before = rows()
    with translation.override("en"), writes_fail_after(64), pytest.raises(ActionError) as refused:
        evidence_attach(user=reporter, submission=submission,
                        uploaded_file=SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"))
    assert refused.value.status == 503 and refused.value.field == "evidence"
    assert refused.value.message == MESSAGE % "证明.pdf"
    assert rows() == before and not Evidence.objects.filter(submission=submission).exists()
    assert files_under(media) == [], "the partial file was removed"
    # With room again the same file is stored whole.
    stored = evidence_attach(user=reporter, submission=submission,
                             uploaded_file=SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"))
    assert Path(stored.file.path).read_bytes() == PDF
