"""The overview dashboard's plotly figure: status counts per task area as a stacked bar.

Built in Python, handed to the page as JSON and drawn by the plotly.js the app serves itself
(static/js/dashboards.js): no CDN, no inline script, no link to plotly.com (the logo is off).
"""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .selectors.dashboards import LIGHT_ORDER, StatusCounts, light_label

COLOURS = {"green": "#2e7d32", "yellow": "#e0a100", "red": "#b3261e", "grey": "#9aa0a6"}
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"


def status_by_area_figure(area_counts: list[StatusCounts]) -> go.Figure:
    """Return a horizontal stacked bar: one bar per task area, one segment per traffic light."""
    names = [_("Area %(number)s") % {"number": c.area.number} for c in area_counts]
    titles = [c.area.localized("title") for c in area_counts]
    figure = go.Figure()
    for light in LIGHT_ORDER:
        counts = [next(x["count"] for x in c.lights if x["light"] == light) for c in area_counts]
        figure.add_trace(
            go.Bar(
                y=names,
                x=counts,
                name=light_label(light),
                orientation="h",
                marker={"color": COLOURS[light], "line": {"color": "#fff", "width": 1}},
                text=[str(n) if n else "" for n in counts],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                textfont={"color": "#fff" if light != "yellow" else "#1f2329", "size": 13},
                customdata=titles,
                hovertemplate="%{customdata}<br>" + light_label(light) + ": %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        height=40 + 52 * max(len(area_counts), 1),
        margin={"l": 64, "r": 12, "t": 8, "b": 8},
        font={"family": FONT, "size": 13, "color": "#1f2329"},
        paper_bgcolor="#fff",
        plot_bgcolor="#fff",
        showlegend=False,  # the table beside the chart names every colour with its words
        xaxis={"dtick": 1, "gridcolor": "#e6e9ed", "zeroline": False, "side": "top"},
        yaxis={"autorange": "reversed"},
        bargap=0.35,
    )
    return figure


def figure_json(figure: go.Figure) -> SafeString:
    """Return the figure as JSON safe to embed in a <script type="application/json"> element."""
    text = figure.to_json()
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return mark_safe(text)
