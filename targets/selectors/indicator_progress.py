"""Reads of the indicator progress page (/progress/indicators/<code>/), and the quarter arithmetic
the progress pages share (the comparison's reads are in selectors.unit_comparison).

The page shows progress snapshots — the engine's output rows, the very rows GET /api/v1/progress/
returns — and, beside them, the approved figures they were computed from. Every function here makes
a fixed number of queries however many units, periods or figures there are (tests check it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Subquery, Sum
from django.http import Http404

from .. import progress as engine
from ..kinds import kind_of
from ..models import Indicator, Period, Plan, ProgressRun, ProgressSnapshot, Submission, Target, Unit, User
from ..permissions import submissions_visible_to
from ..plan_calendar import Calendar
from .periods import period_pick
from ..status import NARRATIVE_ORDER, status_label

Status = ProgressSnapshot.Status
HUNDRED = Decimal(100)


# --- Quarters -----------------------------------------------------------------------------------


def period_q(cal: Calendar, period: Period) -> int:
    return cal.q_of(period.year, period.quarter)


# --- The expected path (序时进度) ----------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """The quarters in which one city `reach` target is the active one: first_q … deadline_q."""

    target: Target
    first_q: int
    deadline_q: int


def target_spec(target: Target, cal: Calendar) -> engine.TargetSpec:
    """Return a target as the engine reads it (its deadline as the quarter number D)."""
    return engine.TargetSpec(
        year=target.year, deadline_q=cal.q_of_day(target.deadline), mode=target.mode, comparator=target.comparator,
        value=target.value, stretch=target.stretch, aspirational=target.aspirational, unit=target.unit_id,
        deadline=target.deadline,
    )


def targets_path(indicator: Indicator, targets: list[Target], cal: Calendar) -> tuple[list[Segment], dict[int, Decimal]]:
    """Return the city's reach targets, each with the quarters it is the active one, and the
    expected value at each of those quarters — both from the engine (targets.progress.expected_path),
    so the chart draws the very path the gap is measured against. Only the kinds whose chart draws
    the expected path (cumulative, ratio_latest) have an expected value ({} for the others)."""
    ordered = sorted((t for t in targets if t.unit_id is None and t.mode == Target.Mode.REACH), key=lambda t: t.deadline)
    specs = [target_spec(t, cal) for t in ordered]
    by_spec = {id(spec): target for spec, target in zip(specs, ordered)}
    path = engine.expected_path(specs, indicator.baseline, cal)
    segments: list[Segment] = []
    for q, spec, _value in path:
        target = by_spec[id(spec)]
        if not segments or segments[-1].target is not target:
            segments.append(Segment(target=target, first_q=q, deadline_q=spec.deadline_q))
    drawn = kind_of(indicator).chart.expected_path
    expected = {q: value for q, _spec, value in path} if drawn else {}
    return segments, expected


# --- Shared reads --------------------------------------------------------------------------------


def indicator_get(plan: Plan, code: str) -> Indicator:
    """Return the plan's indicator `code` (retired ones too: their snapshots may remain), else 404."""
    indicator = Indicator.objects.filter(plan=plan, code=code).select_related("measure", "safeguard", "lead_unit").first()
    if indicator is None:
        raise Http404("no such indicator")
    return indicator


@dataclass(frozen=True)
class Freshness:
    """When the snapshots shown were computed and the latest approval they include."""

    computed_at: dt.datetime | None
    latest_approval_at: dt.datetime | None


def freshness(indicator: Indicator | None = None) -> Freshness:
    """Return the last recompute of `indicator` (or of any indicator) — one query."""
    runs = ProgressRun.objects.all()
    if indicator is not None:
        run = runs.filter(indicator=indicator).order_by("-finished_at").only("finished_at", "latest_approval_at").first()
        return Freshness(run.finished_at if run else None, run.latest_approval_at if run else None)
    found = runs.aggregate(computed=Max("finished_at"), latest=Max("latest_approval_at"))
    return Freshness(found["computed"], found["latest"])


# --- The indicator page ----------------------------------------------------------------------------


@dataclass
class Contribution:
    """One unit's row at the chosen period, for the contributions chart and table."""

    unit: Unit
    row: ProgressSnapshot
    share_pct: Decimal | None = None  # of the city total less the baseline (kinds that add up: cumulative)

    @property
    def actual(self) -> Decimal | None:
        return self.row.actual

    @property
    def has_target(self) -> bool:
        return self.row.target_id is not None

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def sort_actual(self) -> Decimal:
        # Units without a value sort below every value.
        return self.row.actual if self.row.actual is not None else Decimal("-1e30")


@dataclass
class RatioSums:
    """Σ numerator and Σ denominator behind a city ratio, and over how many units."""

    numerator: Decimal
    denominator: Decimal
    units: int


