"""Bad input never causes a 500: garbage in every field of POST, PATCH, return and amend, and garbage bodies.

Each answer below 500 must be an error body {"detail": str, "errors": {field: [str]}} or a record.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from targets.actions import user_create_or_update
from targets.actions.tokens import token_issue
from targets.models import Submission, SubmissionVersion, User

from ..factories import approved, draft, open_period, submitted

URL = "/api/v1/submissions/"
GARBAGE = [
    None, True, False, 0, -1, 1.5, -0.0, 10**30, -(10**30), 1e308, 2**63, "", " ", "abc", "١٢", "１２",
    "1e999", "NaN", "Infinity", "-inf", "0x10", "1_000", "2026-13-45", "\x00", "a\x00b", "\ud800", "💥" * 10,
    "x" * 100_000, "<script>alert(1)</script>", "'; DROP TABLE targets_submission; --",
    [], [1, 2], [None], [[[]]], [{"name": {"x": 1}}], [{"name": "\x00"}], [{"name": ["a"]}], {}, {"a": 1},
    {"name": "x", "number": "y"},
]
# An indicator whose kind takes the field, so that garbage reaches the figures rules, not the kind check.
INDICATOR_FOR = {
    "increment": "M01-STD", "items": "M01-STD", "numerator": "M14-RATE", "denominator": "M14-RATE",
    "done": "M11-ECG", "completed_on": "M11-ECG", "self_status": "M16-NAR", "narrative": "M16-NAR",
    "note": "M14-RATE", "explanation": "M14-RATE",
}
VALUE_FIELDS = list(INDICATOR_FOR)


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


def reporter_for(indicator: str, reporter: User) -> User:
    if indicator == "M11-ECG":  # milestones are reported by the market-regulation department
        return user_create_or_update(username="reporter_mti", role=User.Role.REPORTER, unit_code="D-MTI")[0]
    return reporter


def assert_well_formed(response, field: str, value) -> None:
    label = f"{field}={str(value)[:40]!r}"
    assert response.status_code < 500, label
    body = response.json()
    if response.status_code >= 400:
        assert set(body) <= {"detail", "errors", "current"}, label
        assert isinstance(body["detail"], str) and body["detail"], label
        assert isinstance(body["errors"], dict) and body["errors"], label
        for name, messages in body["errors"].items():
            assert isinstance(name, str) and isinstance(messages, list) and messages, label
            assert all(isinstance(m, str) and m for m in messages), label
        if isinstance(value, dict) and response.status_code == 400:
            # No field takes an object: the refusal names the field.
            assert field in body["errors"], label
    else:
        assert isinstance(body["id"], int) and isinstance(body["version"], int), label


def throw(send, field: str) -> None:
    """Send each garbage value for `field`, each in a transaction rolled back afterwards."""
    for value in GARBAGE:
        with transaction.atomic():
            response = send(value)
            assert_well_formed(response, field, value)
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["indicator", "unit", "period", *VALUE_FIELDS, "unknown_field"])
def test_post_survives_garbage_in(reporter, field):
    open_period("2026Q3")
    indicator = INDICATOR_FOR.get(field, "M14-RATE")
    user = reporter_for(indicator, reporter)
    client = api(user)
    base = {"indicator": indicator, "unit": user.unit.code, "period": "2026Q3"}
    throw(lambda value: client.post(URL, {**base, field: value}, content_type="application/json"), field)
    assert Submission.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["version", *VALUE_FIELDS, "unknown_field"])
def test_patch_survives_garbage_in(reporter, field):
    indicator = INDICATOR_FOR.get(field, "M14-RATE")
    user = reporter_for(indicator, reporter)
    pk = draft(user, indicator).pk
    client = api(user)
    base = {"version": 1}
    throw(lambda value: client.patch(f"{URL}{pk}/", {**base, field: value}, content_type="application/json"), field)
    assert SubmissionVersion.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["reason", "version", "unknown_field"])
def test_return_survives_garbage_in(reporter, reviewer, field):
    pk = submitted(reporter, "M14-RATE").pk
    client = api(reviewer)
    base = {"reason": "数据有误"}
    throw(lambda value: client.post(f"{URL}{pk}/return/", {**base, field: value}, content_type="application/json"), field)
    assert Submission.objects.get().status == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["reason", "version", *VALUE_FIELDS, "unknown_field"])
def test_amend_survives_garbage_in(reporter, reviewer, field):
    indicator = INDICATOR_FOR.get(field, "M14-RATE")
    user = reporter_for(indicator, reporter)
    pk = approved(user, reviewer, indicator).pk
    client = api(user)
    base = {"reason": "更正"}
    throw(lambda value: client.post(f"{URL}{pk}/amend/", {**base, field: value}, content_type="application/json"), field)
    assert Submission.objects.get().status == "approved"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["version", "unknown_field"])
def test_submit_and_approve_survive_garbage_in(reporter, reviewer, field):
    pk, other = draft(reporter, "M14-RATE").pk, submitted(reporter, "M01-COV").pk
    me, boss = api(reporter), api(reviewer)
    throw(lambda value: me.post(f"{URL}{pk}/submit/", {field: value}, content_type="application/json"), field)
    throw(lambda value: boss.post(f"{URL}{other}/approve/", {field: value}, content_type="application/json"), field)
    assert [s.status for s in Submission.objects.order_by("pk")] == ["draft", "submitted"]


BODIES = [
    b"", b"{", b"}", b"not json", b"[]", b"[1, 2]", b'"text"', b"null", b"true", b"42", b"1e999", b"NaN",
    b'{"version": NaN}', b'{"version": Infinity}', b"\xff\xfe\x00", b'{"a": "\xed\xa0\x80"}', b"[" * 100_000,
    b'{"version": 1, "version": "x"}', b'{"numerator": 1' + b"0" * 5000 + b"}", b'{"reason": "' + b"r" * 1_000_000 + b'"}',
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", BODIES, ids=lambda b: repr(b[:20]))
def test_a_body_that_is_not_a_json_object_is_a_400(reporter, reviewer, body):
    pk = draft(reporter, "M14-RATE").pk
    for client, method, url in (
        (api(reporter), "post", URL),
        (api(reporter), "patch", f"{URL}{pk}/"),
        (api(reporter), "post", f"{URL}{pk}/submit/"),
        (api(reviewer), "post", f"{URL}{pk}/return/"),
        (api(reporter), "post", f"{URL}{pk}/amend/"),
    ):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code < 500, (method, url)
        if response.status_code >= 400:
            assert response.json()["errors"], (method, url)
    assert SubmissionVersion.objects.count() == 1


@pytest.mark.django_db
def test_other_content_types_are_refused_politely(reporter):
    open_period("2026Q3")
    client = api(reporter)
    form = client.post(URL, {"indicator": "M14-RATE", "unit": "330302", "period": "2026Q3"})  # multipart
    assert form.status_code == 415 and form.json()["errors"]
    text = client.post(URL, "indicator=M14-RATE", content_type="text/plain")
    assert text.status_code == 415
    for charset in ("bz2_codec", "no-such-charset"):
        odd = client.generic("POST", URL, b"{}", content_type=f"application/json; charset={charset}")
        assert odd.status_code == 400 and odd.json()["errors"]
    assert Submission.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"status": "[]"}, {"period": "x" * 10_000}, {"limit": "abc"}, {"limit": "-5"},
                                   {"offset": "9" * 30}, {"limit": "9" * 30}, {"unit": "\x00"}, {"indicator": "'"}])
def test_the_list_survives_garbage_in_the_query(reviewer, query):
    response = api(reviewer).get(URL, query)
    assert response.status_code in (200, 400)
    body = response.json()
    assert ("results" in body) if response.status_code == 200 else body["errors"]
