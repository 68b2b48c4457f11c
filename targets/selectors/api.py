"""Reads of the REST API v1: periods, the submissions a caller may see, the codes a request names.

Access is decided by targets.permissions (submissions_visible_to, submission_get_for_user); this
module only adds what the API shows of a submission to whom (leaders see approved figures only).
"""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Indicator, Period, Submission, SubmissionVersion, Unit, User
from ..permissions import (
    can_edit_unit,
    can_review,
    reads_approved_only,
    submission_get_for_user,
    submissions_visible_to,
)
from .plan import plan_current

# Newest period first, then in plan order: the order of the plan file, then units by code.
SUBMISSION_ORDER = ("-period__start", "indicator__position", "indicator__code", "unit__code", "pk")
VERSION_USERS = ("created_by", "submitted_by", "returned_by", "approved_by")


def periods_list() -> list[Period]:
    return list(Period.objects.order_by("start"))


def slot_lookup(*, indicator: str, unit: str, period: str) -> tuple[Indicator | None, Unit | None, Period | None]:
    """Return the indicator (of the current plan), unit and period named by their codes; None for unknown ones."""
    return (
        Indicator.objects.filter(plan=plan_current(), code=indicator).first(),
        Unit.objects.filter(code=unit).first(),
        Period.objects.filter(code=period).first(),
    )


def submissions_for_api(
    user: User,
    *,
    period: str | None = None,
    unit: str | None = None,
    indicator: str | None = None,
    status: str | None = None,
) -> QuerySet[Submission]:
    """Return the submissions `user` may read, filtered by codes and status, in a stable order."""
    queryset = submissions_visible_to(user).select_related(
        "indicator", "unit", "period", "current__created_by", "approved__created_by"
    )
    if period:
        queryset = queryset.filter(period__code=period)
    if unit:
        queryset = queryset.filter(unit__code=unit)
    if indicator:
        queryset = queryset.filter(indicator__code=indicator)
    if status:
        if reads_approved_only(user):
            # Leaders see the approved version of each record, so each one reads as approved.
            if status != Submission.Status.APPROVED:
                queryset = queryset.none()
        else:
            queryset = queryset.filter(status=status)
    return queryset.order_by(*SUBMISSION_ORDER)


def submission_for_api(user: User, pk) -> Submission:
    """Return submission `pk` with its version history if `user` may read it; 404 otherwise."""
    submission = submission_get_for_user(user, pk)
    versions = submission.versions.select_related(*VERSION_USERS).order_by("number")
    if reads_approved_only(user):
        versions = versions.filter(approved_at__isnull=False)
    submission.history = list(versions)
    return submission


def shown_version(user: User, submission: Submission) -> SubmissionVersion:
    """Return the version the API shows `user`: the approved one for leaders, else the current one."""
    if reads_approved_only(user) and submission.approved_id:
        return submission.approved
    return submission.current


def shown_status(user: User, submission: Submission) -> str:
    if reads_approved_only(user) and submission.approved_id:
        return Submission.Status.APPROVED
    return submission.status


def submission_next_steps(user: User, submission: Submission) -> list[str]:
    """Return what `user` can do with the submission now ("edit", "submit", "approve", "return", "amend").

    A hint for clients; the actions decide (and check again) when the request arrives.
    """
    steps = []
    if can_edit_unit(user, submission.unit):
        if submission.status in Submission.EDITABLE:
            steps += ["edit", "submit"]
        elif submission.status == Submission.Status.APPROVED:
            steps.append("amend")
    if can_review(user) and submission.status == Submission.Status.SUBMITTED:
        steps += ["approve", "return"]
    return steps
