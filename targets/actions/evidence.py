from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditEntry, Evidence, Submission, User
from ..permissions import can_edit_unit
from ..uploads import MAX_EVIDENCE_BYTES, UploadRefused, detect_evidence_type
from .errors import ActionError
from .audit import audit_record

logger = logging.getLogger(__name__)

ATTACHABLE = (Submission.Status.DRAFT, Submission.Status.RETURNED, Submission.Status.SUBMITTED)


@transaction.atomic
def evidence_attach(*, user: User, submission: Submission, uploaded_file, ip: str | None = None) -> Evidence:
    """Attach an evidence file to a submission still under the reporter's hands or in review."""
    if not can_edit_unit(user, submission.unit_id):
        raise ActionError(_("Only reporters of the unit may attach evidence."), status=403)
    if submission.status not in ATTACHABLE:
        raise ActionError(_("Evidence cannot be added to approved figures: amend them first."), field="evidence", status=409)
    # The size is known before reading: never read a file that is too large.
    if uploaded_file.size > MAX_EVIDENCE_BYTES:
        raise ActionError(
            _("“%(name)s” is %(size).1f MB: evidence files may be at most 20 MB.")
            % {"name": uploaded_file.name, "size": uploaded_file.size / 1024 / 1024},
            field="evidence",
        )
    data = uploaded_file.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ActionError(_("Evidence files may be at most 20 MB."), field="evidence")
    if not data:
        raise ActionError(_("“%s” is empty.") % uploaded_file.name, field="evidence")
    try:
        extension, content_type = detect_evidence_type(data)
    except UploadRefused as refusal:
        raise ActionError(f"“{uploaded_file.name}”: {refusal}", field="evidence")
    digest = hashlib.sha256(data).hexdigest()
    evidence = Evidence(
        submission=submission,
        version_number=submission.current.number,
        original_name=(uploaded_file.name or f"evidence.{extension}")[-255:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    try:
        evidence.file.save(digest, ContentFile(data), save=False)
    except OSError as failure:  # disk full, read-only or missing media directory
        logger.error("evidence %s of submission %s could not be stored: %s", digest, submission.pk, failure)
        _remove_partial_file(evidence, digest)
        # Raised inside the transaction: no evidence row (nor the figures saved with it) remains.
        raise ActionError(
            _("The file “%s” could not be stored: the portal's storage is full or cannot be written to. "
              "Nothing was saved; try again later, and tell the portal's administrator if it keeps happening.")
            % uploaded_file.name,
            field="evidence",
            status=503,
        ) from failure
    evidence.save()
    # A file written before a rollback would be orphaned but harmless: it is named by its hash.
    audit_record(
        action=AuditEntry.Action.UPLOAD, actor=user, ip=ip, obj=submission,
        after={"evidence": evidence.original_name, "sha256": digest, "size": len(data), "type": content_type},
    )
    return evidence


def _remove_partial_file(evidence: Evidence, digest: str) -> None:
    """Delete what a failed write left under the file's name, unless it is an identical, complete
    file stored by an earlier upload (files are named by their hash)."""
    storage = evidence.file.storage
    name = evidence.file.field.generate_filename(evidence, digest)
    try:
        if not storage.exists(name):
            return
        with storage.open(name, "rb") as handle:
            complete = hashlib.sha256(handle.read()).hexdigest() == digest
        if not complete:
            storage.delete(name)
    except OSError:
        logger.warning("a partial evidence file may remain at %s", name)
