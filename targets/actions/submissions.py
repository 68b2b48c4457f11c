"""The reporting cycle: save a draft, submit, approve or return, amend after approval.

Every save creates a new immutable SubmissionVersion; `expected_version` is the version the user
started from, and a save against an older one is refused (StaleVersion) — never a silent
overwrite. Approved figures stay counted until an amendment is itself approved.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..figures import figures_clean, unusual_values
from ..models import AuditEntry, Evidence, Indicator, Period, Submission, SubmissionVersion, Unit, User
from ..permissions import can_edit_unit, can_review
from .audit import audit_record
from .errors import ActionError, FiguresInvalid, StaleVersion
from .evidence import evidence_attach
from .item_claims import item_claims_check, item_claims_sync, refusals_recorded
from .outbox import outbox_enqueue

MAX_REASON = 5000


def _reason(reason: str | None, missing: str) -> str:
    """Return the stripped reason, or refuse it when empty or too long (ActionError on `reason`)."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(missing, field="reason")
    if len(reason) > MAX_REASON:
        raise ActionError(_("At most %d characters.") % MAX_REASON, field="reason")
    return reason


def _require_reporter_of(user: User, unit: Unit) -> None:
    if not can_edit_unit(user, unit):
        raise ActionError(_("Only reporters of %s may enter its figures.") % unit.name, status=403)


def _require_reviewer(user: User) -> None:
    if not can_review(user):
        raise ActionError(_("Only reviewers approve or return figures."), status=403)


def _check_slot(indicator: Indicator, unit: Unit, period: Period) -> None:
    if not indicator.active or not indicator.reporting_units.filter(pk=unit.pk).exists():
        raise ActionError(
            _("%(indicator)s is not assigned to %(unit)s.") % {"indicator": indicator.code, "unit": unit.name},
            field="indicator",
        )
    if not period.is_open:
        raise ActionError(_("The period %s is closed for reporting.") % period.code, field="period")


def _locked(queryset, *related: str) -> list[Submission]:
    """Return the submissions of `queryset` (in id order), their rows locked, read with `related`.

    Two statements on purpose. In PostgreSQL's READ COMMITTED, a SELECT … FOR UPDATE that had to
    wait for another transaction re-reads the row it locks but not the rows it joins: the version
    the other transaction just added would be missing from that statement's join (its `current`
    would read as None). The second statement starts once the lock is held and sees everything
    committed before it, so the loser of a race is told about the winner's version (409).
    """
    ids = list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True))
    return list(Submission.objects.filter(pk__in=ids).select_related(*related).order_by("pk"))


def _locked_one(pk: int, *related: str) -> Submission:
    found = _locked(Submission.objects.filter(pk=pk), *related)
    if not found:
        raise Submission.DoesNotExist
    return found[0]


def _created_meanwhile(submission: Submission) -> StaleVersion:
    """Return the refusal for a first save that lost the race to another first save."""
    current = submission.current
    return StaleVersion(
        _(
            "%(user)s entered figures for this record at %(time)s while you were typing (now version %(now)d). "
            "Their values are shown below: check them and enter your changes again."
        )
        % {
            "user": current.created_by.username if current and current.created_by else "?",
            "time": timezone.localtime(current.created_at).strftime("%Y-%m-%d %H:%M") if current else "?",
            "now": current.number if current else 0,
        },
        current=submission,
    )


def _check_version(submission: Submission, expected_version: int | None) -> None:
    if expected_version is None:
        return
    current = submission.current
    if current.number != expected_version:
        raise StaleVersion(
            _(
                "This record was changed by %(user)s at %(time)s (now version %(now)d; you started from "
                "version %(yours)d). Their values are shown below: check them and enter your changes again."
            )
            % {
                "user": current.created_by.username if current.created_by else "?",
                "time": timezone.localtime(current.created_at).strftime("%Y-%m-%d %H:%M"),
                "now": current.number,
                "yours": expected_version,
            },
            current=submission,
        )


