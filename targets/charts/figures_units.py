"""Units side by side: the bars of an indicator's contributions and of the units comparison's ranking."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..kinds import kind_of
from ..models import Indicator
from ..numbers import decimal_short, json_number
from ..selectors.unit_comparison import Comparison
from ..status import COLOURS, LABELS
from .style import ACTUAL_COLOUR, GRID_FAINT, TARGET_COLOUR, WHITE, base_layout, value_title

BAR_LIMIT = 40  # unit charts draw at most this many units (the best); their tables list every unit


def bars_height(count: int) -> int:
    """Return the height of a chart of `count` units, in pixels."""
    return max(220, 90 + 26 * count)


def unit_bars(
    entries: list[dict], *, x_title: str, percent_axis: bool = False, references: list[tuple] = ()
) -> go.Figure | None:
    """Return the units side by side, best on top: bars for counts, dots for percentages (which
    sit close together, so the axis is zoomed to them rather than starting at zero).

    `entries`, best first: {"label", "value" (Decimal), "status" (colour; None: neutral), "text"}.
    `references`: (value, label, colour) drawn as vertical lines, e.g. the city's value and the target.
    """
    entries = [e for e in entries if e["value"] is not None][:BAR_LIMIT]
    if not entries:
        return None
    ordered = list(reversed(entries))  # plotly draws the first row at the bottom
    colours = [COLOURS[e["status"]] if e.get("status") else ACTUAL_COLOUR for e in ordered]
    common = {
        "y": [e["label"] for e in ordered],
        "meta": "bars",
        "text": [e.get("text", "") for e in ordered],
        "cliponaxis": False,
        "customdata": [str(LABELS.get(e.get("status") or "", "")) for e in ordered],
    }
    if percent_axis:
        trace = go.Scatter(
            x=[json_number(e["value"]) for e in ordered], mode="markers+text", textposition="middle right",
            marker={"size": 12, "color": colours, "line": {"color": WHITE, "width": 1}},
            hovertemplate="%{y}: %{x:.2f}%<br>%{customdata}<extra></extra>", **common,
        )
    else:
        trace = go.Bar(
            x=[json_number(e["value"]) for e in ordered], orientation="h", marker={"color": colours}, textposition="outside",
            hovertemplate="%{y}: %{x:,.2f}<br>%{customdata}<extra></extra>", **common,
        )
    fig = go.Figure(trace)
    base_layout(fig, height=bars_height(len(entries)), y_title="", x_title=x_title, showlegend=False)
    fig.update_layout(margin={"l": 140, "r": 70, "t": 34 if references else 10, "b": 50}, bargap=0.25)
    fig.update_xaxes(type="linear", tickangle=0, rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True, gridcolor=GRID_FAINT if percent_axis else "rgba(0,0,0,0)")
    values = [float(e["value"]) for e in entries] + [float(v) for v, _, _ in references if v is not None]
    if percent_axis:
        low, high = min(values), max(values)
        pad = max((high - low) * 0.12, 0.5)
        fig.update_xaxes(ticksuffix="%", rangemode="normal", range=[max(low - pad, -1), min(high + pad * 2.5, 105)])
    drawn = [r for r in references if r[0] is not None]
    for i, (value, label, colour) in enumerate(drawn):
        # Two labels side by side: the lower value's to the left of its line, the higher one's to the right.
        others = [v for j, (v, _, _) in enumerate(drawn) if j != i]
        right = not others or value > max(others) or (value == max(others) and i == len(drawn) - 1)
        fig.add_vline(
            x=float(value), line={"color": colour, "width": 1.5, "dash": "dash" if i else "dot"},
            annotation={"text": label, "font": {"size": 11, "color": colour}},
            annotation_position="top right" if right else "top left",
        )
    return fig


def as_dots(indicator: Indicator) -> bool:
    """Say whether the units' values are drawn as dots on a percentage axis: every kind whose chart
    does not draw its units as bars (counts)."""
    return kind_of(indicator).chart.units != "bars"


def references(indicator: Indicator, city) -> list[tuple]:
    """Return the vertical reference lines of a unit chart whose kind's chart has them (ratios): the
    city's value and its target."""
    if not kind_of(indicator).chart.reference_lines or city is None or city.actual is None:
        return []
    target = city.target_value
    refs = [(city.actual, _("city %(value)s%%") % {"value": f"{city.actual:.1f}"}, ACTUAL_COLOUR)]
    if target is not None:
        refs.append((target, _("target %(value)s%%") % {"value": decimal_short(target)}, TARGET_COLOUR))
    return refs


def ranking_figure(data: Comparison) -> go.Figure | None:
    """Return the comparison's units ranked by their actual value for the chosen indicator."""
    indicator = data.rank_indicator
    if indicator is None:
        return None
    dots = as_dots(indicator)
    entries = [
        {
            "label": r.unit.name,
            "value": r.cell.actual,
            "status": r.cell.status if r.cell.has_target else None,
            "text": (f"{r.cell.actual:.1f}%" if dots else decimal_short(r.cell.actual))
            + (f" · {r.share_pct:.1f}%" if r.share_pct is not None else ""),
        }
        for r in data.ranking
    ]
    city = None
    if data.city is not None:
        cell = data.city.cells[data.indicators.index(indicator)]
        city = cell if cell.present else None
    return unit_bars(entries, x_title=value_title(indicator), percent_axis=dots, references=references(indicator, city))
