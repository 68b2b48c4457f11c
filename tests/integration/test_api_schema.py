"""The OpenAPI 3 schema at /api/schema/ and the documentation page at /api/docs/ (served offline)."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from targets.actions.tokens import token_issue

from ..conftest import client_for

ENDPOINTS = {
    "/api/v1/plan/": {"get"},
    "/api/v1/periods/": {"get"},
    "/api/v1/periods/{code}/open/": {"post"},
    "/api/v1/periods/{code}/close/": {"post"},
    "/api/v1/submissions/": {"get", "post"},
    "/api/v1/submissions/{id}/": {"get", "patch"},
    "/api/v1/submissions/{id}/submit/": {"post"},
    "/api/v1/submissions/{id}/approve/": {"post"},
    "/api/v1/submissions/{id}/return/": {"post"},
    "/api/v1/submissions/{id}/amend/": {"post"},
}


def schema_of(client) -> dict:
    response = client.get(reverse("targets:api_schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_the_schema_is_openapi_3_and_lists_every_endpoint(reporter):
    schema = schema_of(Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"}))
    validate_schema(schema)  # raises on anything that is not valid OpenAPI 3.0
    assert schema["openapi"].startswith("3.")
    paths = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    for path, methods in ENDPOINTS.items():
        assert methods <= paths.get(path, set()), path
    # Every operation says what it does and documents the 401 of a missing token.
    for path, methods in ENDPOINTS.items():
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation.get("summary") and "401" in operation["responses"], (method, path)
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.django_db
def test_the_schema_documents_bodies_and_error_codes(reporter):
    schema = schema_of(client_for(reporter))
    components = schema["components"]["schemas"]
    create = schema["paths"]["/api/v1/submissions/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubmissionCreate")
    assert set(create["responses"]) == {"201", "400", "401", "403"}
    assert {"indicator", "unit", "period"} <= set(components["SubmissionCreate"]["required"])
    patch = schema["paths"]["/api/v1/submissions/{id}/"]["patch"]
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409"}
    assert "version" in components["PatchedSubmissionEdit"]["required"]
    assert patch["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    assert "current" in components["Conflict"]["properties"]
    assert components["SubmissionReturn"]["required"] == ["reason"]
    assert set(schema["paths"]["/api/v1/periods/{code}/open/"]["post"]["responses"]) == {"200", "401", "403", "404"}
    # Numbers are numbers in responses; the error body has its documented shape.
    assert components["Submission"]["properties"]["increment"]["type"] == "number"
    assert set(components["Errors"]["properties"]) == {"detail", "errors"}
    assert "history" in components["SubmissionDetail"]["properties"]
    # Unknown fields: the schema says what happens to them.
    assert "refused" in create["description"] or "拒绝" in create["description"]  # Chinese by default
    assert all(components[name]["additionalProperties"] is False for name in ("SubmissionCreate", "PatchedSubmissionEdit", "SubmissionAmend", "SubmissionReturn"))


@pytest.mark.django_db
def test_responses_carry_only_documented_fields(reporter, reviewer):
    from ..factories import approved, open_period

    open_period("2026Q3")
    client = client_for(reviewer)
    schema = schema_of(client)["components"]["schemas"]
    documented = set(schema["SubmissionDetail"]["properties"])
    required = set(schema["SubmissionDetail"]["required"])
    for code in ("M01-STD", "M14-RATE", "M16-NAR"):
        pk = approved(reporter, reviewer, code).pk
        record = client.get(f"/api/v1/submissions/{pk}/").json()
        assert required <= set(record) <= documented, code
        assert set(record["history"][0]) <= set(schema["Version"]["properties"]), code


@pytest.mark.django_db
def test_the_schema_is_for_logged_in_callers_only(plan):
    assert Client().get(reverse("targets:api_schema")).status_code == 401
    assert Client(headers={"Authorization": "Token nope"}).get(reverse("targets:api_schema")).status_code == 401


@pytest.mark.django_db
def test_the_schema_is_yaml_by_default(leader):
    response = client_for(leader).get(reverse("targets:api_schema"))
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"]


@pytest.mark.django_db
def test_the_docs_page_serves_swagger_ui_from_static_only(reviewer):
    client = client_for(reviewer)
    response = client.get(reverse("targets:api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html and 'aria-current="page"' in html
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets) and any("swagger-ui.css" in a for a in assets)
    assert all(a.startswith(("/static/", "/api/docs/?")) for a in assets), assets
    assert not re.search(r"<script>|<script [^>]*>\s*\S", re.sub(r"<script[^>]*src=[^>]*></script>", "", html)), "no inline script"
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html.replace("http://www.w3.org/", ""), re.IGNORECASE)
    # Every asset is a file the app serves itself (drf-spectacular-sidecar ships Swagger UI).
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    init = client.get(next(s for s in scripts if s.startswith("/api/docs/")))
    script = b"".join(init.streaming_content) if init.streaming else init.content
    assert b"/api/schema/" in script
    assert b'"validatorUrl": null' in script, "Swagger UI must not ask validator.swagger.io"


@pytest.mark.django_db
def test_the_docs_page_sends_a_logged_out_browser_to_the_login_page(plan):
    response = Client().get(reverse("targets:api_docs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_navigation_links_to_the_docs_for_those_who_use_the_api(reviewer, auditor, reporter, leader):
    link = f'href="{reverse("targets:api_docs")}"'
    for user in (reviewer, auditor):
        assert link in client_for(user).get(reverse("targets:plan_overview")).content.decode(), user.role
    for user in (reporter, leader):  # issue 12: not a door reporters and leaders need in their menu
        assert link not in client_for(user).get(reverse("targets:plan_overview")).content.decode(), user.role
