"""Reads behind the reporter's pages: open periods, a unit's slots, one slot's form and evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from ..models import Evidence, Indicator, Period, Submission, SubmissionVersion, Unit, User
from ..ids import parse_id
from ..kinds import kind_of
from ..permissions import evidence_visible_to

# The states a reporter's slot can be in: no submission yet, then the submission's own status.
MISSING = "missing"
STATES = (
    MISSING,
    Submission.Status.DRAFT,
    Submission.Status.SUBMITTED,
    Submission.Status.RETURNED,
    Submission.Status.APPROVED,
)
HISTORY_QUARTERS = 8
HUNDRED = Decimal(100)


@dataclass
class PeriodSummary:
    """One open period as the reporter's home page shows it."""

    period: Period
    counts: dict[str, int]
    total: int
    days_left: int  # negative once overdue

    @property
    def state_counts(self) -> list[tuple[str, int]]:
        return [(state, self.counts[state]) for state in STATES]

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def to_do(self) -> int:
        """Return how many slots still need the reporter (missing, draft or returned)."""
        return self.counts[MISSING] + self.counts[Submission.Status.DRAFT] + self.counts[Submission.Status.RETURNED]


@dataclass
class SlotRow:
    """One assigned indicator of a period page: its submission (if any) and status."""

    indicator: Indicator
    submission: Submission | None

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else MISSING


@dataclass
class HistoryRow:
    """An earlier quarter on the form's side: its approved figures and what they add up to."""

    submission: Submission
    running_total: Decimal | None = None  # counts: the unit's increments up to this quarter
    share_pct: Decimal | None = None  # … as a share of all reporting units' increments up to it
    year_to_date_pct: Decimal | None = None  # year-to-date ratios: the unit's rate up to this quarter

    @property
    def period(self) -> Period:
        return self.submission.period

    @property
    def approved(self) -> SubmissionVersion:
        return self.submission.approved


@dataclass
class SlotDetail:
    """Everything the form page needs about one (indicator, unit, period)."""

    indicator: Indicator
    unit: Unit
    period: Period
    submission: Submission | None
    history: list[Submission] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # The side table's rows (history with the unit's running figures) and, for a year-to-date ratio,
    # the unit's approved numerator and denominator of the year's earlier quarters (the live rate).
    history_rows: list[HistoryRow] = field(default_factory=list)
    year_before: tuple[Decimal, Decimal] | None = None

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else MISSING

    @property
    def current(self) -> SubmissionVersion | None:
        return self.submission.current if self.submission else None


def _assigned_indicators(unit: Unit) -> QuerySet[Indicator]:
    return Indicator.objects.filter(active=True, reporting_units=unit)


