"""The quarterly briefing's charts, drawn on the server for documents: SVG for the PDF (vectors,
their text kept as text so that WeasyPrint sets it in the embedded CJK font and it stays
selectable) and PNG for Word (python-docx takes raster pictures only) — the same figure function
for both.

Why matplotlib, not the web pages' plotly: a PDF cannot run plotly.js, and plotly's own image
export (kaleido) drives a headless Chromium — about 4 s to start one per image here, which would
spend the briefing's whole time budget on two charts and put a browser inside the Celery worker.
matplotlib draws in-process (Agg), offline, in a few tens of milliseconds per chart.

Colours, words and order of statuses and traffic lights are targets.status's; the ink and the
actual/expected colours are the web charts' (targets.charts.style), so a chart looks alike on the
page and on paper.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display: the server draws into files only

from matplotlib import ticker  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from ..charts.style import ACTUAL_COLOUR, GRID, INK  # noqa: E402
from ..selectors.briefing import Briefing, Section  # noqa: E402
from ..status import COLOURS, GREEN, GREY, LIGHT_COLOURS, LIGHT_ORDER, LIGHTS, RED, YELLOW, light_label, status_label  # noqa: E402

# Noto Sans CJK SC (Debian's fonts-noto-cjk, installed by scripts/ensure-system-packages.sh) for
# Chinese and Latin alike; DejaVu Sans (matplotlib's own) only if it is missing.
FONT_FAMILY = ["Noto Sans CJK SC", "DejaVu Sans"]
WIDTH_IN = 6.6  # inches: the text width of an A4 page with the briefing's margins
PNG_DPI = 200
FORMATS = ("svg", "png")


def _style(salt: str) -> dict:
    return {
        "font.family": FONT_FAMILY,
        "font.size": 8.5,
        "text.color": INK,
        "axes.edgecolor": "#c7ccd3",
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.unicode_minus": False,  # CJK fonts may lack U+2212
        "svg.fonttype": "none",  # text stays text: set in the PDF's embedded font, selectable
        "svg.hashsalt": salt,  # ids unique to each chart (several SVGs share one HTML page) and stable
    }


def _figure(rows: int, *, per_row: float = 0.34, extra: float = 0.9) -> Figure:
    return Figure(figsize=(WIDTH_IN, max(1.6, extra + per_row * rows)), dpi=100)


def status_by_area_figure(briefing: Briefing) -> Figure:
    """Return the status counts per task area: one bar per area, one segment per traffic light."""
    counts = briefing.overview["area_counts"]
    names = [_("Area %(number)s") % {"number": c.area.number} for c in counts]
    figure = _figure(len(counts), per_row=0.3, extra=1.0)
    axes = figure.add_subplot()
    left = [0] * len(counts)
    for light in LIGHT_ORDER:
        values = [next(x["count"] for x in c.lights if x["light"] == light) for c in counts]
        bars = axes.barh(names, values, left=left, color=LIGHT_COLOURS[light], edgecolor="white", height=0.6, label=light_label(light))
        for bar, value in zip(bars, values):
            if value:
                axes.text(
                    bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(value),
                    ha="center", va="center", fontsize=8, color=INK if light == YELLOW else "white",
                )
        left = [a + b for a, b in zip(left, values)]
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axes.set_xlabel(_("Indicators"))
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(counts) < 5 else -0.2), ncols=2, frameon=False, fontsize=7.5)
    return figure


def area_figure(section: Section) -> Figure | None:
    """Return the 序时进度 picture of one task area: each running target's completion (a bar in its
    status's colour) against the time elapsed (a grey mark), and each target past its deadline with
    the completion it reached by its deadline quarter (a hatched bar). None when there is none."""
    rows = section.chart_rows
    if not rows:
        return None
    figure = _figure(len(rows))
    axes = figure.add_subplot()
    labels = [r.item.indicator.code for r in rows]
    completion = [float(r.completion) for r in rows]
    drawn = [max(0.0, min(c, 150.0)) for c in completion]  # the label gives the exact value
    bars = axes.barh(labels, drawn, color=[COLOURS.get(r.status, ACTUAL_COLOUR) for r in rows], height=0.55)
    for bar, row in zip(bars, rows):
        if row.judged_at:
            bar.set_hatch("////")
            bar.set_edgecolor("white")
    running = [(float(r.time_elapsed), label) for r, label in zip(rows, labels) if r.time_elapsed is not None]
    if running:
        # A dark tick with a white edge: visible on every status colour.
        xs, ys = [x for x, _ in running], [y for _, y in running]
        axes.scatter(xs, ys, marker="|", s=420, linewidths=4.5, color="white", zorder=3)
        axes.scatter(xs, ys, marker="|", s=420, linewidths=2.2, color=INK, zorder=4)
    for y, (row, value, shown) in enumerate(zip(rows, completion, drawn)):
        text = f"{Decimal(str(value)).quantize(Decimal('0.1'))}%"
        if row.judged_at:
            text += " " + _("(at %(code)s)") % {"code": row.judged_at}
        axes.text(shown + 1.5, y, text, va="center", fontsize=7.5)
    axes.set_xlim(0, max(125.0, max(drawn + [x for x, _ in running]) + 30))
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(ticker.PercentFormatter(decimals=0))
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    statuses = {r.status: status_label(r.status) for r in rows}  # each status once, in the rows' order
    handles = [Patch(color=COLOURS[s], label=label) for s, label in statuses.items()]
    if running:
        handles.append(Line2D([], [], color=INK, marker="|", linestyle="none", markersize=10, markeredgewidth=2, label=_("Time elapsed")))
    if any(r.judged_at for r in rows):
        handles.append(Patch(facecolor=LIGHT_COLOURS[GREY], hatch="////", edgecolor="white", label=_("Judged at the deadline")))
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(rows) > 3 else -0.25), ncols=min(len(handles), 4), frameon=False, fontsize=7.5)
    return figure


def counties_figure(briefing: Briefing) -> Figure | None:
    """Return the counties in the ranking's order: their indicators by traffic light, and the
    share of their reports approved and submitted on time."""
    counties = briefing.counties
    if not counties:
        return None
    figure = _figure(len(counties), per_row=0.3, extra=1.2)
    left_axes, right_axes = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1.1], "wspace": 0.08})
    names = [f"{c.rank}. {c.unit.name}" for c in counties]
    left = [0] * len(counties)
    for light in (GREEN, YELLOW, RED):
        values = [c.light_count(tuple(s for s, lit in LIGHTS.items() if lit == light)) for c in counties]
        left_axes.barh(names, values, left=left, color=LIGHT_COLOURS[light], edgecolor="white", height=0.6, label=light_label(light))
        left = [a + b for a, b in zip(left, values)]
    left_axes.invert_yaxis()
    left_axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    left_axes.set_title(_("Indicators by light"), fontsize=8.5)
    approved = [c.line.completeness_pct or 0 for c in counties]
    on_time = [c.on_time_pct or 0 for c in counties]
    right_axes.barh(names, approved, color=ACTUAL_COLOUR, height=0.6, label=_("Reporting completeness"))
    right_axes.scatter(on_time, names, marker="D", s=18, color=LIGHT_COLOURS[GREY], edgecolors=INK, linewidths=0.5, zorder=3, label=_("Reported on time"))
    right_axes.set_xlim(0, 105)
    right_axes.xaxis.set_major_formatter(ticker.PercentFormatter(decimals=0))
    right_axes.set_title(_("Reports of the period"), fontsize=8.5)
    for axes in (left_axes, right_axes):
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=2 if axes is right_axes else 1, frameon=False, fontsize=7)
    right_axes.tick_params(axis="y", left=False)
    return figure


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # No dates in the files: the same data gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=PNG_DPI if fmt == "png" else 100, bbox_inches="tight", pad_inches=0.05, metadata=metadata)
    return buffer.getvalue()


def svg_data_uri(data: bytes) -> str:
    """Return an SVG file as a data: URI for an <img> of the HTML: WeasyPrint draws it as vectors
    (its text as text) without fetching anything, and each chart keeps its own ids and styles (the
    page's CSS cascade never walks the chart's thousand elements, a third of the build time when
    they were inline)."""
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def briefing_charts(briefing: Briefing, fmt: str) -> dict[str, bytes]:
    """Return the briefing's charts in `fmt` ("svg" or "png"), by key: "status", "area-<n>",
    "counties" (a key is missing when its chart has nothing to show)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    figures = {"status": lambda: status_by_area_figure(briefing), "counties": lambda: counties_figure(briefing)}
    for section in briefing.sections:
        if section.area is not None:
            figures[f"area-{section.area.number}"] = lambda s=section: area_figure(s)
    charts = {}
    for key, make in figures.items():
        with matplotlib.rc_context(_style(f"briefing-{key}")):
            figure = make()
            if figure is not None:
                charts[key] = _save(figure, fmt)
    return charts
