"""The leaders' dashboards: the overview, a task area's and a measure's progress (snapshots only).

For leaders, reviewers, auditors and admins; reporters get 403 (they see only their own unit's
figures, on their reporting pages).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from ..rendering import dashboard_context, overview_body, overview_context, overview_body_cached, overview_map_body_cached
from ..permissions import CITY_VIEW_ROLES, role_required
from ..selectors.dashboards import (
    dashboard_area,
    dashboard_measure,
    dashboard_meta,
)



def _common(request) -> dict:
    """Return the plan, the periods to choose from and the chosen one (?period=YYYYQn)."""
    return dashboard_context(request.GET.get("period", ""))


@role_required(*CITY_VIEW_ROLES)
def overview(request):
    """The page leaders open first; its body is the same for every reader of a period and changes
    only with a recompute, so it is rendered once per recompute (targets.rendering)."""
    context = overview_context(request.GET.get("period", ""), request.GET.get("unit", ""), request.GET.get("role", ""))
    if context["period_error"] or context["responsible"].error:  # the message quotes what was typed: not worth a cache entry
        context["body"] = overview_body(context, request)
    else:
        context["body"] = overview_body_cached(context, request)
    # The map colours the counties by all their indicators: not shown when the page counts one unit's.
    filtered = context["responsible"].unit is not None
    context["county_map"] = overview_map_body_cached(context, request) if context["period"] and not filtered else ""
    return render(request, "targets/dashboard_overview.html", context)


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