def reporter_open_periods(unit: Unit, *, today: dt.date | None = None) -> list[PeriodSummary]:
    """Return the open periods with the unit's assigned indicators counted by state (three queries)."""
    today = today or timezone.localdate()
    periods = list(Period.objects.filter(is_open=True).order_by("start"))
    if not periods:
        return []
    total = _assigned_indicators(unit).count()
    rows = (
        Submission.objects.filter(
            unit=unit, period__in=periods, indicator__in=_assigned_indicators(unit)
        )
        .values("period_id", "status")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = {p.pk: {state: 0 for state in STATES} for p in periods}
    for row in rows:
        counts[row["period_id"]][row["status"]] = row["n"]
    result = []
    for period in periods:
        by_state = counts[period.pk]
        by_state[MISSING] = total - sum(n for state, n in by_state.items() if state != MISSING)
        result.append(PeriodSummary(period=period, counts=by_state, total=total, days_left=(period.due - today).days))
    return result


def reporter_returned(unit: Unit) -> list[Submission]:
    """Return the unit's returned submissions in open periods, oldest period first, with the reason."""
    return list(
        Submission.objects.filter(
            unit=unit, status=Submission.Status.RETURNED, period__is_open=True, indicator__active=True
        )
        .select_related("indicator", "period", "current__returned_by")
        .order_by("period__start", "indicator__position", "indicator__code")
    )


def period_rows(unit: Unit, period: Period) -> list[SlotRow]:
    """Return one row per active indicator assigned to the unit, with its submission for `period`."""
    indicators = list(_assigned_indicators(unit).order_by("position", "code"))
    submissions = {
        s.indicator_id: s
        for s in Submission.objects.filter(unit=unit, period=period, indicator__in=indicators).select_related(
            "current__created_by", "approved"
        )
    }
    return [SlotRow(indicator=ind, submission=submissions.get(ind.pk)) for ind in indicators]


def _submission_for_slot(indicator: Indicator, unit: Unit, period: Period) -> Submission | None:
    return (
        Submission.objects.filter(indicator=indicator, unit=unit, period=period)
        .select_related("current__created_by", "current__returned_by", "current__submitted_by", "approved__approved_by")
        .first()
    )


def slot_get(unit: Unit, period: Period, indicator_code: str) -> SlotDetail:
    """Return the unit's slot for `indicator_code` in `period`; 404 when the indicator is not assigned to it."""
    indicator = (
        _assigned_indicators(unit).filter(code=indicator_code).select_related("measure", "safeguard").first()
    )
    if indicator is None:
        raise Http404("indicator not assigned to this unit")
    submission = _submission_for_slot(indicator, unit, period)
    history = list(
        Submission.objects.filter(
            indicator=indicator, unit=unit, approved__isnull=False, period__start__lt=period.start
        )
        .select_related("approved", "period")
        .order_by("-period__start")[:HISTORY_QUARTERS]
    )
    evidence = list(submission.evidence.select_related("uploaded_by").order_by("uploaded_at")) if submission else []
    rows, year_before = _running_figures(indicator, unit, period, history)
    return SlotDetail(
        indicator=indicator, unit=unit, period=period, submission=submission, history=history, evidence=evidence,
        history_rows=rows, year_before=year_before,
    )


def _running_figures(indicator: Indicator, unit: Unit, period: Period, history: list[Submission]):
    """Return the side table's rows and the year's earlier approved (numerator, denominator) of a
    year-to-date ratio, from the approved figures before `period` (one query).

    Counts: the unit's running total of approved increments and its share of all reporting units'
    (the city's total less its baseline). Year-to-date ratios: the unit's rate from the year's first
    quarter up to each one — as the engine sums them (PROGRESS-RULES.md)."""
    kind = kind_of(indicator)
    rows = [HistoryRow(submission=s) for s in history]
    if not (kind.adds_up or kind.year_to_date):
        return rows, None
    approved = list(
        Submission.objects.filter(indicator=indicator, approved__isnull=False, period__start__lt=period.start)
        .filter(**({} if kind.adds_up else {"unit": unit}))
        .values_list("unit_id", "period__start", "approved__increment", "approved__numerator", "approved__denominator")
    )
    zero = Decimal(0)
    for row in rows:
        start = row.period.start
        if kind.adds_up:
            upto = [a for a in approved if a[1] <= start and a[2] is not None]
            mine = sum((a[2] for a in upto if a[0] == unit.pk), zero)
            everyone = sum((a[2] for a in upto), zero)
            row.running_total = mine
            row.share_pct = HUNDRED * mine / everyone if everyone else None
        else:
            num, den = _year_sums(approved, start.year, start)
            row.year_to_date_pct = HUNDRED * num / den if den else None
    year_before = None
    if kind.year_to_date:
        year_before = _year_sums(approved, period.start.year, period.start, before=True)
    return rows, year_before


def _year_sums(approved, year: int, upto: dt.date, *, before: bool = False) -> tuple[Decimal, Decimal]:
    """Return Σ numerator and Σ denominator of the approved rows of `year` up to `upto` (before it)."""
    chosen = [a for a in approved if a[1].year == year and (a[1] < upto if before else a[1] <= upto)]
    return (
        sum((a[3] for a in chosen if a[3] is not None), Decimal(0)),
        sum((a[4] for a in chosen if a[4] is not None), Decimal(0)),
    )


def evidence_get_for_user(user: User, pk) -> Evidence:
    """Return the evidence file `pk` (an id as the URL gave it) if `user` may read it; 404 otherwise.

    Who may read which file is permissions.evidence_visible_to: the submission's readers, leaders
    only the files of the approved version and earlier.
    """
    pk = parse_id(pk)
    if pk is None:
        raise Http404("no such evidence file")
    evidence = evidence_visible_to(user).filter(pk=pk).select_related("submission").first()
    if evidence is None:
        raise Http404("no such evidence file")
    return evidence
