"""Recomputing progress snapshots: fetch one indicator's approved figures, run the engine, swap.

A recompute replaces all rows of one indicator in one transaction (delete + insert), so a reader
sees either the old rows or the new ones, never a mix. Each run is recorded with the latest
approval it includes.

On PostgreSQL the rows are computed set-based by targets.progress_sql (one INSERT … SELECT for any
number of indicators, the same rows as the Python engine); elsewhere (SQLite for `make run`) the
Python engine of targets.progress computes them and they are inserted in bulk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.utils import timezone

from .. import progress as engine
from .. import progress_sql
from ..models import (
    Indicator,
    Period,
    Plan,
    ProgressRun,
    ProgressSnapshot,
    Submission,
    Unit,
)
from ..plan_calendar import Calendar
from ..selectors.indicator_progress import target_spec

QUANTUM = Decimal(1).scaleb(-10)  # snapshots keep 10 decimal places; display rounds further
COLUMNS = [
    "indicator_id", "unit_id", "period_id", "actual", "target_id", "target_value", "target_year", "deadline",
    "mode", "time_elapsed_pct", "completion_pct", "gap_pp", "status", "required_pace", "recent_pace",
    "projected", "computed_at",
]


def reporting_period(plan: Plan, today: dt.date | None = None) -> Period | None:
    """Return the period progress is computed up to: the latest quarter that has ended.

    A quarter's figures arrive after it ends; counting the running quarter would show time
    elapsed with no chance yet to report against it.
    """
    today = today or timezone.localdate()
    return Period.objects.filter(start__gte=plan.start, end__lt=today).order_by("-start").first()


def settings_for(plan: Plan) -> engine.Settings:
    return engine.Settings(
        on_track_max_gap=plan.on_track_max_gap,
        at_risk_max_gap=plan.at_risk_max_gap,
        maintain_at_risk_pp=plan.maintain_at_risk_pp,
    )


def _q(value):
    return None if value is None else value.quantize(QUANTUM)


def _write_rows(rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: an order of magnitude faster than INSERTs at scale.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([r"\N" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {ProgressSnapshot._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
    else:
        ProgressSnapshot.objects.bulk_create([ProgressSnapshot(**dict(zip(COLUMNS, row))) for row in rows], batch_size=1000)


def _city_id() -> int | None:
    return Unit.objects.filter(kind=Unit.Kind.CITY).values_list("pk", flat=True).first()


def _recompute_in_sql(indicators: list[Indicator], *, trigger: str, today: dt.date | None) -> list[ProgressRun]:
    """Recompute `indicators` set-based in PostgreSQL: one statement per plan, one transaction."""
    started = timezone.now()
    city = _city_id()
    by_plan: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        by_plan.setdefault(indicator.plan_id, []).append(indicator)
    written: dict[int, tuple[int, dt.datetime | None]] = {}
    with transaction.atomic():
        for group in by_plan.values():
            plan = group[0].plan
            current = reporting_period(plan, today)
            written.update(
                progress_sql.snapshots_write(
                    indicator_ids=[i.pk for i in group], plan_start=plan.start,
                    current_start=current.start if current else None, city_id=city,
                    on_track_gap=plan.on_track_max_gap, at_risk_gap=plan.at_risk_max_gap,
                    maintain_pp=plan.maintain_at_risk_pp, now=timezone.now(),
                )
            )
        finished = timezone.now()
        return ProgressRun.objects.bulk_create([
            ProgressRun(
                indicator=i, trigger=trigger, started_at=started, finished_at=finished, rows=written[i.pk][0],
                latest_approval_at=written[i.pk][1],
            )
            for i in indicators
        ])


def progress_recompute(*, indicator: Indicator, trigger: str = "manual", today: dt.date | None = None) -> ProgressRun:
    """Recompute every snapshot row of `indicator` and swap them in atomically."""
    if connection.vendor == "postgresql":
        return _recompute_in_sql([indicator], trigger=trigger, today=today)[0]
    return progress_recompute_python(indicator=indicator, trigger=trigger, today=today)


@transaction.atomic
def progress_recompute_python(*, indicator: Indicator, trigger: str = "manual", today: dt.date | None = None) -> ProgressRun:
    """The reference path: fetch the figures, run targets.progress, write its rows."""
    started = timezone.now()
    plan = indicator.plan
    cal = Calendar.starting(plan.start)
    current = reporting_period(plan, today)
    periods = {cal.q_of(p.year, p.quarter): p for p in Period.objects.filter(start__gte=plan.start, start__lte=current.start)} if current else {}
    n = max(periods, default=0)
    figures_qs = Submission.objects.filter(indicator=indicator, approved__isnull=False, period__start__gte=plan.start)
    if current:
        figures_qs = figures_qs.filter(period__start__lte=current.start)
    raw = list(
        figures_qs.values_list(
            "unit_id", "period__year", "period__quarter", "approved__increment", "approved__numerator",
            "approved__denominator", "approved__done", "approved__self_status", "approved__approved_at",
        )
    )
    figures = [
        engine.Figure(unit=u, q=cal.q_of(y, k), increment=inc, numerator=num, denominator=den, done=done, self_status=status or "")
        for u, y, k, inc, num, den, done, status, _at in raw
    ]
    targets = list(indicator.targets.all())
    specs = {}
    for t in targets:
        specs[t.pk] = target_spec(t, cal)
    target_ids = {id(spec): pk for pk, spec in specs.items()}
    spec = engine.IndicatorSpec(
        kind=indicator.kind,
        baseline=indicator.baseline,
        targets=tuple(specs.values()),
        reporting_units=tuple(indicator.reporting_units.values_list("pk", flat=True)),
        lead_unit=indicator.lead_unit_id,
    )
    city = _city_id()
    out = engine.compute_indicator(spec, figures, n, cal, settings_for(plan))
    now = timezone.now()
    rows = []
    for r in out:
        t = r.target
        rows.append((
            indicator.pk, r.unit if r.unit is not None else city, periods[r.q].pk, _q(r.actual),
            target_ids.get(id(t)) if t else None, _q(t.value) if t else None, t.year if t else None,
            t.deadline if t else None, t.mode if t else "", _q(r.time_elapsed_pct), _q(r.completion_pct),
            _q(r.gap_pp), r.status, _q(r.required_pace), _q(r.recent_pace), _q(r.projected), now,
        ))
    ProgressSnapshot.objects.filter(indicator=indicator).delete()
    _write_rows(rows)
    latest = max((at for *_, at in raw if at is not None), default=None)
    return ProgressRun.objects.create(
        indicator=indicator, trigger=trigger, started_at=started, finished_at=timezone.now(), rows=len(rows),
        latest_approval_at=latest,
    )


def progress_recompute_all(*, trigger: str = "nightly", today: dt.date | None = None) -> list[ProgressRun]:
    """Recompute every active indicator.

    On PostgreSQL the indicators are split into PROGRESS_RECOMPUTE_CONNECTIONS batches of about
    equal work, computed side by side, each batch on its own connection in its own transaction:
    each indicator's rows are still swapped atomically. Called inside a transaction, everything
    runs in it (other connections would not see what it has not committed). Elsewhere each
    indicator is recomputed in its own transaction by the Python engine.
    """
    indicators = list(Indicator.objects.filter(active=True).select_related("plan").order_by("pk"))
    if connection.vendor != "postgresql":
        return [progress_recompute_python(indicator=i, trigger=trigger, today=today) for i in indicators]
    batches = recompute_batches(indicators, settings.PROGRESS_RECOMPUTE_CONNECTIONS)
    if len(batches) <= 1 or connection.in_atomic_block:
        return _recompute_in_sql(indicators, trigger=trigger, today=today)

    def batch_in_own_connection(batch: list[Indicator]) -> list[ProgressRun]:
        try:
            return _recompute_in_sql(batch, trigger=trigger, today=today)
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=len(batches), thread_name_prefix="recompute") as pool:
        runs = [run for batch_runs in pool.map(batch_in_own_connection, batches) for run in batch_runs]
    return sorted(runs, key=lambda run: run.indicator_id)


def recompute_batches(indicators: list[Indicator], count: int) -> list[list[Indicator]]:
    """Split `indicators` into at most `count` non-empty batches of about equal work (approved
    figures), the largest indicators placed first, each into the lightest batch so far."""
    figures = dict(
        Submission.objects.filter(indicator__in=indicators, approved__isnull=False)
        .values_list("indicator_id")
        .annotate(n=models.Count("*"))
    )
    batches: list[list[Indicator]] = [[] for _ in range(max(1, min(count, len(indicators))))]
    loads = [0] * len(batches)
    for indicator in sorted(indicators, key=lambda i: (-figures.get(i.pk, 0), i.pk)):
        lightest = loads.index(min(loads))
        batches[lightest].append(indicator)
        loads[lightest] += figures.get(indicator.pk, 0) + 1  # + 1: the city's rows
    return [batch for batch in batches if batch]
