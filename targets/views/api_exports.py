"""REST API v1: exports built in the background. Ask for one (202), follow it, fetch its file.

Conventions as in api.py: views parse input, check access and call an action or a selector;
refusals become {"detail", "errors"} in api_errors.exception_handler. The file is served here too,
so that a caller with a token (not only a browser session) can fetch what it asked for.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..actions import ActionError
from ..actions.exports import export_request
from ..models import Export
from ..permissions import export_get_for_user
from ..selectors.periods import period_get
from ..selectors.plan import unit_get
from ..serializers import ErrorsSerializer
from ..serializers.exports import ExportCreateSerializer, ExportSerializer
from .api import JSONBodyParser, _errors
from .common import client_ip
from .exports import export_file_response

TAG_EXPORTS = "exports"
ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=gettext_lazy("export id"))


def _represent(request, export: Export) -> dict:
    download = None
    if export.status == Export.Status.DONE:
        download = request.build_absolute_uri(reverse("targets:api_export_file", args=[export.pk]))
    return ExportSerializer(export, context={"download_url": download}).data


def _code_lookup(getter, code: str | None, field: str, message: str):
    if not code:
        return None
    try:
        return getter(code)
    except Http404:
        raise ValidationError({field: [message % code[:20]]})


@login_not_required
@extend_schema(
    operation_id="export_create",
    tags=[TAG_EXPORTS],
    summary=gettext_lazy("Ask for an export; it is built in the background"),
    description=gettext_lazy(
        "Answers 202 with the export (its `id`); follow it with GET /api/v1/exports/{id}/ until `status` is "
        "`done`, then fetch `download_url`. Auditors and administrators may ask for every kind; leaders for "
        "the briefings and progress tables; reviewers for progress tables; reporters for their own unit's "
        "progress table only (their unit is used whatever `unit` says). A kind this version of the portal "
        "cannot build yet is refused (400). Unknown fields are refused (400)."
    ),
    request=ExportCreateSerializer,
    responses={202: ExportSerializer, **_errors(400, 403)},
    examples=[
        OpenApiExample("progress", value={"kind": "progress_csv", "period": "2026Q2", "unit": "330302"}, request_only=True),
        OpenApiExample("briefing", value={"kind": "briefing_pdf", "period": "2026Q2"}, request_only=True),
    ],
)
@api_view(["POST"])
@parser_classes([JSONBodyParser])
def exports(request):
    serializer = ExportCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    period = _code_lookup(period_get, data.get("period"), "period", _("No period has the code “%s” (write it like 2026Q3)."))
    unit = _code_lookup(unit_get, data.get("unit"), "unit", _("No unit has the code “%s”."))
    export = export_request(
        user=request.user, kind=data["kind"], period=period, unit=unit, language=get_language(), ip=client_ip(request)
    )
    location = request.build_absolute_uri(reverse("targets:api_export", args=[export.pk]))
    return Response(_represent(request, export), status=202, headers={"Location": location})


@login_not_required
@extend_schema(
    operation_id="export_retrieve",
    tags=[TAG_EXPORTS],
    parameters=[ID],
    summary=gettext_lazy("How far an export has got, and its file once ready"),
    description=gettext_lazy(
        "`progress` goes from 0 to 100 (100 only once the file is ready); `download_url`, `sha256` and "
        "`size` are set when `status` is `done`; `error` says why when it is `failed`. Only the one who "
        "asked (and auditors and administrators) may follow an export: anyone else gets 404."
    ),
    responses={200: ExportSerializer, **_errors(404)},
)
@api_view(["GET"])
def export_detail(request, pk: str):
    return Response(_represent(request, export_get_for_user(request.user, pk)))


@login_not_required
@extend_schema(
    operation_id="export_file",
    tags=[TAG_EXPORTS],
    parameters=[ID],
    summary=gettext_lazy("Download an export's file"),
    description=gettext_lazy(
        "The file as an attachment, with the content type of its kind; its SHA-256 is the export's "
        "`sha256`. Each download is recorded in the audit log. 409 while the export has no file (not "
        "ready, failed or expired)."
    ),
    responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description=gettext_lazy("the file")),
        **_errors(404),
        409: OpenApiResponse(ErrorsSerializer, description=gettext_lazy("The export has no file to download (yet).")),
    },
)
@api_view(["GET"])
def export_file(request, pk: str):
    export = export_get_for_user(request.user, pk)
    if export.status != Export.Status.DONE:
        raise ActionError(_("This export has no file to download: it is %s.") % export.get_status_display(), status=409)
    return export_file_response(request, export)


urlpatterns = [
    path("api/v1/exports/", exports, name="api_exports"),
    path("api/v1/exports/<str:pk>/", export_detail, name="api_export"),
    path("api/v1/exports/<str:pk>/file/", export_file, name="api_export_file"),
]
