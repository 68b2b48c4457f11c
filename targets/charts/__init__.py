"""The progress pages' charts: plotly figures built on the server, drawn in the browser.

One mechanism for every chart. A view asks for a `Chart` (a figure with its plotly config, as JSON);
the template includes templates/targets/_chart.html, which puts an empty element marked
`data-figure` beside a <script type="application/json"> holding the JSON; static/js/charts.js
draws it with the plotly.js the portal serves itself (never a CDN). No page carries an inline
script, so a strict Content-Security-Policy can follow.

- `style`: the one font stack, the colours that are not statuses', the common layout
- `embed`: `Chart`, the figure as JSON and plotly's config (locale, no logo link)
- `figures_indicator`: an indicator's trend, and its units' contributions
- `figures_units`: units side by side, and the units comparison's ranking
- `figures_overview`: the overview's status counts per task area
- `figures_map`: the map of the twelve county-level divisions (overview, indicator pages)

Status colours and words come from targets.status. To add a chart: a figure function in the
module of its page, a `Chart` built from it below, and `{% include "targets/_chart.html" %}`.
"""

from __future__ import annotations

from .embed import Chart, chart
from .figures_indicator import contribution_figure, trend_figure
from .figures_map import county_links, indicator_map_figure, overview_map_figure
from .figures_overview import status_by_area_figure
from .figures_units import BAR_LIMIT, ranking_figure

__all__ = [
    "BAR_LIMIT",
    "Chart",
    "contribution_chart",
    "county_links",
    "county_map_chart",
    "overview_map_chart",
    "ranking_chart",
    "status_by_area_chart",
    "trend_chart",
]


def trend_chart(page) -> Chart | None:
    """Return the indicator page's trend (None for narratives and before any computation)."""
    figure = trend_figure(page)
    return chart(figure, chart_id="trend-chart") if figure else None


def contribution_chart(page) -> Chart | None:
    """Return the indicator page's units at the chosen period (None for milestones and narratives)."""
    figure = contribution_figure(page)
    return chart(figure, chart_id="contribution-chart") if figure else None


def ranking_chart(data) -> Chart | None:
    """Return the units comparison's ranking for its chosen indicator (None without one)."""
    figure = ranking_figure(data)
    return chart(figure, chart_id="ranking-chart") if figure else None


def status_by_area_chart(area_counts) -> Chart:
    """Return the overview's status counts per task area (no tool bar: the table beside it has the numbers)."""
    return chart(status_by_area_figure(area_counts), chart_id="status-chart", toolbar=False)


def county_map_chart(page) -> Chart | None:
    """Return the indicator page's map of the county-level divisions (None when none reports it)."""
    figure = indicator_map_figure(page)
    return chart(figure, chart_id="county-map", toolbar=False) if figure else None


def overview_map_chart(data) -> Chart | None:
    """Return the overview's map of the county-level divisions from the units comparison."""
    figure = overview_map_figure(data)
    return chart(figure, chart_id="overview-county-map", toolbar=False) if figure else None
