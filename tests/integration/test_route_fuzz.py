"""Every route of the URL conf, fetched with hostile values in its path and in its query, logged out
and as each role: never a server error (a 404, a clear 400, a 403 or a redirect to the login page
are all fine answers).

The routes come from the resolver itself (included URL confs too, the admin's among them), so a
new page is fuzzed without anyone listing it here. Each path parameter in turn gets each odd value
(the others a plausible one); a route without path parameters gets each odd value in every query
parameter that pages read.

Two profiles (ROUTE_FUZZ in the environment):
- `ci` (the default, ~1,500 requests): every route × every odd value logged out, and every route ×
  every odd value once logged in, the five roles taking turns (so each role meets every route with
  two values); the admin's routes, Django's own code, get two values each, in turn.
- `full` (~9,500 requests, ~2 minutes): every route × every odd value × every role.
The counts are printed on a line starting "route fuzz:" (`pytest -s` shows it; a failure repeats it).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from targets.tables import PortalTable

from ..conftest import client_for
from .proofs import show_counts

pytestmark = pytest.mark.django_db

FULL = os.environ.get("ROUTE_FUZZ", "ci") == "full"
ODD_VALUES = {
    "NUL": "\x00",
    "overlong": "A" * 10_000,
    "Chinese": "中文",
    "emoji": "😀🏳️‍🌈",
    "RTL": "\u202eمرحبا\u200f",
    "negative": "-1",
    "huge": "99999999999999999999999",
    "dot-dot": "../",
    "%00": "%00",
    "markup": "<script>'\"",
}
# Every query parameter a page, the API or the admin reads (django-tables2's prefixed ones included).
TABLE_PREFIXES = ["", "units-", "figures-", "summary-", "rank-"]
QUERY_PARAMETERS = [
    "period", "unit", "indicator", "status", "kind", "q", "scope", "rank", "limit", "offset", "next",
    "script", "user", "action", "object_type", "object_id", "date_from", "date_to", "address",
    "heatmap-page", "o", "p", "e", "_changelist_filters", "app_label", "model_name", "field_name", "term",
    *(f"{prefix}{name}" for prefix in TABLE_PREFIXES for name in ("page", "sort", "per_page")),
]
# A plausible value for a path parameter while another one of the same route gets the odd value.
PLAUSIBLE = {"period_code": "2026Q3", "indicator_code": "M01-STD", "app_label": "targets", "content_type_id": "1"}
LOGGED_IN = ["reporter", "reviewer", "leader", "auditor", "admin_user"]


def _routes(patterns=None, prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """Return each route as (template, names of its parameters); a parameter is written {name}."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry.pattern, RoutePattern):
            part = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(entry.pattern))
        else:  # a regex: its named groups become parameters
            part = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"{\1}", entry.pattern.regex.pattern)
            part = part.lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            found.append(("/" + prefix + part, tuple(re.findall(r"{(\w+)}", prefix + part))))
    return sorted(set(found))


def _requests(template: str, names: tuple[str, ...], value: str) -> list[str]:
    """Return the addresses that put `value` into this route: in each path parameter in turn, or,
    for a route without any, in every query parameter."""
    if not names:
        return [template + "?" + urlencode({param: value for param in QUERY_PARAMETERS})]
    addresses = []
    for name in names:
        values = {other: quote(PLAUSIBLE.get(other, "1"), safe="") for other in names}
        values[name] = quote(value, safe="")
        addresses.append(template.format(**values))
    return addresses


def test_the_url_conf_is_walked_whole():
    routes = dict(_routes())
    assert ("code",) == routes["/units/{code}/"] and ("period_code", "indicator_code") == routes["/report/{period_code}/{indicator_code}/"]
    assert "/admin/targets/submission/{object_id}/change/" in routes, "included URL confs too"
    assert len(routes) > 100


# ?sort=../ makes django-tables2 warn about its accessor syntax: expected of a hostile value.
@pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning")
def test_no_route_answers_a_server_error_to_odd_values(request, demo):
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role in LOGGED_IN:
        clients[role] = client_for(request.getfixturevalue(role))
        clients[role].raise_request_exception = False
    routes = _routes()
    statuses: Counter = Counter()
    per_role: Counter = Counter()
    seconds: Counter = Counter()
    server_errors = []
    started = time.monotonic()
    turn = 0
    for template, names in routes:
        admin = template.startswith("/admin/")
        for index, (label, value) in enumerate(ODD_VALUES.items()):
            if FULL:
                roles = list(clients)
            elif admin:  # Django's admin: two values per route in turn, as its only user and logged out
                roles = ["admin_user", "anonymous"] if (index - turn) % len(ODD_VALUES) < 2 else []
            else:
                roles = ["anonymous", LOGGED_IN[(turn + index) % len(LOGGED_IN)]]
            for role in roles:
                for address in _requests(template, names, value):
                    sent = time.monotonic()
                    response = clients[role].get(address)
                    seconds[role] += time.monotonic() - sent
                    statuses[response.status_code] += 1
                    per_role[role] += 1
                    if response.status_code >= 500:
                        server_errors.append(f"{role}: {template} with {label} → {response.status_code}")
        turn += 1
    summary = (
        f"route fuzz ({'full' if FULL else 'ci'} profile): {len(routes)} routes × {len(ODD_VALUES)} odd values, "
        f"{sum(statuses.values())} requests in {time.monotonic() - started:.1f}s "
        f"({', '.join(f'{role} {n} in {seconds[role]:.1f}s' for role, n in per_role.items())}), "
        f"statuses {dict(sorted(statuses.items()))}, 5xx: {len(server_errors)}"
    )
    show_counts(request, summary)
    assert not server_errors, summary + "\n" + "\n".join(server_errors)


@pytest.mark.parametrize("page", ["/review/", "/audit/"])
@pytest.mark.parametrize("per_page", ["-1", "0", "99999999999999999999999"])
def test_a_page_size_no_page_offers_is_ignored(reviewer, auditor, page, per_page):
    """Regression: ?per_page=-1 reached django-tables2's paginator and gave a 500."""
    client = client_for(auditor if page == "/audit/" else reviewer)
    assert client.get(page, {"per_page": per_page, "page": "-1"}).status_code == 200
    assert PortalTable.MAX_PER_PAGE == 100
