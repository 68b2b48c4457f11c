"""The leaders' dashboards: the overview, a task area's and a measure's progress (snapshots only).

For leaders, reviewers, auditors and admins; reporters get 403 (they see only their own unit's
figures, on their reporting pages).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation

from .. import selectors
from ..dashboard_cache import cached_body
from ..charts_overview import figure_json, status_by_area_figure
from ..permissions import CITY_VIEW_ROLES, role_required
from ..selectors.progress import computed_periods
from ..selectors.dashboards import (
    dashboard_area,
    dashboard_measure,
    dashboard_meta,
    dashboard_overview,
    dashboard_period_pick,
)



def _common(request) -> dict:
    """Return the plan, the periods to choose from and the chosen one (?period=YYYYQn)."""
    plan = selectors.plan_current()
    periods = list(computed_periods())
    period, period_error = dashboard_period_pick(periods, request.GET.get("period", "").strip())
    return {"plan": plan, "periods": periods, "period": period, "period_error": period_error, "nav": "dashboard"}


def _overview_body(context: dict, request=None) -> str:
    """Render the overview's body (everything below the site header) for `context`'s period."""
    if context["period"] is not None:
        context.update(dashboard_overview(plan=context["plan"], period=context["period"]))
        context.update(dashboard_meta())
        context["status_chart"] = figure_json(status_by_area_figure(context["area_counts"]))
    return render_to_string("targets/_dashboard_overview_body.html", context, request)


def _period_key(context: dict) -> tuple:
    return (context["period"].code if context["period"] else "-",)


@role_required(*CITY_VIEW_ROLES)
def overview(request):
    """The page leaders open first; its body is the same for every reader of a period and changes
    only with a recompute, so it is rendered once per recompute (targets.dashboard_cache)."""
    context = _common(request)
    if context["period_error"]:  # the message quotes what was typed: not worth a cache entry
        context["body"] = _overview_body(context, request)
    else:
        context["body"] = cached_body("overview", context["plan"], _period_key(context), lambda: _overview_body(context, request))
    return render(request, "targets/dashboard_overview.html", context)


def overview_warm() -> None:
    """Render the latest period's overview body in every language into the cache, so that the first
    reader after a recompute is served at once (called by the recompute tasks)."""
    try:
        plan = selectors.plan_current()
    except Http404:
        return
    periods = list(computed_periods())
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            context = {"plan": plan, "periods": periods, "period": periods[0] if periods else None, "period_error": "", "nav": "dashboard"}
            cached_body("overview", plan, _period_key(context), lambda: _overview_body(context))


@role_required(*CITY_VIEW_ROLES)
def area(request, number: int):
    context = _common(request)
    context.update(dashboard_area(plan=context["plan"], number=number, period=context["period"]))
    context.update(dashboard_meta())
    return render(request, "targets/dashboard_area.html", context)


@role_required(*CITY_VIEW_ROLES)
def measure(request, number: int):
    context = _common(request)
    context.update(dashboard_measure(plan=context["plan"], number=number, period=context["period"]))
    context.update(dashboard_meta())
    return render(request, "targets/dashboard_measure.html", context)


urlpatterns = [
    path("progress/", overview, name="dashboard_overview"),
    path("progress/areas/<int:number>/", area, name="dashboard_area"),
    path("progress/measures/<int:number>/", measure, name="dashboard_measure"),
]