@dataclass
class IndicatorPage:
    """Everything the indicator page shows at its chosen period (`indicator_progress` reads it)."""

    indicator: Indicator
    plan: Plan
    cal: Calendar
    periods: list[Period]  # the periods with snapshots, newest first (the period choice)
    period: Period | None  # the chosen period (the latest by default)
    city_rows: list[ProgressSnapshot]  # the city's rows from the plan start up to `period`
    targets: list[Target]  # the city's targets, by deadline
    unit_targets: list[Target]
    segments: list[Segment]
    expected: dict[int, Decimal]
    contributions: list[Contribution]
    reporting_units: set[int]  # ids of the indicator's reporting units
    freshness: Freshness
    is_demo: bool
    ratio_sums: RatioSums | None = None
    axis_end_q: int = 0
    period_error: str = ""  # why `period` is not the one asked for (selectors.periods)

    @property
    def q(self) -> int | None:
        return period_q(self.cal, self.period) if self.period else None

    @property
    def city(self) -> ProgressSnapshot | None:
        """Return the city's row at the chosen period."""
        return self.city_rows[-1] if self.city_rows and self.city_rows[-1].period_id == self.period.pk else None

    @property
    def axis(self) -> list[str]:
        """Return the quarter codes of the chart's x axis: the plan start to the later of the chosen
        period and the active target's deadline."""
        return [self.cal.code(q) for q in range(1, self.axis_end_q + 1)]

    @property
    def deadline_q(self) -> int | None:
        city = self.city
        return self.cal.q_of_day(city.deadline) if city and city.deadline else None

    @property
    def remaining_q(self) -> int | None:
        """Return r = q(D) − q(p), the quarters left to the active target's deadline."""
        return self.deadline_q - self.q if self.deadline_q is not None else None

    @property
    def progress_since_baseline(self) -> Decimal | None:
        city = self.city
        return city.actual - self.indicator.baseline if city and city.actual is not None else None

    @property
    def self_status_counts(self) -> list[dict]:
        """Return a narrative's units per latest approved self-status at the period, the worst first
        (no_data: units without any report yet): one unit's red is shown even when the city is not."""
        statuses = [c.row.status for c in self.contributions]
        return [
            {"status": s, "label": status_label(s), "count": statuses.count(s)}
            for s in NARRATIVE_ORDER
        ]

    @property
    def lead_contribution(self) -> Contribution | None:
        """Return the lead unit's row at the period (a narrative's city status is its own)."""
        return next((c for c in self.contributions if c.unit.pk == self.indicator.lead_unit_id), None)

    @property
    def done_units(self) -> int:
        """Return how many reporting units are done (a milestone's city value is this share)."""
        return sum(1 for c in self.contributions if c.actual == 1 and c.unit.pk in self.reporting_units)

    @property
    def contributions_total(self) -> Decimal:
        return sum((c.actual for c in self.contributions if c.actual is not None), Decimal(0))

    @property
    def target_running(self) -> bool:
        """Return whether the city's active target is still being worked towards (not yet judged)."""
        city = self.city
        return bool(city and city.status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK))

    @property
    def stretch_target(self) -> Target | None:
        city = self.city
        return next((t for t in self.targets if city and t.pk == city.target_id and t.stretch is not None), None)

    @property
    def active_target(self) -> Target | None:
        city = self.city
        return next((t for t in self.targets if city and t.pk == city.target_id), None)

    @property
    def recent_quarters(self) -> int:
        """Return how many quarters the recent pace averages (4, fewer at the plan start)."""
        return min(4, self.q or 0)


def indicator_progress(indicator: Indicator, period_code: str | None = None) -> IndicatorPage:
    """Return everything the indicator page shows at `period_code` (default: the latest computed period).

    An unknown period code falls back to the latest, with the message `period_error`.
    """
    plan = indicator.plan
    cal = Calendar.starting(plan.start)  # q = 1 is the plan's first quarter
    all_city_rows = list(
        ProgressSnapshot.objects.filter(indicator=indicator, unit__kind=Unit.Kind.CITY)
        .select_related("period")
        .order_by("period__start")
    )
    periods = [r.period for r in reversed(all_city_rows)]
    choice = period_pick(periods, period_code or "")
    period = choice.period
    city_rows = [r for r in all_city_rows if period and r.period.start <= period.start]
    targets = list(indicator.targets.select_related("unit").order_by("deadline", "unit__code"))
    city_targets = [t for t in targets if t.unit_id is None]
    segments, expected = targets_path(indicator, city_targets, cal)
    contributions = []
    if period is not None:
        unit_rows = (
            ProgressSnapshot.objects.filter(indicator=indicator, period=period)
            .exclude(unit__kind=Unit.Kind.CITY)
            .select_related("unit")
        )
        contributions = [Contribution(unit=r.unit, row=r) for r in unit_rows]
        contributions.sort(key=lambda c: (-c.sort_actual, c.unit.kind, c.unit.code))
    page = IndicatorPage(
        indicator=indicator,
        plan=plan,
        cal=cal,
        periods=periods,
        period=period,
        city_rows=city_rows,
        targets=city_targets,
        unit_targets=[t for t in targets if t.unit_id is not None],
        segments=segments,
        expected=expected,
        contributions=contributions,
        reporting_units=set(indicator.reporting_units.values_list("pk", flat=True)),
        freshness=freshness(indicator),
        is_demo=Submission.objects.filter(indicator=indicator, approved__isnull=False, is_demo=True).exists(),
        period_error=choice.error,
    )
    kind = kind_of(indicator)
    if kind.adds_up:
        span = page.progress_since_baseline
        for c in contributions:
            if c.actual is not None and span:
                c.share_pct = HUNDRED * c.actual / span
    if period is not None and kind.rule.sums:
        page.ratio_sums = _ratio_sums(indicator, period, plan, sums=kind.rule.sums)
    page.axis_end_q = _axis_end(page)
    return page


