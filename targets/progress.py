"""The progress engine of PROGRESS-RULES.md, as pure functions.

Input: the approved figures of one indicator (one per unit and quarter, the latest approved
version), its targets and baseline, the plan's settings. Output: one `Row` per (unit or city,
quarter) from the plan's first quarter to the current one — exactly the "Output row" of the rules.
Nothing here touches the database: `targets.actions.progress` fetches the figures with one query and
stores the rows; tests feed these functions by hand, as an auditor with a calculator would.

Quarters are numbered q = 1, 2, … from the plan's first period (q(2023Q1) = 1 for a 2023 start).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from .plan_calendar import Calendar  # noqa: F401  (the engine's calendar: q = 1 is the plan's first quarter)

HUNDRED = Decimal(100)
STATUS_ORDER = ["on_track", "at_risk", "off_track"]  # narrative self-statuses: the worst is the last


class Status:
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ACHIEVED_LATE = "achieved_late"
    MISSED = "missed"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"


@dataclass(frozen=True)
class Figure:
    """One approved figure of a unit for a quarter."""

    unit: int
    q: int
    increment: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    done: bool | None = None
    self_status: str = ""


@dataclass(frozen=True)
class TargetSpec:
    year: int
    deadline_q: int  # q of the quarter holding the deadline date
    mode: str  # reach | maintain
    comparator: str  # >= | = | <=
    value: Decimal
    stretch: Decimal | None = None
    aspirational: bool = False
    unit: int | None = None  # None: the city-wide target
    deadline: object = None  # the date, carried through to the output


@dataclass(frozen=True)
class Settings:
    on_track_max_gap: Decimal = Decimal(10)
    at_risk_max_gap: Decimal = Decimal(30)
    maintain_at_risk_pp: Decimal = Decimal(2)


@dataclass
class Row:
    unit: int | None  # None: the city
    q: int
    actual: Decimal | None
    target: TargetSpec | None = None
    time_elapsed_pct: Decimal | None = None
    completion_pct: Decimal | None = None
    gap_pp: Decimal | None = None
    status: str = Status.NO_DATA
    required_pace: Decimal | None = None
    recent_pace: Decimal | None = None
    projected: Decimal | None = None


# --- Actual values --------------------------------------------------------------------------


def _by_unit(figures: Iterable[Figure]) -> dict[int, dict[int, Figure]]:
    grouped: dict[int, dict[int, Figure]] = defaultdict(dict)
    for f in figures:
        grouped[f.unit][f.q] = f
    return grouped


def actual_cumulative(figures: dict[int, Figure], n: int, baseline: Decimal = Decimal(0)) -> list[Decimal | None]:
    """Return A(q) for q = 1..n: baseline + the sum of increments up to q (None before any figure)."""
    series: list[Decimal | None] = []
    total, seen = baseline, False
    for q in range(1, n + 1):
        f = figures.get(q)
        if f is not None and f.increment is not None:
            total += f.increment
            seen = True
        series.append(total if seen else None)
    return series


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return HUNDRED * num / den if den else None


def sums_ratio_ytd(figures: dict[int, Figure], n: int, cal: Calendar) -> list[tuple[Decimal, Decimal] | None]:
    """Return (Σnum, Σden) over the quarters of q's calendar year up to q, or None with none yet."""
    result: list[tuple[Decimal, Decimal] | None] = []
    num = den = Decimal(0)
    year, seen = None, False
    for q in range(1, n + 1):
        if cal.year(q) != year:
            year, num, den, seen = cal.year(q), Decimal(0), Decimal(0), False
        f = figures.get(q)
        if f is not None and f.denominator:
            num += f.numerator or 0
            den += f.denominator
            seen = True
        result.append((num, den) if seen else None)
    return result


def latest_state(figures: dict[int, Figure], n: int) -> list[Figure | None]:
    """Return, for each q, the unit's latest figure with quarter ≤ q."""
    result: list[Figure | None] = []
    current = None
    for q in range(1, n + 1):
        if q in figures:
            current = figures[q]
        result.append(current)
    return result


def done_since(figures: dict[int, Figure], n: int) -> list[int | None]:
    """Return A(q) of a milestone: 1 from the first quarter with done, else 0 (None before any figure)."""
    result: list[int | None] = []
    seen = done = False
    for q in range(1, n + 1):
        f = figures.get(q)
        if f is not None:
            seen = True
            done = done or bool(f.done)
        result.append((1 if done else 0) if seen else None)
    return result


