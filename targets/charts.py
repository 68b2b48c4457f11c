"""Plotly figures of the progress pages, built on the server from snapshot rows.

Figures are drawn by the plotly.js the app serves from static/ (never a CDN): `figure_html` renders
a figure as a <div> and the small script that draws it, with plotly's logo link turned off. Labels
are translated (Chinese by default). Every trace carries `meta` naming what it is ("actual",
"expected", "target", "stretch", "projection", "at_risk_line", "bars"), so tests and readers can
find it.
"""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Indicator, ProgressSnapshot, Target
from .numbers import decimal_text
from .selectors.indicator_progress import IndicatorProgress, quarter_code, quarter_of
from .selectors.unit_comparison import Comparison

Kind = Indicator.Kind
Status = ProgressSnapshot.Status

# The status colours of the pages' CSS (static/css/indicator_pages.css), green to red.
STATUS_COLORS = {
    Status.ACHIEVED: "#1b5e20",
    Status.ON_TRACK: "#43a047",
    Status.AT_RISK: "#f2a900",
    Status.OFF_TRACK: "#d32f2f",
    Status.MISSED: "#7f1d1d",
    Status.NO_DATA: "#b0b7c0",
    Status.NO_TARGET: "#5b8fd6",
}
BAR_LIMIT = 40  # unit charts draw at most this many units (the best); their tables list every unit
ACTUAL_COLOR = "#1f5fa8"
EXPECTED_COLOR = "#7a828c"
TARGET_COLOR = "#b3261e"
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif"
REMOVED_BUTTONS = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"]


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _fmt(value: Decimal | None, places: int = 2) -> str:
    """Return a value for a label: exact when whole, else rounded to `places` decimals."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        return decimal_text(value)
    return decimal_text(round(value, places))


def plotly_locale() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-CN"


def figure_html(fig: go.Figure, *, div_id: str, height: int) -> str:
    """Return the figure as HTML to embed: no plotly.js (the page loads it from static), no outside link."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        default_height=f"{height}px",
        config={
            "displaylogo": False,
            "responsive": True,
            "locale": plotly_locale(),
            "modeBarButtonsToRemove": REMOVED_BUTTONS,
            "toImageButtonOptions": {"filename": div_id, "scale": 2},
        },
    )


def _layout(fig: go.Figure, *, height: int, y_title: str, x_title: str = "", **extra) -> None:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 40},
        font={"family": FONT, "size": 13, "color": "#1f2329"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 12}},
        hoverlabel={"font": {"family": FONT}},
        yaxis={"title": {"text": y_title}, "zeroline": False, "gridcolor": "#e8ebef"},
        xaxis={"title": {"text": x_title}, "type": "category", "gridcolor": "#f0f2f5", "tickangle": -45},
        **extra,
    )


def _status_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Status.choices}


def _target_name(target: Target, indicator: Indicator, *, stretch: bool = False) -> str:
    value = target.stretch if stretch else target.value
    if indicator.kind == Kind.MILESTONE:
        return _("Target %(year)s: completed") % {"year": target.year}
    label = _("Stretch %(year)s: %(value)s") if stretch else _("Target %(year)s: %(comparator)s %(value)s")
    return label % {"year": target.year, "comparator": target.get_comparator_display(), "value": _fmt(value)}


def value_title(indicator: Indicator) -> str:
    """Return the value axis title: the unit of measure, % for ratios, the share done for milestones."""
    if indicator.kind in (Kind.RATIO_YTD, Kind.RATIO_LATEST):
        return "%"
    if indicator.kind == Kind.MILESTONE:
        return _("share of units done")
    return indicator.unit_of_measure


# --- The indicator's trend -----------------------------------------------------------------------


def trend_figure(page: IndicatorProgress) -> go.Figure | None:
    """Return the city's trend per quarter, or None for narratives (they get a status table) and
    when nothing is computed yet."""
    kind = page.indicator.kind
    if kind == Kind.NARRATIVE or not page.city_rows:
        return None
    fig = go.Figure()
    if kind == Kind.RATIO_YTD:
        _maintain_traces(fig, page)
    else:
        _reach_traces(fig, page)
    y_extra = {"tickformat": ".0%", "range": [-0.05, 1.1]} if kind == Kind.MILESTONE else {}
    _layout(fig, height=420, y_title=value_title(page.indicator))
    fig.update_xaxes(categoryorder="array", categoryarray=page.axis, range=[-0.5, len(page.axis) - 0.5])
    if y_extra:
        fig.update_yaxes(**y_extra)
    return fig


