"""Reads of the units comparison (/progress/counties/): units × indicators at one period.

Only progress snapshots (the rows of GET /api/v1/progress/) and, for reporting completeness, the
assignments and approved submissions of the period: a fixed number of queries however many units,
indicators or figures there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from ..kinds import kind_of
from ..models import Indicator, Period, Plan, ProgressSnapshot, Submission, Target, Unit
from ..status import GOOD, status_label
from .completeness import completeness_percent, unit_completeness
from .indicator_progress import HUNDRED, Freshness, freshness

Status = ProgressSnapshot.Status
# The overall ranking counts the "good" statuses (green: achieved or on track, targets.status.GOOD).
SCOPES = ("counties", "all")  # the twelve counties; counties and city departments


@dataclass
class Cell:
    """One unit × indicator cell: the snapshot's status and numbers, or nothing (not a reporter)."""

    indicator: Indicator
    status: str | None = None
    actual: Decimal | None = None
    completion_pct: Decimal | None = None
    target_value: Decimal | None = None
    has_target: bool = False
    assigned: bool = False
    shade: int | None = None  # a unit's value without a target of its own: its step among the units' (1–4)

    @property
    def present(self) -> bool:
        return self.status is not None

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass
class UnitLine:
    unit: Unit
    cells: list[Cell]
    assigned: int = 0  # active indicators assigned to the unit
    complete: int = 0  # … whose report for the period is in (completeness.COMPLETENESS_DEFINITION)
    rank: int | None = None
    counts: dict[str, int] = field(default_factory=dict)  # status → cells

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def good(self) -> int:
        return sum(self.count(s) for s in GOOD)

    @property
    def completeness_sort(self) -> int:
        return -1 if self.completeness_pct is None else self.completeness_pct

    @property
    def completeness_pct(self) -> int | None:
        # The completeness page's percentage (one definition: selectors.completeness).
        return completeness_percent(self.complete, self.assigned)


@dataclass
class Ranked:
    unit: Unit
    rank: int | None  # None: no value to rank
    cell: Cell
    share_pct: Decimal | None = None

    @property
    def sort_actual(self) -> Decimal:
        return self.cell.actual if self.cell.actual is not None else Decimal("-1e30")


@dataclass
class IndicatorGroup:
    label: str  # e.g. "1" for measure 1, "S1" for safeguard 1, "2027" for a goal year
    title: str
    kind: str
    indicators: list[Indicator]


@dataclass
class Comparison:
    period: Period | None
    periods: list[Period]
    scope: str
    indicators: list[Indicator]  # the heatmap's columns
    groups: list[IndicatorGroup]
    city: UnitLine | None
    lines: list[UnitLine]  # counties first, then departments (scope "all"), by code
    ranked: list[UnitLine]  # the same, best first (rank set)
    rankable: list[Indicator]
    rank_indicator: Indicator | None
    ranking: list[Ranked]
    freshness: Freshness
    is_demo: bool


def _groups(indicators: list[Indicator]) -> list[IndicatorGroup]:
    groups: list[IndicatorGroup] = []
    for indicator in indicators:
        if indicator.measure_id:
            key = ("measure", str(indicator.measure.number), indicator.measure.localized("title"))
        elif indicator.safeguard_id:
            key = ("safeguard", f"S{indicator.safeguard.number}", indicator.safeguard.localized("title"))
        else:
            key = ("goal", str(indicator.goal_year or ""), "")
        if groups and (groups[-1].kind, groups[-1].label) == key[:2]:
            groups[-1].indicators.append(indicator)
        else:
            groups.append(IndicatorGroup(kind=key[0], label=key[1], title=key[2], indicators=[indicator]))
    return groups


def comparison(
    plan: Plan, *, period: Period | None, periods: list[Period], scope: str = "counties", rank_code: str | None = None
) -> Comparison:
    """Return the units × indicators comparison at `period` from the snapshots (fixed query count)."""
    kinds = [Unit.Kind.COUNTY] + ([Unit.Kind.DEPARTMENT] if scope == "all" else [])
    units = list(Unit.objects.filter(Q(active=True, kind__in=kinds) | Q(kind=Unit.Kind.CITY)).order_by("kind", "code"))
    city_unit = next((u for u in units if u.kind == Unit.Kind.CITY), None)
    shown = [u for u in units if u.kind == Unit.Kind.COUNTY] + [u for u in units if u.kind == Unit.Kind.DEPARTMENT]
    all_indicators = list(
        Indicator.objects.filter(plan=plan, active=True)
        .select_related("measure", "safeguard")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.filter(unit__isnull=True)))
        .order_by("position", "code")
    )
    rows: dict[tuple[int, int], tuple] = {}
    if period is not None:
        for values in ProgressSnapshot.objects.filter(period=period, indicator__active=True).values_list(
            "indicator_id", "unit_id", "status", "actual", "completion_pct", "target_id", "target_value"
        ):
            rows[values[0], values[1]] = values
    slots = set(
        Indicator.reporting_units.through.objects.filter(indicator__plan=plan, indicator__active=True).values_list(
            "indicator_id", "unit_id"
        )
    )
    reporting = unit_completeness(period=period, plan=plan) if period is not None else {}
    # Units with nothing to report and no progress rows have nothing to compare: left out.
    active_units = {u for _, u in slots} | {u for _, u in rows}
    shown = [u for u in shown if u.pk in active_units]
    shown_ids = {u.pk for u in shown}
    # Columns: indicators some shown unit reports or has a row for.
    indicators = _indicators_with_rows(all_indicators, shown_ids, slots, rows)

    def line(unit: Unit) -> UnitLine:
        cells = []
        for indicator in indicators:
            cell = Cell(indicator=indicator, assigned=(indicator.pk, unit.pk) in slots)
            found = rows.get((indicator.pk, unit.pk))
            if found is not None:
                _, _, cell.status, cell.actual, cell.completion_pct, target_id, cell.target_value = found
                cell.has_target = target_id is not None
            cells.append(cell)
        result = UnitLine(unit=unit, cells=cells, counts={s: 0 for s in Status.values})
        for cell in cells:
            if cell.status:
                result.counts[cell.status] += 1
        if period is not None:
            result.complete, result.assigned = reporting.get(unit.pk, (0, 0))
        else:
            result.assigned = sum(1 for i in all_indicators if (i.pk, unit.pk) in slots)
        return result

    lines = [line(u) for u in shown]
    _shade_values(lines, indicators)
    ranked = _rank_overall(lines)
    rankable = [
        i for i in indicators
        if ranked_by_value(i) or any(rows.get((i.pk, u), (None,) * 7)[5] is not None for u in shown_ids)
    ]
    rank_indicator = next((i for i in rankable if i.code == rank_code), None) or (rankable[0] if rankable else None)
    ranking = _rank_indicator(rank_indicator, lines, indicators) if rank_indicator else []
    return Comparison(
        period=period,
        periods=periods,
        scope=scope,
        indicators=indicators,
        groups=_groups(indicators),
        city=line(city_unit) if city_unit else None,
        lines=lines,
        ranked=ranked,
        rankable=rankable,
        rank_indicator=rank_indicator,
        ranking=ranking,
        freshness=freshness(),
        is_demo=Submission.objects.filter(is_demo=True, approved__isnull=False).exists(),
    )


