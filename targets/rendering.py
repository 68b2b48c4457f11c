"""Render services: page bodies that a view serves and a job renders ahead (after a recompute).

Jobs in tasks/ call these, never views. A body is rendered from selectors and charts only, so it
is the same inside a request and outside one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from . import selectors
from .charts import county_links, overview_map_chart, status_by_area_chart
from .dashboard_cache import cached_body
from .selectors.dashboards import dashboard_meta, dashboard_overview
from .selectors.periods import period_pick
from .selectors.progress import computed_periods
from .selectors.responsibilities import responsible_pick, responsible_units
from .selectors.unit_comparison import comparison


def dashboard_context(requested_period: str = "") -> dict:
    """Return what every dashboard starts from: the plan, the periods with progress (newest first)
    and the one asked for (the latest when none or an unknown one is asked for, with a message)."""
    plan = selectors.plan_current()
    periods = list(computed_periods())
    choice = period_pick(periods, requested_period)
    return {"plan": plan, "periods": periods, "period": choice.period, "period_error": choice.error, "nav": "dashboard"}


def overview_context(requested_period: str = "", requested_unit: str = "", requested_role: str = "") -> dict:
    """Return the overview's starting point: `dashboard_context` and the responsible unit whose
    indicators it counts (?unit=CODE&role=lead|partner|any; every indicator when none is asked)."""
    context = dashboard_context(requested_period)
    context["responsible"] = responsible_pick(requested_unit, requested_role)
    return context


def overview_body(context: dict, request=None) -> str:
    """Render the overview's body (everything below the site header) for `context`'s period and
    responsible unit."""
    if context["period"] is not None:
        only = context["responsible"].indicator_ids
        context.update(dashboard_overview(plan=context["plan"], period=context["period"], only=only))
        context.update(dashboard_meta())
        context["responsible_units"] = responsible_units()  # the filter's choices, inside the cached body
        outside = [context["outside_counts"]] if context["outside_counts"].total else []
        context["status_chart"] = status_by_area_chart(context["area_counts"] + outside)  # one bar per table row
    return render_to_string("targets/_dashboard_overview_body.html", context, request)


def _period_key(context: dict) -> tuple:
    return (context["period"].code if context["period"] else "-",)


def _overview_key(context: dict) -> tuple:
    return (*_period_key(context), *context["responsible"].key)


def overview_map_body(context: dict, request=None) -> str:
    """Render the overview's map of the county-level divisions (a section of its own, after the body)."""
    if context["period"] is None:
        return ""
    data = comparison(context["plan"], period=context["period"], periods=context["periods"], scope="counties")
    return render_to_string(
        "targets/_overview_county_map.html",
        {"map_chart": overview_map_chart(data), "links": county_links(data), "period": context["period"]},
        request,
    )


def overview_map_body_cached(context: dict, request=None) -> SafeString:
    """Return the overview's map section from the cache (kept until the next recompute, as the body)."""
    return cached_body("overview-map", context["plan"], _period_key(context), lambda: overview_map_body(context, request))


def overview_body_cached(context: dict, request=None) -> SafeString:
    """Return the overview's body for `context`'s period from the cache, rendering it when the
    snapshots changed since (its body is the same for every reader of a period)."""
    return cached_body("overview", context["plan"], _overview_key(context), lambda: overview_body(context, request))


def overview_warm() -> None:
    """Render the latest period's overview body in every language into the cache, so that the first
    reader after a recompute is served at once (called by the recompute tasks)."""
    try:
        context = overview_context()
    except Http404:
        return
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            overview_body_cached(dict(context))
            overview_map_body_cached(dict(context))
