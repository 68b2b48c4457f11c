"""Nothing counted twice: the identifiers a submission counts, claimed once per indicator.

What "counted" means (README, "Nothing counted twice"): an item's identifier counts for an
indicator when it is in the approved version of a submission of that indicator, or in its current
version while that is submitted (in review). Drafts and returned versions count nothing; an
amendment under review counts what it adds at once, and what it drops only once it is approved
(until then the approved version keeps counting). So one unit cannot count an enterprise again in
another quarter, no two units can count it at all, and a unit re-submitting or amending its own
quarter is never refused because of its own earlier version.

The rows of ItemClaim (unique per indicator and identifier) hold this: the actions call
`item_claims_sync` in the transaction that changes a submission's status or versions, and the
unique constraint decides between two units claiming one item at the same moment (the loser's
insert waits for the winner's commit, fails, and is refused like any duplicate). `item_claims_check`
refuses an already-counted identifier as soon as it is entered, drafts included.

Every refusal is recorded for the auditors (AuditEntry.Action.DUPLICATE_REFUSED, one entry per
identifier). The refused change itself is rolled back, so the entries are written after it, by the
outermost action (`refusals_recorded`, or `refusals_scope` around a batch such as an Excel upload).
"""

from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..identifiers import identifier_label, name_key, normalised
from ..kinds import kind_of
from ..models import AuditEntry, Indicator, ItemClaim, Period, Submission, Unit, User
from .audit import audit_record
from .errors import ActionError, FiguresInvalid

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """One identifier refused because another submission counts it (an auditor's list row)."""

    indicator: str
    identifier: str
    name: str
    unit: str
    unit_name: str
    period: str
    counted_by_unit: str
    counted_by_unit_name: str
    counted_in_period: str
    counted_by_submission: int
    user: User | None
    ip: str | None

    def audit_values(self) -> dict:
        return {
            "indicator": self.indicator, "identifier": self.identifier, "name": self.name,
            "unit": self.unit, "unit_name": self.unit_name, "period": self.period,
            "counted_by_unit": self.counted_by_unit, "counted_by_unit_name": self.counted_by_unit_name,
            "counted_in_period": self.counted_in_period, "counted_by_submission": self.counted_by_submission,
        }


class IdentifiersTaken(FiguresInvalid):
    """Items whose identifiers another submission already counts for the indicator."""

    def __init__(self, errors: dict[str, list[str]], refusals: list[Refusal]):
        super().__init__(errors)
        self.refusals = refusals


# The refusals of the outermost action in progress, written once its transaction has ended.
_pending: ContextVar[list[Refusal] | None] = ContextVar("identifier_refusals", default=None)


@contextmanager
def refusals_scope(*, keep: bool = True):
    """Record the refused duplicates of everything run inside, after it (its transaction rolled
    back); `keep=False` forgets them (a dry run). Inside another scope, that one records."""
    if _pending.get() is not None:
        yield
        return
    pending: list[Refusal] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        if keep and pending:
            _record(pending)


