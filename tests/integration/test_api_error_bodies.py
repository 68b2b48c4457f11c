"""API errors look alike everywhere and speak the user's language: the schema's 401 is the API's JSON
error body, and DRF's own English texts ("No data provided", "This field is required.") reach a
Chinese user in Chinese."""

import re

import pytest
from django.test import Client

from targets.actions.tokens import token_issue

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("query", ["", "?format=json", "?format=yaml"])
@pytest.mark.parametrize("authorization", [None, "Token nope"])
def test_the_schema_refuses_a_caller_without_a_login_in_json(plan, query, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = Client(headers=headers).get(f"/api/schema/{query}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors"} and CJK.search(body["detail"]), body
    assert response.has_header("WWW-Authenticate")


def test_the_schema_itself_is_still_yaml_or_json(reporter):
    client = Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"})
    assert client.get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    assert client.get("/api/schema/?format=json").json()["openapi"].startswith("3.")


@pytest.mark.parametrize("body", ["", "{}", "null"])
def test_an_empty_submission_is_refused_in_chinese(reporter, body):
    client = Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"})
    response = client.post("/api/v1/submissions/", body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    messages = [m for field in payload["errors"].values() for m in field]
    assert messages and all(CJK.search(m) for m in messages), payload
    assert not re.search(r"No data provided|This field", str(payload)), payload


def test_an_empty_submission_is_refused_in_english_for_an_english_user(reporter):
    client = Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"})
    client.cookies["django_language"] = "en"  # the language chosen in the portal (not the browser's)
    payload = client.post("/api/v1/submissions/", "null", content_type="application/json").json()
    assert "No data provided" in payload["detail"], payload


def test_the_progress_api_documents_its_400_and_401(reporter):
    client = Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"})
    responses = client.get("/api/schema/?format=json").json()["paths"]["/api/v1/progress/"]["get"]["responses"]
    assert {"200", "400", "401"} <= set(responses)
    assert client.get("/api/v1/progress/", {"unit": "\x00"}).status_code == 400
