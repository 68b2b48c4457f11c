"""GET /api/v1/progress/: the progress engine's output rows (snapshots), for logged-in users."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ..selectors import progress as progress_selectors
from ..serializers.progress import ProgressListOut
from .api import _errors


@login_not_required
@extend_schema(
    summary=gettext_lazy("Progress by indicator, unit and period: values, completion, gap and status"),
    description="The city's rows are those of the unit of kind `city` (its code: see /api/v1/plan/). Without "
    "`period`, the latest computed period. Reporters see the city's rows and their own unit's. Once a period "
    "is past a target's last deadline the row is a verdict (`achieved`, `achieved_late`, `missed`) and its time "
    "elapsed, completion, gap, paces and projection are null.",
    parameters=[
        OpenApiParameter("indicator", OpenApiTypes.STR, description="indicator code, e.g. M01-STD"),
        OpenApiParameter("unit", OpenApiTypes.STR, description="unit code (the city's code: see /api/v1/plan/)"),
        OpenApiParameter("period", OpenApiTypes.STR, description="period code YYYYQn, or `all`; default: the latest"),
    ],
    # 400: an unknown code or a value no code can be (a NUL byte…); 401: no token or session.
    responses={200: ProgressListOut, **_errors(400)},
    tags=["progress"],
)
@api_view(["GET"])
def progress_list(request):
    params = {name: (request.query_params.get(name) or "").strip() or None for name in ("indicator", "unit", "period")}
    rows, errors = progress_selectors.progress_filter(request.user, **params)
    if errors:
        raise ValidationError(errors)
    computed = progress_selectors.last_computed()
    return Response(
        {
            "count": rows.count(),
            "computed_at": computed["finished"].isoformat() if computed["finished"] else None,
            "latest_approval_included": computed["latest_approval"].isoformat() if computed["latest_approval"] else None,
            "results": [progress_selectors.snapshot_as_dict(row) for row in rows],
        }
    )


urlpatterns = [path("api/v1/progress/", progress_list, name="api_progress")]
