"""Every state change of the domain goes through a function here (writes in actions).

Actions take keyword-only arguments, check the rules, write in one transaction and append an
audit entry in that same transaction. They raise ActionError (a message for the user) or
FiguresInvalid (per-field messages), never half-save.
"""

from .audit import audit_record
from .errors import ActionError, FiguresInvalid, StaleVersion
from .evidence import evidence_attach
from .excel import excel_upload_apply
from .periods import period_set_open
from .submissions import (
    submission_amend,
    submission_approve,
    submission_enter,
    submission_return,
    submission_save,
    submission_submit,
    submissions_approve_many,
)
from .users import user_change_password, user_create_or_update

__all__ = [
    "ActionError",
    "FiguresInvalid",
    "StaleVersion",
    "audit_record",
    "evidence_attach",
    "excel_upload_apply",
    "period_set_open",
    "submission_amend",
    "submission_approve",
    "submission_enter",
    "submission_return",
    "submission_save",
    "submission_submit",
    "submissions_approve_many",
    "user_change_password",
    "user_create_or_update",
]