def _actual_trace(page: IndicatorProgress, rows: list[ProgressSnapshot], *, name: str, show_legend: bool = True) -> go.Scatter:
    labels = _status_labels()
    milestone = page.indicator.kind == Kind.MILESTONE
    return go.Scatter(
        x=[r.period.code for r in rows],
        y=[_f(r.actual) for r in rows],
        mode="lines+markers",
        name=name,
        meta="actual",
        legendgroup="actual",
        showlegend=show_legend,
        line={"color": ACTUAL_COLOR, "width": 3, **({"shape": "hv"} if milestone else {})},
        marker={"size": 9, "color": [STATUS_COLORS.get(r.status, ACTUAL_COLOR) for r in rows], "line": {"color": "#fff", "width": 1}},
        customdata=[labels.get(r.status, r.status) for r in rows],
        hovertemplate="%{x}: %{y" + (":.0%" if milestone else ":,.2f") + "}<br>%{customdata}<extra></extra>",
    )


def _span(codes: list[str]) -> tuple[list[str], str]:
    """Return the x values and mode of a horizontal line over `codes` (a marker for one quarter)."""
    return ([codes[0], codes[-1]], "lines") if len(codes) > 1 else (codes, "lines+markers")


def _reach_traces(fig: go.Figure, page: IndicatorProgress) -> None:
    indicator = page.indicator
    end = page.axis_end_q
    first_expected = True
    for segment in page.segments:
        if segment.first_q > end:
            continue
        last = min(segment.deadline_q, end)
        quarters = list(range(segment.first_q, last + 1))
        codes = [quarter_code(page.cal, q) for q in quarters]
        # After the last deadline the last target still applies: its line runs on to the period shown.
        line_codes = codes + [quarter_code(page.cal, q) for q in range(last + 1, end + 1)] if segment is page.segments[-1] else codes
        if page.expected:
            fig.add_trace(go.Scatter(
                x=codes,
                y=[_f(page.expected[q]) for q in quarters],
                mode="lines",
                name=_("Expected path (time elapsed, 序时进度)"),
                meta="expected",
                legendgroup="expected",
                showlegend=first_expected,
                line={"color": EXPECTED_COLOR, "width": 2, "dash": "dash"},
                hovertemplate="%{x}: %{y:,.2f}<extra>" + _("expected") + "</extra>",
            ))
            first_expected = False
        # A target line runs over the quarters the target is the active one, to its deadline.
        target = segment.target
        x, mode = _span(line_codes)
        fig.add_trace(go.Scatter(
            x=x,
            y=[_f(target.value)] * len(x),
            mode=mode,
            name=_target_name(target, indicator),
            meta="target",
            line={"color": TARGET_COLOR, "width": 2},
            hovertemplate=_target_name(target, indicator) + "<extra></extra>",
        ))
        if target.stretch is not None:
            fig.add_trace(go.Scatter(
                x=x,
                y=[_f(target.stretch)] * len(x),
                mode=mode,
                name=_target_name(target, indicator, stretch=True),
                meta="stretch",
                line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
                opacity=0.7,
                hovertemplate=_target_name(target, indicator, stretch=True) + "<extra></extra>",
            ))
    fig.add_trace(_actual_trace(page, page.city_rows, name=_("Actual (city)")))
    projection = projection_points(page)
    if projection:
        (x0, y0), (x1, y1) = projection
        fig.add_trace(go.Scatter(
            x=[x0, x1],
            y=[_f(y0), _f(y1)],
            mode="lines+markers",
            name=_("Projection at the recent pace"),
            meta="projection",
            line={"color": ACTUAL_COLOR, "width": 2, "dash": "dot"},
            marker={"size": [0, 10], "symbol": "diamond-open", "color": ACTUAL_COLOR},
            hovertemplate="%{x}: %{y:,.2f}<extra>" + _("projected") + "</extra>",
        ))


def projection_points(page: IndicatorProgress) -> tuple[tuple[str, Decimal], tuple[str, Decimal]] | None:
    """Return ((p, A), (D, projected)) for a cumulative reach target still running, else None."""
    city = page.city
    if page.indicator.kind != Kind.CUMULATIVE or city is None or city.projected is None or city.deadline is None:
        return None
    return (city.period.code, city.actual), (quarter_code(page.cal, quarter_of(page.cal, city.deadline)), city.projected)


def _maintain_traces(fig: go.Figure, page: IndicatorProgress) -> None:
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
                x=x, y=[_f(target.value)] * len(x), mode=mode, name=_("Target: %(comparator)s %(value)s%% every year")
                % {"comparator": target.get_comparator_display(), "value": _fmt(target.value)},
                meta="target", legendgroup="target", showlegend=first, line={"color": TARGET_COLOR, "width": 2},
                hovertemplate=_target_name(target, indicator) + "<extra></extra>",
            ))
            fig.add_trace(go.Scatter(
                x=x, y=[_f(target.value - margin)] * len(x), mode=mode,
                name=_("At-risk threshold (target − %(margin)s pp)") % {"margin": _fmt(margin)},
                meta="at_risk_line", legendgroup="at_risk", showlegend=first,
                line={"color": STATUS_COLORS[Status.AT_RISK], "width": 1.5, "dash": "dot"},
                hovertemplate="%{y:.2f}<extra></extra>",
            ))
        fig.add_trace(_actual_trace(page, rows, name=_("Actual, year to date (city)"), show_legend=first))
        first = False


