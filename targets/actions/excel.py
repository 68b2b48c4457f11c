"""The Excel upload's write: run a read upload's rows through the submission actions, as a dry run or
for real — all rows or none, with one UPLOAD audit entry.

Reading the file is targets.excel.upload's (`upload_read`); checking has no rules of its own: each
row goes through the very actions the web form and the API use (`submission_save`,
`submission_submit`), each in its own savepoint, inside one transaction that a dry run — or any
refused row — rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..excel.layout import CREATE, EMPTY, ERROR, SUBMIT, UNCHANGED, UPDATE, WRITES
from ..figures import fields_for, figures_clean
from ..models import AuditEntry, Indicator, Period, Submission, SubmissionVersion, Unit, User
from ..permissions import can_edit_unit
from ..selectors.excel import excel_slots
from ..selectors.reporting import SlotRow
from .audit import audit_record
from .errors import ActionError, FiguresInvalid, StaleVersion
from .item_claims import refusals_scope
from .submissions import submission_save, submission_submit


class _DryRun(Exception):
    """Raised at the end of a dry run so that the transaction rolls everything back."""


@dataclass
class Outcome:
    """What came of one data row: CREATE, UPDATE, SUBMIT, UNCHANGED, EMPTY or ERROR (excel.layout)."""

    row: dict
    indicator: Indicator | None
    outcome: str
    errors: list[dict]


def _jsonish(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _unchanged(indicator: Indicator, period: Period, values: dict, version: SubmissionVersion) -> bool:
    """Say whether `values` read the same as the version's (parsed by the same rules as saving)."""
    cleaned = figures_clean(indicator, period, values, complete=False)
    if cleaned.errors:
        return False
    current = version.values()
    return all(_jsonish(cleaned.values.get(name)) == current.get(name) for name in fields_for(indicator))


def _errors_of(exc: ActionError) -> list[dict]:
    return [{"field": field, "message": str(message)} for field, messages in exc.errors.items() for message in messages]


def _apply_row(
    *, user: User, unit: Unit, period: Period, row: dict, slot: SlotRow | None, submit: bool, ip: str | None
) -> Outcome:
    """Run one row through the actions (in their own savepoints) and say what came of it."""
    indicator = slot.indicator if slot else None
    if slot is None and not row["errors"]:
        # The indicator was unassigned between reading the file and now.
        row = dict(row, errors=[{"field": "code", "message": _("%s is not an indicator your unit reports.") % row["code"]}])
    if row["errors"]:
        return Outcome(row, indicator, ERROR, row["errors"])
    submission = slot.submission
    if submission is None and row["empty"]:
        return Outcome(row, indicator, EMPTY, [])
    values, version = row["values"], row["version"]
    try:
        if submission is None:
            submission_save(user=user, indicator=indicator, unit=unit, period=period, values=values, submit=submit, ip=ip)
            return Outcome(row, indicator, CREATE, [])
        same = _unchanged(indicator, period, values, submission.current)
        if submission.status == Submission.Status.APPROVED:
            if same:
                return Outcome(row, indicator, UNCHANGED, [])
            message = _("Approved figures: amend them in the form, with a reason.")
            return Outcome(row, indicator, ERROR, [{"field": "__all__", "message": message}])
        if same:
            if submit and submission.status in (Submission.Status.DRAFT, Submission.Status.RETURNED):
                submission_submit(user=user, submission=submission, expected_version=version, ip=ip)
                return Outcome(row, indicator, SUBMIT, [])
            return Outcome(row, indicator, UNCHANGED, [])
        if version is None:
            # The action refuses an edit that names no version too; this says why in Excel's terms.
            message = _(
                "Since this file was downloaded, figures were entered for this indicator (now version %d): "
                "download a fresh template."
            ) % submission.current.number
            return Outcome(row, indicator, ERROR, [{"field": "version", "message": message}])
        submission_save(
            user=user, indicator=indicator, unit=unit, period=period, values=values,
            expected_version=version, submit=submit, ip=ip,
        )
        return Outcome(row, indicator, UPDATE, [])
    except (StaleVersion, FiguresInvalid, ActionError) as exc:
        # Each action runs in its own savepoint: a refused row leaves nothing behind.
        return Outcome(row, indicator, ERROR, _errors_of(exc))


def excel_upload_apply(
    *, user: User, unit: Unit, period: Period, upload: dict, submit: bool, commit: bool, ip: str | None = None
) -> tuple[list[Outcome], bool]:
    """Run a read upload's rows (`upload_read`) through the actions; return the outcome per row and
    whether it was saved.

    With commit=False it is a dry run: everything is rolled back. With commit=True the rows are
    saved — all of them, with an UPLOAD audit entry, or none when any row (or the items sheet) fails.
    Only the unit's own reporters upload its figures (ActionError 403 for anyone else).
    """
    if not can_edit_unit(user, unit):
        raise ActionError(_("Only reporters of %s may enter its figures.") % unit.name, status=403)
    # Items refused as already counted are recorded for the auditors once the rows are rolled back,
    # at the check as at the confirmation: each is an upload of them the portal refused.
    with refusals_scope():
        return _apply_rows(user=user, unit=unit, period=period, upload=upload, submit=submit, commit=commit, ip=ip)


def _apply_rows(
    *, user: User, unit: Unit, period: Period, upload: dict, submit: bool, commit: bool, ip: str | None
) -> tuple[list[Outcome], bool]:
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic():
            slots = {slot.indicator.code: slot for slot in excel_slots(unit, period)}
            for row in upload["rows"]:
                outcomes.append(
                    _apply_row(user=user, unit=unit, period=period, row=row, slot=slots.get(row["code"]), submit=submit, ip=ip)
                )
            failed = upload["item_errors"] or any(o.outcome == ERROR for o in outcomes)
            if not commit or failed:
                raise _DryRun
            audit_record(
                action=AuditEntry.Action.UPLOAD, actor=user, ip=ip, obj=unit,
                after={
                    "period": period.code,
                    "rows": sum(o.outcome in WRITES for o in outcomes),
                    "file_sha256": upload["file_sha256"],
                    "submitted": submit,
                },
            )
            return outcomes, True
    except _DryRun:
        return outcomes, False
