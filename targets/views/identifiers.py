"""The auditors' list of every item refused because its identifier was already counted."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse

from ..models import AuditEntry
from ..permissions import can_see_refused_duplicates
from ..selectors.identifiers import refused_duplicates

PER_PAGE = 50


def refused_duplicates_list(request):
    if not can_see_refused_duplicates(request.user):
        raise PermissionDenied
    page = Paginator(refused_duplicates(request.user), PER_PAGE).get_page(request.GET.get("page"))
    # The same entries as a CSV file: the audit log's own export (itself recorded in the log).
    csv_url = reverse("targets:audit_log") + "?" + urlencode({"action": AuditEntry.Action.DUPLICATE_REFUSED, "format": "csv"})
    return render(request, "targets/refused_duplicates.html", {"nav": "audit", "page": page, "csv_url": csv_url})


urlpatterns = [
    path("audit/duplicates/", refused_duplicates_list, name="refused_duplicates"),
]
