"""REST API v1 (token or session auth; any logged-in user reads the plan).

API views are exempt from LoginRequiredMiddleware, which would redirect to the login page: DRF
authenticates them itself (token or session) and answers 401/403 as JSON.
"""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .. import selectors


@login_not_required
@extend_schema(summary="The whole plan: goals, areas, measures, indicators, targets, units")
@api_view(["GET"])
def plan_detail(request):
    return Response(selectors.plan_as_dict(selectors.plan_current()))


urlpatterns: list = []