def _earlier_versions(submission_or_slot: tuple[Indicator, Unit, Period]) -> list[SubmissionVersion]:
    indicator, unit, period = submission_or_slot
    return list(
        SubmissionVersion.objects.filter(
            submission__indicator=indicator,
            submission__unit=unit,
            submission__period__start__lt=period.start,
            pk__in=Submission.objects.filter(indicator=indicator, unit=unit).values("approved"),
        ).order_by("submission__period__start")
    )


def _clean(
    indicator: Indicator, unit: Unit, period: Period, values: dict, *, complete: bool,
    submission: Submission | None = None, user: User | None = None, ip: str | None = None,
) -> dict:
    cleaned = figures_clean(indicator, period, values, complete=complete)
    if complete and not cleaned.errors:
        reasons = unusual_values(indicator, cleaned.values, _earlier_versions((indicator, unit, period)))
        if reasons and not cleaned.values.get("explanation"):
            for reason in reasons:
                cleaned.error("explanation", reason + " " + _("Explain it in the explanation note."))
    if cleaned.values.get("items"):
        # An identifier another submission counts is refused as soon as it is entered (drafts too),
        # told together with any other mistake in the list.
        item_claims_check(
            indicator=indicator, unit=unit, period=period, submission=submission, items=cleaned.values.get("items"),
            user=user, ip=ip, errors=cleaned.errors,
        )
    if cleaned.errors:
        raise FiguresInvalid(cleaned.errors)
    return cleaned.values


def _new_version(submission: Submission, values: dict, user: User, *, reason: str = "") -> SubmissionVersion:
    number = submission.current.number + 1 if submission.current_id else 1
    version = SubmissionVersion.objects.create(
        submission=submission, number=number, created_by=user, created_at=timezone.now(), reason=reason,
        **{k: v for k, v in values.items() if k in SubmissionVersion.VALUE_FIELDS},
    )
    submission.current = version
    return version


def _stamp_submitted(submission: Submission, user: User) -> None:
    now = timezone.now()
    version = submission.current
    version.submitted_by, version.submitted_at = user, now
    version.save(update_fields=["submitted_by", "submitted_at"])
    submission.status = Submission.Status.SUBMITTED
    if submission.first_submitted_at is None:
        submission.first_submitted_at = now


@refusals_recorded
@transaction.atomic
def submission_save(
    *,
    user: User,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    values: dict,
    expected_version: int | None = None,
    submit: bool = False,
    ip: str | None = None,
) -> Submission:
    """Create or edit the draft of (indicator, unit, period); with submit=True, submit it too.

    Creating needs no version; editing needs the version the user started from.
    """
    _require_reporter_of(user, unit)
    _check_slot(indicator, unit, period)
    found = _locked(Submission.objects.filter(indicator=indicator, unit=unit, period=period), "current__created_by")
    submission = found[0] if found else None
    if submission is not None and expected_version is None:
        raise ActionError(
            _("%(unit)s already has a submission for %(indicator)s in %(period)s (no. %(id)d): edit that one.")
            % {"unit": unit.name, "indicator": indicator.code, "period": period.code, "id": submission.pk},
            status=400,
        )
    if submission is not None:
        _check_version(submission, expected_version)
        if submission.status not in Submission.EDITABLE:
            raise ActionError(
                _("This submission is %s: it can no longer be edited (amend it once approved).")
                % submission.get_status_display(),
                status=409,
            )
    clean = _clean(indicator, unit, period, values, complete=submit, submission=submission, user=user, ip=ip)
    created = submission is None
    before = None if created else submission.current.values()
    if created:
        try:
            with transaction.atomic():  # a savepoint: losing the race below leaves the rest usable
                submission = Submission.objects.create(indicator=indicator, unit=unit, period=period)
        except IntegrityError:
            # Another first save of this slot committed while this one waited on the unique key.
            winner = _locked(Submission.objects.filter(indicator=indicator, unit=unit, period=period), "current__created_by")
            raise _created_meanwhile(winner[0]) from None
    _new_version(submission, clean, user)
    submission.status = Submission.Status.DRAFT
    audit_record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.EDIT,
        actor=user, ip=ip, obj=submission, before=before,
        after=dict(submission.current.values(), version=submission.current.number),
    )
    if submit:
        _stamp_submitted(submission, user)
        audit_record(action=AuditEntry.Action.SUBMIT, actor=user, ip=ip, obj=submission, after={"version": submission.current.number})
    submission.save(update_fields=["current", "status", "first_submitted_at"])
    item_claims_sync(submission, user=user, ip=ip)
    return submission


