"""The indicator page's figures: the city's trend per quarter and the units' contributions.

Every trace carries `meta` naming what it is ("actual", "expected", "target", "stretch",
"projection", "at_risk_line", "bars"), so tests and readers can find it. Labels are translated.
"""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..kinds import kind_of
from ..models import Indicator, ProgressSnapshot, Target
from ..numbers import decimal_short, json_number
from ..selectors.indicator_progress import IndicatorPage
from ..status import COLOURS, LABELS, Status
from .figures_units import as_dots, references, unit_bars
from .style import ACTUAL_COLOUR, EXPECTED_COLOUR, TARGET_COLOUR, WHITE, base_layout, value_title


def _target_name(target: Target, indicator: Indicator, *, stretch: bool = False) -> str:
    value = target.stretch if stretch else target.value
    if not kind_of(indicator).numeric_target:  # a milestone's target is “completed”
        return _("Target %(year)s: completed") % {"year": target.year}
    label = _("Stretch %(year)s: %(value)s") if stretch else _("Target %(year)s: %(comparator)s %(value)s")
    return label % {"year": target.year, "comparator": target.get_comparator_display(), "value": decimal_short(value)}


def trend_figure(page: IndicatorPage) -> go.Figure | None:
    """Return the city's trend per quarter as the kind's chart says, or None when the kind has no
    trend (narratives: a status table) and when nothing is computed yet."""
    chart = kind_of(page.indicator).chart
    if not chart.trend or not page.city_rows:
        return None
    fig = go.Figure()
    if chart.trend == "per_year":
        _maintain_traces(fig, page)
    else:
        _reach_traces(fig, page)
    base_layout(fig, height=420, y_title=value_title(page.indicator))
    fig.update_xaxes(categoryorder="array", categoryarray=page.axis, range=[-0.5, len(page.axis) - 0.5])
    axis = {"tickformat": chart.tickformat} if chart.tickformat else {}
    if chart.axis_range:
        axis["range"] = list(chart.axis_range)
    if axis:
        fig.update_yaxes(**axis)
    return fig


def _actual_trace(page: IndicatorPage, rows: list[ProgressSnapshot], *, name: str, show_legend: bool = True) -> go.Scatter:
    chart = kind_of(page.indicator).chart
    shape = {} if chart.line_shape == "linear" else {"shape": chart.line_shape}
    return go.Scatter(
        x=[r.period.code for r in rows],
        y=[json_number(r.actual) for r in rows],
        mode="lines+markers",
        name=name,
        meta="actual",
        legendgroup="actual",
        showlegend=show_legend,
        line={"color": ACTUAL_COLOUR, "width": 3, **shape},
        marker={"size": 9, "color": [COLOURS.get(r.status, ACTUAL_COLOUR) for r in rows], "line": {"color": WHITE, "width": 1}},
        customdata=[str(LABELS.get(r.status, r.status)) for r in rows],
        hovertemplate="%{x}: %{y:" + chart.hover_format + "}<br>%{customdata}<extra></extra>",
    )


def _span(codes: list[str]) -> tuple[list[str], str]:
    """Return the x values and mode of a horizontal line over `codes` (a marker for one quarter)."""
    return ([codes[0], codes[-1]], "lines") if len(codes) > 1 else (codes, "lines+markers")


