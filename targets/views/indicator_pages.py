"""The leaders' progress pages: one indicator's progress, and the units compared side by side.

Both read progress snapshots only (the rows of GET /api/v1/progress/) plus the approved figures
behind them, in a fixed number of queries. Reporters get 403: they see their own unit's figures
on their reporting pages instead.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from .. import charts, selectors
from ..permissions import CITY_VIEW_ROLES, role_required
from ..selectors.indicator_progress import (
    approved_figures,
    figure_periods,
    figure_units,
    indicator_get,
    indicator_progress,
    narrative_timeline,
)
from ..selectors.periods import period_pick
from ..selectors.progress import computed_periods
from ..selectors.unit_comparison import SCOPES, comparison
from ..tables_progress import (
    ApprovedFiguresFilter,
    ApprovedFiguresTable,
    ContributionTable,
    RankingTable,
    UnitSummaryTable,
)



# Lists of units are paged: Wenzhou's 24 units fit on one page, a province-sized list is not sent whole.
UNITS_PER_PAGE = 50


@require_safe
@role_required(*CITY_VIEW_ROLES)
def dashboard_indicator(request, code: str):
    plan = selectors.plan_current()
    indicator = indicator_get(plan, code)
    page = indicator_progress(indicator, request.GET.get("period", ""))

    trend = charts.trend_chart(page)
    bars = charts.contribution_chart(page)
    county_map = charts.county_map_chart(page) if page.period else None
    contributions = ContributionTable(page.contributions, kind=indicator.kind, prefix="units-")
    RequestConfig(request, paginate={"per_page": UNITS_PER_PAGE}).configure(contributions)

    figures_filter = ApprovedFiguresFilter(
        request.GET or None,
        queryset=approved_figures(request.user, indicator),
        units=figure_units(indicator),
        periods=figure_periods(plan, timezone.localdate()),
    )
    figures = ApprovedFiguresTable(figures_filter.qs, prefix="figures-")
    RequestConfig(request, paginate={"per_page": ApprovedFiguresTable.Meta.per_page}).configure(figures)

    return render(
        request,
        "targets/dashboard_indicator.html",
        {
            "nav": "dashboard",
            "plan": plan,
            "indicator": indicator,
            "page": page,
            "period_error": page.period_error,
            "trend_chart": trend,
            "bars_chart": bars,
            "county_map": county_map,
            "contributions": contributions,
            "figures_filter": figures_filter,
            "figures": figures,
            "timeline": narrative_timeline(page),
            "bar_limit": charts.BAR_LIMIT,
        },
    )


@require_safe
@role_required(*CITY_VIEW_ROLES)
def dashboard_counties(request):
    plan = selectors.plan_current()
    periods = list(computed_periods())
    choice = period_pick(periods, request.GET.get("period", ""))
    period = choice.period
    scope = request.GET.get("scope", "")
    scope = scope if scope in SCOPES else SCOPES[0]
    data = comparison(plan, period=period, periods=periods, scope=scope, rank_code=request.GET.get("rank", "").strip() or None)

    # Each list has its own page parameter, kept by the links of the others.
    heatmap_page = Paginator(data.lines, UNITS_PER_PAGE).get_page(request.GET.get("heatmap-page"))
    summary = UnitSummaryTable(data.ranked, prefix="summary-")
    RequestConfig(request, paginate={"per_page": UNITS_PER_PAGE}).configure(summary)
    ranking, ranking_chart = None, None
    if data.rank_indicator is not None:
        ranking = RankingTable(data.ranking, kind=data.rank_indicator.kind, prefix="rank-")
        RequestConfig(request, paginate={"per_page": UNITS_PER_PAGE}).configure(ranking)
        ranking_chart = charts.ranking_chart(data)
    return render(
        request,
        "targets/dashboard_counties.html",
        {
            "nav": "counties",
            "plan": plan,
            "data": data,
            "heatmap_page": heatmap_page,
            "period_error": choice.error,
            "summary": summary,
            "ranking": ranking,
            "ranking_chart": ranking_chart,
            "bar_limit": charts.BAR_LIMIT,
        },
    )


urlpatterns = [
    path("progress/indicators/<str:code>/", dashboard_indicator, name="dashboard_indicator"),
    path("progress/counties/", dashboard_counties, name="dashboard_counties"),
]
