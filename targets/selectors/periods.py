"""Periods as pages and the API ask for them: one way to look a period up, one way to pick one.

A period code typed into a URL or a filter is either a known quarter or it is not; every page says
the same thing when it is not (and shows its default instead), every API route answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from ..models import Period
from ..models.reporting import PERIOD_CODE

# Longest piece of what was typed that a message quotes back.
QUOTED_CHARS = 20


def period_get(code: str) -> Period:
    """Return the period `code` (e.g. 2026Q3), or raise 404: periods are no secret, any caller may
    list them; anything not shaped like a quarter (a NUL byte, an overlong value) is simply unknown."""
    period = Period.objects.filter(code=code).first() if PERIOD_CODE.match(code or "") else None
    if period is None:
        raise Http404("no such period")
    return period


@dataclass(frozen=True)
class PeriodChoice:
    """The period a page shows, and what to tell the reader when it is not the one they asked for."""

    period: Period | None
    error: str = ""


def period_pick(periods: Sequence[Period], requested: str, *, default: Period | None = None) -> PeriodChoice:
    """Return the period coded `requested` among `periods` (the ones the page can show).

    Nothing requested: `default` (else the first of `periods`, pages list them newest first).
    Something unknown: the same default, with the one message every page uses.
    """
    fallback = default if default is not None else (periods[0] if periods else None)
    requested = (requested or "").strip()
    if not requested:
        return PeriodChoice(fallback)
    chosen = next((p for p in periods if p.code == requested), None)
    if chosen is not None:
        return PeriodChoice(chosen)
    return PeriodChoice(
        fallback,
        _("There is no period “%(code)s” to show here; %(shown)s is shown instead.")
        % {"code": requested[:QUOTED_CHARS], "shown": fallback.code if fallback else "—"},
    )