def refusals_recorded(action):
    """Decorate an action (outside its transaction.atomic) so that its refusals are recorded."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        with refusals_scope():
            return action(*args, **kwargs)

    return wrapper


def _record(refusals: list[Refusal]) -> None:
    try:
        with transaction.atomic():
            for refusal in refusals:
                audit_record(
                    action=AuditEntry.Action.DUPLICATE_REFUSED, actor=refusal.user, ip=refusal.ip,
                    object_type="submission", object_id=str(refusal.counted_by_submission),
                    object_repr=f"{refusal.indicator} {refusal.identifier}"[:200], after=refusal.audit_values(),
                )
    except Exception:  # the refusal itself must reach the user even if its record cannot be written
        logger.exception("could not record %d refused duplicate item(s)", len(refusals))


# --- What a submission counts ------------------------------------------------------------------


def _lists_items(indicator: Indicator) -> bool:
    return kind_of(indicator).items_sheet


def _identified(items: list[dict] | None) -> dict[str, str]:
    """Return {identifier (normalised): name} of the items that carry one, in list order."""
    found: dict[str, str] = {}
    for item in items or []:
        code = normalised(item.get("number"))
        if code:
            found[code] = str(item.get("name") or "")[:200]
    return found


def _lines(items: list[dict] | None) -> dict[str, int]:
    """Return {identifier: its first line (1, 2, …) in the list}."""
    lines: dict[str, int] = {}
    for line, item in enumerate(items or [], start=1):
        lines.setdefault(normalised(item.get("number")), line)
    return lines


def counted_identifiers(submission: Submission) -> dict[str, str]:
    """Return {identifier: name} of what the submission counts (see the module's docstring)."""
    found: dict[str, str] = {}
    if submission.approved_id:
        found.update(_identified(submission.approved.items))
    if submission.status in (Submission.Status.SUBMITTED, Submission.Status.APPROVED) and submission.current_id:
        found.update(_identified(submission.current.items))
    return found


def _refusals(
    *, indicator: Indicator, unit: Unit, period: Period, submission_id: int | None, wanted: dict[str, str],
    lines: dict[str, int], user: User | None, ip: str | None,
) -> IdentifiersTaken | None:
    """Return the refusal of the identifiers of `wanted` that another submission counts, or None."""
    taken = (
        ItemClaim.objects.filter(indicator=indicator, identifier__in=list(wanted))
        .exclude(submission_id=submission_id)
        .select_related("submission__unit", "submission__period", "submission__approved")
        .order_by("identifier")
    )
    messages, refusals = [], []
    label = identifier_label(indicator.item_identifier)
    for claim in sorted(taken, key=lambda c: lines.get(c.identifier, 0)):
        holder = claim.submission
        counted = holder.approved_id and claim.identifier in _identified(holder.approved.items)
        what = {
            "line": lines.get(claim.identifier, 0), "label": label, "code": claim.identifier,
            "unit": holder.unit.name, "period": holder.period.code,
        }
        if counted:
            messages.append(_("Item %(line)d: this %(label)s (%(code)s) is already counted by %(unit)s in %(period)s.") % what)
        else:
            messages.append(_(
                "Item %(line)d: this %(label)s (%(code)s) is already reported by %(unit)s in %(period)s (awaiting review)."
            ) % what)
        refusals.append(Refusal(
            indicator=indicator.code, identifier=claim.identifier, name=wanted[claim.identifier],
            unit=unit.code, unit_name=unit.name, period=period.code,
            counted_by_unit=holder.unit.code, counted_by_unit_name=holder.unit.name,
            counted_in_period=holder.period.code, counted_by_submission=holder.pk, user=user, ip=ip,
        ))
    if not refusals:
        return None
    return IdentifiersTaken({"items": messages}, refusals)


def _refuse(refused: IdentifiersTaken, errors: dict[str, list[str]] | None = None) -> IdentifiersTaken:
    """Queue the refusal for the auditors' record and return it to raise (with `errors` too)."""
    pending = _pending.get()
    if pending is not None:
        pending.extend(refused.refusals)
    if errors:
        merged = {name: list(messages) for name, messages in errors.items()}
        merged.setdefault("items", []).extend(refused.errors["items"])
        refused = IdentifiersTaken(merged, refused.refusals)
    return refused


def item_claims_check(
    *, indicator: Indicator, unit: Unit, period: Period, submission: Submission | None, items: list[dict] | None,
    user: User | None, ip: str | None, errors: dict[str, list[str]] | None = None,
) -> None:
    """Refuse (IdentifiersTaken, with `errors` besides) items whose identifiers another submission
    of the indicator counts; the submission's own claims are no conflict."""
    if not _lists_items(indicator):
        return
    wanted = _identified(items)
    if not wanted:
        return
    refused = _refusals(
        indicator=indicator, unit=unit, period=period, submission_id=submission.pk if submission else None,
        wanted=wanted, lines=_lines(items), user=user, ip=ip,
    )
    if refused is not None:
        raise _refuse(refused, errors)


def item_claims_sync(submission: Submission, *, user: User | None, ip: str | None) -> None:
    """Make the submission's claims what it now counts: release what it no longer counts, claim
    what it newly counts, or refuse (IdentifiersTaken) when another submission counts one of them.

    Call it inside the transaction that changed the submission's status or versions.
    """
    indicator = submission.indicator
    if not _lists_items(indicator):
        return
    wanted = counted_identifiers(submission)
    held = {claim.identifier: claim for claim in ItemClaim.objects.filter(submission=submission)}
    released = [claim.pk for code, claim in held.items() if code not in wanted]
    if released:
        ItemClaim.objects.filter(pk__in=released).delete()
    for code, claim in held.items():
        if code in wanted and claim.name != wanted[code]:
            claim.name, claim.name_key = wanted[code], name_key(wanted[code])[:200]
            claim.save(update_fields=["name", "name_key"])
    new = sorted(code for code in wanted if code not in held)  # one order for all: no deadlock between two claimers
    if not new:
        return
    lines: dict[str, int] = {}
    for version in (submission.approved, submission.current):  # the line in the newest list that has it
        if version is not None:
            lines.update(_lines(version.items))
    context = dict(
        indicator=indicator, unit=submission.unit, period=submission.period, submission_id=submission.pk,
        wanted={code: wanted[code] for code in new}, lines=lines, user=user, ip=ip,
    )
    refused = _refusals(**context)
    if refused is not None:
        raise _refuse(refused)
    try:
        with transaction.atomic():  # a savepoint: the loser of a race is refused, not broken
            ItemClaim.objects.bulk_create([
                ItemClaim(indicator=indicator, identifier=code, submission=submission, name=wanted[code], name_key=name_key(wanted[code])[:200])
                for code in new
            ])
    except IntegrityError:
        # Another unit claimed one of them at the same moment and committed first: its claim is
        # visible to this new statement.
        refused = _refusals(**context)
        if refused is None:
            raise ActionError(_("Someone counted one of these items at the same moment: try again."), status=409) from None
        raise _refuse(refused) from None
