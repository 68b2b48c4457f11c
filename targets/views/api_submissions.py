"""REST API v1: the reporting cycle of submissions (list, create, read, edit, submit, approve,
return, amend). Conventions as in api.py: views parse input, check access and call an action or a
selector; refusals become {"detail", "errors"} in api_errors.exception_handler.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from .. import actions
from ..kinds import COMMON_FIELDS, KINDS
from ..models import Submission
from ..selectors import api as api_selectors
from ..serializers import (
    SubmissionAmendSerializer,
    SubmissionCreateSerializer,
    SubmissionDetailSerializer,
    SubmissionEditSerializer,
    SubmissionFilterSerializer,
    SubmissionPageSerializer,
    SubmissionReturnSerializer,
    SubmissionSerializer,
    SubmissionStepSerializer,
    refuse_values_not_of_kind,
    values_given,
)
from .api import TAG_SUBMISSIONS, JSONBodyParser, _errors
from .common import client_ip

# drf-spectacular names a `pk` path parameter "id"; the route takes text so that any id answers JSON.
PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("submission id"))


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _record(request, submission: Submission, status: int = 200, headers: dict | None = None) -> Response:
    """Answer with the submission as the caller now sees it, with its history."""
    fresh = api_selectors.submission_for_api(request.user, submission.pk)
    return Response(SubmissionDetailSerializer(fresh, context={"request": request}).data, status=status, headers=headers)


# --- Submissions -----------------------------------------------------------------------------------


class SubmissionPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


UNKNOWN_FIELDS = gettext_lazy("Fields the request does not take are refused (400), so a misspelt name never vanishes.")


def _values_per_kind() -> str:
    """Return the values each kind takes, from the registry (kinds.py), kinds with the same values
    together: “cumulative: increment, items; ratio_ytd, ratio_latest: numerator, denominator; …”."""
    kinds: dict[tuple[str, ...], list[str]] = {}
    for entry in KINDS.values():
        kinds.setdefault(tuple(value.name for value in entry.fields), []).append(entry.value)
    return "; ".join(f"{', '.join(names)}: {', '.join(values)}" for values, names in kinds.items())


CREATE_VALUES = lazy(
    lambda: _(
        "Reporters of the unit only (others: 403). Send the values the indicator's kind takes (see `kind` in GET "
        "/api/v1/plan/): %(kinds)s; any kind: %(common)s. A draft may leave values out; submitting needs them all. "
        "One submission per indicator, unit and period: edit the existing one with PATCH."
    )
    % {"kinds": _values_per_kind(), "common": ", ".join(COMMON_FIELDS)},
    str,
)()


@login_not_required
@extend_schema(
    methods=["GET"],
    operation_id="submissions_list",
    tags=[TAG_SUBMISSIONS],
    summary=gettext_lazy("The submissions you may see"),
    description=gettext_lazy(
        "Reporters see their unit's; leaders approved figures only (their approved version); reviewers, "
        "auditors and administrators all. Newest period first, then in plan order and by unit code. "
        "Paginated with limit (default 50, at most 500) and offset."
    ),
    parameters=[
        OpenApiParameter("period", OpenApiTypes.STR, description=gettext_lazy("period code, e.g. 2026Q3")),
        OpenApiParameter("unit", OpenApiTypes.STR, description=gettext_lazy("unit code, e.g. 330302")),
        OpenApiParameter("indicator", OpenApiTypes.STR, description=gettext_lazy("indicator code, e.g. M01-STD")),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Submission.Status.values),
        OpenApiParameter("limit", OpenApiTypes.INT, description=gettext_lazy("page size (default 50, at most 500)")),
        OpenApiParameter("offset", OpenApiTypes.INT, description=gettext_lazy("records to skip")),
    ],
    responses={200: SubmissionPageSerializer, **_errors(400)},
)
@extend_schema(
    methods=["POST"],
    operation_id="submission_create",
    tags=[TAG_SUBMISSIONS],
    summary=gettext_lazy("Enter a unit's figures for an indicator and period (a draft)"),
    description=CREATE_VALUES + " " + UNKNOWN_FIELDS,
    request=SubmissionCreateSerializer,
    responses={201: SubmissionDetailSerializer, **_errors(400, 403)},
    examples=[
        OpenApiExample(
            "cumulative",
            value={"indicator": "M01-STD", "unit": "330302", "period": "2026Q3", "increment": 2,
                   "items": [{"name": "标准装置甲", "number": "CERT-001"}, {"name": "标准装置乙", "number": "CERT-002"}]},
            request_only=True,
        ),
        OpenApiExample(
            "ratio",
            value={"indicator": "M14-RATE", "unit": "330302", "period": "2026Q3", "numerator": 990, "denominator": 1000},
            request_only=True,
        ),
    ],
)
@api_view(["GET", "POST"])
@parser_classes([JSONBodyParser])
def submissions(request):
    if request.method == "GET":
        return _submission_list(request)
    return _submission_create(request)


def _submission_list(request) -> Response:
    filters = _valid(SubmissionFilterSerializer, request.query_params)
    queryset = api_selectors.submissions_for_api(request.user, **filters)
    paginator = SubmissionPagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(SubmissionSerializer(page, many=True, context={"request": request}).data)


def _submission_create(request) -> Response:
    data = _valid(SubmissionCreateSerializer, request.data)
    indicator, unit, period = api_selectors.slot_lookup(indicator=data["indicator"], unit=data["unit"], period=data["period"])
    unknown = {}
    if indicator is None:
        unknown["indicator"] = [_("No indicator has the code “%s”.") % data["indicator"]]
    if unit is None:
        unknown["unit"] = [_("No unit has the code “%s”.") % data["unit"]]
    if period is None:
        unknown["period"] = [_("No period has the code “%s” (write it like 2026Q3).") % data["period"]]
    if unknown:
        raise ValidationError(unknown)
    values = values_given(data)
    refuse_values_not_of_kind(indicator, values)
    submission = actions.submission_save(
        user=request.user, indicator=indicator, unit=unit, period=period, values=values, ip=client_ip(request)
    )
    location = reverse("targets:api_submission", args=[submission.pk])
    return _record(request, submission, status=201, headers={"Location": request.build_absolute_uri(location)})


@login_not_required
@extend_schema(
    methods=["GET"],
    operation_id="submission_retrieve",
    tags=[TAG_SUBMISSIONS],
    parameters=[PK],
    summary=gettext_lazy("One submission with its version history"),
    responses={200: SubmissionDetailSerializer, **_errors(404)},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="submission_update",
    tags=[TAG_SUBMISSIONS],
    parameters=[PK],
    summary=gettext_lazy("Change a draft or returned submission"),
    description=gettext_lazy(
        "Send `version` (the one you started from) and the values to change; values left out keep theirs, "
        "null clears one. A newer version on the server, or a submission no longer editable, answers 409 "
        "with the current record."
    )
    + " "
    + UNKNOWN_FIELDS,
    request=SubmissionEditSerializer,
    responses={200: SubmissionDetailSerializer, **_errors(400, 403, 404, 409)},
)
@api_view(["GET", "PATCH"])
@parser_classes([JSONBodyParser])
def submission(request, pk: str):
    submission = api_selectors.submission_for_api(request.user, pk)
    if request.method == "GET":
        return _record(request, submission)
    data = _valid(SubmissionEditSerializer, request.data)
    values = values_given(data)
    refuse_values_not_of_kind(submission.indicator, values)
    # PATCH: the values sent replace those of the current version, the others stay.
    merged = {**submission.current.values(), **values}
    submission = actions.submission_save(
        user=request.user, indicator=submission.indicator, unit=submission.unit, period=submission.period,
        values=merged, expected_version=data["version"], ip=client_ip(request),
    )
    return _record(request, submission)


def _step(name, summary, description, request_serializer, codes=(400, 403, 404, 409)):
    return extend_schema(
        operation_id=f"submission_{name}",
        tags=[TAG_SUBMISSIONS],
        parameters=[PK],
        summary=summary,
        description=description,
        request=request_serializer,
        responses={200: SubmissionDetailSerializer, **_errors(*codes)},
    )


@login_not_required
@_step(
    "submit",
    gettext_lazy("Submit a draft or returned submission for review"),
    gettext_lazy("Reporters of the unit; the figures must be complete. `version` is optional."),
    SubmissionStepSerializer,
)
@api_view(["POST"])
@parser_classes([JSONBodyParser])
def submission_submit(request, pk: str):
    submission = api_selectors.submission_for_api(request.user, pk)
    data = _valid(SubmissionStepSerializer, request.data)
    submission = actions.submission_submit(
        user=request.user, submission=submission, expected_version=data.get("version"), ip=client_ip(request)
    )
    return _record(request, submission)


@login_not_required
@_step(
    "approve",
    gettext_lazy("Approve submitted figures"),
    gettext_lazy("Reviewers only; the approved version counts for progress. `version` is optional."),
    SubmissionStepSerializer,
)
@api_view(["POST"])
@parser_classes([JSONBodyParser])
def submission_approve(request, pk: str):
    submission = api_selectors.submission_for_api(request.user, pk)
    data = _valid(SubmissionStepSerializer, request.data)
    submission = actions.submission_approve(
        user=request.user, submission=submission, expected_version=data.get("version"), ip=client_ip(request)
    )
    return _record(request, submission)


@login_not_required
@_step(
    "return",
    gettext_lazy("Return submitted figures to the reporter"),
    gettext_lazy("Reviewers only; `reason` is required and shown to the reporter. `version` is optional."),
    SubmissionReturnSerializer,
)
@api_view(["POST"])
@parser_classes([JSONBodyParser])
def submission_return(request, pk: str):
    submission = api_selectors.submission_for_api(request.user, pk)
    data = _valid(SubmissionReturnSerializer, request.data)
    submission = actions.submission_return(
        user=request.user, submission=submission, reason=data["reason"] or "",
        expected_version=data.get("version"), ip=client_ip(request),
    )
    return _record(request, submission)


@login_not_required
@_step(
    "amend",
    gettext_lazy("Amend approved figures"),
    gettext_lazy(
        "Reporters of the unit; `reason` is required. The values sent replace those of the approved version "
        "(the others stay); the amendment goes to review while the approved version keeps counting."
    )
    + " "
    + UNKNOWN_FIELDS,
    SubmissionAmendSerializer,
)
@api_view(["POST"])
@parser_classes([JSONBodyParser])
def submission_amend(request, pk: str):
    submission = api_selectors.submission_for_api(request.user, pk)
    data = _valid(SubmissionAmendSerializer, request.data)
    values = values_given(data)
    refuse_values_not_of_kind(submission.indicator, values)
    submission = actions.submission_amend(
        user=request.user, submission=submission, reason=data["reason"] or "", values=values,
        expected_version=data.get("version"), ip=client_ip(request),
    )
    return _record(request, submission)


urlpatterns = [
    path("api/v1/submissions/", submissions, name="api_submissions"),
    path("api/v1/submissions/<str:pk>/", submission, name="api_submission"),
    path("api/v1/submissions/<str:pk>/submit/", submission_submit, name="api_submission_submit"),
    path("api/v1/submissions/<str:pk>/approve/", submission_approve, name="api_submission_approve"),
    path("api/v1/submissions/<str:pk>/return/", submission_return, name="api_submission_return"),
    path("api/v1/submissions/<str:pk>/amend/", submission_amend, name="api_submission_amend"),
]
