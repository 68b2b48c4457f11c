"""Reads for the completeness and timeliness of reporting: who has reported what for a period.

A *slot* is an (indicator, unit) pair the plan assigns (`Indicator.reporting_units`, both active).
A slot is *complete* when its submission for the period is submitted or approved (an approved
figure being amended is submitted again, so it stays complete). Everything here costs the same
few queries however many units, indicators and submissions there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import Indicator, Period, Plan, Submission, Unit


class CellState(TextChoices):
    """The state of one (unit, indicator) cell of the matrix, for one period."""

    MISSING = "missing", _("Missing")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    LATE = "late", _("Late")


# Short text shown inside a cell next to its colour (the legend spells each one out).
CELL_ABBREVIATIONS = {
    CellState.MISSING: pgettext_lazy("completeness cell: missing", "M"),
    CellState.DRAFT: pgettext_lazy("completeness cell: draft", "D"),
    CellState.SUBMITTED: pgettext_lazy("completeness cell: submitted", "S"),
    CellState.RETURNED: pgettext_lazy("completeness cell: returned", "R"),
    CellState.APPROVED: pgettext_lazy("completeness cell: approved", "A"),
    CellState.LATE: pgettext_lazy("completeness cell: late", "L"),
}
# The order the legend and the counts use: from done to not done.
STATE_ORDER = [
    CellState.APPROVED, CellState.SUBMITTED, CellState.RETURNED, CellState.DRAFT, CellState.MISSING, CellState.LATE,
]
COMPLETE_STATUSES = (Submission.Status.SUBMITTED, Submission.Status.APPROVED)
# The one definition of reporting completeness: /completeness/ and the units comparison
# (/progress/counties/, the briefing) both count it with `unit_completeness` / the matrix below and
# explain it with this sentence.
COMPLETENESS_DEFINITION = _(
    "A unit's reporting completeness is the share of the indicators assigned to it whose report for "
    "this period is submitted or approved (rounded down, so 100% means every report is in); drafts "
    "and returned reports do not count."
)


@dataclass
class Cell:
    indicator: Indicator
    assigned: bool
    state: str | None = None  # None: the unit does not report this indicator and reported nothing
    status: str | None = None  # the submission's own status (a late cell may hide a draft)
    submission_id: int | None = None
    has_approved: bool = False
    first_submitted_on: dt.date | None = None
    submitted_late: bool = False  # first submitted after the due date (shown as a mark)
    url: str = ""  # filled in by the view when the reader may open the submission

    @property
    def complete(self) -> bool:
        return self.state in (CellState.SUBMITTED, CellState.APPROVED)

    @property
    def abbreviation(self) -> str:
        return CELL_ABBREVIATIONS[self.state] if self.state else ""

    @property
    def label(self) -> str:
        return CellState(self.state).label if self.state else ""

    @property
    def status_label(self) -> str:
        return Submission.Status(self.status).label if self.status else ""


def _percent(done: int, of: int) -> int | None:
    # Rounded down, so that 100 % only ever means every report is in.
    return (100 * done) // of if of else None


@dataclass
class UnitRow:
    unit: Unit
    cells: list[Cell]
    counts: dict[str, int]
    assigned: int
    complete: int

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.assigned)

    @property
    def late(self) -> int:
        return self.counts[CellState.LATE]

    @property
    def submitted_late(self) -> int:
        return sum(1 for c in self.cells if c.assigned and c.submitted_late)


@dataclass
class IndicatorTotal:
    indicator: Indicator
    assigned: int = 0
    complete: int = 0
    late: int = 0  # cells in state late
    submitted_late: int = 0

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.assigned)


@dataclass
class IndicatorGroup:
    """A run of matrix columns with one home in the plan: a measure, a safeguard or a goal year."""

    kind: str  # "measure", "safeguard" or "goal"
    number: int
    title: str
    indicators: list[Indicator] = field(default_factory=list)


@dataclass
class CompletenessMatrix:
    period: Period
    today: dt.date
    groups: list[IndicatorGroup]
    indicators: list[Indicator]
    rows: list[UnitRow]
    totals: list[IndicatorTotal]
    counts: dict[str, int]
    assigned: int
    complete: int

    @property
    def due_passed(self) -> bool:
        return self.today > self.period.due

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.assigned)

    @property
    def submitted_late(self) -> int:
        return sum(t.submitted_late for t in self.totals)

    @property
    def abbreviations(self) -> dict[str, str]:
        return {state.value: text for state, text in CELL_ABBREVIATIONS.items()}

    def legend(self) -> list[dict]:
        return [
            {"state": s.value, "label": s.label, "abbreviation": CELL_ABBREVIATIONS[s], "count": self.counts[s]}
            for s in STATE_ORDER
        ]


def completeness_periods(*, today: dt.date) -> list[Period]:
    """Return the periods one can ask about: those already started or open, newest first."""
    return list(Period.objects.filter(Q(start__lte=today) | Q(is_open=True)).order_by("-start"))


def completeness_default_period(periods: list[Period], *, today: dt.date) -> Period | None:
    """Return the latest period whose due date has passed, else the latest open one, else the latest."""
    ordered = sorted(periods, key=lambda p: p.start, reverse=True)
    for period in ordered:
        if period.due < today:
            return period
    for period in ordered:
        if period.is_open:
            return period
    return ordered[0] if ordered else None


def _slots(plan: Plan | None) -> list[tuple[int, int]]:
    """Return the (indicator id, unit id) pairs that must be reported, active ones only (1 query)."""
    through = Indicator.reporting_units.through
    pairs = through.objects.filter(indicator__active=True, unit__active=True)
    if plan is not None:
        pairs = pairs.filter(indicator__plan=plan)
    return list(pairs.values_list("indicator_id", "unit_id"))


def unit_completeness(*, period: Period, plan: Plan | None = None) -> dict[int, tuple[int, int]]:
    """Return per unit id (complete, assigned) for `period`: its assigned slots whose report is
    submitted or approved — the matrix's rule, in two queries (COMPLETENESS_DEFINITION)."""
    complete = set(
        Submission.objects.filter(period=period, status__in=COMPLETE_STATUSES).values_list("indicator_id", "unit_id")
    )
    result: dict[int, tuple[int, int]] = {}
    for slot in _slots(plan):
        done, assigned = result.get(slot[1], (0, 0))
        result[slot[1]] = (done + (slot in complete), assigned + 1)
    return result


