"""The statuses of progress in one place: their order, words, colours and traffic lights.

A status is a value of `ProgressSnapshot.Status` (the engine's statuses, PROGRESS-RULES.md); its
words are that model's labels, so the catalogues translate them once. Everything that shows a
status reads the rest here: the charts (`targets.charts`), the tables (`targets.tables_progress`),
the selectors and, through the `dashboards` template tags, the templates. The stylesheets keep
classes named after the statuses and lights (`st-<status>` in indicator_pages.css, `light-<light>`
in dashboards.css); tests/unit/test_status.py holds their colours to the values below.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ProgressSnapshot

Status = ProgressSnapshot.Status

# Best to worst, then nothing to judge: the order of legends and of the tables' status columns.
ORDER: tuple[str, ...] = (
    Status.ACHIEVED,
    Status.ON_TRACK,
    Status.AT_RISK,
    Status.OFF_TRACK,
    Status.MISSED,
    Status.NO_TARGET,
    Status.NO_DATA,
)
LABELS: dict[str, Promise] = dict(Status.choices)

# Each status's colour, green to red (chart markers and bars; --st-<status> in indicator_pages.css).
COLOURS: dict[str, str] = {
    Status.ACHIEVED: "#1b5e20",
    Status.ON_TRACK: "#43a047",
    Status.AT_RISK: "#f2a900",
    Status.OFF_TRACK: "#d32f2f",
    Status.MISSED: "#7f1d1d",
    Status.NO_DATA: "#b0b7c0",
    Status.NO_TARGET: "#5b8fd6",
}

# Statuses that call for the leaders' attention, the worse first.
ATTENTION: tuple[str, ...] = (Status.OFF_TRACK, Status.AT_RISK)
# A narrative's statuses (self-assessed) as the overview lists its units' counts: the worst first.
NARRATIVE_ORDER: tuple[str, ...] = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.NO_DATA)


def status_label(status: str | None) -> str:
    """Return a status in words ("" for none; an unknown value as it is)."""
    if not status:
        return ""
    return str(LABELS.get(status, status))


# --- Traffic lights ------------------------------------------------------------------------------
# Green = achieved or on track, yellow = at risk, red = off track or missed, grey = nothing to judge
# (no data, no target): the overview, the task areas and the measures count indicators by light.

GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
LIGHT_ORDER: tuple[str, ...] = (GREEN, YELLOW, RED, GREY)
LIGHTS: dict[str, str] = {
    Status.ACHIEVED: GREEN,
    Status.ON_TRACK: GREEN,
    Status.AT_RISK: YELLOW,
    Status.OFF_TRACK: RED,
    Status.MISSED: RED,
    Status.NO_DATA: GREY,
    Status.NO_TARGET: GREY,
}
# Each light in words (legends, totals) and as a column heading (the per-area table).
LIGHT_LABELS: dict[str, Promise] = {
    GREEN: _("Green: achieved or on track"),
    YELLOW: _("Yellow: at risk"),
    RED: _("Red: off track or missed"),
    GREY: _("Grey: no data"),
}
LIGHT_HEADINGS: dict[str, Promise] = {
    GREEN: _("Achieved / on track"),
    YELLOW: _("At risk"),
    RED: _("Off track / missed"),
    GREY: _("No data"),
}
# Each light's colour (the overview's chart; --light-<light> in dashboards.css).
LIGHT_COLOURS: dict[str, str] = {GREEN: "#2e7d32", YELLOW: "#e0a100", RED: "#b3261e", GREY: "#9aa0a6"}

# The statuses that count as good (green): the units comparison ranks by them.
GOOD: tuple[str, ...] = tuple(s for s in ORDER if LIGHTS[s] == GREEN)


def status_light(status: str | None) -> str:
    """Return the traffic light of a status (grey for none, e.g. a narrative without a self-assessment)."""
    return LIGHTS.get(status or Status.NO_DATA, GREY)


def light_label(name: str) -> str:
    """Return a light in words: "Green: achieved or on track"."""
    return str(LIGHT_LABELS[name])
