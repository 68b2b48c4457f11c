"""GET /api/v1/periods/ for everyone; opening and closing a period for administrators only."""

import pytest
from django.test import Client

from targets.actions.tokens import token_issue
from targets.models import AuditEntry, Period, User

URL = "/api/v1/periods/"


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


@pytest.mark.django_db
def test_every_role_lists_the_periods(reporter, reviewer, leader, auditor, admin_user):
    Period.objects.filter(code="2026Q3").update(is_open=True)
    for user in (reporter, reviewer, leader, auditor, admin_user):
        response = api(user).get(URL)
        assert response.status_code == 200
        periods = {p["code"]: p for p in response.json()}
        assert periods["2026Q3"] == {
            "code": "2026Q3", "year": 2026, "quarter": 3, "start": "2026-07-01", "end": "2026-09-30",
            "due": periods["2026Q3"]["due"], "is_open": True,
        }
        assert periods["2026Q3"]["due"] > "2026-09-30"
    codes = [p["code"] for p in response.json()]
    assert codes[0] == "2023Q1" and codes == sorted(codes)


@pytest.mark.django_db
def test_an_administrator_opens_and_closes_a_period(admin_user):
    Period.objects.filter(code="2027Q1").update(is_open=False)
    client = api(admin_user)
    opened = client.post(f"{URL}2027Q1/open/")
    assert opened.status_code == 200
    assert opened.json()["is_open"] is True and opened.json()["code"] == "2027Q1"
    assert Period.objects.get(code="2027Q1").is_open
    assert client.post(f"{URL}2027Q1/open/").status_code == 200, "opening an open period changes nothing"
    closed = client.post(f"{URL}2027Q1/close/")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    assert not Period.objects.get(code="2027Q1").is_open
    entries = AuditEntry.objects.filter(object_type="period").order_by("id")
    assert [(e.action, e.actor_id, e.ip) for e in entries] == [
        ("period_open", admin_user.pk, "127.0.0.1"),
        ("period_close", admin_user.pk, "127.0.0.1"),
    ]


@pytest.mark.django_db
def test_a_logged_in_browser_may_call_it_with_its_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    forged = client.post(f"{URL}2027Q2/open/")
    assert forged.status_code == 403, "a session without the CSRF token is refused"
    assert not Period.objects.get(code="2027Q2").is_open
    client.get("/plan/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(f"{URL}2027Q2/open/", headers={"X-CSRFToken": token}).json()["is_open"] is True


@pytest.mark.django_db
def test_only_administrators_open_and_close(reporter, reviewer, leader, auditor):
    Period.objects.filter(code="2027Q1").update(is_open=False)
    for user in (reporter, reviewer, leader, auditor):
        for step in ("open", "close"):
            response = api(user).post(f"{URL}2027Q1/{step}/")
            assert response.status_code == 403
            assert response.json()["errors"]["non_field_errors"]
    assert not Period.objects.get(code="2027Q1").is_open
    assert not AuditEntry.objects.filter(object_type="period").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["2099Q1", "2026Q5", "abc", "%00", "2026q3"])
def test_an_unknown_period_is_a_404(admin_user, code):
    response = api(admin_user).post(f"{URL}{code}/open/")
    # A NUL character is refused before any view runs (metrology_portal.middleware): a clear 400.
    assert response.status_code == (400 if code == "%00" else 404)
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.django_db
def test_anonymous_callers_get_a_401(plan):
    assert Client().get(URL).status_code == 401
    assert Client().post(f"{URL}2026Q3/open/").status_code == 401
    assert Client(headers={"Authorization": "Token bogus"}).post(f"{URL}2026Q3/close/").status_code == 401


@pytest.mark.django_db
def test_only_post_opens(admin_user):
    response = api(admin_user).get(f"{URL}2026Q3/open/")
    assert response.status_code == 405
    assert response.json()["errors"]["non_field_errors"]
