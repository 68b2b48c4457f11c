"""Reads of the quarterly briefing (季度通报): every number it prints, for one period.

Nothing here computes progress anew: the city's statuses, the headline counts, the final results at
the deadlines and the attention list are the overview's (`dashboard_overview`), the task areas'
tables are the area pages' (`dashboard_area`), the counties' ranking is the units comparison's
(`comparison`), reporting timeliness is the completeness matrix's (`completeness_matrix`). So every
number of the PDF and the Word file equals the dashboards' and GET /api/v1/progress/'s for the
period; the documents only round for display (targets.exports.briefing_text).

A fixed number of queries whatever the number of units and figures: the build is timed by
tests/integration/test_briefing.py and bench/exports.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from ..models import Area, Indicator, Period, Plan, ProgressSnapshot, Target, Unit
from ..status import ORDER
from .completeness import CellState, CompletenessMatrix, UnitRow, completeness_matrix
from .dashboards import IndicatorStatusRow, StatusCounts, dashboard_area, dashboard_meta, dashboard_overview
from .progress import computed_periods
from .unit_comparison import UnitLine, comparison

Status = ProgressSnapshot.Status
# Statuses that judge an indicator, best first: a move between two of them is an improvement or a
# setback; a move to or from "no data" or "no target" is a change of another kind.
JUDGED: tuple[str, ...] = tuple(s for s in ORDER if s not in (Status.NO_DATA, Status.NO_TARGET))
# How many counties the red and black lists (红黑榜) name at each end.
NAMED = 3


# --- What the briefing holds ---------------------------------------------------------------------


@dataclass
class Section:
    """The indicators of one task area (or, with no area, of the overall goals and safeguards)."""

    area: Area | None
    items: list[IndicatorStatusRow]
    counts: StatusCounts

    @property
    def chart_rows(self) -> list[ChartRow]:
        """Return what the section's chart draws: each reach target's completion — against the time
        elapsed while it runs, or as judged at its deadline quarter once that has passed."""
        rows = []
        for item in self.items:
            if not item.is_reach:
                continue
            if item.deadline_passed:
                final = item.final.row if item.final else None
                if final is not None and final.completion_pct is not None:
                    rows.append(ChartRow(item=item, completion=final.completion_pct, time_elapsed=None,
                                         status=final.status, judged_at=final.period.code))
            elif item.row.completion_pct is not None and item.row.time_elapsed_pct is not None:
                rows.append(ChartRow(item=item, completion=item.row.completion_pct,
                                     time_elapsed=item.row.time_elapsed_pct, status=item.status))
        return rows


@dataclass
class ChartRow:
    """One bar of a task area's chart: a target's completion, in its status's colour."""

    item: IndicatorStatusRow
    completion: Decimal
    time_elapsed: Decimal | None  # None: judged at its deadline quarter (`judged_at`)
    status: str
    judged_at: str | None = None


@dataclass
class StatusChange:
    """An indicator whose city status differs from the previous quarter's."""

    item: IndicatorStatusRow
    before: str

    @property
    def direction(self) -> str:
        """Return "improved", "worsened" or "changed" (to or from a status that judges nothing)."""
        after = self.item.status
        if self.before in JUDGED and after in JUDGED:
            return "improved" if JUDGED.index(after) < JUDGED.index(self.before) else "worsened"
        return "changed"


@dataclass
class CountyLine:
    """A county in the ranking: its line of the units comparison and its reporting of the period."""

    line: UnitLine
    reporting: UnitRow | None
    on_time: int = 0  # assigned reports first submitted by the due date

    @property
    def unit(self) -> Unit:
        return self.line.unit

    @property
    def rank(self) -> int | None:
        return self.line.rank

    def light_count(self, statuses: tuple[str, ...]) -> int:
        return sum(self.line.count(s) for s in statuses)

    @property
    def assigned(self) -> int:
        return self.reporting.assigned if self.reporting else self.line.assigned

    @property
    def on_time_pct(self) -> int | None:
        # Rounded down, as every completeness percentage of the portal.
        return (100 * self.on_time) // self.assigned if self.assigned else None

    @property
    def late(self) -> int:
        return self.reporting.late if self.reporting else 0


@dataclass
class ReportingIssue:
    """A unit with reports that are late (nothing submitted by the due date), returned for
    correction, or first submitted after the due date, at the period."""

    unit: Unit
    late: list[Indicator] = field(default_factory=list)
    returned: list[Indicator] = field(default_factory=list)
    submitted_late: list[Indicator] = field(default_factory=list)


@dataclass
class Assumption:
    """A note of the plan file (`assumption:`) and the parts of the plan it is written on."""

    text: str
    subjects: list[str] = field(default_factory=list)


