"""What each role finds on its home page after login: its own work first, the plan one click away.

Reporters: their unit's open periods, what is due, late or returned, each a link to its form.
Reviewers: the queue (oldest first) and what is overdue — figures waiting long for a decision and
units whose reports for a period past its due date are still missing. Auditors: the latest audit
entries and their exports. Leaders and administrators land on the overview (the view redirects).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from ..models import AuditEntry, Period, Submission, Unit, User
from .exports import exports_for_user
from .reporting import MISSING, PeriodSummary, period_rows, reporter_open_periods, reporter_returned
from .responsibilities import responsibilities_period, unit_responsibilities
from .review import review_queue_submissions

# A figure waiting this many days for a decision is overdue for the reviewer.
REVIEW_WAIT_DAYS = 5
QUEUE_SHOWN = 10
TO_DO_SHOWN = 12
AUDIT_SHOWN = 10
# What the reporter still has to do on a slot, most pressing first.
TO_DO_ORDER = {Submission.Status.RETURNED: 0, MISSING: 1, Submission.Status.DRAFT: 2}


@dataclass
class PeriodWork:
    """One open period on the reporter's home: its summary and the slots still needing the reporter."""

    summary: PeriodSummary
    to_do: list = field(default_factory=list)  # SlotRow, returned first, then missing, then drafts

    @property
    def more(self) -> int:
        return max(0, self.summary.to_do - len(self.to_do))


def home_reporter(unit: Unit, *, today: dt.date | None = None) -> dict:
    """Return the reporter's work: returned reports, and per open period what is due, with links."""
    periods = []
    for summary in reporter_open_periods(unit, today=today):
        rows = [row for row in period_rows(unit, summary.period) if row.status in TO_DO_ORDER]
        rows.sort(key=lambda row: TO_DO_ORDER[row.status])
        periods.append(PeriodWork(summary=summary, to_do=rows[:TO_DO_SHOWN]))
    # By due date: the most overdue first.
    periods.sort(key=lambda work: work.summary.period.due)
    open_periods = sorted((w.summary.period for w in periods), key=lambda p: p.start)
    period = responsibilities_period(open_periods=open_periods, today=today)  # the quarter whose reports are due
    return {
        "returned": reporter_returned(unit),
        "periods": periods,
        "overdue": [w for w in periods if w.summary.overdue and w.summary.to_do],
        "responsibilities": unit_responsibilities(unit, period),
        "responsibilities_period": period,
    }


@dataclass
class MissingReports:
    """A unit whose reports for a period past its due date are not all in."""

    unit: Unit
    period: Period
    missing: int
    expected: int


def _missing_reports(today: dt.date) -> list[MissingReports]:
    """Return, for the open periods past their due date, the units with reports not yet submitted
    (no submission, or only a draft or a returned one), most missing first."""
    periods = list(Period.objects.filter(is_open=True, due__lt=today).order_by("start"))
    if not periods:
        return []
    expected = dict(
        Unit.objects.filter(active=True, reported_indicators__active=True)
        .annotate(n=Count("reported_indicators"))
        .values_list("pk", "n")
    )
    units = Unit.objects.in_bulk(list(expected))
    in_hand = Submission.objects.filter(
        period__in=periods, indicator__active=True,
        status__in=[Submission.Status.SUBMITTED, Submission.Status.APPROVED],
    ).values("period_id", "unit_id").annotate(n=Count("pk"))
    got = {(row["period_id"], row["unit_id"]): row["n"] for row in in_hand}
    result = []
    for period in periods:
        for unit_id, n in expected.items():
            missing = n - got.get((period.pk, unit_id), 0)
            if missing > 0:
                result.append(MissingReports(unit=units[unit_id], period=period, missing=missing, expected=n))
    result.sort(key=lambda m: (m.period.start, -m.missing, m.unit.code))
    return result


def home_reviewer(user: User, *, today: dt.date | None = None) -> dict:
    """Return the reviewer's queue (oldest submitted first) and what is overdue."""
    today = today or timezone.localdate()
    now = timezone.now()
    waiting = review_queue_submissions(user).filter(status=Submission.Status.SUBMITTED)
    queue = list(waiting.order_by("current__submitted_at", "pk")[:QUEUE_SHOWN])
    for submission in queue:
        submitted_at = submission.current.submitted_at if submission.current else None
        submission.waiting_days = (now - submitted_at).days if submitted_at else 0
    counts = waiting.aggregate(
        total=Count("pk"),
        long_waiting=Count("pk", filter=Q(current__submitted_at__lt=now - dt.timedelta(days=REVIEW_WAIT_DAYS))),
    )
    return {
        "queue": queue,
        "queue_total": counts["total"],
        "long_waiting": counts["long_waiting"],
        "wait_days": REVIEW_WAIT_DAYS,
        "missing": _missing_reports(today),
    }


def home_auditor(user: User) -> dict:
    """Return the latest audit entries (with the people's names) and the auditor's exports."""
    entries = list(AuditEntry.objects.select_related("actor").order_by("-id")[:AUDIT_SHOWN])
    return {"entries": entries, "exports": exports_for_user(user, limit=5)}