# --- Units side by side -----------------------------------------------------------------------------


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
    labels = _status_labels()
    ordered = list(reversed(entries))  # plotly draws the first row at the bottom
    colors = [STATUS_COLORS[e["status"]] if e.get("status") else ACTUAL_COLOR for e in ordered]
    common = {
        "y": [e["label"] for e in ordered],
        "meta": "bars",
        "text": [e.get("text", "") for e in ordered],
        "cliponaxis": False,
        "customdata": [labels.get(e.get("status") or "", "") for e in ordered],
    }
    if percent_axis:
        trace = go.Scatter(
            x=[_f(e["value"]) for e in ordered], mode="markers+text", textposition="middle right",
            marker={"size": 12, "color": colors, "line": {"color": "#fff", "width": 1}},
            hovertemplate="%{y}: %{x:.2f}%<br>%{customdata}<extra></extra>", **common,
        )
    else:
        trace = go.Bar(
            x=[_f(e["value"]) for e in ordered], orientation="h", marker={"color": colors}, textposition="outside",
            hovertemplate="%{y}: %{x:,.2f}<br>%{customdata}<extra></extra>", **common,
        )
    fig = go.Figure(trace)
    height = bars_height(len(entries))
    _layout(fig, height=height, y_title="", x_title=x_title, showlegend=False)
    fig.update_layout(margin={"l": 140, "r": 70, "t": 34 if references else 10, "b": 50}, bargap=0.25)
    fig.update_xaxes(type="linear", tickangle=0, rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True, gridcolor="#f0f2f5" if percent_axis else "rgba(0,0,0,0)")
    values = [float(e["value"]) for e in entries] + [float(v) for v, _, _ in references if v is not None]
    if percent_axis:
        low, high = min(values), max(values)
        pad = max((high - low) * 0.12, 0.5)
        fig.update_xaxes(ticksuffix="%", rangemode="normal", range=[max(low - pad, -1), min(high + pad * 2.5, 105)])
    drawn = [r for r in references if r[0] is not None]
    for i, (value, label, color) in enumerate(drawn):
        # Two labels side by side: the lower value's to the left of its line, the higher one's to the right.
        others = [v for j, (v, _, _) in enumerate(drawn) if j != i]
        right = not others or value > max(others) or (value == max(others) and i == len(drawn) - 1)
        fig.add_vline(
            x=float(value), line={"color": color, "width": 1.5, "dash": "dash" if i else "dot"},
            annotation={"text": label, "font": {"size": 11, "color": color}},
            annotation_position="top right" if right else "top left",
        )
    return fig


def bars_height(count: int) -> int:
    return max(220, 90 + 26 * count)


def contribution_figure(page: IndicatorProgress) -> go.Figure | None:
    """Return each unit's actual at the chosen period, sorted (numbers only; milestones get a table)."""
    kind = page.indicator.kind
    if kind not in (Kind.CUMULATIVE, Kind.RATIO_YTD, Kind.RATIO_LATEST):
        return None
    entries = []
    for c in page.contributions:
        text = _fmt(c.actual)
        if c.share_pct is not None:
            text += f" · {c.share_pct:.1f}%"
        elif kind != Kind.CUMULATIVE and c.actual is not None:
            text = f"{c.actual:.1f}%"
        entries.append({"label": c.unit.name, "value": c.actual, "status": c.status if c.has_target else None, "text": text})
    return unit_bars(entries, x_title=value_title(page.indicator), percent_axis=kind != Kind.CUMULATIVE, references=_references(page.indicator, page.city))


def ranking_figure(data: Comparison) -> go.Figure | None:
    """Return the comparison's units ranked by their actual value for the chosen indicator."""
    indicator = data.rank_indicator
    if indicator is None:
        return None
    kind = indicator.kind
    entries = [
        {
            "label": r.unit.name,
            "value": r.cell.actual,
            "status": r.cell.status if r.cell.has_target else None,
            "text": (f"{r.cell.actual:.1f}%" if kind != Kind.CUMULATIVE else _fmt(r.cell.actual))
            + (f" · {r.share_pct:.1f}%" if r.share_pct is not None else ""),
        }
        for r in data.ranking
    ]
    city = None
    if data.city is not None:
        cell = data.city.cells[data.indicators.index(indicator)]
        city = cell if cell.present else None
    return unit_bars(entries, x_title=value_title(indicator), percent_axis=kind != Kind.CUMULATIVE, references=_references(indicator, city))


def _references(indicator: Indicator, city) -> list[tuple]:
    """Return the vertical reference lines of a ratio's unit chart: the city's value and its target."""
    if indicator.kind not in (Kind.RATIO_YTD, Kind.RATIO_LATEST) or city is None or city.actual is None:
        return []
    target = city.target_value
    refs = [(city.actual, _("city %(value)s%%") % {"value": f"{city.actual:.1f}"}, ACTUAL_COLOR)]
    if target is not None:
        refs.append((target, _("target %(value)s%%") % {"value": _fmt(target)}, TARGET_COLOR))
    return refs