def _axis_end(page: IndicatorPage) -> int:
    if page.q is None:
        return 0
    end = page.q
    city = page.city
    if kind_of(page.indicator).chart.extends_to_deadline and city and city.deadline:
        end = max(end, page.cal.q_of_day(city.deadline))
    return end


def _ratio_sums(indicator: Indicator, period: Period, plan: Plan, *, sums: str) -> RatioSums:
    """Return the sums behind the city's ratio at `period` (one query), as the kind's rule says.

    sums="year" (ratio_ytd): Σ over all units' approved figures of p's year up to p; "latest"
    (ratio_latest): Σ over each unit's latest approved figure up to p.
    """
    approved = Submission.objects.filter(indicator=indicator, approved__isnull=False, period__start__lte=period.start)
    if sums == "year":
        rows = approved.filter(period__year=period.year).exclude(approved__denominator__isnull=True).exclude(
            approved__denominator=0
        )
        sums = rows.aggregate(n=Sum("approved__numerator"), d=Sum("approved__denominator"), u=Count("unit_id", distinct=True))
        return RatioSums(sums["n"] or Decimal(0), sums["d"] or Decimal(0), sums["u"])
    latest: dict[int, tuple] = {}
    for unit_id, num, den in (
        approved.filter(period__start__gte=plan.start)
        .order_by("unit_id", "period__start")
        .values_list("unit_id", "approved__numerator", "approved__denominator")
    ):
        latest[unit_id] = (num or Decimal(0), den or Decimal(0))
    return RatioSums(
        sum((v[0] for v in latest.values()), Decimal(0)), sum((v[1] for v in latest.values()), Decimal(0)), len(latest)
    )


def approved_figures(user: User, indicator: Indicator) -> QuerySet[Submission]:
    """Return the indicator's submissions with an approved version that `user` may read (newest first)."""
    rows = Submission.objects.filter(indicator=indicator, approved__isnull=False).select_related(
        "unit", "period", "indicator", "approved", "approved__approved_by"
    )
    return submissions_visible_to(user, rows).order_by("-period__start", "unit__kind", "unit__code")


def figure_units(indicator: Indicator) -> QuerySet[Unit]:
    """Return the units one can filter the indicator's figures by: its reporters and any unit with figures."""
    with_figures = Submission.objects.filter(indicator=indicator, approved__isnull=False).values("unit_id")
    return (
        Unit.objects.filter(Q(reported_indicators=indicator) | Q(pk__in=Subquery(with_figures)))
        .distinct()
        .order_by("kind", "code")
    )


def figure_periods(plan: Plan, today: dt.date) -> QuerySet[Period]:
    return Period.objects.filter(start__gte=plan.start, start__lte=today).order_by("-start")


@dataclass
class TimelineLine:
    unit: Unit
    statuses: list[str | None]  # one per period of the timeline, oldest first

    @property
    def cells(self) -> list[tuple[str | None, str]]:
        """Return (status, its label) per period."""
        return [(s, status_label(s)) for s in self.statuses]


def narrative_timeline(page: IndicatorPage) -> list[TimelineLine]:
    """Return the statuses of a narrative indicator per quarter up to the chosen period: the city
    (its lead unit's, else most units') first, then each unit's self-assessed status (one query). Only a kind
    without a trend chart gets this table ([] for the others)."""
    if page.period is None or kind_of(page.indicator).chart.trend:
        return []
    periods = [r.period for r in page.city_rows]
    index = {p.pk: i for i, p in enumerate(periods)}
    lines: dict[int, TimelineLine] = {}
    rows = (
        ProgressSnapshot.objects.filter(indicator=page.indicator, period_id__in=list(index))
        .select_related("unit")
        .only("unit", "period_id", "status")
        .order_by("unit__kind", "unit__code")
    )
    for row in rows:
        line = lines.setdefault(row.unit_id, TimelineLine(unit=row.unit, statuses=[None] * len(periods)))
        line.statuses[index[row.period_id]] = row.status
    ordered = sorted(lines.values(), key=lambda l: (l.unit.kind != Unit.Kind.CITY, l.unit.kind, l.unit.code))
    return ordered
