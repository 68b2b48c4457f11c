"""Reads for the leaders' dashboards: the overview, a task area and a measure.

Every number comes from the progress snapshots (the rows of the unit of kind city), exactly as
GET /api/v1/progress/ serves them; pages only round for display. Each read is a fixed number of
queries whatever the number of units, periods or figures behind it. Statuses, their words and
traffic lights come from targets.status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..kinds import SCALE_COUNT, kind_of
from ..models import Area, Goal, Indicator, Measure, Period, Plan, ProgressSnapshot, Submission, Unit
from ..status import ATTENTION, LIGHT_ORDER, NARRATIVE_ORDER, VERDICTS, gap_words, light_label, status_label, status_light
from .progress import last_computed

Status = ProgressSnapshot.Status


@dataclass
class IndicatorStatusRow:
    """One indicator with the city's snapshot row at a period (None when no row was computed): its
    status, light and the numbers the dashboards' cards and tables show."""

    indicator: Indicator
    row: ProgressSnapshot | None
    goal_years: tuple[int, ...] = ()
    unit_statuses: list[dict] = field(default_factory=list)  # narratives: how many units report what
    final: FinalResult | None = None  # the target's result at its deadline, once that has passed
    attention: str | None = None  # why the overview lists it under 需关注 (ATTENTION_GROUPS)

    @property
    def deadline_passed(self) -> bool:
        """Return whether the row's target was due before its period (its result is then final)."""
        row = self.row
        return bool(row and row.deadline and row.deadline < row.period.start)

    @property
    def is_verdict(self) -> bool:
        """Return whether the row is a verdict: past its (last) target's deadline, with no time
        elapsed, completion, gap or pace (PROGRESS-RULES.md)."""
        return self.deadline_passed and self.status in VERDICTS

    @property
    def by_time(self) -> bool:
        """Return whether the status is judged by the time left, not by a gap (milestones: their
        kind shows no time elapsed, targets.kinds)."""
        return self.indicator.is_numeric and not kind_of(self.indicator).time_elapsed

    @property
    def quarters_left(self) -> int | None:
        """Return the quarters from the row's period to its target's deadline quarter."""
        row = self.row
        if not row or not row.deadline:
            return None
        return (row.deadline.year * 4 + (row.deadline.month - 1) // 3) - (row.period.year * 4 + row.period.quarter - 1)

    @property
    def attention_reason(self) -> str:
        """Return in words why the indicator is on the attention list ("" when it is not, or for a
        narrative, whose units' self-assessments say it)."""
        if self.attention == LAGGING:
            return self.time_left_text or self.gap_text
        if self.attention == MISSED_DEADLINE:
            return _("Not met by its deadline %(deadline)s") % {"deadline": self.row.deadline.isoformat()}
        return ""

    @property
    def time_left_text(self) -> str:
        """Return, for a milestone not done yet, how many quarters are left to its deadline (its
        status is judged by them, not by a gap); "" otherwise."""
        row = self.row
        if not self.by_time or not row or not row.deadline or self.status not in (Status.ON_TRACK, Status.AT_RISK):
            return ""
        n = self.quarters_left or 0
        return ngettext(
            "Not done, %(n)d quarter before its deadline %(deadline)s",
            "Not done, %(n)d quarters before its deadline %(deadline)s",
            n,
        ) % {"n": n, "deadline": row.deadline.isoformat()}

    @property
    def gap_text(self) -> str:
        """Return the gap in words: "15.0 percentage points behind the time elapsed" ("" for none,
        and for a milestone, judged by the time left: `time_left_text`)."""
        row = self.row
        if not row or row.gap_pp is None or self.by_time:
            return ""
        return gap_words(row.gap_pp, row.mode)

    @property
    def shortfall(self) -> Decimal | None:
        """Return how far the value still is from the target (None when it meets it or either is missing)."""
        row = self.row
        if not row or row.actual is None or row.target_value is None or row.target is None:
            return None
        short = row.actual - row.target_value if row.target.comparator == "<=" else row.target_value - row.actual
        return short if short > 0 else None

    @property
    def status(self) -> str:
        return self.row.status if self.row else Status.NO_DATA

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def light(self) -> str:
        return status_light(self.status)

    @property
    def is_reach(self) -> bool:
        return bool(self.row and self.row.mode == "reach")

    @property
    def is_maintain(self) -> bool:
        return bool(self.row and self.row.mode == "maintain")

    @property
    def has_pace(self) -> bool:
        return bool(self.row and self.row.required_pace is not None)

    @property
    def projected_short(self) -> Decimal | None:
        """Return how far the projection at the deadline falls short of the target (None if it does not)."""
        row = self.row
        if not row or row.projected is None or row.target_value is None:
            return None
        projected = row.projected
        if kind_of(self.indicator).scale == SCALE_COUNT:  # items are whole: as the page shows the projection
            projected = projected.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return row.target_value - projected if projected < row.target_value else None


@dataclass
class StatusCounts:
    """Status counts of a set of indicators: a task area's, a measure's, or all of them."""

    area: Area | None
    statuses: dict[str, int] = field(default_factory=lambda: {s: 0 for s in Status.values})

    def add(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def lights(self) -> list[dict]:
        """Return one entry per light with its count and the statuses behind it."""
        result = []
        for light in LIGHT_ORDER:
            parts = [(status_label(s), n) for s, n in self.statuses.items() if n and status_light(s) == light]
            count = sum(n for _label, n in parts)
            result.append({"light": light, "label": light_label(light), "count": count, "parts": parts})
        return result

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


# --- Periods ---------------------------------------------------------------------------------


# --- Shared reads ------------------------------------------------------------------------------


def _city_rows(plan: Plan, period: Period | None) -> QuerySet[ProgressSnapshot]:
    if period is None:
        return ProgressSnapshot.objects.none()
    return ProgressSnapshot.objects.filter(
        indicator__plan=plan, indicator__active=True, unit__kind=Unit.Kind.CITY, period=period
    ).select_related("period", "target")


def dashboard_meta() -> dict:
    """Return when the snapshots were computed, the latest approval they include, and whether the
    approved figures include demo data (two queries)."""
    computed = last_computed()
    return {
        "computed_at": computed["finished"],
        "latest_approval": computed["latest_approval"],
        "has_demo": Submission.objects.filter(approved__isnull=False, is_demo=True).exists(),
    }


def _goal_years(plan: Plan) -> dict[int, tuple[int, ...]]:
    """Return, per indicator id, the years of the overall goals it measures (one query)."""
    links = Goal.indicators.through.objects.filter(goal__plan=plan).values_list("indicator_id", "goal__year")
    years: dict[int, list[int]] = {}
    for indicator_id, year in links:
        years.setdefault(indicator_id, []).append(year)
    return {k: tuple(sorted(v)) for k, v in years.items()}


def _count_by_area(areas: list[Area], progress: list[IndicatorStatusRow]) -> tuple[list[StatusCounts], StatusCounts]:
    by_area = {a.pk: StatusCounts(area=a) for a in areas}
    outside = StatusCounts(area=None)
    for item in progress:
        measure = item.indicator.measure
        (by_area.get(measure.area_id, outside) if measure else outside).add(item.status)
    return list(by_area.values()), outside


LAGGING = "lagging"  # a running numeric target behind the time elapsed (or below a rate to keep)
MISSED_DEADLINE = "missed"  # a (last) target not met by its deadline
NARRATIVE = "narrative"  # a text report whose city status is red or yellow
ATTENTION_GROUPS: tuple[str, ...] = (LAGGING, MISSED_DEADLINE, NARRATIVE)


def attention_group(item: IndicatorStatusRow) -> str | None:
    """Return why an indicator needs the leaders' attention (one of ATTENTION_GROUPS), or None.

    Exactly the indicators of the overview's red and yellow cards: every red or yellow status is
    in ATTENTION, so the list and the cards count the same indicators."""
    if item.status not in ATTENTION:
        return None
    if not item.indicator.is_numeric:
        return NARRATIVE
    return MISSED_DEADLINE if item.status == Status.MISSED else LAGGING


def _attention_key(item: IndicatorStatusRow):
    group = attention_group(item)
    gap = item.row.gap_pp if item.row and group == LAGGING else None
    # Lagging targets first: those judged by their gap, the largest first; then rates to keep (their
    # gap is below the target, not behind the time) and milestones (judged by the time left); then
    # missed deadlines; then narratives, red first.
    return (
        ATTENTION_GROUPS.index(group), ATTENTION.index(item.status) if group == NARRATIVE else 0,
        not item.is_reach or item.by_time, gap is None, -(gap or 0), item.indicator.position, item.indicator.code,
    )


def _attention(progress: list[IndicatorStatusRow], period: Period) -> list[IndicatorStatusRow]:
    """Return what most needs a leader, in this order: lagging numeric targets by gap, then targets
    missed at their deadline, then narratives in red and yellow with the count of their units per
    latest self-assessed status (one query)."""
    items = sorted((p for p in progress if attention_group(p)), key=_attention_key)
    for item in items:
        item.attention = attention_group(item)
    narratives = {p.indicator.pk: p for p in items if not p.indicator.is_numeric}
    if narratives:
        counts = (
            ProgressSnapshot.objects.filter(period=period, indicator_id__in=narratives)
            .exclude(unit__kind=Unit.Kind.CITY)
            .values_list("indicator_id", "status")
            .annotate(n=Count("unit"))
        )
        found: dict[int, dict[str, int]] = {}
        for indicator_id, status, n in counts:
            found.setdefault(indicator_id, {})[status] = n
        for indicator_id, item in narratives.items():
            by_status = found.get(indicator_id, {})
            item.unit_statuses = [
                {"status": s, "light": status_light(s), "label": status_label(s), "count": by_status[s]}
                for s in NARRATIVE_ORDER if by_status.get(s)
            ]
    return items


# --- The overview ----------------------------------------------------------------------------


def dashboard_overview(*, plan: Plan, period: Period, only: frozenset[int] | None = None) -> dict:
    """Return everything the overview shows for `period` (a fixed number of queries), over the
    indicators whose ids are in `only` when it is given (a responsible unit's: every part of the
    page then counts those alone, so its story still adds up).

    One story: the cards (`totals`), the chart and the per-area table (`area_counts` and
    `outside_counts`, which add up to the cards), the attention list (exactly the cards' red and
    yellow indicators) and the final results (`final_results`, whose targets without a later one
    carry the very verdicts the cards count) all count the same city rows at `period`."""
    rows = _city_rows(plan, period)
    if only is not None:
        rows = rows.filter(indicator_id__in=only)
    rows = list(rows.select_related("indicator__measure__area").order_by("indicator__position", "indicator__code"))
    goal_years = _goal_years(plan)
    progress = [IndicatorStatusRow(indicator=r.indicator, row=r, goal_years=goal_years.get(r.indicator_id, ())) for r in rows]

    # Headline cards: the numeric indicators whose target is still running at this period (its
    # deadline quarter not yet passed); the overall goals' indicators first.
    running = [
        p for p in progress
        if p.indicator.is_numeric and p.row.target_id and p.row.deadline and p.row.deadline >= period.start
    ]
    headline = sorted(running, key=lambda p: (not p.goal_years, p.goal_years, p.indicator.position, p.indicator.code))

    areas = list(Area.objects.filter(plan=plan).order_by("number"))
    area_counts, outside = _count_by_area(areas, progress)
    totals = StatusCounts(area=None)
    verdicts = StatusCounts(area=None)  # the indicators past their last deadline, by verdict
    for item in progress:
        totals.add(item.status)
        if item.is_verdict:
            verdicts.add(item.status)

    return {
        "period": period,
        "headline": headline,
        "final_results": _final_results(plan, period, {p.indicator.pk: p for p in progress}, only),
        "area_counts": area_counts,
        "outside_counts": outside,
        "totals": totals,
        "verdicts": verdicts,
        "attention": _attention(progress, period),
        "indicator_count": len(progress),
    }


def _meets(value: Decimal | None, target: ProgressSnapshot) -> bool:
    """Return whether `value` meets the target of the row `target` (`=` means at least, as the engine)."""
    if value is None or target.target_value is None:
        return False
    if target.target and target.target.comparator == "<=":
        return value <= target.target_value
    return value >= target.target_value


@dataclass
class FinalResult:
    """A target whose deadline quarter has been computed, and its verdict (PROGRESS-RULES.md):
    achieved (met by the deadline), achieved late (met after it, by the selected period) or
    missed. Leaders see it as it stood at the deadline, with the quarter it was met later."""

    row: ProgressSnapshot  # the city's row at the deadline quarter
    now: ProgressSnapshot | None  # the indicator's row at the selected period, for comparison
    met_late_in: Period | None = None  # the first quarter after the deadline in which it was met

    @property
    def at_deadline(self) -> IndicatorStatusRow:
        return IndicatorStatusRow(indicator=self.row.indicator, row=self.row)

    @property
    def latest(self) -> IndicatorStatusRow:
        return IndicatorStatusRow(indicator=self.row.indicator, row=self.now)

    @property
    def is_last(self) -> bool:
        """Return whether no later target follows: the indicator's row at the period is then this
        target's verdict, counted by the overview's cards."""
        return bool(self.now and self.now.target_id == self.row.target_id)

    @property
    def verdict(self) -> str:
        """Return achieved, achieved_late or missed."""
        if self.row.status == Status.ACHIEVED:
            return Status.ACHIEVED
        if self.is_last and self.now.status in VERDICTS:
            return self.now.status  # the engine's verdict, the one the cards count
        return Status.ACHIEVED_LATE if self.met_late_in else Status.MISSED

    @property
    def achieved(self) -> bool:
        return self.verdict == Status.ACHIEVED

    @property
    def light(self) -> str:
        return status_light(self.verdict)

    @property
    def outcome(self) -> str:
        if self.verdict == Status.ACHIEVED:
            return _("Achieved")
        if self.verdict == Status.ACHIEVED_LATE:
            if self.met_late_in:
                return _("Missed at the deadline; achieved late, in %(code)s") % {"code": self.met_late_in.code}
            return _("Missed at the deadline; achieved late")
        if self.row.status == Status.NO_DATA:
            return _("Missed (no approved figures)")
        return _("Missed")

    @property
    def reached_since(self) -> bool:
        """Return whether a target missed at its deadline has been met since (achieved late)."""
        return self.verdict == Status.ACHIEVED_LATE


def _deadline_rows(plan: Plan, period: Period) -> QuerySet[ProgressSnapshot]:
    """Return the city rows at the deadline quarter of each city target due by `period`: the row of
    the quarter that holds the target's deadline date, whose status is final."""
    return ProgressSnapshot.objects.filter(
        indicator__plan=plan, indicator__active=True, unit__kind=Unit.Kind.CITY,
        target__isnull=False, target__unit__isnull=True,
        target__deadline__gte=F("period__start"), target__deadline__lte=F("period__end"),
        period__start__lte=period.start,
    ).select_related("indicator", "period", "target")


def _met_late(results: list[FinalResult], plan: Plan, period: Period) -> None:
    """Give each result missed at its deadline the first later quarter, up to `period`, in which
    the city's value met it (one query over the city rows after the deadlines)."""
    missed = [r for r in results if r.row.status != Status.ACHIEVED]
    if not missed:
        return
    first = min(r.row.period.start for r in missed)
    later = (
        ProgressSnapshot.objects.filter(
            indicator_id__in={r.row.indicator_id for r in missed}, unit__kind=Unit.Kind.CITY,
            period__start__gt=first, period__start__lte=period.start, actual__isnull=False,
        )
        .select_related("period")
        .order_by("period__start")
    )
    by_indicator: dict[int, list[ProgressSnapshot]] = {}
    for row in later:
        by_indicator.setdefault(row.indicator_id, []).append(row)
    for result in missed:
        deadline_start = result.row.period.start
        result.met_late_in = next(
            (r.period for r in by_indicator.get(result.row.indicator_id, [])
             if r.period.start > deadline_start and _meets(r.actual, result.row)),
            None,
        )


def _final_results(plan: Plan, period: Period, now: dict[int, IndicatorStatusRow], only: frozenset[int] | None = None) -> list[dict]:
    """Return, per horizon year whose deadlines have passed, each city target with its verdict and
    the counts per verdict (two queries). `final` counts the targets without a later one: their
    verdicts are the ones the overview's cards count; `continuing` are followed by a later target,
    whose progress the cards show instead."""
    horizons = [int(y) for y in plan.horizons or []]
    rows = _deadline_rows(plan, period).filter(target__year__in=horizons)
    if only is not None:
        rows = rows.filter(indicator_id__in=only)
    rows = rows.order_by("target__year", "indicator__position", "indicator__code")
    years: dict[int, list[FinalResult]] = {}
    for row in rows:
        current = now.get(row.indicator_id)
        years.setdefault(row.target.year, []).append(FinalResult(row=row, now=current.row if current else None))
    _met_late([r for items in years.values() for r in items], plan, period)
    result = []
    for year, items in years.items():
        counts = {v: sum(1 for i in items if i.verdict == v) for v in VERDICTS}
        result.append({
            "year": year,
            "results": items,
            "achieved": counts[Status.ACHIEVED],
            "achieved_late": counts[Status.ACHIEVED_LATE],
            "missed": counts[Status.MISSED],
            "continuing": sum(1 for i in items if not i.is_last),
        })
    return result


# --- Task areas and measures -----------------------------------------------------------------


def _measure_progress(measures: list[Measure], rows: dict[int, ProgressSnapshot], narratives: dict[int, list[Submission]]) -> list[dict]:
    result = []
    for measure in measures:
        items = [IndicatorStatusRow(indicator=i, row=rows.get(i.pk)) for i in measure.indicators.all()]
        counts = StatusCounts(area=None)
        for item in items:
            counts.add(item.status)
        result.append({
            "measure": measure,
            "indicators": items,
            "numeric": [i for i in items if i.indicator.is_numeric],
            "narrative": [
                {"progress": i, "texts": narratives.get(i.indicator.pk, [])} for i in items if not i.indicator.is_numeric
            ],
            "counts": counts,
        })
    return result


def _latest_narratives(indicator_ids: list[int], period: Period | None) -> dict[int, list[Submission]]:
    """Return, per narrative indicator, each unit's latest approved text up to `period`, newest first
    (one query: a window numbers each unit's texts from the latest; one pass over them, where a
    correlated subquery per text grew with units × quarters)."""
    if not indicator_ids or period is None:
        return {}
    recency = Window(RowNumber(), partition_by=[F("indicator_id"), F("unit_id")], order_by=F("period__start").desc())
    texts = (
        Submission.objects.filter(approved__isnull=False, period__start__lte=period.start, indicator_id__in=indicator_ids)
        .annotate(recency=recency)
        .filter(recency=1)
        .select_related("unit", "period", "approved")
        .order_by("indicator_id", "-period__start", "-approved__approved_at", "unit__code")
    )
    result: dict[int, list[Submission]] = {}
    for submission in texts:
        result.setdefault(submission.indicator_id, []).append(submission)
    return result


def _measures_read(plan: Plan, period: Period | None, measures: QuerySet[Measure]) -> list[dict]:
    measures = list(measures.prefetch_related(Prefetch("indicators", queryset=Indicator.objects.filter(active=True).order_by("position", "code"))))
    indicator_ids = [i.pk for m in measures for i in m.indicators.all()]
    rows = {r.indicator_id: r for r in _city_rows(plan, period).filter(indicator_id__in=indicator_ids)}
    narrative_ids = [i.pk for m in measures for i in m.indicators.all() if not i.is_numeric]
    result = _measure_progress(measures, rows, _latest_narratives(narrative_ids, period))
    # Targets already due: their final result, judged at the deadline quarter (one query).
    passed = {i.indicator.pk: i for block in result for i in block["numeric"] if i.deadline_passed}
    if passed:
        for row in _deadline_rows(plan, period).filter(indicator_id__in=passed).order_by("period__start"):
            item = passed[row.indicator_id]
            item.final = FinalResult(row=row, now=item.row)  # the latest deadline passed wins
        _met_late([i.final for i in passed.values() if i.final], plan, period)
    return result


def dashboard_area(*, plan: Plan, number: int, period: Period | None) -> dict:
    """Return a task area's measures with their indicators' status at `period` (404 for no such area)."""
    area = Area.objects.filter(plan=plan, number=number).first()
    if area is None:
        raise Http404("no such area")
    measures = _measures_read(plan, period, Measure.objects.filter(area=area).order_by("number"))
    counts = StatusCounts(area=area)
    for m in measures:
        for item in m["indicators"]:
            counts.add(item.status)
    return {"area": area, "measures": measures, "counts": counts, "period": period}


def dashboard_measure(*, plan: Plan, number: int, period: Period | None) -> dict:
    """Return one measure with its indicators' status at `period` (404 for no such measure)."""
    found = _measures_read(
        plan, period, Measure.objects.filter(area__plan=plan, number=number).select_related("area")
    )
    if not found:
        raise Http404("no such measure")
    numbers = list(Measure.objects.filter(area__plan=plan).order_by("number").values_list("number", flat=True))
    i = numbers.index(number)
    return {
        "measure": found[0]["measure"],
        "measure_block": found[0],
        "counts": found[0]["counts"],
        "period": period,
        "previous": numbers[i - 1] if i > 0 else None,
        "following": numbers[i + 1] if i + 1 < len(numbers) else None,
    }
