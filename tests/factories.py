"""Data for tests, made through the same actions the product uses (no hand-written rows)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from targets.actions import submission_approve, submission_save
from targets.identifiers import USCC, uscc_check_character
from django.utils import timezone

from targets.models import Indicator, OutboxMessage, Period, Submission, Unit, User

# A complete, ordinary set of values for each kind (an increment of 2 lists two items: values_for
# gives each call items of its own, since an item is counted once per indicator).
VALUES = {
    Indicator.Kind.CUMULATIVE: {"increment": "2", "items": "标准装置甲 | CERT-001\n标准装置乙 | CERT-002"},
    Indicator.Kind.RATIO_YTD: {"numerator": "990", "denominator": "1000"},
    Indicator.Kind.RATIO_LATEST: {"numerator": "45", "denominator": "50"},
    Indicator.Kind.MILESTONE: {"done": "false"},
    Indicator.Kind.NARRATIVE: {"narrative": "按计划推进。", "self_status": "on_track"},
}


def open_period(code: str) -> Period:
    """Return the period `code`, open for reporting (tests must not depend on today's date)."""
    period = Period.objects.get(code=code)
    if not period.is_open:
        period.is_open = True
        period.save(update_fields=["is_open"])
    return period


_serial = itertools.count(1)


def uscc(serial: int, division: str = "330302") -> str:
    """Return a well-formed unified social credit code (check character per GB 32100-2015), one per
    (serial, division)."""
    first17 = f"91{division}{serial:09d}"
    return first17 + uscc_check_character(first17)


def fresh_items(indicator: Indicator, count: int) -> str:
    """Return `count` items (lines “name | identifier”) no other call returns, carrying the
    identifier the indicator's items carry (the plan's item_identifier)."""
    lines = []
    for _ in range(count):
        n = next(_serial)
        number = uscc(n) if indicator.item_identifier == USCC else f"CERT-T{n:05d}"
        lines.append(f"测试项目{n} | {number}")
    return "\n".join(lines)


def values_for(code: str, **overrides) -> dict:
    indicator = Indicator.objects.get(code=code)
    values = {**VALUES[indicator.kind], **overrides}
    if indicator.kind == Indicator.Kind.CUMULATIVE and "items" not in overrides:
        try:
            count = int(values["increment"])
        except (TypeError, ValueError):
            count = 2  # an increment a test wants refused: the items do not matter
        values["items"] = fresh_items(indicator, count)
    return values


def draft(reporter: User, code: str, period: str = "2026Q3", *, submit: bool = False, **overrides) -> Submission:
    """Save (and optionally submit) the reporter's figures for indicator `code` in `period`."""
    return submission_save(
        user=reporter,
        indicator=Indicator.objects.get(code=code),
        unit=reporter.unit,
        period=open_period(period),
        values=values_for(code, **overrides),
        submit=submit,
    )


def submitted(reporter: User, code: str, period: str = "2026Q3", **overrides) -> Submission:
    return draft(reporter, code, period, submit=True, **overrides)


def approved(reporter: User, reviewer: User, code: str, period: str = "2026Q3", **overrides) -> Submission:
    return submission_approve(user=reviewer, submission=submitted(reporter, code, period, **overrides))


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def typical_values(indicator: Indicator, index_of_period: int) -> dict:
    """Return ordinary stored values of `indicator`'s kind (as a version holds them)."""
    return {
        # (bulk-written, claiming nothing: the pages that read them do not look at claims)
        Indicator.Kind.CUMULATIVE: {"increment": Decimal(1), "items": [{"name": "标准装置甲", "number": f"C-{index_of_period}"}]},
        Indicator.Kind.RATIO_YTD: {"numerator": Decimal(990), "denominator": Decimal(1000)},
        Indicator.Kind.RATIO_LATEST: {"numerator": Decimal(45), "denominator": Decimal(50)},
        Indicator.Kind.MILESTONE: {"done": False},
        Indicator.Kind.NARRATIVE: {"narrative": "按计划推进。", "self_status": "on_track"},
    }[indicator.kind]


def approved_in_bulk(*, units, indicators, periods, reviewer: User, values_of=typical_values) -> int:
    """Write approved figures for every unit × indicator × period in a few statements; return how many.

    For the tests that compare a page's cost at 1× and 10× the data: thousands of figures through
    the actions would take minutes and test nothing the action tests don't. `values_of(indicator,
    index_of_period)` gives a version's values.
    """
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from targets.models import SubmissionVersion

    now = timezone.now()
    pairs = []
    for indicator in indicators:
        indicator.reporting_units.add(*units)
        for unit_ in units:
            for i, period in enumerate(periods):
                pairs.append((
                    Submission(indicator=indicator, unit=unit_, period=period, status=Submission.Status.APPROVED),
                    SubmissionVersion(number=1, created_at=now, approved_by=reviewer, approved_at=now, **values_of(indicator, i)),
                ))
    Submission.objects.bulk_create([s for s, _ in pairs], batch_size=1000)
    for submission, version in pairs:
        version.submission = submission
    SubmissionVersion.objects.bulk_create([v for _, v in pairs], batch_size=1000)
    # Each submission's one version is its current and approved one: one UPDATE with a correlated
    # subquery (bulk_update, a CASE of a thousand branches per statement, took 5 of the 13 s of the
    # indicator pages' 10× test).
    first_version = SubmissionVersion.objects.filter(submission=OuterRef("pk"), number=1).values("pk")[:1]
    Submission.objects.filter(pk__in=[s.pk for s, _ in pairs]).update(current=Subquery(first_version), approved=Subquery(first_version))
    from django.db import connection

    if connection.vendor == "postgresql":
        # Thousands of rows appeared at once: without fresh statistics the planner may pick plans
        # that take minutes (autovacuum's ANALYZE comes too late for a test).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE targets_submission, targets_submissionversion, targets_unit, targets_indicator_reporting_units")
    return len(pairs)


def requests_done() -> None:
    """Mark every pending recompute request done, as a worker's run would (loading the plan queues
    one per indicator: a test about other requests starts without them)."""
    OutboxMessage.objects.update(processed_at=timezone.now())
