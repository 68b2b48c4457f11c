"""What every chart shares: the one font stack, the colours that are not a status's, the layout.

Status and traffic-light colours are targets.status's."""

from __future__ import annotations

import plotly.graph_objects as go
from ..kinds import kind_of
from ..models import Indicator
from ..status import LIGHT_COLOURS, RED

# The portal's font stack (static/css/portal.css --font): CJK families first for Chinese.
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif"
INK = "#1f2329"  # text, as the pages' --ink
WHITE = "#fff"  # backgrounds, marker outlines, text on dark bars
GRID = "#e8ebef"
GRID_FAINT = "#f0f2f5"
ACTUAL_COLOUR = "#1f5fa8"  # the actual values, as the pages' links (--blue)
EXPECTED_COLOUR = "#7a828c"  # the expected path (序时进度), dashed
TARGET_COLOUR = LIGHT_COLOURS[RED]  # targets are drawn in the red of the traffic lights


def base_layout(fig: go.Figure, *, height: int, y_title: str, x_title: str = "", **extra) -> None:
    """Apply the layout of the indicator and unit charts: white, the portal's font, legend below."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 40},
        font={"family": FONT, "size": 13, "color": INK},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 12}},
        hoverlabel={"font": {"family": FONT}},
        yaxis={"title": {"text": y_title}, "zeroline": False, "gridcolor": GRID},
        xaxis={"title": {"text": x_title}, "type": "category", "gridcolor": GRID_FAINT, "tickangle": -45},
        **extra,
    )


def value_title(indicator: Indicator) -> str:
    """Return the value axis title: the kind's chart's (e.g. % for ratios), else the unit of measure."""
    title = kind_of(indicator).chart.axis_title
    return indicator.unit_of_measure if title is None else str(title)