def completeness_percent(done: int, of: int) -> int | None:
    """Return `done` of `of` as a whole percentage, rounded down (None when nothing is assigned)."""
    return _percent(done, of)


def _first_submitted_on(moment: dt.datetime | None) -> dt.date | None:
    # The local date: a report sent at 01:00 Beijing time on the day after the due date is late.
    return timezone.localtime(moment).date() if moment else None


def _cell(indicator: Indicator, assigned: bool, row: dict | None, period: Period, today: dt.date) -> Cell:
    cell = Cell(indicator=indicator, assigned=assigned)
    if row is not None:
        cell.status = row["status"]
        cell.submission_id = row["id"]
        cell.has_approved = row["approved_id"] is not None
        cell.first_submitted_on = _first_submitted_on(row["first_submitted_at"])
        cell.submitted_late = cell.first_submitted_on is not None and cell.first_submitted_on > period.due
    if row is None and not assigned:
        return cell
    if cell.status in COMPLETE_STATUSES:
        cell.state = cell.status
    elif today > period.due:
        cell.state = CellState.LATE  # nothing submitted (a draft or a returned report) and past due
    else:
        cell.state = cell.status or CellState.MISSING
    if cell.state == CellState.LATE:
        cell.submitted_late = False  # the state already says it
    return cell