def ranked_by_value(indicator: Indicator) -> bool:
    """Say whether the indicator's units are ranked by their actual value: its kind's chart draws the
    units side by side (counts and ratios; milestones and narratives only with units' own targets)."""
    return bool(kind_of(indicator).chart.units)


def _indicators_with_rows(all_indicators, shown_ids, slots, rows) -> list[Indicator]:
    """Return the indicators some shown unit reports or has a snapshot row for, each next to the
    others of its home (measures, then safeguards, then goals): an indicator whose place in the plan
    file is away from its measure's (G27-DEMO of measure 15) still joins that measure's columns."""
    with_unit = {i for i, u in slots if u in shown_ids} | {i for i, u in rows if u in shown_ids}
    return sorted((i for i in all_indicators if i.pk in with_unit), key=_home_order)


def _home_order(indicator: Indicator) -> tuple:
    if indicator.measure_id:
        return (0, indicator.measure.number, indicator.position, indicator.code)
    if indicator.safeguard_id:
        return (1, indicator.safeguard.number, indicator.position, indicator.code)
    return (2, indicator.goal_year or 0, indicator.position, indicator.code)


SHADES = 4


def _shade_values(lines: list[UnitLine], indicators: list[Indicator]) -> None:
    """Give each unit's cell without a target of its own a shade: its value's step (1 … 4) between
    the lowest and the highest of the column's such values, so that a column can be read at a glance
    (the indicator page's map uses the same steps)."""
    for column, indicator in enumerate(indicators):
        if not kind_of(indicator).has_value:
            continue
        cells = [l.cells[column] for l in lines if l.cells[column].present and not l.cells[column].has_target]
        values = [c.actual for c in cells if c.actual is not None]
        if not values:
            continue
        low, high = min(values), max(values)
        for cell in cells:
            if cell.actual is None:
                continue
            cell.shade = SHADES if high == low else min(SHADES, 1 + int(SHADES * (cell.actual - low) / (high - low)))


def _competition_ranks(values: list) -> list[int]:
    """Return 1, 2, 2, 4 … for values already sorted best first (ties share a rank)."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks


def _rank_overall(lines: list[UnitLine]) -> list[UnitLine]:
    """Return the units best first: most indicators achieved or on track, then the most complete
    reporting; set each one's rank (ties share a rank)."""
    ranked = sorted(lines, key=lambda l: (-l.good, -(l.completeness_pct or 0), l.unit.kind != Unit.Kind.COUNTY, l.unit.code))
    keys = [(l.good, l.completeness_pct or 0) for l in ranked]
    for line, rank in zip(ranked, _competition_ranks(keys)):
        line.rank = rank
    return ranked


def _rank_indicator(indicator: Indicator, lines: list[UnitLine], indicators: list[Indicator]) -> list[Ranked]:
    """Return the shown units ranked by their actual value for `indicator` (lower first for ≤ targets)."""
    column = indicators.index(indicator)
    # Targets prefetched with the indicators: a "≤" target means lower values rank first.
    lower_is_better = any(t.comparator == Target.Comparator.AT_MOST for t in indicator.targets.all())
    entries = [Ranked(unit=l.unit, rank=None, cell=l.cells[column]) for l in lines if l.cells[column].present]
    valued = [e for e in entries if e.cell.actual is not None]
    valued.sort(key=lambda e: ((e.cell.actual if lower_is_better else -e.cell.actual), e.unit.code))
    for entry, rank in zip(valued, _competition_ranks([e.cell.actual for e in valued])):
        entry.rank = rank
    if kind_of(indicator).adds_up:  # each unit's share of the units' total
        total = sum((e.cell.actual for e in valued), Decimal(0))
        for e in valued:
            e.share_pct = HUNDRED * e.cell.actual / total if total else None
    return valued + sorted((e for e in entries if e.cell.actual is None), key=lambda e: e.unit.code)