# --- Targets and status -----------------------------------------------------------------------


def active_target(targets: list[TargetSpec], q: int, cal: Calendar) -> TargetSpec | None:
    """Return the target in force at q: maintain → the one for q's year; reach → the earliest
    deadline at or after q, or the last one when every deadline has passed."""
    if not targets:
        return None
    maintain = [t for t in targets if t.mode == "maintain"]
    if maintain:
        for t in maintain:
            if t.year == cal.year(q):
                return t
        return None
    ordered = sorted(targets, key=lambda t: t.deadline_q)
    for t in ordered:
        if t.deadline_q >= q:
            return t
    return ordered[-1]


def time_elapsed_pct(q: int, target: TargetSpec) -> Decimal:
    """Return τ = 100 · q / q(D): how much of the time to the target's deadline quarter has passed at q."""
    return HUNDRED * q / target.deadline_q


def expected_value(q: int, target: TargetSpec, baseline: Decimal) -> Decimal:
    """Return where A should stand at q to reach T by D on a straight line from the baseline at the
    plan start (序时进度): B + (T − B) · τ / 100, so that completion equals time elapsed (gap 0)."""
    return baseline + (target.value - baseline) * time_elapsed_pct(q, target) / HUNDRED


def expected_path(targets: Iterable[TargetSpec], baseline: Decimal, cal: Calendar) -> list[tuple[int, TargetSpec, Decimal]]:
    """Return (q, active target, expected value) for q = 1 … the last deadline quarter of the
    `reach` targets given (one unit's, or the city's): the path the gap is measured against. There
    is none beyond the last deadline, where a row is a verdict."""
    reach = [t for t in targets if t.mode == "reach"]
    if not reach:
        return []
    path = []
    for q in range(1, max(t.deadline_q for t in reach) + 1):
        target = active_target(reach, q, cal)
        path.append((q, target, expected_value(q, target, baseline)))
    return path


def meets(actual: Decimal, target: TargetSpec) -> bool:
    """Return whether A meets T; `=` means at least T (e.g. = 100% is ≥ 100)."""
    if target.comparator == "<=":
        return actual <= target.value
    return actual >= target.value


def _gap_status(gap: Decimal, settings: Settings) -> str:
    if gap <= settings.on_track_max_gap:
        return Status.ON_TRACK
    if gap <= settings.at_risk_max_gap:
        return Status.AT_RISK
    return Status.OFF_TRACK


def reach_row(
    row: Row,
    target: TargetSpec,
    *,
    baseline: Decimal,
    kind: str,
    settings: Settings,
    achieved_before: bool,
    recent_pace: Decimal | None,
    met_late_before: bool = False,
) -> Row:
    """Fill in a `reach` row's percentages, status and pace (row.actual is set, not None).

    `achieved_before`: the target was met at a quarter up to its deadline before this one;
    `met_late_before`: it was met only after its deadline, before this quarter."""
    q, actual = row.q, row.actual
    row.target = target
    if q > target.deadline_q:
        # Past the (last) deadline the row is a verdict: no time elapsed, completion, gap or pace.
        if achieved_before:
            row.status = Status.ACHIEVED
        elif met_late_before or meets(actual, target):
            row.status = Status.ACHIEVED_LATE
        else:
            row.status = Status.MISSED
        return row
    row.time_elapsed_pct = time_elapsed_pct(q, target)
    span = target.value - baseline
    row.completion_pct = HUNDRED * (actual - baseline) / span if span else (HUNDRED if meets(actual, target) else Decimal(0))
    row.gap_pp = row.time_elapsed_pct - row.completion_pct
    if achieved_before or meets(actual, target):
        row.status = Status.ACHIEVED
    elif q >= target.deadline_q:
        row.status = Status.MISSED
    elif kind == "milestone":
        row.status = Status.AT_RISK if target.deadline_q - q < 4 else Status.ON_TRACK
    else:
        row.status = _gap_status(row.gap_pp, settings)
    if kind == "cumulative" and row.status not in (Status.ACHIEVED, Status.MISSED):
        remaining = target.deadline_q - q
        row.required_pace = (target.value - actual) / remaining if remaining else None
        row.recent_pace = recent_pace
        if recent_pace is not None:
            row.projected = actual + recent_pace * remaining
    return row