def _groups(indicators: list[Indicator]) -> list[IndicatorGroup]:
    """Return the indicators grouped as the plan page shows them: measures, safeguards, goal years."""

    def key(ind: Indicator):
        if ind.measure_id:
            return (0, ind.measure.area.number, ind.measure.number, ind.position, ind.code)
        if ind.safeguard_id:
            return (1, 0, ind.safeguard.number, ind.position, ind.code)
        return (2, 0, ind.goal_year or 0, ind.position, ind.code)

    groups: list[IndicatorGroup] = []
    for ind in sorted(indicators, key=key):
        if ind.measure_id:
            home = ("measure", ind.measure.number, ind.measure.localized("title"))
        elif ind.safeguard_id:
            home = ("safeguard", ind.safeguard.number, ind.safeguard.localized("title"))
        else:
            home = ("goal", ind.goal_year or 0, "")
        if not groups or (groups[-1].kind, groups[-1].number) != home[:2]:
            groups.append(IndicatorGroup(kind=home[0], number=home[1], title=home[2]))
        groups[-1].indicators.append(ind)
    return groups


def completeness_matrix(*, period: Period, today: dt.date, plan: Plan | None = None) -> CompletenessMatrix:
    """Return the units × indicators matrix of report states for `period` as seen on `today`.

    Four queries whatever the size: the assigned slots, the period's submissions, the units and
    the indicators (with their measure, area and safeguard).
    """
    slots = _slots(plan)
    assigned = set(slots)
    submissions = {
        (row["indicator_id"], row["unit_id"]): row
        for row in Submission.objects.filter(period=period).values(
            "id", "indicator_id", "unit_id", "status", "approved_id", "first_submitted_at"
        )
    }
    indicator_ids = {i for i, _ in slots}
    unit_ids = {u for _, u in slots}
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by("kind", "code"))
    indicators_by_id = {
        ind.pk: ind
        for ind in Indicator.objects.filter(pk__in=indicator_ids).select_related("measure__area", "safeguard")
    }
    groups = _groups(list(indicators_by_id.values()))
    indicators = [ind for group in groups for ind in group.indicators]
    totals = {ind.pk: IndicatorTotal(indicator=ind) for ind in indicators}
    overall = dict.fromkeys(CellState.values, 0)
    rows = []
    for unit in units:
        counts = dict.fromkeys(CellState.values, 0)
        cells = []
        for ind in indicators:
            is_assigned = (ind.pk, unit.pk) in assigned
            cell = _cell(ind, is_assigned, submissions.get((ind.pk, unit.pk)), period, today)
            cells.append(cell)
            if not is_assigned:
                continue  # a stray report for an indicator no longer assigned is shown, not counted
            counts[cell.state] += 1
            total = totals[ind.pk]
            total.assigned += 1
            total.complete += cell.complete
            total.late += cell.state == CellState.LATE
            total.submitted_late += cell.submitted_late
        for state, n in counts.items():
            overall[state] += n
        n_assigned = sum(counts.values())
        n_complete = counts[CellState.SUBMITTED] + counts[CellState.APPROVED]
        rows.append(UnitRow(unit=unit, cells=cells, counts=counts, assigned=n_assigned, complete=n_complete))
    return CompletenessMatrix(
        period=period,
        today=today,
        groups=groups,
        indicators=indicators,
        rows=rows,
        totals=[totals[ind.pk] for ind in indicators],
        counts=overall,
        assigned=sum(r.assigned for r in rows),
        complete=sum(r.complete for r in rows),
    )


def completeness_missing(*, period: Period) -> dict[int, list[Indicator]]:
    """Return, per unit id, the assigned indicators without a submitted or approved report in `period`.

    Units with nothing missing are left out. Three queries whatever the size.
    """
    done = set(
        Submission.objects.filter(period=period, status__in=COMPLETE_STATUSES).values_list("indicator_id", "unit_id")
    )
    missing_pairs = [pair for pair in _slots(None) if pair not in done]
    indicators = {
        ind.pk: ind
        for ind in Indicator.objects.filter(pk__in={i for i, _ in missing_pairs}).order_by("position", "code")
    }
    missing: dict[int, list[Indicator]] = {}
    for indicator_id, unit_id in missing_pairs:
        missing.setdefault(unit_id, []).append(indicators[indicator_id])
    for unit_indicators in missing.values():
        unit_indicators.sort(key=lambda ind: (ind.position, ind.code))
    return missing
