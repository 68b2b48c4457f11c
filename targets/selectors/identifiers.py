"""Reads about counted items' identifiers: possible duplicates for reviewers, refused ones for auditors.

The claims themselves (what counts, and the refusals) are actions/item_claims.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from ..identifiers import name_key, normalised
from ..kinds import kind_of
from ..models import AuditEntry, ItemClaim, Submission, SubmissionVersion, User
from ..permissions import can_see_refused_duplicates


@dataclass(frozen=True)
class PossibleDuplicate:
    """An item whose name another item of the indicator has, under another identifier."""

    line: int
    name: str
    identifier: str
    other_identifier: str
    other_name: str
    unit_name: str  # where the other one is: a unit and quarter, or this list's line
    period: str
    submission_id: int | None  # the other one's submission (None: the same list)
    other_line: int | None = None


def possible_duplicates(submission: Submission, version: SubmissionVersion | None) -> list[PossibleDuplicate]:
    """Return the version's items whose name (compared without case, spaces or full-width forms) is
    also the name of an item counted under another identifier — by another submission of the
    indicator, or twice in this very list. One query."""
    if version is None or not kind_of(submission.indicator).items_sheet or not version.items:
        return []
    lines = [(i, item, name_key(item.get("name")), normalised(item.get("number"))) for i, item in enumerate(version.items, start=1)]
    found: list[PossibleDuplicate] = []
    first_by_name: dict[str, tuple[int, dict, str]] = {}
    for line, item, key, code in lines:
        earlier = first_by_name.get(key)
        if earlier and earlier[2] != code:
            found.append(PossibleDuplicate(
                line=line, name=item.get("name", ""), identifier=code, other_identifier=earlier[2],
                other_name=earlier[1].get("name", ""), unit_name=submission.unit.name, period=submission.period.code,
                submission_id=None, other_line=earlier[0],
            ))
        first_by_name.setdefault(key, (line, item, code))
    claims = (
        ItemClaim.objects.filter(indicator_id=submission.indicator_id, name_key__in={key for _, _, key, _ in lines})
        .exclude(submission=submission)
        .select_related("submission__unit", "submission__period")
        .order_by("submission__period__start", "submission__unit__code", "identifier")
    )
    by_name: dict[str, list[ItemClaim]] = {}
    for claim in claims:
        by_name.setdefault(claim.name_key, []).append(claim)
    for line, item, key, code in lines:
        for claim in by_name.get(key, []):
            if claim.identifier != code:
                found.append(PossibleDuplicate(
                    line=line, name=item.get("name", ""), identifier=code, other_identifier=claim.identifier,
                    other_name=claim.name, unit_name=claim.submission.unit.name, period=claim.submission.period.code,
                    submission_id=claim.submission_id,
                ))
    return sorted(found, key=lambda d: d.line)


def refused_duplicates(user: User) -> QuerySet[AuditEntry]:
    """Return every refused duplicate item (newest first) for those who may see them, else none."""
    queryset = AuditEntry.objects.filter(action=AuditEntry.Action.DUPLICATE_REFUSED).order_by("-id")
    return queryset if can_see_refused_duplicates(user) else queryset.none()
