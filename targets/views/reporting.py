"""The reporter's pages: open periods, a period's indicators, the form for one indicator, evidence.

Views only parse input, check access and call the actions; the rules and their messages live in
the actions and figures.py. Values and evidence files are saved in one transaction (one action).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ..actions import ActionError, StaleVersion, submission_enter
from ..forms import AmendForm, FiguresForm, initial_from
from ..models import Submission, User
from ..permissions import role_required
from ..selectors.reporting import (
    evidence_get_for_user,
    period_rows,
    reporter_open_periods,
    reporter_returned,
    slot_get,
)
from ..selectors.periods import period_get
from ..selectors.responsibilities import responsibilities_period, unit_responsibilities
from ..uploads import download_name
from .common import client_ip

reporters_only = role_required(User.Role.REPORTER)


@reporters_only
def report_home(request):
    unit = request.user.unit
    periods = reporter_open_periods(unit)
    period = responsibilities_period(open_periods=[s.period for s in periods])  # the quarter whose reports are due
    return render(
        request,
        "targets/report_home.html",
        {
            "nav": "report",
            "unit": unit,
            "periods": periods,
            "returned": reporter_returned(unit),
            "responsibilities": unit_responsibilities(unit, period),
            "responsibilities_period": period,
        },
    )


@reporters_only
def report_period(request, period_code: str):
    unit = request.user.unit
    period = period_get(period_code)
    rows = period_rows(unit, period)
    return render(
        request,
        "targets/report_period.html",
        {"nav": "report", "unit": unit, "period": period, "rows": rows},
    )


def _mode(slot) -> str:
    """Return how the form page shows the slot: edit, review (awaiting), approved, or closed."""
    if slot.status == Submission.Status.SUBMITTED:
        return "review"
    if slot.status == Submission.Status.APPROVED:
        return "approved"
    if not slot.period.is_open:
        return "closed"
    return "edit"


def _success_message(submission: Submission, action: str, attached: int) -> str:
    number = submission.current.number
    if action == "amend":
        text = _("Amendment submitted for review (version %d). The approved figures count until it is approved.") % number
    elif action == "submit":
        text = _("Submitted for review (version %d).") % number
    else:
        text = _("Draft saved (version %d).") % number
    if attached:
        text += " " + ngettext("%d evidence file attached.", "%d evidence files attached.", attached) % attached
    return text


@reporters_only
@require_http_methods(["GET", "POST"])
def report_form(request, period_code: str, indicator_code: str):
    unit = request.user.unit
    period = period_get(period_code)
    slot = slot_get(unit, period, indicator_code)
    mode = _mode(slot)
    context = {"nav": "report", "unit": unit, "period": period, "slot": slot, "mode": mode, "stale": None}
    initial = initial_from(slot.current)
    if request.method != "POST":
        form_class = AmendForm if mode == "approved" else FiguresForm
        context["form"] = form_class(initial=initial, indicator=slot.indicator)
        return render(request, "targets/report_form.html", context)

    action = request.POST.get("action")
    if action not in ("draft", "submit", "amend"):
        action = "draft"
    form_class = AmendForm if action == "amend" else FiguresForm
    form = form_class(request.POST, request.FILES, indicator=slot.indicator)
    context.update(form=form, posted=action)
    if not form.is_valid():
        return render(request, "targets/report_form.html", context, status=400)
    try:
        submission, attached = submission_enter(
            user=request.user, indicator=slot.indicator, unit=unit, period=period, submission=slot.submission,
            step=action, values=form.values(), reason=form.reason() if action == "amend" else "",
            expected_version=form.expected_version(), evidence_files=form.evidence_files(), ip=client_ip(request),
        )
    except StaleVersion as stale:
        # Keep what the user typed, show the other person's version, and let a deliberate second
        # save go through against the version now current.
        data = request.POST.copy()
        data["version"] = str(stale.current.current.number)
        form = form_class(data, request.FILES, indicator=slot.indicator)
        form.is_valid()
        form.add_action_errors({"__all__": [stale.message]})
        context.update(form=form, stale=stale.current)
        return render(request, "targets/report_form.html", context, status=stale.status)
    except ActionError as error:
        form.add_action_errors(error.errors)
        return render(request, "targets/report_form.html", context, status=error.status)
    messages.success(request, _success_message(submission, action, len(attached)))
    return redirect("targets:report_form", period.code, slot.indicator.code)


def evidence_download(request, pk: int):
    """Stream an evidence file to anyone who may read it (404 for everyone else).

    The file is saved under the type detected from its content when it was uploaded: "报告.bat"
    holding a PDF downloads as "报告.pdf" (the pages keep showing the name it was uploaded with),
    always as an attachment, and the browser may not second-guess the type (nosniff).
    """
    evidence = evidence_get_for_user(request.user, pk)
    filename, content_type = download_name(evidence.original_name, evidence.content_type)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("the evidence file is missing from storage")
    # as_attachment + filename: Content-Disposition with an RFC 5987 filename* for non-ASCII names.
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("report/", report_home, name="report_home"),
    path("report/<str:period_code>/", report_period, name="report_period"),
    # Indicator codes are upper case (M01-STD): lower-case siblings such as report/<period>/excel/
    # belong to other views and must not be shadowed by this route.
    re_path(r"^report/(?P<period_code>[^/]+)/(?P<indicator_code>[A-Z][A-Z0-9-]*)/$", report_form, name="report_form"),
    path("evidence/<int:pk>/", evidence_download, name="evidence_download"),
]