@dataclass
class Briefing:
    plan: Plan
    period: Period
    previous: Period | None
    today: dt.date
    computed_at: dt.datetime | None
    latest_approval: dt.datetime | None
    is_demo: bool
    overview: dict  # dashboard_overview's: totals, area_counts, final_results, attention, headline
    sections: list[Section]
    changes: list[StatusChange]
    counties: list[CountyLine]  # best first, as the units comparison ranks them
    reporting: CompletenessMatrix
    issues: list[ReportingIssue]
    assumptions: list[Assumption]

    @property
    def totals(self) -> StatusCounts:
        return self.overview["totals"]

    @property
    def indicator_count(self) -> int:
        return self.overview["indicator_count"]

    @property
    def final_results(self) -> list[dict]:
        return self.overview["final_results"]

    @property
    def attention(self) -> list[IndicatorStatusRow]:
        return self.overview["attention"]

    @property
    def improved(self) -> list[StatusChange]:
        return [c for c in self.changes if c.direction == "improved"]

    @property
    def worsened(self) -> list[StatusChange]:
        return [c for c in self.changes if c.direction == "worsened"]

    @property
    def other_changes(self) -> list[StatusChange]:
        return [c for c in self.changes if c.direction == "changed"]

    @property
    def named(self) -> int:
        """Return how many counties each list names: NAMED, fewer when there are too few to name
        NAMED at both ends without naming one twice."""
        return min(NAMED, len(self.counties) // 2)

    @property
    def best(self) -> list[CountyLine]:
        """Return the first counties of the ranking (红榜), best first."""
        return self.counties[: self.named]

    @property
    def worst(self) -> list[CountyLine]:
        """Return the last counties of the ranking (黑榜), in the ranking's order (the last last)."""
        return self.counties[len(self.counties) - self.named:] if self.named else []

    @property
    def late_reports(self) -> int:
        return sum(len(i.late) for i in self.issues)

    @property
    def returned_reports(self) -> int:
        return sum(len(i.returned) for i in self.issues)


# --- Periods -------------------------------------------------------------------------------------


def briefing_period(code: str | None = None) -> Period | None:
    """Return the computed period `code`, or the latest computed one when no code is given; None
    when there is no such computed period."""
    periods = computed_periods()
    return periods.filter(code=code).first() if code else periods.first()


def _previous_period(period: Period) -> Period | None:
    return computed_periods().filter(start__lt=period.start).first()


# --- The reads -----------------------------------------------------------------------------------


def _narrative_counts(items: list[IndicatorStatusRow], period: Period) -> None:
    """Give each narrative indicator the count of its units per latest self-assessed status (one
    query, as the overview's attention list does)."""
    narratives = {i.indicator.pk: i for i in items if not i.indicator.is_numeric}
    if not narratives:
        return
    found: dict[int, dict[str, int]] = {}
    counts = (
        ProgressSnapshot.objects.filter(period=period, indicator_id__in=narratives)
        .exclude(unit__kind=Unit.Kind.CITY)
        .values_list("indicator_id", "status")
        .annotate(n=Count("unit"))
    )
    for indicator_id, status, n in counts:
        found.setdefault(indicator_id, {})[status] = n
    for indicator_id, item in narratives.items():
        by_status = found.get(indicator_id, {})
        item.unit_statuses = [{"status": s, "count": by_status[s]} for s in ORDER if by_status.get(s)]


def _sections(plan: Plan, period: Period) -> list[Section]:
    """Return each task area's indicators as the area page shows them, then the indicators of the
    overall goals and safeguards (which belong to no area)."""
    sections = []
    for area in Area.objects.filter(plan=plan).order_by("number"):
        read = dashboard_area(plan=plan, number=area.number, period=period)
        items = [item for block in read["measures"] for item in block["indicators"]]
        sections.append(Section(area=area, items=items, counts=read["counts"]))
    rows = {
        r.indicator_id: r
        for r in ProgressSnapshot.objects.filter(
            period=period, unit__kind=Unit.Kind.CITY, indicator__plan=plan, indicator__active=True,
            indicator__measure__isnull=True,
        ).select_related("period", "target")
    }
    others = list(
        Indicator.objects.filter(plan=plan, active=True, measure__isnull=True)
        .select_related("safeguard")
        .order_by("goal_year", "safeguard__number", "position", "code")
    )
    if others:
        items = [IndicatorStatusRow(indicator=i, row=rows.get(i.pk)) for i in others]
        counts = StatusCounts(area=None)
        for item in items:
            counts.add(item.status)
        sections.append(Section(area=None, items=items, counts=counts))
    _narrative_counts([i for s in sections for i in s.items], period)
    return sections


def _changes(sections: list[Section], previous: Period | None) -> list[StatusChange]:
    """Return the indicators whose city status differs from `previous`'s, in the plan's order."""
    if previous is None:
        return []
    ids = [i.indicator.pk for s in sections for i in s.items]
    before = dict(
        ProgressSnapshot.objects.filter(period=previous, unit__kind=Unit.Kind.CITY, indicator_id__in=ids).values_list(
            "indicator_id", "status"
        )
    )
    changes = []
    for section in sections:
        for item in section.items:
            was = before.get(item.indicator.pk, Status.NO_DATA)
            if was != item.status:
                changes.append(StatusChange(item=item, before=was))
    return changes


def _counties(plan: Plan, period: Period, matrix: CompletenessMatrix) -> list[CountyLine]:
    """Return the counties as the units comparison ranks them, with their reporting timeliness."""
    ranked = comparison(plan, period=period, periods=[period], scope="counties").ranked
    rows = {row.unit.pk: row for row in matrix.rows}
    lines = []
    for line in ranked:
        reporting = rows.get(line.unit.pk)
        on_time = 0
        if reporting is not None:
            on_time = sum(
                1 for c in reporting.cells
                if c.assigned and c.first_submitted_on is not None and c.first_submitted_on <= period.due
            )
        lines.append(CountyLine(line=line, reporting=reporting, on_time=on_time))
    return lines


def _issues(matrix: CompletenessMatrix) -> list[ReportingIssue]:
    """Return the units with late, returned or belatedly submitted reports: counties first."""
    issues = []
    for row in sorted(matrix.rows, key=lambda r: (r.unit.kind != Unit.Kind.COUNTY, r.unit.kind, r.unit.code)):
        issue = ReportingIssue(unit=row.unit)
        for cell in row.cells:
            if not cell.assigned:
                continue
            if cell.status == "returned":
                issue.returned.append(cell.indicator)
            elif cell.state == CellState.LATE:
                issue.late.append(cell.indicator)
            if cell.submitted_late:
                issue.submitted_late.append(cell.indicator)
        if issue.late or issue.returned or issue.submitted_late:
            issues.append(issue)
    return issues


def _assumptions(plan: Plan) -> list[Assumption]:
    """Return the plan file's `assumption:` notes in the active language, each text once with the
    parts of the plan it is written on (the plan, its settings, units, indicators, targets)."""
    notes: dict[str, Assumption] = {}

    def add(text: str, subject: str) -> None:
        text = (text or "").strip()
        if text:
            entry = notes.setdefault(text, Assumption(text=text))
            if subject not in entry.subjects:
                entry.subjects.append(subject)

    add(plan.localized("assumption"), _("the plan"))
    add(plan.localized("settings_assumption"), _("the progress rules"))
    indicators = (
        Indicator.objects.filter(plan=plan, active=True)
        .prefetch_related(Prefetch("targets", queryset=Target.objects.filter(unit__isnull=True).order_by("deadline")))
        .order_by("position", "code")
    )
    for indicator in indicators:
        add(indicator.localized("assumption"), indicator.code)
        # One mention per indicator and text, with the years of its targets: “M14-RATE (2023, 2024)”.
        years: dict[str, list[str]] = {}
        for target in indicator.targets.all():
            text = target.localized("assumption").strip()
            if text:
                years.setdefault(text, []).append(str(target.year))
        for text, target_years in years.items():
            add(text, f"{indicator.code} ({', '.join(target_years)})")
    units = Unit.objects.filter(active=True).exclude(assumption_zh="").order_by("kind", "code")
    for unit in units:
        add(unit.localized("assumption"), unit.name)
    return list(notes.values())


def briefing_read(*, plan: Plan, period: Period, today: dt.date) -> Briefing:
    """Return everything the quarterly briefing of `period` shows, as seen on `today` (reports not
    in by the due date are late from the day after it)."""
    meta = dashboard_meta()
    sections = _sections(plan, period)
    previous = _previous_period(period)
    matrix = completeness_matrix(period=period, today=today, plan=plan)
    return Briefing(
        plan=plan,
        period=period,
        previous=previous,
        today=today,
        computed_at=meta["computed_at"],
        latest_approval=meta["latest_approval"],
        is_demo=meta["has_demo"],
        overview=dashboard_overview(plan=plan, period=period),
        sections=sections,
        changes=_changes(sections, previous),
        counties=_counties(plan, period, matrix),
        reporting=matrix,
        issues=_issues(matrix),
        assumptions=_assumptions(plan),
    )

