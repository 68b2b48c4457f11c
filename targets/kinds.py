"""The kinds of indicator in one place: the values each takes, its inputs, Excel columns, chart and rule in words.

A kind is a value of `Indicator.Kind` (PROGRESS-RULES.md). How a kind's progress is computed lives
in the two engines (`progress.py`, the reference, and `progress_sql.py`); everything else that
depends on the kind reads its entry here instead of testing the kind:

- `figures.py` parses each value by its input type, asks for the required ones and runs the
  kind's named checks — the one door for values of the web form, the Excel upload and the API;
- `forms.py` draws a widget per input type, with the entry's help texts;
- `excel/` fills the columns the kind uses, the items sheet and the instruction line;
- the API takes and returns the kind's values;
- the templates show a version's figure in words, its values, the tiles and the rule in words
  (`{% load kinds %}`: `indicator|kind_of`, `{% rule_steps %}`), the indicator page's headings and
  help texts (`chart`), the unit of measure (`has_unit`) and the heatmap's cells (`scale`);
- the charts draw the kind as its `chart` says (targets/charts/), and the progress selectors read it
  too: the expected path and the axis (selectors/indicator_progress.py), which units are ranked by
  value (selectors/unit_comparison.py), the units' shares and the target-split warning (`adds_up`),
  the ratio's sums (`rule.sums`);
- the tables and the dashboards' filters write values by `scale` (tables_progress.py,
  templatetags/dashboards.py); `Indicator.is_numeric` is `has_value`; the API documentation lists
  each kind's values from here; the demo (actions/demo.py) has a generator per kind and stops on a kind without.

Adding a kind: one `IndicatorKind` entry in KINDS below (and the value in `Indicator.Kind`), plus
its rule in the two engines (and its demo figures in actions/demo.py). A new kind of value (a new field) also needs a column on
SubmissionVersion, an input type below, its parser in figures.py and its widget in forms.py.

This module holds data and small pure functions only: it imports no models, so the plan file's
schema can read the kinds before Django is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .numbers import decimal_text

# --- Values: how each is typed ---------------------------------------------------------------------
# An input type is the value's parser in figures.py, its widget in forms.py and its JSON form in the API.
COUNT = "count"  # a whole number ≥ 0
ITEMS = "items"  # the items counted: [{name, number}] or lines “name | certificate no.” (their own Excel sheet)
YES_NO = "yes_no"  # done or not
DATE = "date"  # YYYY-MM-DD
TEXT = "text"  # free text (at most figures.MAX_TEXT characters)
SELF_STATUS = "self_status"  # on track, at risk or off track (SubmissionVersion.SelfStatus)
PERCENT = "percent"  # not entered: 100 · numerator / denominator, shown beside a ratio's values

# Values every kind takes, after its own.
COMMON_FIELDS = ("note", "explanation")
COMMON_INPUTS = {"note": TEXT, "explanation": TEXT}

# How a kind's (and the city's) value is expressed.
SCALE_COUNT = "count"  # in the indicator's unit of measure
SCALE_PERCENT = "percent"  # 0–100
SCALE_SHARE = "share"  # 0–1, the share of the reporting units done, shown as a percentage
SCALE_NONE = ""  # no value: a self-assessed status only

# Target modes (Target.Mode values).
REACH, MAINTAIN = "reach", "maintain"


def _enter(what: Promise) -> Promise:
    """Return “Enter <what>.” in the active language, lazily."""
    return lazy(lambda: gettext("Enter %s.") % what, str)()


@dataclass(frozen=True)
class ValueField:
    """A value a kind takes: a SubmissionVersion field, how it is typed and whether a submission needs it."""

    name: str
    input: str  # COUNT, ITEMS, YES_NO, DATE, TEXT or SELF_STATUS
    required: bool = False  # a submission needs it (a draft never needs anything)
    required_when: str = ""  # …or needs it when this other value is true (the date a milestone was done)
    missing: Promise | None = None  # the message when a submission lacks it
    help_text: Promise | str = ""  # under the form's input

    @property
    def excel_column(self) -> bool:
        """Say whether it has a column on the Excel data sheet (items have a sheet of their own)."""
        return self.input != ITEMS


@dataclass(frozen=True)
class Chart:
    """How the charts draw a kind: data the chart code reads, never a test of the kind.

    trend: the per-quarter chart of the city — "reach" (the actual line against each reach target
    by its deadline), "per_year" (a year-to-date line per year, restarting each January, against
    each year's maintain target and its at-risk threshold) or "" (no chart: a status table).
    line_shape: plotly's `line.shape` of the actual line — "linear", or "hv", a step, for a
    milestone (done at once). axis: the value axis — SCALE_COUNT (the unit of measure), SCALE_PERCENT
    (0–100) or SCALE_SHARE (0–1, drawn with `tickformat` and `axis_range`). axis_title: the axis
    title; None means the indicator's unit of measure. hover_format: the d3 format of a hovered value.
    expected_path: the straight path from the baseline to each target (序时进度) is drawn.
    extends_to_deadline: the x axis runs on to the active target's deadline. projection: where the
    recent pace leads by the deadline is drawn. units: the units' chart at a period — "bars"
    (counts), "dots" (percentages) or "" (a table only). reference_lines: that chart marks the
    city's value and its target. heading, help, units_help: the texts around the charts.
    """

    trend: str
    axis: str
    heading: Promise
    help: Promise | None
    units_help: Promise
    line_shape: str = "linear"
    axis_title: Promise | str | None = None
    tickformat: str = ""
    axis_range: tuple[float, float] | None = None
    hover_format: str = ",.2f"
    expected_path: bool = False
    extends_to_deadline: bool = False
    projection: bool = False
    units: str = ""
    reference_lines: bool = False


@dataclass(frozen=True)
class Rule:
    """The kind's own steps of “How this is computed” (the rest depends on the target's mode).

    The texts are HTML with %(name)s placeholders, formatted by the `rule_steps` template tag with
    the page's numbers: p (the period), q, qd (q of the deadline quarter D), r (quarters left),
    B, A, T, tau, c, g (as on the page), status, on, risk (the plan's gaps), year (the period's),
    k (units done), n (the units behind A, as `n` says), share (A as a percentage of units done),
    unit, since (A − B), num, den (a ratio's sums).
    """

    actual: Promise | None = None  # how A is computed
    no_value: Promise | None = None  # when no unit has an approved figure yet
    completion: Promise | None = None  # c
    achieved: Promise | None = None  # the status once achieved
    running: Promise | None = None  # the status while the target runs (the 序时进度 gap rule, or the milestone's)
    steps: tuple[tuple[str, Promise], ...] = ()  # a kind without a value: its whole rule, (data-rule, text)
    n: str = "reporting"  # the units behind A: "reporting" (the indicator's), "summed" (those a ratio sums)
    # The Σ numerator / Σ denominator behind A that the page shows (num, den): "year" (every approved
    # figure of the period's year up to it), "latest" (each unit's latest approved figure up to it), "" (none).
    sums: str = ""


@dataclass(frozen=True)
class IndicatorKind:
    """One kind of indicator: everything but its progress rule (which lives in the two engines)."""

    value: str  # the Indicator.Kind value
    fields: tuple[ValueField, ...]  # its own values, in the order the form, figures and the API list them
    scale: str  # how its value is expressed (SCALE_*)
    numeric_target: bool  # its targets are numbers (a milestone's is “completed”, a narrative has none)
    target_modes: tuple[str, ...]  # the target modes the plan file may give it (none: no targets)
    time_elapsed: bool  # time elapsed and the gap of the 序时进度 rule are shown
    shown: tuple[str, ...]  # a version's values on its page, in order ("ratio_pct": the percentage)
    figure: Callable[[Any], str]  # a version's figure in words (“+2 this quarter”), "—" when it has none
    summary: Callable[[Any], str]  # any version, a draft too, in a few words for a table cell
    excel_help: Promise  # its line in the Excel template's instructions (%(items)s, %(yes)s, %(no)s)
    chart: Chart
    rule: Rule
    checks: tuple[str, ...] = ()  # figures.CHECKS run on its values (rules across values)
    unusual: tuple[str, ...] = ()  # figures.UNUSUAL: what makes its figures need an explanation
    compare: str = ""  # the version's attribute compared with the previous quarter's ("" for none; a PERCENT in pp)
    # The units' values add up to the city's progress since the baseline: the pages show each unit's
    # share of it, and units' own targets must add up to the city's (a warning when they do not).
    adds_up: bool = False
    actual_label: Promise = _("Actual")  # the city value's tile
    gap_label: Promise = _("Gap (time − completion)")  # the gap's tile
    # What the units comparison ranks its units by (ranked_by_value kinds only).
    ranked_by: Promise = _("units ranked by their ratio")
    # The time one report covers unless the plan file says (Indicator.Covers), and that in a sentence
    # for the form and the Excel template; `year_to_date`: its rate sums the year's quarters (the form
    # shows the year's rate with the quarter being typed).
    covers: str = "quarter"
    covers_help: Promise = _("This quarter's progress.")
    year_to_date: bool = False

    @property
    def value_names(self) -> tuple[str, ...]:
        """Return every value it takes: its own, then note and explanation (figures.fields_for)."""
        return tuple(f.name for f in self.fields) + COMMON_FIELDS

    @property
    def required(self) -> tuple[str, ...]:
        """Return the values a submission always needs."""
        return tuple(f.name for f in self.fields if f.required)

    @property
    def excel_columns(self) -> frozenset[str]:
        """Return the Excel data sheet's value columns it uses (the others stay grey and empty)."""
        return frozenset(f.name for f in self.fields if f.excel_column) | frozenset(COMMON_FIELDS)

    @property
    def items_sheet(self) -> bool:
        """Say whether its items are listed on the Excel template's items sheet."""
        return any(f.input == ITEMS for f in self.fields)

    @property
    def has_value(self) -> bool:
        """Say whether the city has a value (a number) of this kind, not only a status."""
        return self.scale != SCALE_NONE

    @property
    def has_unit(self) -> bool:
        """Say whether its values are in the indicator's unit of measure (counts and ratios)."""
        return self.scale in (SCALE_COUNT, SCALE_PERCENT)

    @property
    def has_targets(self) -> bool:
        """Say whether the plan file may give it targets."""
        return bool(self.target_modes)

    def field(self, name: str) -> ValueField | None:
        """Return its value `name` (None when it does not take it)."""
        return next((f for f in self.fields if f.name == name), None)


# --- A version in words ------------------------------------------------------------------------------


def _number(value) -> str:
    return "—" if value is None else decimal_text(value)


def _ratio_text(version) -> str:
    return f"{_number(version.numerator)} / {_number(version.denominator)}"


def _count_figure(version) -> str:
    return gettext("+%s this quarter") % _number(version.increment) if version.increment is not None else "—"


def _count_summary(version) -> str:
    if version.increment is None:
        return "—"
    listed = len(version.items or [])
    if not listed:
        # Figures without a list of items (the demo's, or a zero) are not an error: say the number only.
        return gettext("+%s this quarter") % _number(version.increment)
    return gettext("+%(increment)s (%(listed)s)") % {
        "increment": _number(version.increment),
        "listed": ngettext("%d item listed", "%d items listed", listed) % listed,
    }


def _ratio_figure(version) -> str:
    pct = version.ratio_pct
    return "—" if pct is None else f"{_ratio_text(version)} = {pct:.1f}%"


def _ratio_summary(version) -> str:
    pct = version.ratio_pct
    return f"{_ratio_text(version)} = {pct:.1f}%" if pct is not None else _ratio_text(version)


def _milestone_figure(version) -> str:
    if version.done and version.completed_on:
        return gettext("done on %s") % version.completed_on.isoformat()
    if version.done is False:
        return gettext("not done yet")
    return "—"


def _milestone_summary(version) -> str:
    if version.done is None:
        return "—"
    if version.done:
        return gettext("done on %s") % version.completed_on.isoformat() if version.completed_on else gettext("done")
    return gettext("not done yet")


def _status_figure(version) -> str:
    return version.get_self_status_display() or "—"


def _status_summary(version) -> str:
    text = Truncator(version.narrative).chars(40) if version.narrative else ""
    return " · ".join(part for part in (version.get_self_status_display(), text) if part) or "—"


# --- The kinds ---------------------------------------------------------------------------------------

_REACH_HELP = _(
    "The city's actual value, the straight path from the baseline to each target by its deadline (序时进度), "
    "the targets, and — while a target is running — where the recent pace leads by the deadline."
)
_NO_VALUE = _("No unit has an approved figure up to %(p)s yet, so there is no value: <strong>%(status)s</strong>.")
_COMPLETION = _(
    "Completion c = 100 · (A − B) / (T − B) = 100 · (%(A)s − %(B)s) / (%(T)s − %(B)s) = <strong>%(c)s%%</strong>."
)
_ACHIEVED = _(
    "A has reached T at or before %(p)s (A = %(A)s, T = %(T)s): <strong>%(status)s</strong>. "
    "Once achieved, a target stays achieved."
)
_GAP_RULE = _(
    "Gap g = τ − c = %(tau)s − %(c)s = %(g)s percentage points → <strong>%(status)s</strong> (on track if "
    "g ≤ %(on)s; at risk if %(on)s < g ≤ %(risk)s; off track if g > %(risk)s: the 序时进度 rule)."
)
_RATIO_FIELDS = (
    ValueField("numerator", COUNT, required=True, missing=_enter(_("the numerator"))),
    ValueField("denominator", COUNT, required=True, missing=_enter(_("the denominator"))),
)
_RATIO_RULES = dict(checks=("ratio_bounds",), unusual=("denominator_shift",), compare="ratio_pct")

KINDS: dict[str, IndicatorKind] = {
    kind.value: kind
    for kind in (
        IndicatorKind(
            value="cumulative",
            covers_help=_("This quarter's increment only; the running total is computed by the portal."),
            ranked_by=_("units ranked by the total of their approved increments"),
            fields=(
                ValueField(
                    "increment", COUNT, required=True, missing=_("Enter the quarter's increment."),
                    help_text=_("The number added this quarter (a whole number)."),
                ),
                # Not required as such: a submission lists as many items as the increment (0 for 0).
                ValueField("items", ITEMS, help_text=_("One item per line: name | certificate number.")),
            ),
            checks=("items_match_increment",),
            unusual=("increment_jump",),
            compare="increment",
            scale=SCALE_COUNT,
            adds_up=True,
            numeric_target=True,
            target_modes=(REACH,),
            time_elapsed=True,
            shown=("increment", "items"),
            figure=_count_figure,
            summary=_count_summary,
            excel_help=_(
                "Cumulative count: the quarter's increment (a whole number, 0 or more), and on the sheet "
                "“%(items)s” one line per item counted (code, item name, certificate no.): as many lines as the increment."
            ),
            chart=Chart(
                trend="reach", axis=SCALE_COUNT, expected_path=True, extends_to_deadline=True, projection=True,
                units="bars", heading=_("Trend per quarter"), help=_REACH_HELP,
                units_help=_(
                    "Each unit's approved increments added up to this period, and its share of the city's progress "
                    "since the baseline (the units' values add up to the city's value less the baseline)."
                ),
            ),
            rule=Rule(
                actual=_(
                    "Actual A = the baseline B plus every unit's approved quarterly increments up to %(p)s: "
                    "A = %(B)s + %(since)s = <strong>%(A)s</strong> %(unit)s."
                ),
                no_value=_NO_VALUE, completion=_COMPLETION, achieved=_ACHIEVED, running=_GAP_RULE,
            ),
        ),
        IndicatorKind(
            value="ratio_ytd",
            year_to_date=True,
            covers_help=_(
                "This quarter's counts only; the year-to-date rate is computed: the portal adds up the "
                "numerators and denominators of the year's quarters."
            ),
            fields=(
                ValueField(
                    "numerator", COUNT, required=True, missing=_enter(_("the numerator")),
                    help_text=_("Figures of this quarter."),
                ),
                _RATIO_FIELDS[1],
            ),
            **_RATIO_RULES,
            scale=SCALE_PERCENT,
            numeric_target=True,
            target_modes=(MAINTAIN,),
            time_elapsed=True,
            shown=("numerator", "denominator", "ratio_pct"),
            figure=_ratio_figure,
            summary=_ratio_summary,
            actual_label=_("Actual (year to date)"),
            gap_label=_("Target minus actual"),
            excel_help=_(
                "Ratio, year to date: the quarter's numerator and denominator (whole numbers, numerator not above "
                "the denominator, denominator above 0)."
            ),
            chart=Chart(
                trend="per_year", axis=SCALE_PERCENT, axis_title="%", units="dots", reference_lines=True,
                heading=_("Year-to-date ratio per quarter"),
                help=_(
                    "The city's ratio from January up to each quarter (it starts again each year), against each "
                    "year's target; the dotted line is where “at risk” begins."
                ),
                units_help=_(
                    "Each unit's own year-to-date ratio. The city's ratio is computed from the units' summed "
                    "numerators and denominators, not as an average of these percentages."
                ),
            ),
            rule=Rule(
                actual=_(
                    "Actual A = 100 · Σ numerators / Σ denominators of all approved figures of %(year)s up to %(p)s "
                    "(%(n)s units): A = 100 · %(num)s / %(den)s = <strong>%(A)s%%</strong>. It is never an average of "
                    "the units' percentages."
                ),
                no_value=_(
                    "No unit has an approved figure for %(year)s up to %(p)s yet, so there is no value: "
                    "<strong>%(status)s</strong>."
                ),
                completion=_COMPLETION, achieved=_ACHIEVED, running=_GAP_RULE, n="summed", sums="year",
            ),
        ),
        IndicatorKind(
            value="ratio_latest",
            covers="latest",
            covers_help=_("The state at the end of this quarter (not the change since the last quarter)."),
            fields=(
                ValueField(
                    "numerator", COUNT, required=True, missing=_enter(_("the numerator")),
                    help_text=_("The state at the end of the quarter."),
                ),
                _RATIO_FIELDS[1],
            ),
            **_RATIO_RULES,
            scale=SCALE_PERCENT,
            numeric_target=True,
            target_modes=(REACH,),
            time_elapsed=True,
            shown=("numerator", "denominator", "ratio_pct"),
            figure=_ratio_figure,
            summary=_ratio_summary,
            excel_help=_(
                "Ratio, latest state: the numerator and denominator as they stand at the end of the quarter (whole "
                "numbers, numerator not above the denominator, denominator above 0)."
            ),
            chart=Chart(
                trend="reach", axis=SCALE_PERCENT, axis_title="%", expected_path=True, extends_to_deadline=True,
                units="dots", reference_lines=True, heading=_("Trend per quarter"), help=_REACH_HELP,
                units_help=_(
                    "Each unit's ratio in its latest approved report. The city's ratio is computed from the summed "
                    "numerators and denominators."
                ),
            ),
            rule=Rule(
                actual=_(
                    "Actual A = 100 · Σ numerators / Σ denominators, taking each unit's latest approved report up to "
                    "%(p)s (%(n)s units): A = 100 · %(num)s / %(den)s = <strong>%(A)s%%</strong>. It is never an "
                    "average of the units' percentages."
                ),
                no_value=_NO_VALUE, completion=_COMPLETION, achieved=_ACHIEVED, running=_GAP_RULE, n="summed",
                sums="latest",
            ),
        ),
        IndicatorKind(
            value="milestone",
            covers="latest",
            covers_help=_("Whether it is done at the end of this quarter, and when it was done."),
            fields=(
                ValueField("done", YES_NO, required=True, missing=_("Say whether it is done.")),
                ValueField(
                    "completed_on", DATE, required_when="done", missing=_("Enter the completion date."),
                    help_text=_("A day within the quarter, not in the future."),
                ),
            ),
            checks=("completion_date",),
            scale=SCALE_SHARE,
            numeric_target=False,
            target_modes=(REACH,),
            time_elapsed=False,
            shown=("done", "completed_on"),
            figure=_milestone_figure,
            summary=_milestone_summary,
            excel_help=_(
                "Milestone: done (%(yes)s / %(no)s) and, when done, the completion date (YYYY-MM-DD, within the quarter)."
            ),
            chart=Chart(
                trend="reach", axis=SCALE_SHARE, axis_title=_("share of units done"), line_shape="hv",
                tickformat=".0%", axis_range=(-0.05, 1.1), hover_format=".0%", extends_to_deadline=True,
                heading=_("Share of units done per quarter"),
                help=_(
                    "The share of the reporting units that have completed the milestone, against the target "
                    "(all done by the deadline)."
                ),
                units_help=_("Whether each unit has completed the milestone."),
            ),
            rule=Rule(
                actual=_(
                    "Actual A = the share of the reporting units that have completed the milestone by %(p)s: "
                    "%(k)s of %(n)s = <strong>%(share)s%%</strong>."
                ),
                no_value=_NO_VALUE,
                completion=_("Completion c = 100 · A / T = 100 · %(share)s%% / 100%% = <strong>%(c)s%%</strong>."),
                achieved=_("Every reporting unit is done: <strong>%(status)s</strong>. Once achieved, a target stays achieved."),
                running=_(
                    "Not done yet, deadline not reached: at risk when the deadline is less than 4 quarters away, "
                    "otherwise on track. q(D) − q(p) = %(qd)s − %(q)s = %(r)s → <strong>%(status)s</strong>."
                ),
            ),
        ),
        IndicatorKind(
            value="narrative",
            fields=(
                ValueField("narrative", TEXT, required=True, missing=_("Describe the quarter's progress.")),
                ValueField("self_status", SELF_STATUS, required=True, missing=_("Choose on track, at risk or off track.")),
            ),
            scale=SCALE_NONE,
            numeric_target=False,
            target_modes=(),
            time_elapsed=False,
            shown=("self_status", "narrative"),
            figure=_status_figure,
            summary=_status_summary,
            excel_help=_("Narrative: describe the quarter's progress and choose the self-assessed status."),
            chart=Chart(
                trend="", axis=SCALE_NONE, heading=_("Status per quarter"), help=None,
                units_help=_("Each unit's self-assessed status in its latest approved report."),
            ),
            rule=Rule(
                steps=(
                    ("", _(
                        "This indicator has no number. Each reporting unit reports what it did and assesses its own "
                        "status: on track, at risk or off track."
                    )),
                    ("status", _(
                        "The city's status is its lead unit's latest approved self-assessment up to %(p)s; before the "
                        "lead unit has reported, the one most units gave (a tie counts as the worse). The units' count "
                        "per status is shown beside it: <strong>%(status)s</strong>."
                    )),
                ),
            ),
        ),
    )
}

# --- The rule's steps common to the kinds, by the target's mode ---------------------------------------
# (the same placeholders as Rule's, and label: the target in words, start: the plan's first day,
# margin: the maintain at-risk margin, req, recent, proj: the paces and the projection; in the
# maintain target's step year is the target's, in the recent pace's n is the quarters averaged).

RULE_NO_TARGET = _("No target applies at %(p)s: <strong>%(status)s</strong>.")
RULE_MAINTAIN_TARGET = _("Target in force: %(label)s (the target for %(year)s).")
RULE_MAINTAIN_Q4 = _(
    "In a year's fourth quarter the year is judged: achieved if A meets T, missed if not. "
    "A = %(A)s%%, T = %(T)s%% → <strong>%(status)s</strong>."
)
RULE_MAINTAIN_BEFORE_Q4 = _(
    "Before the fourth quarter: on track if A meets T; at risk if T − A ≤ %(margin)s percentage points; "
    "otherwise off track. T − A = %(T)s − %(A)s = %(g)s pp → <strong>%(status)s</strong>."
)
RULE_REACH_TARGET = _(
    "Target in force: %(label)s — the one with the earliest deadline at or after %(p)s. Quarters are counted "
    "from the plan start (%(start)s): q(%(p)s) = %(q)s, and the deadline quarter D has q(D) = %(qd)s."
)
RULE_REACH_TARGET_PAST = _(
    "Target in force: %(label)s — every deadline is before %(p)s, so the last target still applies. Quarters "
    "are counted from the plan start (%(start)s): q(%(p)s) = %(q)s, and the deadline quarter D has q(D) = %(qd)s."
)
RULE_TIME_ELAPSED = _("Time elapsed τ = 100 · q(p) / q(D) = 100 · %(q)s / %(qd)s = <strong>%(tau)s%%</strong>.")
RULE_MISSED = _(
    "The deadline quarter has come (q(p) = %(q)s ≥ q(D) = %(qd)s) and A = %(A)s has not reached T = %(T)s: "
    "<strong>%(status)s</strong>."
)
RULE_VERDICT = _(
    "The deadline has passed (q(p) = %(q)s > q(D) = %(qd)s): the result is a verdict — achieved if A reached T "
    "by the deadline quarter, achieved late if only afterwards, else missed. There is no time elapsed, gap or "
    "pace beyond a deadline."
)
RULE_ACHIEVED_LATE = _(
    "A did not reach T by the deadline quarter but has reached it since (A = %(A)s, T = %(T)s): "
    "<strong>%(status)s</strong>."
)
RULE_MISSED_VERDICT = _("A did not reach T by the deadline quarter, nor since (A = %(A)s, T = %(T)s): <strong>%(status)s</strong>.")
RULE_REMAINING = _("Quarters remaining r = q(D) − q(p) = %(qd)s − %(q)s = %(r)s.")
RULE_REQUIRED_PACE = _("Required pace = (T − A) / r = (%(T)s − %(A)s) / %(r)s = <strong>%(req)s</strong> per quarter.")
RULE_RECENT_PACE = _("Recent pace = the city's mean increment over the last %(n)s quarters = %(recent)s per quarter.")
RULE_PROJECTED = _(
    "Projected at the deadline = A + recent pace · r = %(A)s + %(recent)s · %(r)s = <strong>%(proj)s</strong>."
)

# Every value field's input type, whatever the kind (the API's values, history tables), and of
# what a version's page shows (`IndicatorKind.shown`).
INPUTS: dict[str, str] = {f.name: f.input for kind in KINDS.values() for f in kind.fields} | COMMON_INPUTS
SHOWN_INPUTS: dict[str, str] = INPUTS | {"ratio_pct": PERCENT}


def kind_of(indicator_or_kind: Any) -> IndicatorKind:
    """Return the entry of an indicator's kind (an Indicator, or its kind's value)."""
    return KINDS[getattr(indicator_or_kind, "kind", indicator_or_kind)]


# --- What one report covers, in words (the reporting form, the Excel template's instructions) ----

def covers_instruction(indicator) -> str:
    """Return the sentence that says what time one report's figures cover and what the portal
    computes from them: the plan file's `figures_cover` where it departs from its kind's."""
    if indicator.covers == "year_to_date" and kind_of(indicator).covers != "year_to_date":
        return str(_("Enter the figures of the year to date: from 1 January to the end of this quarter."))
    return str(kind_of(indicator).covers_help)
