"""A plotly figure as the page receives it: JSON with plotly's config, for static/js/charts.js."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Tools of plotly's mode bar that mean nothing on these charts (zoom, pan and download stay).
REMOVED_BUTTONS = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"]


@dataclass(frozen=True)
class Chart:
    """A figure to draw in the element `id`; `json` goes in the <script type="application/json">
    element `<id>-data` (templates/targets/_chart.html)."""

    id: str
    json: SafeString

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"


def plotly_locale() -> str:
    """Return plotly's locale for the page's language (static/js/plotly_zh_cn.js registers zh-CN)."""
    return "en" if (get_language() or "").startswith("en") else "zh-CN"


def plotly_config(chart_id: str, *, toolbar: bool = True) -> dict:
    """Return plotly's config: no link to plotly.com, the page's locale, and either a trimmed
    mode bar (its image download named after the chart) or none."""
    config = {"displaylogo": False, "responsive": True, "locale": plotly_locale()}
    if toolbar:
        config["modeBarButtonsToRemove"] = REMOVED_BUTTONS
        config["toImageButtonOptions"] = {"filename": chart_id, "scale": 2}
    else:
        config["displayModeBar"] = False
    return config


def figure_json(figure: go.Figure, config: dict) -> SafeString:
    """Return {"data", "layout", "config"} as JSON safe inside a <script type="application/json">
    element: "<", ">" and "&" are escaped, so no text of the figure can close the element."""
    payload = figure.to_dict()
    payload["config"] = config
    text = pio.to_json(payload, validate=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    # JSON with <, > and & escaped: nothing in it can close the <script> element.
    return mark_safe(text)  # nosec B308 B703


def chart(figure: go.Figure, *, chart_id: str, toolbar: bool = True) -> Chart:
    """Return `figure` ready to embed in the element `chart_id`."""
    return Chart(id=chart_id, json=figure_json(figure, plotly_config(chart_id, toolbar=toolbar)))