def maintain_row(row: Row, target: TargetSpec, *, cal: Calendar, settings: Settings) -> Row:
    """Fill in a `maintain` row: judged on the year-to-date ratio, final in the year's 4th quarter."""
    row.target = target
    actual = row.actual
    shortfall = target.value - actual
    # The rules define no time-elapsed or completion for maintain targets; the gap is how many
    # percentage points the year-to-date ratio lies below the target (negative: above it).
    row.gap_pp = shortfall
    if cal.quarter(row.q) == 4:
        row.status = Status.ACHIEVED if meets(actual, target) else Status.MISSED
    elif meets(actual, target):
        row.status = Status.ON_TRACK
    elif shortfall <= settings.maintain_at_risk_pp:
        row.status = Status.AT_RISK
    else:
        row.status = Status.OFF_TRACK
    return row


def recent_paces(increments_by_q: list[Decimal], window: int = 4) -> list[Decimal]:
    """Return, per q, the mean increment over the last `window` quarters up to q (fewer at the start)."""
    paces = []
    for i in range(len(increments_by_q)):
        chunk = increments_by_q[max(0, i - window + 1) : i + 1]
        paces.append(sum(chunk, Decimal(0)) / len(chunk))
    return paces


# --- One indicator, city and units ------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    kind: str
    baseline: Decimal
    targets: tuple[TargetSpec, ...]
    reporting_units: tuple[int, ...]
    lead_unit: int | None = None  # the lead unit (牵头单位): a narrative's city status is its own


def narrative_status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """Return how many units said each narrative status (on_track, at_risk, off_track)."""
    said = list(statuses)
    return {status: said.count(status) for status in STATUS_ORDER}


def narrative_city_status(lead_status: str | None, statuses: Iterable[str]) -> str | None:
    """Return a narrative's city status: the lead unit's latest self-status when it has one, else
    the status most units gave (a tie goes to the worse); None when no unit gave one.

    `statuses` are every unit's latest approved self-status (the lead's among them)."""
    if lead_status in STATUS_ORDER:
        return lead_status
    counts = narrative_status_counts(statuses)
    most = max(counts.values())
    if not most:
        return None
    return max((s for s, n in counts.items() if n == most), key=STATUS_ORDER.index)


