"""Reads for the reviewers' queue and the submission page (history, previous quarter, audit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from ..figures import fields_for
from .identifiers import possible_duplicates
from ..models import AuditEntry, Evidence, Submission, SubmissionVersion, User
from ..plan_calendar import quarter_shift
from ..permissions import (
    can_read_audit_log,
    can_review,
    can_see_possible_duplicates,
    evidence_visible_to,
    reads_approved_only,
    submissions_visible_to,
)


def review_submissions_get(user: User, ids: Iterable[int]) -> list[Submission]:
    """Return the submissions with these ids that `user` may read (unknown or hidden ids are left out)."""
    return list(submissions_visible_to(user).filter(pk__in=set(ids)).order_by("pk"))


def review_queue_submissions(user: User) -> QuerySet[Submission]:
    """Return the submissions `user` may review, with what a queue row shows joined in."""
    queryset = Submission.objects.select_related("indicator", "unit", "period", "current__submitted_by")
    return submissions_visible_to(user, queryset).order_by(
        "-period__start", "indicator__position", "indicator__code", "unit__code", "pk"
    )


def previous_quarter_approved(submissions: Iterable[Submission]) -> dict[int, SubmissionVersion]:
    """Return {submission pk: the approved version of the same indicator and unit one quarter earlier}.

    One query for any number of submissions (a page of the queue); the submissions need their
    period loaded. Submissions whose unit has no approved figure for that quarter are left out.
    """
    wanted: dict[tuple[int, int, int, int], int] = {}
    for submission in submissions:
        year, quarter = quarter_shift(submission.period.year, submission.period.quarter, -1)
        wanted[(submission.indicator_id, submission.unit_id, year, quarter)] = submission.pk
    if not wanted:
        return {}
    condition = Q()
    for indicator_id, unit_id, year, quarter in wanted:
        condition |= Q(indicator_id=indicator_id, unit_id=unit_id, period__year=year, period__quarter=quarter)
    earlier = (
        Submission.objects.filter(condition, approved__isnull=False)
        .select_related("approved", "period")
    )
    result = {}
    for row in earlier:
        pk = wanted[(row.indicator_id, row.unit_id, row.period.year, row.period.quarter)]
        row.approved.period_code = row.period.code  # which quarter it is, for the page
        result[pk] = row.approved
    return result


@dataclass
class Change:
    """One value of a version next to the value the version before had."""

    field: str
    label: str
    before: Any
    after: Any


@dataclass
class ValueRow:
    """One value of the figures shown, and the approved one beside it when an amendment is pending."""

    field: str
    label: str
    value: Any
    approved: Any = None


@dataclass
class HistoryEntry:
    version: SubmissionVersion
    changes: list[Change]
    is_current: bool
    is_approved: bool
    # Who entered the version when no user is linked to it: the audit entry's name (the demo's
    # figures of units without a demo login were entered by "演示数据").
    entered_by_name: str = ""
    submitted_by_name: str = ""


@dataclass
class SubmissionPage:
    """What the submission page shows to one user."""

    submission: Submission
    shown: SubmissionVersion | None  # the values the user sees first
    approved: SubmissionVersion | None
    pending: SubmissionVersion | None  # an amendment (or resubmission) newer than the approved version
    previous: SubmissionVersion | None  # the unit's approved figure one quarter earlier
    history: list[HistoryEntry]
    evidence: list[Evidence]
    audit: list[AuditEntry] | None  # None: not for this user
    approved_only: bool  # the user reads approved figures only (leaders)
    may_review: bool = False
    values: list[ValueRow] = field(default_factory=list)
    possible_duplicates: list = field(default_factory=list)  # selectors.identifiers.PossibleDuplicate


def _label(name: str) -> str:
    return str(SubmissionVersion._meta.get_field(name).verbose_name)


ENTERING_ACTIONS = (AuditEntry.Action.CREATE, AuditEntry.Action.EDIT, AuditEntry.Action.AMEND)


def _names_from_the_log(submission: Submission) -> dict[tuple[str, int], str]:
    """Return {("entered" or "submitted", version number): the name the audit log recorded} (one query)."""
    names: dict[tuple[str, int], str] = {}
    rows = AuditEntry.objects.filter(
        object_type="submission", object_id=str(submission.pk), action__in=(*ENTERING_ACTIONS, AuditEntry.Action.SUBMIT)
    ).order_by("id").values_list("action", "after", "actor_name", "actor__display_name")
    for action, after, actor_name, display_name in rows:
        if isinstance(after, dict) and isinstance(after.get("version"), int):
            step = "submitted" if action == AuditEntry.Action.SUBMIT else "entered"
            names.setdefault((step, after["version"]), display_name or actor_name)
    return names


def evidence_submitted_with(evidence: Evidence, versions: list[SubmissionVersion]) -> int | None:
    """Return the version a file went to review with: the first version from the one it was
    attached to on that was submitted (a file attached to a draft travels with the draft's next
    versions), or None while it has not been submitted."""
    for version in versions:
        if version.number >= evidence.version_number and version.submitted_at is not None:
            return version.number
    return None


def _history(submission: Submission, versions: list[SubmissionVersion], fields: tuple[str, ...]) -> list[HistoryEntry]:
    """Return each version with what changed against the one before (the first: its values)."""
    entries, before = [], None
    unnamed = any(v.created_by_id is None or (v.submitted_at and v.submitted_by_id is None) for v in versions)
    names = _names_from_the_log(submission) if unnamed else {}
    for version in versions:
        values = version.values()
        changes = []
        for name in fields:
            old = None if before is None else before.get(name)
            new = values.get(name)
            empty = new in (None, "", [])
            if (before is None and not empty) or (before is not None and old != new):
                changes.append(Change(field=name, label=_label(name), before=old, after=new))
        entries.append(
            HistoryEntry(
                version=version,
                changes=changes,
                is_current=version.pk == submission.current_id,
                is_approved=version.pk == submission.approved_id,
                entered_by_name=names.get(("entered", version.number), ""),
                submitted_by_name=names.get(("submitted", version.number), ""),
            )
        )
        before = values
    return entries


def submission_page(submission: Submission, *, user: User) -> SubmissionPage:
    """Return the submission's values, history, evidence and audit entries as `user` may see them.

    Leaders read approved figures only: they see the approved version and the history up to it,
    never an amendment still under review. Reviewers and auditors also see the audit entries.
    """
    approved_only = reads_approved_only(user)
    versions = list(
        submission.versions.select_related("created_by", "submitted_by", "returned_by", "approved_by").order_by("number")
    )
    all_versions = versions
    by_pk = {v.pk: v for v in versions}
    approved = by_pk.get(submission.approved_id)
    current = by_pk.get(submission.current_id)
    if approved_only:
        limit = approved.number if approved else 0
        versions = [v for v in versions if v.number <= limit]
        shown, pending = approved, None
    else:
        shown = current
        pending = current if approved is not None and current is not None and current.pk != approved.pk else None
    fields = fields_for(submission.indicator)
    # The same rule as the download (permissions.evidence_visible_to): leaders see only the files of
    # the approved version and earlier.
    evidence = (
        evidence_visible_to(user, Evidence.objects.filter(submission=submission))
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )
    shown_values = shown.values() if shown else {}
    approved_values = approved.values() if pending and approved else {}
    values = [
        ValueRow(field=name, label=_label(name), value=shown_values.get(name), approved=approved_values.get(name))
        for name in fields
    ]
    audit = None
    if can_read_audit_log(user) or can_review(user):
        audit = list(
            AuditEntry.objects.filter(object_type="submission", object_id=str(submission.pk)).select_related("actor").order_by("id")
        )
    evidence = list(evidence)
    for file in evidence:
        file.submitted_with = evidence_submitted_with(file, all_versions)
    return SubmissionPage(
        submission=submission,
        shown=shown,
        approved=approved,
        pending=pending,
        previous=previous_quarter_approved([submission]).get(submission.pk),
        history=_history(submission, versions, fields),
        evidence=evidence,
        audit=audit,
        approved_only=approved_only,
        may_review=can_review(user) and submission.status == Submission.Status.SUBMITTED,
        values=values,
        possible_duplicates=possible_duplicates(submission, shown) if can_see_possible_duplicates(user) else [],
    )
