"""Pages that show the plan: overview, measures and units (any logged-in user reads them)."""

from django.shortcuts import render

from .. import selectors
from ..permissions import can_view_unit_figures


def plan_overview(request):
    plan = selectors.plan_current()
    return render(request, "targets/plan_overview.html", selectors.plan_tree(plan))


def measure_detail(request, number: int):
    plan = selectors.plan_current()
    measure = selectors.measure_get(plan, number)
    previous, following = selectors.measure_neighbours(measure)
    return render(
        request,
        "targets/measure_detail.html",
        {"plan": plan, "measure": measure, "previous": previous, "following": following},
    )


def unit_list(request):
    plan = selectors.plan_current()
    return render(request, "targets/unit_list.html", {"plan": plan, "units": selectors.unit_list()})


def unit_detail(request, code: str):
    plan = selectors.plan_current()
    unit = selectors.unit_get(code)
    indicators = selectors.unit_indicators(unit)
    may_see_figures = can_view_unit_figures(request.user, unit) and not unit.is_city
    latest = selectors.unit_latest_figures(unit) if may_see_figures else {}
    rows = [{"indicator": ind, "latest": latest.get(ind.pk)} for ind in indicators]
    return render(
        request,
        "targets/unit_detail.html",
        {
            "plan": plan,
            "unit": unit,
            "rows": rows,
            "may_see_figures": may_see_figures,
            "has_demo": any(r["latest"] and r["latest"].is_demo for r in rows),
            "children": unit.children.filter(active=True).order_by("kind", "code"),
        },
    )
