"""Lockout after repeated failed logins (per username and address), idle sessions end."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from ..conftest import PASSWORD


def attempt(client: Client, password: str):
    return client.post("/accounts/login/", {"username": "reporter_lucheng", "password": password})


@pytest.mark.django_db
def test_repeated_failures_lock_the_username_from_that_address(reporter):
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(attacker, "wrong")
    locked = attempt(attacker, PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode() or "locked" in locked.content.decode().lower()
    assert attacker.get("/plan/").status_code == 302, "the right password does not get through while locked"
    # The same user from another address is not locked out: the lock is per username AND address.
    colleague = Client(REMOTE_ADDR="198.51.100.2")
    assert attempt(colleague, PASSWORD).status_code == 302
    assert colleague.get("/plan/").status_code == 200


@pytest.mark.django_db
def test_the_lock_lifts_after_the_cool_off(reporter):
    client = Client(REMOTE_ADDR="198.51.100.3")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert attempt(client, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_idle_session_ends_after_30_minutes(reporter):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    attempt(client, PASSWORD)
    assert client.get("/plan/").status_code == 200
    session = Session.objects.get()
    # Activity renews the session for another 30 minutes ...
    assert abs((session.expire_date - timezone.now()) - dt.timedelta(minutes=30)) < dt.timedelta(minutes=1)
    # ... and 30 minutes of silence end it.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/plan/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
