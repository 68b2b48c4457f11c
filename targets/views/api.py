"""REST API v1 (token or session auth): the plan and periods here, submissions in api_submissions.py.

API views are exempt from LoginRequiredMiddleware, which would redirect to the login page: DRF
authenticates them itself (token or session) and answers 401/403 as JSON. Views only parse input,
check access and call an action or a selector; every write goes through targets.actions, and every
refusal becomes {"detail", "errors"} in api_errors.exception_handler.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .. import actions, selectors
from ..selectors import api as api_selectors
from ..selectors.periods import period_get
from ..serializers import (
    ConflictSerializer,
    ErrorsSerializer,
    PeriodSerializer,
    PlanOutSerializer,
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


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description=gettext_lazy("period code YYYYQn"))


# --- Plan ------------------------------------------------------------------------------------------


@login_not_required
@extend_schema(
    operation_id="plan_retrieve",
    tags=[TAG_PLAN],
    summary=gettext_lazy("The whole plan: goals, areas, measures, indicators, targets, units"),
    responses={200: PlanOutSerializer, **_errors()},
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
    period = period_get(code)
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


# --- Schema and its documentation page ------------------------------------------------------------


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for logged-in callers (token or session)."""

    permission_classes = (IsAuthenticated,)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "exception", False):
            # A refusal (401…) is JSON like every API error, not a YAML or OpenAPI document.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


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
    path("api/schema/", login_not_required(ApiSchemaView.as_view()), name="api_schema"),
    # DRF exempts its views from LoginRequiredMiddleware; a page for browsers sends them to log in.
    path("api/docs/", login_required(ApiDocsView.as_view()), name="api_docs"),
]
