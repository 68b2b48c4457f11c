"""Every URL and endpoint, walked with every role (and a reporter of another unit): allow or deny.

Access is enforced on the server. A new route must be added to MATRIX, or the coverage test fails.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from targets.actions import evidence_attach
from targets.actions.exports import export_request, export_run
from targets.actions.progress import progress_recompute

from ..conftest import client_for
from ..factories import approved, submitted

ROLES = ["anonymous", "reporter", "other_reporter", "reviewer", "leader", "auditor", "admin_user"]
LOGGED_IN = set(ROLES) - {"anonymous"}
REPORTERS = {"reporter", "other_reporter"}
READ_ALL = {"reviewer", "auditor", "admin_user"}
DASHBOARD_READERS = {"reviewer", "leader", "auditor", "admin_user"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXPORT_READERS = {"reporter", "auditor", "admin_user"}

# name → (method, kwargs from the world, data, roles allowed). Kwargs name world keys in braces.
MATRIX = {
    "login": ("GET", {}, None, set(ROLES)),
    "logout": ("POST", {}, None, LOGGED_IN),  # anonymous: sent to the login page
    "set_language": ("POST", {}, {"language": "en", "next": "/plan/"}, set(ROLES)),
    "targets:home": ("GET", {}, None, LOGGED_IN),
    "targets:plan_overview": ("GET", {}, None, LOGGED_IN),
    "targets:measure_detail": ("GET", {"number": 1}, None, LOGGED_IN),
    "targets:unit_list": ("GET", {}, None, LOGGED_IN),
    "targets:unit_detail": ("GET", {"code": "330302"}, None, LOGGED_IN),
    "targets:healthz": ("GET", {}, None, set(ROLES)),
    "targets:password_change": ("GET", {}, None, LOGGED_IN),
    "targets:api_plan": ("GET", {}, None, LOGGED_IN),
    "targets:excel_template": ("GET", {"period": "2026Q3"}, None, REPORTERS),
    "targets:excel_upload": ("GET", {"period": "2026Q3"}, None, REPORTERS),
    "targets:excel_confirm": ("POST", {"period": "2026Q3"}, {}, REPORTERS),
    "targets:report_home": ("GET", {}, None, REPORTERS),
    "targets:report_period": ("GET", {"period_code": "2026Q3"}, None, REPORTERS),
    "targets:report_form": ("GET", {"period_code": "2026Q3", "indicator_code": "M14-RATE"}, None, REPORTERS),
    "targets:evidence_download": ("GET", {"pk": "{evidence}"}, None, {"reporter"} | READ_ALL),
    "targets:review_queue": ("GET", {}, None, {"reviewer"}),
    "targets:submission_detail": ("GET", {"pk": "{submitted}"}, None, {"reporter"} | READ_ALL),
    "targets:submission_approve": ("POST", {"pk": "{submitted}"}, {"version": "99"}, {"reviewer"}),
    "targets:submission_return": ("POST", {"pk": "{submitted}"}, {"version": "1", "reason": ""}, {"reviewer"}),
    "targets:completeness": ("GET", {}, None, DASHBOARD_READERS),
    "targets:audit_log": ("GET", {}, None, {"auditor"}),
    "targets:refused_duplicates": ("GET", {}, None, {"auditor"}),
    "targets:api_periods": ("GET", {}, None, LOGGED_IN),
    "targets:api_period_open": ("POST", {"code": "2024Q1"}, {}, {"admin_user"}),
    "targets:api_period_close": ("POST", {"code": "2024Q1"}, {}, {"admin_user"}),
    "targets:api_submissions": ("GET", {}, None, LOGGED_IN),
    "targets:api_submission": ("GET", {"pk": "{submitted}"}, None, {"reporter"} | READ_ALL),
    "targets:api_submission_submit": ("POST", {"pk": "{submitted}"}, {}, {"reporter"}),
    "targets:api_submission_approve": ("POST", {"pk": "{submitted}"}, {"version": 99}, {"reviewer"}),
    "targets:api_submission_return": ("POST", {"pk": "{submitted}"}, {"reason": ""}, {"reviewer"}),
    "targets:api_submission_amend": ("POST", {"pk": "{approved}"}, {"reason": ""}, {"reporter"}),
    "targets:api_schema": ("GET", {}, None, LOGGED_IN),
    "targets:api_docs": ("GET", {}, None, LOGGED_IN),
    "targets:api_progress": ("GET", {}, None, LOGGED_IN),
    "targets:dashboard_overview": ("GET", {}, None, DASHBOARD_READERS),
    "targets:dashboard_area": ("GET", {"number": 1}, None, DASHBOARD_READERS),
    "targets:dashboard_measure": ("GET", {"number": 1}, None, DASHBOARD_READERS),
    "targets:dashboard_indicator": ("GET", {"code": "M01-STD"}, None, DASHBOARD_READERS),
    "targets:dashboard_counties": ("GET", {}, None, DASHBOARD_READERS),
    "targets:table_export": ("GET", {"table": "review_queue", "fmt": "csv"}, None, READ_ALL),
    # Exports: everyone asks for what their role may (reporters: their unit's progress table); the
    # world's export is the reporter's, so only they, auditors and administrators reach it.
    "targets:exports": ("GET", {}, None, LOGGED_IN),
    "targets:export_create": ("POST", {}, {"kind": "progress_csv"}, LOGGED_IN),
    "targets:export_row": ("GET", {"pk": "{export}"}, None, EXPORT_READERS),
    "targets:export_retry": ("POST", {"pk": "{export}"}, {}, EXPORT_READERS),
    "targets:export_download": ("GET", {"pk": "{export}"}, None, EXPORT_READERS),
    "targets:api_exports": ("POST", {}, {"kind": "progress_csv"}, LOGGED_IN),
    "targets:api_export": ("GET", {"pk": "{export}"}, None, EXPORT_READERS),
    "targets:api_export_file": ("GET", {"pk": "{export}"}, None, EXPORT_READERS),
}
# Objects of one unit, seen from the others: the leader sees approved figures only.
OBJECT_CHECKS = [
    ("targets:submission_detail", {"pk": "{approved}"}, {"reporter", "leader"} | READ_ALL),
    ("targets:api_submission", {"pk": "{approved}"}, {"reporter", "leader"} | READ_ALL),
    # A page's table as a file: whoever may read that page (auditors and administrators: the queue too).
    ("targets:table_export", {"table": "completeness", "fmt": "xlsx"}, DASHBOARD_READERS),
    ("targets:table_export", {"table": "audit_log", "fmt": "csv"}, {"auditor"}),
]


def route_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # Django's admin site: checked separately below
                walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_in_the_matrix():
    assert route_names() - set(MATRIX) == set(), "classify the new routes in MATRIX"


@pytest.fixture
def world(request, settings, tmp_path, reporter, other_reporter, reviewer, leader, auditor, admin_user):
    settings.MEDIA_ROOT = tmp_path / "media"
    pending = submitted(reporter, "M14-RATE", "2026Q3")
    evidence = evidence_attach(user=reporter, submission=pending, uploaded_file=SimpleUploadedFile("p.png", PNG))
    done = approved(reporter, reviewer, "M01-STD", "2026Q3", increment="0", items="")
    progress_recompute(indicator=done.indicator)
    export = export_request(user=reporter, kind="progress_csv")
    export_run(export_id=export.pk)  # built, as the worker would
    users = {"reporter": reporter, "other_reporter": other_reporter, "reviewer": reviewer, "leader": leader, "auditor": auditor, "admin_user": admin_user}
    return {"submitted": pending.pk, "approved": done.pk, "evidence": evidence.pk, "export": export.pk, "users": users}


def outcome(response) -> str:
    if response.status_code in (401, 403, 404, 405):
        return "deny"
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "deny"
    if response.status_code == 429:
        return "deny"
    return "allow"


def call(client: Client, name: str, method: str, kwargs: dict, data, world) -> object:
    resolved = {k: (world[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v) for k, v in kwargs.items()}
    url = reverse(name, kwargs=resolved)
    if method == "GET":
        return client.get(url)
    if name.startswith("targets:api_"):
        return client.post(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_exactly_what_it_may(role, world):
    client = Client() if role == "anonymous" else client_for(world["users"][role])
    wrong = []
    checks = [(name, *spec) for name, spec in MATRIX.items() if name in route_names()]
    checks += [(name, "GET", kwargs, None, allowed) for name, kwargs, allowed in OBJECT_CHECKS]
    for name, method, kwargs, data, allowed in checks:
        if name in ("logout", "set_language") and role != "anonymous":
            continue  # would end or change this client's session: checked at the end
        got = outcome(call(client, name, method, kwargs, data, world))
        expected = "allow" if role in allowed else "deny"
        if got != expected:
            wrong.append(f"{name}: {role} got {got}, expected {expected}")
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_reach_the_admin_site(role, world):
    client = Client() if role == "anonymous" else client_for(world["users"][role])
    response = client.get("/admin/targets/indicator/")
    assert (response.status_code == 200) == (role == "admin_user")
