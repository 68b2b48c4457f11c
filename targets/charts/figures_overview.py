"""The overview's figure: the status counts per task area as a stacked bar, one segment per light."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..selectors.dashboards import StatusCounts
from ..status import LIGHT_COLOURS, LIGHT_ORDER, YELLOW, light_label
from .style import FONT, GRID, INK, WHITE


def status_by_area_figure(area_counts: list[StatusCounts]) -> go.Figure:
    """Return a horizontal stacked bar: one bar per task area, one segment per traffic light."""
    # A row without an area (the overall goals' and safeguards' indicators) gets a bar too, so the
    # bars add up to the overview's counts and match the table's rows.
    names = [_("Area %(number)s") % {"number": c.area.number} if c.area else _("Other") for c in area_counts]
    titles = [c.area.localized("title") if c.area else _("Overall goals and safeguards (outside the task areas)") for c in area_counts]
    figure = go.Figure()
    for light in LIGHT_ORDER:
        counts = [next(x["count"] for x in c.lights if x["light"] == light) for c in area_counts]
        figure.add_trace(
            go.Bar(
                y=names,
                x=counts,
                name=light_label(light),
                orientation="h",
                marker={"color": LIGHT_COLOURS[light], "line": {"color": WHITE, "width": 1}},
                text=[str(n) if n else "" for n in counts],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                textfont={"color": INK if light == YELLOW else WHITE, "size": 13},
                customdata=titles,
                hovertemplate="%{customdata}<br>" + light_label(light) + ": %{x}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        height=40 + 52 * max(len(area_counts), 1),
        margin={"l": 64, "r": 12, "t": 8, "b": 8},
        font={"family": FONT, "size": 13, "color": INK},
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        showlegend=False,  # the table beside the chart names every colour with its words
        xaxis={"dtick": 1, "gridcolor": GRID, "zeroline": False, "side": "top"},
        yaxis={"autorange": "reversed"},
        bargap=0.35,
    )
    return figure
