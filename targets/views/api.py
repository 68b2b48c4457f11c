"""REST API v1 (token or session auth): the plan, periods, and the reporting cycle of submissions.

API views are exempt from LoginRequiredMiddleware, which would redirect to the login page: DRF
authenticates them itself (token or session) and answers 401/403 as JSON. Views only parse input,
check access and call an action or a selector; every write goes through targets.actions, and every
refusal becomes {"detail", "errors"} in api_errors.exception_handler.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import actions, selectors
from ..models import Submission
from ..selectors import api as api_selectors
from ..serializers import (
    ConflictSerializer,
    ErrorsSerializer,
    PeriodSerializer,
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
from .common import client_ip

TAG_PLAN, TAG_PERIODS, TAG_SUBMISSIONS = "plan", "periods", "submissions"

_ERROR_TEXTS = {
    400: gettext_lazy("Bad input: errors name each field (non_field_errors for the request as a whole)."),
    401: gettext_lazy("No token or session, or an invalid token."),
    403: gettext_lazy("Your role or unit may not do this."),
    404: gettext_lazy("No such record, or not one you may see."),
    409: gettext_lazy("The record changed since the version you sent, or its state does not allow this; "
                      "`current` is the record as it now stands."),
}


class JSONBodyParser(JSONParser):
    """Parse a JSON body; whatever cannot be read is a 400 with a translated message, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as refused:
            # DRF's text is English; keep only the position it names ("Expecting value: line 1 …").
            raise ParseError(_("The request body is not valid JSON: %s") % str(refused.detail).removeprefix("JSON parse error - "))
        except RecursionError:  # nested thousands of levels deep
            raise ParseError(_("The request body is not valid JSON: %s") % _("nested too deeply"))


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ConflictSerializer if code == 409 else ErrorsSerializer, description=_ERROR_TEXTS[code])
        for code in (401, *codes)
    }


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _record(request, submission: Submission, status: int = 200, headers: dict | None = None) -> Response:
    """Answer with the submission as the caller now sees it, with its history."""
    fresh = api_selectors.submission_for_api(request.user, submission.pk)
    return Response(SubmissionDetailSerializer(fresh, context={"request": request}).data, status=status, headers=headers)


# drf-spectacular names a `pk` path parameter "id"; the route takes text so that any id answers JSON.
PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("submission id"))
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description=gettext_lazy("period code YYYYQn"))


# --- Plan ------------------------------------------------------------------------------------------


@login_not_required
@extend_schema(
    operation_id="plan_retrieve",
    tags=[TAG_PLAN],
    summary=gettext_lazy("The whole plan: goals, areas, measures, indicators, targets, units"),
    responses={200: OpenApiTypes.OBJECT, **_errors()},
)
@api_view(["GET"])
def plan_detail(request):
    return Response(selectors.plan_as_dict(selectors.plan_current()))


# --- Periods ---------------------------------------------------------------------------------------


@login_not_required
@extend_schema(
    operation_id="periods_list",
    tags=[TAG_PERIODS],
    summary=gettext_lazy("The reporting periods, oldest first, and whether each is open"),
    responses={200: PeriodSerializer(many=True), **_errors()},
)
@api_view(["GET"])
def periods(request):
    return Response(PeriodSerializer(api_selectors.periods_list(), many=True).data)


def _period_set_open(request, code: str, is_open: bool) -> Response:
    period = api_selectors.period_get(code)
    period = actions.period_set_open(user=request.user, period=period, is_open=is_open, ip=client_ip(request))
    return Response(PeriodSerializer(period).data)


_PERIOD_STEP = {
    "tags": [TAG_PERIODS],
    "parameters": [CODE],
    "request": None,
    "responses": {200: PeriodSerializer, **_errors(403, 404)},
    "description": gettext_lazy("Administrators only (others: 403); an unknown period: 404."),
}


@login_not_required
@extend_schema(operation_id="period_open", summary=gettext_lazy("Open a period for reporting"), **_PERIOD_STEP)
@api_view(["POST"])
def period_open(request, code: str):
    return _period_set_open(request, code, True)


@login_not_required
@extend_schema(operation_id="period_close", summary=gettext_lazy("Close a period for reporting"), **_PERIOD_STEP)
@api_view(["POST"])
def period_close(request, code: str):
    return _period_set_open(request, code, False)


# --- Submissions -----------------------------------------------------------------------------------


class SubmissionPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


UNKNOWN_FIELDS = gettext_lazy("Fields the request does not take are refused (400), so a misspelt name never vanishes.")


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
    description=gettext_lazy(
        "Reporters of the unit only (others: 403). Send the values the indicator's kind takes (see `kind` "
        "in GET /api/v1/plan/): cumulative: increment, items; ratios: numerator, denominator; milestone: "
        "done, completed_on; narrative: narrative, self_status; any kind: note, explanation. A draft may "
        "leave values out; submitting needs them all. One submission per indicator, unit and period: "
        "edit the existing one with PATCH."
    )
    + " "
    + UNKNOWN_FIELDS,
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


# --- Schema and its documentation page ------------------------------------------------------------


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for logged-in callers (token or session)."""

    permission_classes = (IsAuthenticated,)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI inside the portal, its scripts and styles served by the app (drf-spectacular-sidecar).

    Needs a session: a logged-out browser is sent to the login page. The initialisation script is
    a separate request (no inline script).
    """

    permission_classes = (IsAuthenticated,)
    template_name = "targets/api_docs.html"
    url_name = "targets:api_schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            # Swagger UI would ask validator.swagger.io about the schema: not on an offline intranet.
            settings = spectacular_settings.SWAGGER_UI_SETTINGS
            if isinstance(settings, dict):
                response.data["settings"] = json.dumps({**settings, "validatorUrl": None})
        else:
            response.data["nav"] = "api"
        return response


urlpatterns = [
    path("api/v1/periods/", periods, name="api_periods"),
    path("api/v1/periods/<str:code>/open/", period_open, name="api_period_open"),
    path("api/v1/periods/<str:code>/close/", period_close, name="api_period_close"),
    path("api/v1/submissions/", submissions, name="api_submissions"),
    path("api/v1/submissions/<str:pk>/", submission, name="api_submission"),
    path("api/v1/submissions/<str:pk>/submit/", submission_submit, name="api_submission_submit"),
    path("api/v1/submissions/<str:pk>/approve/", submission_approve, name="api_submission_approve"),
    path("api/v1/submissions/<str:pk>/return/", submission_return, name="api_submission_return"),
    path("api/v1/submissions/<str:pk>/amend/", submission_amend, name="api_submission_amend"),
    path("api/schema/", login_not_required(ApiSchemaView.as_view()), name="api_schema"),
    # DRF exempts its views from LoginRequiredMiddleware; a page for browsers sends them to log in.
    path("api/docs/", login_required(ApiDocsView.as_view()), name="api_docs"),
]
