"""The reviewers' work: the queue (filter, sort, approve several) and the page of one submission.

Any role allowed to read a submission sees its page (permissions.submission_get_for_user); only
reviewers see the queue and may approve or return. The actions check the same again.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from .. import actions
from ..actions import ActionError, StaleVersion
from ..filters import ReviewQueueFilter
from ..models import Submission, User
from ..permissions import role_required, submission_get_for_user
from ..selectors.review import (
    previous_quarter_approved,
    review_queue_submissions,
    review_submissions_get,
    submission_page,
)
from ..tables import ReviewQueueTable
from .common import client_ip, parse_id

PER_PAGE = 50


def _next_url(request) -> str:
    """Return where to go after a review: the queue as it was filtered (`next`), if it is ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("targets:review_queue")


def _approve_selected(request) -> tuple[str | None, int, set[int]]:
    """Approve the checked submissions, all or none; return (error, HTTP status, ids kept checked)."""
    raw = request.POST.getlist("ids")
    ids = [parse_id(value) for value in raw]
    if not raw:
        return _("Select at least one submission to approve."), 400, set()
    if None in ids:
        return _("The selection is not valid; reload the page and select again."), 400, set()
    selected = set(ids)
    # The version each row showed (absent: not checked); one that is not a number spoils the lot.
    versions = {pk: request.POST.get(f"version_{pk}") for pk in selected}
    expected = {pk: parse_id(raw_version) for pk, raw_version in versions.items()}
    if any(raw_version is not None and expected[pk] is None for pk, raw_version in versions.items()):
        return _("The selection is not valid; reload the page and select again."), 400, set()
    submissions = review_submissions_get(request.user, selected)
    if len(submissions) != len(selected):
        return _("Some selected submissions no longer exist; reload the page and select again."), 400, selected
    try:
        count = actions.submissions_approve_many(
            user=request.user, submissions=submissions, expected_versions=expected, ip=client_ip(request)
        )
    except ActionError as error:
        return _("Nothing was approved: %s") % error.message, error.status, selected
    messages.success(request, ngettext("Approved %d submission.", "Approved %d submissions.", count) % count)
    return None, 200, set()


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(User.Role.REVIEWER)
def review_queue(request):
    error, status, selected = None, 200, set()
    if request.method == "POST":
        error, status, selected = _approve_selected(request)
        if error is None:
            return redirect(request.get_full_path())  # the same filters, sorting and page
    filterset = ReviewQueueFilter(request.GET, queryset=review_queue_submissions(request.user))
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    table = ReviewQueueTable(queryset)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    table.previous = previous_quarter_approved(table.page_records())
    table.selected = selected
    return render(
        request,
        "targets/review_queue.html",
        {"nav": "review", "filter": filterset, "table": table, "error": error},
        status=status,
    )


def _render_detail(request, submission: Submission, *, status: int = 200, error: str | None = None,
                   reason: str = "", reason_error: str | None = None):
    page = submission_page(submission, user=request.user)
    next_url = _next_url(request)
    return render(
        request,
        "targets/submission_detail.html",
        {
            "nav": "review" if request.user.role == User.Role.REVIEWER else None,
            "page": page,
            "submission": page.submission,
            "next_url": next_url,
            "error": error,
            "reason": reason,
            "reason_error": reason_error,
        },
        status=status,
    )


def submission_detail(request, pk: int):
    submission = submission_get_for_user(request.user, pk)
    return _render_detail(request, submission)


def _review(request, pk: int, *, returning: bool):
    submission = submission_get_for_user(request.user, pk)
    reason = request.POST.get("reason", "")
    expected = parse_id(request.POST.get("version"))
    if expected is None:
        return _render_detail(
            request, submission, status=400, reason=reason,
            error=_("The form is incomplete (no version); reload the page and try again."),
        )
    try:
        if returning:
            actions.submission_return(
                user=request.user, submission=submission, reason=reason, expected_version=expected, ip=client_ip(request)
            )
        else:
            actions.submission_approve(
                user=request.user, submission=submission, expected_version=expected, ip=client_ip(request)
            )
    except StaleVersion as stale:
        fresh = submission_get_for_user(request.user, pk)
        return _render_detail(request, fresh, status=stale.status, error=stale.message, reason=reason)
    except ActionError as refused:
        if refused.field == "reason":
            return _render_detail(request, submission, status=refused.status, reason=reason, reason_error=refused.message)
        return _render_detail(request, submission, status=refused.status, error=refused.message, reason=reason)
    what = {"indicator": submission.indicator.code, "unit": submission.unit.name, "period": submission.period.code}
    if returning:
        messages.success(request, _("Returned to the unit: %(indicator)s · %(unit)s · %(period)s.") % what)
    else:
        messages.success(request, _("Approved: %(indicator)s · %(unit)s · %(period)s.") % what)
    return redirect(_next_url(request))


@require_POST
@role_required(User.Role.REVIEWER)
def submission_approve(request, pk: int):
    return _review(request, pk, returning=False)


@require_POST
@role_required(User.Role.REVIEWER)
def submission_return(request, pk: int):
    return _review(request, pk, returning=True)


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("submissions/<int:pk>/", submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/approve/", submission_approve, name="submission_approve"),
    path("submissions/<int:pk>/return/", submission_return, name="submission_return"),
]
