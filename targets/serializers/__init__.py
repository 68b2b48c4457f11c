"""Serializers of the REST API v1: the shape of requests (inputs.py) and responses (outputs.py),
no business rules."""

from .inputs import (
    SubmissionAmendSerializer,
    SubmissionCreateSerializer,
    SubmissionEditSerializer,
    SubmissionFilterSerializer,
    SubmissionReturnSerializer,
    SubmissionStepSerializer,
    refuse_values_not_of_kind,
    values_given,
)
from .outputs import (
    ConflictSerializer,
    ErrorsSerializer,
    PeriodSerializer,
    PlanOutSerializer,
    SubmissionDetailSerializer,
    SubmissionPageSerializer,
    SubmissionSerializer,
)

__all__ = [
    "ConflictSerializer",
    "ErrorsSerializer",
    "PeriodSerializer",
    "PlanOutSerializer",
    "SubmissionAmendSerializer",
    "SubmissionCreateSerializer",
    "SubmissionDetailSerializer",
    "SubmissionEditSerializer",
    "SubmissionFilterSerializer",
    "SubmissionPageSerializer",
    "SubmissionReturnSerializer",
    "SubmissionSerializer",
    "SubmissionStepSerializer",
    "refuse_values_not_of_kind",
    "values_given",
]
