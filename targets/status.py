"""The statuses of progress in one place: their order, words, colours and traffic lights.

A status is a value of `ProgressSnapshot.Status` (the engine's statuses, PROGRESS-RULES.md); its
words are that model's labels, so the catalogues translate them once. Everything that shows a
status reads the rest here: the charts (`targets.charts`), the tables (`targets.tables_progress`),
the selectors and, through the `dashboards` template tags, the templates. The stylesheets keep
classes named after the statuses and lights (`st-<status>` in indicator_pages.css, `light-<light>`
in dashboards.css); tests/unit/test_status.py holds their colours to the values below.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy as _

from .models import ProgressSnapshot

Status = ProgressSnapshot.Status

# Best to worst, then nothing to judge: the order of legends and of the tables' status columns.
ORDER: tuple[str, ...] = (
    Status.ACHIEVED,
    Status.ACHIEVED_LATE,
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
    Status.ACHIEVED_LATE: "#00695c",
    Status.ON_TRACK: "#43a047",
    Status.AT_RISK: "#f2a900",
    Status.OFF_TRACK: "#d32f2f",
    Status.MISSED: "#7f1d1d",
    Status.NO_DATA: "#b0b7c0",
    Status.NO_TARGET: "#5b8fd6",
}

# Statuses that call for the leaders' attention, the worse first: running targets behind the
# time-elapsed line, then targets missed at their deadline (PROGRESS-RULES.md).
ATTENTION: tuple[str, ...] = (Status.OFF_TRACK, Status.AT_RISK, Status.MISSED)
# A row past its (last) target's deadline is a verdict, with no time elapsed, completion, gap or pace.
VERDICTS: tuple[str, ...] = (Status.ACHIEVED, Status.ACHIEVED_LATE, Status.MISSED)
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
    Status.ACHIEVED_LATE: GREEN,  # met, if after its deadline: nothing left for a leader to push
    Status.ON_TRACK: GREEN,
    Status.AT_RISK: YELLOW,
    Status.OFF_TRACK: RED,
    Status.MISSED: RED,
    Status.NO_DATA: GREY,
    Status.NO_TARGET: GREY,
}
# Each light in words (legends, totals) and as a column heading (the per-area table).
LIGHT_LABELS: dict[str, Promise] = {
    GREEN: _("Green: achieved (on time or late) or on track"),
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


# --- Gaps in words -------------------------------------------------------------------------------
# A bare signed gap ("−15.0") reads either way; every page, table and the briefing word it instead.

_TENTH = Decimal("0.1")


def gap_words(gap, mode: str = "reach") -> str:
    """Return a gap in words that cannot be read the wrong way round ("" for none).

    reach: gap = time elapsed − completion, so a positive gap is behind the time-elapsed line
    ("滞后 15.0 个百分点" / "15.0 percentage points behind"), a negative one ahead of it.
    maintain: gap = target − year-to-date ratio: positive below the target, negative above it.
    """
    if gap in (None, ""):
        return ""
    points = Decimal(gap).quantize(_TENTH, rounding=ROUND_HALF_UP)
    size = format(abs(points), "f")
    if mode == "maintain":
        if points > 0:
            return gettext("%(n)s percentage points below the target") % {"n": size}
        if points < 0:
            return gettext("%(n)s percentage points above the target") % {"n": size}
        return gettext("exactly at the target")
    if points > 0:
        return gettext("%(n)s percentage points behind the time elapsed") % {"n": size}
    if points < 0:
        return gettext("%(n)s percentage points ahead of the time elapsed") % {"n": size}
    return gettext("level with the time elapsed")