def _reach_traces(fig: go.Figure, page: IndicatorPage) -> None:
    indicator = page.indicator
    end = page.axis_end_q
    first_expected = True
    for segment in page.segments:
        if segment.first_q > end:
            continue
        last = min(segment.deadline_q, end)
        quarters = list(range(segment.first_q, last + 1))
        codes = [page.cal.code(q) for q in quarters]
        # After the last deadline the last target still applies: its line runs on to the period shown.
        line_codes = codes + [page.cal.code(q) for q in range(last + 1, end + 1)] if segment is page.segments[-1] else codes
        if page.expected:
            fig.add_trace(go.Scatter(
                x=codes,
                y=[json_number(page.expected[q]) for q in quarters],
                mode="lines",
                name=_("Expected path (time elapsed, 序时进度)"),
                meta="expected",
                legendgroup="expected",
                showlegend=first_expected,
                line={"color": EXPECTED_COLOUR, "width": 2, "dash": "dash"},
                hovertemplate="%{x}: %{y:,.2f}<extra>" + _("expected") + "</extra>",
            ))
            first_expected = False
        # A target line runs over the quarters the target is the active one, to its deadline.
        target = segment.target
        x, mode = _span(line_codes)
        fig.add_trace(go.Scatter(
            x=x,
            y=[json_number(target.value)] * len(x),
            mode=mode,
            name=_target_name(target, indicator),
            meta="target",
            line={"color": TARGET_COLOUR, "width": 2},
            hovertemplate=_target_name(target, indicator) + "<extra></extra>",
        ))
        if target.stretch is not None:
            fig.add_trace(go.Scatter(
                x=x,
                y=[json_number(target.stretch)] * len(x),
                mode=mode,
                name=_target_name(target, indicator, stretch=True),
                meta="stretch",
                line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
                opacity=0.7,
                hovertemplate=_target_name(target, indicator, stretch=True) + "<extra></extra>",
            ))
    fig.add_trace(_actual_trace(page, page.city_rows, name=_("Actual (city)")))
    projection = projection_points(page)
    if projection:
        (x0, y0), (x1, y1) = projection
        fig.add_trace(go.Scatter(
            x=[x0, x1],
            y=[json_number(y0), json_number(y1)],
            mode="lines+markers",
            name=_("Projection at the recent pace"),
            meta="projection",
            line={"color": ACTUAL_COLOUR, "width": 2, "dash": "dot"},
            marker={"size": [0, 10], "symbol": "diamond-open", "color": ACTUAL_COLOUR},
            hovertemplate="%{x}: %{y:,.2f}<extra>" + _("projected") + "</extra>",
        ))


def projection_points(page: IndicatorPage) -> tuple[tuple[str, Decimal], tuple[str, Decimal]] | None:
    """Return ((p, A), (D, projected)) for a reach target still running, when the kind's chart draws
    the projection (cumulative counts), else None."""
    city = page.city
    if not kind_of(page.indicator).chart.projection or city is None or city.projected is None or city.deadline is None:
        return None
    return (city.period.code, city.actual), (page.cal.code(page.cal.q_of_day(city.deadline)), city.projected)


def _maintain_traces(fig: go.Figure, page: IndicatorPage) -> None:
    """Year-to-date ratio per quarter, one line per year (it restarts each January), and each year's target."""
    indicator = page.indicator
    margin = page.plan.maintain_at_risk_pp
    years: dict[int, list[ProgressSnapshot]] = {}
    for row in page.city_rows:
        years.setdefault(row.period.year, []).append(row)
    by_year = {t.year: t for t in page.targets if t.mode == Target.Mode.MAINTAIN}
    first = True
    for year, rows in years.items():
        target = by_year.get(year)
        codes = [r.period.code for r in rows]
        if target is not None:
            x, mode = _span(codes)
            fig.add_trace(go.Scatter(
                x=x, y=[json_number(target.value)] * len(x), mode=mode, name=_("Target: %(comparator)s %(value)s%% every year")
                % {"comparator": target.get_comparator_display(), "value": decimal_short(target.value)},
                meta="target", legendgroup="target", showlegend=first, line={"color": TARGET_COLOUR, "width": 2},
                hovertemplate=_target_name(target, indicator) + "<extra></extra>",
            ))
            fig.add_trace(go.Scatter(
                x=x, y=[json_number(target.value - margin)] * len(x), mode=mode,
                name=_("At-risk threshold (target − %(margin)s pp)") % {"margin": decimal_short(margin)},
                meta="at_risk_line", legendgroup="at_risk", showlegend=first,
                line={"color": COLOURS[Status.AT_RISK], "width": 1.5, "dash": "dot"},
                hovertemplate="%{y:.2f}<extra></extra>",
            ))
        fig.add_trace(_actual_trace(page, rows, name=_("Actual, year to date (city)"), show_legend=first))
        first = False


def contribution_figure(page: IndicatorPage) -> go.Figure | None:
    """Return each unit's actual at the chosen period, sorted, as the kind's chart says (None when
    its units get a table only: milestones, narratives)."""
    if not kind_of(page.indicator).chart.units:
        return None
    dots = as_dots(page.indicator)
    entries = []
    for c in page.contributions:
        text = decimal_short(c.actual)
        if c.share_pct is not None:
            text += f" · {c.share_pct:.1f}%"
        elif dots and c.actual is not None:
            text = f"{c.actual:.1f}%"
        entries.append({"label": c.unit.name, "value": c.actual, "status": c.status if c.has_target else None, "text": text})
    return unit_bars(
        entries, x_title=value_title(page.indicator), percent_axis=dots, references=references(page.indicator, page.city),
    )