@refusals_recorded
@transaction.atomic
def submission_submit(*, user: User, submission: Submission, expected_version: int | None = None, ip: str | None = None) -> Submission:
    """Submit the current draft for review; it must be complete."""
    submission = _locked_one(submission.pk, "indicator", "unit", "period", "current__created_by")
    _require_reporter_of(user, submission.unit)
    _check_slot(submission.indicator, submission.unit, submission.period)
    _check_version(submission, expected_version)
    if submission.status not in Submission.EDITABLE:
        raise ActionError(_("This submission is %s: there is nothing to submit.") % submission.get_status_display(), status=409)
    _clean(
        submission.indicator, submission.unit, submission.period, submission.current.values(), complete=True,
        submission=submission, user=user, ip=ip,
    )
    _stamp_submitted(submission, user)
    submission.save(update_fields=["status", "first_submitted_at"])
    item_claims_sync(submission, user=user, ip=ip)
    audit_record(action=AuditEntry.Action.SUBMIT, actor=user, ip=ip, obj=submission, after={"version": submission.current.number})
    return submission


def _approve(user: User, submission: Submission, ip: str | None) -> None:
    if submission.status != Submission.Status.SUBMITTED:
        raise ActionError(
            _("%(what)s is %(status)s: only submitted figures can be approved.")
            % {"what": submission, "status": submission.get_status_display()},
            status=409,
        )
    version = submission.current
    version.approved_by, version.approved_at = user, timezone.now()
    version.save(update_fields=["approved_by", "approved_at"])
    before = submission.approved.values() if submission.approved_id else None
    submission.approved = version
    submission.status = Submission.Status.APPROVED
    submission.save(update_fields=["approved", "status"])
    item_claims_sync(submission, user=user, ip=ip)  # releases what an approved amendment dropped
    outbox_enqueue(indicator_ids=[submission.indicator_id])
    audit_record(
        action=AuditEntry.Action.APPROVE, actor=user, ip=ip, obj=submission, before=before,
        after=dict(version.values(), version=version.number),
    )


@refusals_recorded  # an item of data older than its claims may turn out counted elsewhere
@transaction.atomic
def submission_approve(*, user: User, submission: Submission, expected_version: int | None = None, ip: str | None = None) -> Submission:
    """Approve the submitted version: it becomes the figure that counts, locked."""
    _require_reviewer(user)
    submission = _locked_one(submission.pk, "current__created_by", "approved", "indicator")
    _check_version(submission, expected_version)
    _approve(user, submission, ip)
    return submission


@refusals_recorded
@transaction.atomic
def submissions_approve_many(
    *,
    user: User,
    submissions: list[Submission],
    expected_versions: dict[int, int | None] | None = None,
    ip: str | None = None,
) -> int:
    """Approve several submissions at once: all of them, or none when one cannot be approved.

    `expected_versions` ({submission id: version the reviewer saw}) refuses the lot when one of
    them changed since.
    """
    _require_reviewer(user)
    ids = sorted({s.pk for s in submissions})
    locked = _locked(Submission.objects.filter(pk__in=ids), "current__created_by", "approved", "indicator", "unit", "period")
    for submission in locked:
        _check_version(submission, (expected_versions or {}).get(submission.pk))
        _approve(user, submission, ip)
    return len(locked)


