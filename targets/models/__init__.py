"""The domain models, one concern per module."""

from .audit import AuditEntry
from .exports import Export
from .org import Unit
from .progress import OutboxMessage, ProgressRun, ProgressSnapshot
from .plan import Area, Goal, Indicator, Measure, Plan, Safeguard, Target
from .reporting import Evidence, ItemClaim, Period, Submission, SubmissionVersion
from .users import User

__all__ = [
    "AuditEntry",
    "Evidence",
    "Export",
    "Area",
    "Goal",
    "Indicator",
    "ItemClaim",
    "Measure",
    "OutboxMessage",
    "Period",
    "Plan",
    "ProgressRun",
    "ProgressSnapshot",
    "Safeguard",
    "Submission",
    "SubmissionVersion",
    "Target",
    "Unit",
    "User",
]
