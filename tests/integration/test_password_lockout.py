"""The password page's check of the current password counts as a login: wrong guesses lock the user
name from that address as failed logins do (django-axes), are audited like them, and a locked
user name is refused there as on the login page, even with the right password."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from targets.models import AuditEntry

from ..conftest import PASSWORD

URL = "/accounts/password/"
NEW = "Wenzhou-Metrology-2027"
ADDRESS = "198.51.100.7"


def signed_in(username: str, address: str = ADDRESS) -> Client:
    client = Client(REMOTE_ADDR=address)
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def change(client: Client, old: str):
    return client.post(URL, {"old_password": old, "new_password1": NEW, "new_password2": NEW})


def login_failures(username: str) -> int:
    return AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor_name=username).count()


@pytest.mark.django_db
def test_wrong_current_passwords_lock_the_page_and_even_the_right_one_is_refused(reporter):
    client = signed_in(reporter.username)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(client, "not-it").status_code == 200  # the form again, with its error
    last = change(client, "not-it")
    locked = change(client, PASSWORD)
    for response in (last, locked):
        assert response.status_code == 429  # as the login page answers a locked user name
        body = response.content.decode()
        assert "锁定" in body or "locked" in body.lower()
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD) and not reporter.check_password(NEW)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.USER_CHANGE, actor=reporter).exists()


@pytest.mark.django_db
def test_the_failures_count_as_failed_logins_in_axes_and_the_audit_log(reporter):
    client = signed_in(reporter.username)
    for _ in range(2):
        change(client, "not-it")
    attempt = AccessAttempt.objects.get(username=reporter.username, ip_address=ADDRESS)
    assert attempt.failures_since_start == 2
    # The form's passwords (the wrong current one, the new one) are not kept by axes.
    assert "not-it" not in attempt.post_data and NEW not in attempt.post_data
    assert login_failures(reporter.username) == 2
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).last()
    assert entry.ip == ADDRESS and "not-it" not in str(entry.before) + str(entry.after)


@pytest.mark.django_db
def test_a_lock_earned_on_the_password_page_holds_on_the_login_page(reporter):
    client = signed_in(reporter.username)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(client, "not-it")
    again = Client(REMOTE_ADDR=ADDRESS).post("/accounts/login/", {"username": reporter.username, "password": PASSWORD})
    assert again.status_code == 429


@pytest.mark.django_db
def test_failed_logins_lock_the_password_page_too(reporter):
    client = signed_in(reporter.username)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=ADDRESS).post("/accounts/login/", {"username": reporter.username, "password": "wrong"})
    assert change(client, PASSWORD).status_code == 429
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_lock_is_per_address_as_for_logins(reporter):
    client = signed_in(reporter.username)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(client, "not-it")
    elsewhere = signed_in(reporter.username, "198.51.100.8")
    assert change(elsewhere, PASSWORD).status_code == 302
    reporter.refresh_from_db()
    assert reporter.check_password(NEW)


@pytest.mark.django_db
def test_a_right_password_after_fewer_failures_still_changes_it(reporter):
    client = signed_in(reporter.username)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        change(client, "not-it")
    assert change(client, PASSWORD).status_code == 302
    reporter.refresh_from_db()
    assert reporter.check_password(NEW)