@transaction.atomic
def submission_return(
    *, user: User, submission: Submission, reason: str, expected_version: int | None = None, ip: str | None = None
) -> Submission:
    """Return submitted figures to the reporter with a reason they will read."""
    _require_reviewer(user)
    reason = _reason(reason, _("Say why the figures are returned."))
    submission = _locked_one(submission.pk, "current__created_by", "approved", "indicator")
    _check_version(submission, expected_version)
    if submission.status != Submission.Status.SUBMITTED:
        raise ActionError(_("Only submitted figures can be returned (this one is %s).") % submission.get_status_display(), status=409)
    version = submission.current
    version.returned_by, version.returned_at, version.return_reason = user, timezone.now(), reason
    version.save(update_fields=["returned_by", "returned_at", "return_reason"])
    submission.status = Submission.Status.RETURNED
    submission.save(update_fields=["status"])
    item_claims_sync(submission, user=user, ip=ip)  # returned figures count nothing beyond the approved ones
    audit_record(action=AuditEntry.Action.RETURN, actor=user, ip=ip, obj=submission, after={"version": version.number, "reason": reason})
    return submission


@refusals_recorded
@transaction.atomic
def submission_amend(
    *,
    user: User,
    submission: Submission,
    reason: str,
    values: dict,
    expected_version: int | None = None,
    ip: str | None = None,
) -> Submission:
    """Amend approved figures: a new version with a reason, back to review.

    The approved version keeps counting until the amendment is approved. Amending an approved
    figure of a closed period is allowed: corrections must stay possible, and they are reviewed.
    """
    submission = _locked_one(submission.pk, "indicator", "unit", "period", "current__created_by", "approved")
    _require_reporter_of(user, submission.unit)
    reason = _reason(reason, _("Give the reason for the amendment."))
    _check_version(submission, expected_version)
    if submission.status != Submission.Status.APPROVED:
        raise ActionError(_("Only approved figures are amended; edit this one instead (it is %s).") % submission.get_status_display(), status=409)
    merged = dict(submission.current.values(), **values)
    clean = _clean(
        submission.indicator, submission.unit, submission.period, merged, complete=True,
        submission=submission, user=user, ip=ip,
    )
    before = submission.current.values()
    _new_version(submission, clean, user, reason=reason)
    _stamp_submitted(submission, user)
    submission.save(update_fields=["current", "status", "first_submitted_at"])
    item_claims_sync(submission, user=user, ip=ip)
    outbox_enqueue(indicator_ids=[submission.indicator_id])
    audit_record(
        action=AuditEntry.Action.AMEND, actor=user, ip=ip, obj=submission, before=before,
        after=dict(submission.current.values(), version=submission.current.number, reason=reason),
    )
    return submission


@refusals_recorded
@transaction.atomic
def submission_enter(
    *,
    user: User,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    submission: Submission | None,
    step: str,
    values: dict,
    reason: str = "",
    expected_version: int | None = None,
    evidence_files=(),
    ip: str | None = None,
) -> tuple[Submission, list[Evidence]]:
    """Save what the reporter's form sends, in one transaction: a draft (step "draft"), a draft
    submitted for review ("submit") or an amendment of approved figures ("amend", with `reason`),
    then attach `evidence_files` to it. A refused file leaves the figures unsaved too.

    `submission` is the one stored for (indicator, unit, period), None when there is none yet.
    """
    if step == "amend":
        if submission is None:
            raise ActionError(_("There are no approved figures to amend yet."), status=409)
        submission = submission_amend(
            user=user, submission=submission, reason=reason, values=values, expected_version=expected_version, ip=ip,
        )
    else:
        submission = submission_save(
            user=user, indicator=indicator, unit=unit, period=period, values=values,
            expected_version=expected_version, submit=step == "submit", ip=ip,
        )
    attached = [evidence_attach(user=user, submission=submission, uploaded_file=f, ip=ip) for f in evidence_files]
    return submission, attached