def compute_indicator(spec: IndicatorSpec, figures: Iterable[Figure], n: int, cal: Calendar, settings: Settings) -> list[Row]:
    """Return the output rows of one indicator for the city (unit None) and every reporting unit,
    for quarters 1..n."""
    by_unit = _by_unit(figures)
    units = sorted(set(spec.reporting_units) | set(by_unit))
    city_targets = [t for t in spec.targets if t.unit is None]
    unit_targets: dict[int, list[TargetSpec]] = defaultdict(list)
    for t in spec.targets:
        if t.unit is not None:
            unit_targets[t.unit].append(t)

    rows: list[Row] = []
    kind = spec.kind
    if kind == "cumulative":
        unit_series = {u: actual_cumulative(by_unit.get(u, {}), n) for u in units}
        # The city's increment of each quarter: the sum over all units (recent pace is its mean).
        increments = [
            sum((by_unit[u][q].increment or Decimal(0) for u in by_unit if q in by_unit[u]), Decimal(0))
            for q in range(1, n + 1)
        ]
        any_data = [any(unit_series[u][i] is not None for u in units) for i in range(n)]
        city = [spec.baseline + sum(increments[: i + 1], Decimal(0)) if any_data[i] else None for i in range(n)]
        rows += _reach_rows(None, city, city_targets, spec.baseline, kind, n, cal, settings, recent_paces(increments))
        for u in units:
            own = by_unit.get(u, {})
            unit_increments = [(own[q].increment or Decimal(0)) if q in own else Decimal(0) for q in range(1, n + 1)]
            rows += _reach_rows(u, unit_series[u], unit_targets.get(u, []), Decimal(0), kind, n, cal, settings, recent_paces(unit_increments))
    elif kind == "ratio_ytd":
        unit_sums = {u: sums_ratio_ytd(by_unit.get(u, {}), n, cal) for u in units}
        city = []
        for i in range(n):
            present = [unit_sums[u][i] for u in units if unit_sums[u][i] is not None]
            num = sum((p[0] for p in present), Decimal(0))
            den = sum((p[1] for p in present), Decimal(0))
            city.append(_ratio(num, den) if present else None)
        rows += _maintain_rows(None, city, city_targets, n, cal, settings)
        for u in units:
            series = [_ratio(*s) if s else None for s in unit_sums[u]]
            rows += _maintain_rows(u, series, unit_targets.get(u, []), n, cal, settings)
    elif kind == "ratio_latest":
        states = {u: latest_state(by_unit.get(u, {}), n) for u in units}
        city = []
        for i in range(n):
            present = [states[u][i] for u in units if states[u][i] is not None]
            num = sum((f.numerator or 0 for f in present), Decimal(0))
            den = sum((f.denominator or 0 for f in present), Decimal(0))
            city.append(_ratio(num, den) if present else None)
        rows += _reach_rows(None, city, city_targets, spec.baseline, kind, n, cal, settings, None)
        for u in units:
            series = [_ratio(f.numerator or Decimal(0), f.denominator) if f else None for f in states[u]]
            rows += _reach_rows(u, series, unit_targets.get(u, []), Decimal(0), kind, n, cal, settings, None)
    elif kind == "milestone":
        done = {u: done_since(by_unit.get(u, {}), n) for u in units}
        total = len(spec.reporting_units) or len(units)
        city = []
        for i in range(n):
            if all(done[u][i] is None for u in units):
                city.append(None)
            else:
                city.append(Decimal(sum(1 for u in spec.reporting_units if done.get(u, [None] * n)[i] == 1)) / total)
        rows += _reach_rows(None, city, city_targets, Decimal(0), kind, n, cal, settings, None)
        for u in units:
            series = [None if d is None else Decimal(d) for d in done[u]]
            rows += _reach_rows(u, series, unit_targets.get(u, []), Decimal(0), kind, n, cal, settings, None)
    else:  # narrative: a status, no number
        states = {u: latest_state(by_unit.get(u, {}), n) for u in units}
        lead = states.get(spec.lead_unit) if spec.lead_unit is not None else None
        for i in range(n):
            said = [states[u][i].self_status for u in units if states[u][i] is not None]
            lead_said = lead[i].self_status if lead and lead[i] is not None else None
            status = narrative_city_status(lead_said, said)
            rows.append(Row(unit=None, q=i + 1, actual=None, status=status or Status.NO_DATA))
        for u in units:
            for i in range(n):
                f = states[u][i]
                rows.append(Row(unit=u, q=i + 1, actual=None, status=(f.self_status if f and f.self_status else Status.NO_DATA)))
    return rows


def _reach_rows(unit, series, targets, baseline, kind, n, cal, settings, paces) -> list[Row]:
    rows = []
    achieved: set[int] = set()  # ids of targets met by their deadline so far: achieved stays achieved
    late: set[int] = set()  # ids of targets met only after their deadline: achieved late stays so
    for i in range(n):
        q = i + 1
        row = Row(unit=unit, q=q, actual=series[i])
        target = active_target(targets, q, cal)
        if row.actual is None:
            row.target = target
            row.status = Status.NO_DATA
        elif target is None:
            row.status = Status.NO_TARGET
        else:
            key = id(target)
            reach_row(
                row, target, baseline=baseline, kind=kind, settings=settings,
                achieved_before=key in achieved, met_late_before=key in late,
                recent_pace=paces[i] if paces else None,
            )
            if row.status == Status.ACHIEVED:
                achieved.add(key)
            elif row.status == Status.ACHIEVED_LATE:
                late.add(key)
        rows.append(row)
    return rows


def _maintain_rows(unit, series, targets, n, cal, settings) -> list[Row]:
    rows = []
    for i in range(n):
        row = Row(unit=unit, q=i + 1, actual=series[i])
        target = active_target(targets, row.q, cal)
        if row.actual is None:
            row.target = target
            row.status = Status.NO_DATA
        elif target is None:
            row.status = Status.NO_TARGET
        else:
            maintain_row(row, target, cal=cal, settings=settings)
        rows.append(row)
    return rows
