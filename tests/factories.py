"""Data for tests, made through the same actions the product uses (no hand-written rows)."""

from __future__ import annotations

from targets.actions import submission_approve, submission_save
from targets.models import Indicator, Period, Submission, Unit, User

# A complete, ordinary set of values for each kind (an increment of 2 lists two items).
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


def values_for(code: str, **overrides) -> dict:
    return {**VALUES[Indicator.objects.get(code=code).kind], **overrides}


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
