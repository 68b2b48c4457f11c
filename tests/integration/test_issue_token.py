"""manage.py issue_token USERNAME prints a key that authenticates API calls; --rotate replaces it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from targets.models import AuditEntry


def issue(*args) -> str:
    out = StringIO()
    call_command("issue_token", *args, stdout=out)
    return out.getvalue().strip()


def whoami(key: str) -> int:
    return Client(headers={"Authorization": f"Token {key}"}).get("/api/v1/periods/").status_code


@pytest.mark.django_db
def test_it_prints_a_token_that_authenticates(reporter):
    key = issue("reporter_lucheng")
    assert len(key) == 40 and key.isalnum()
    assert whoami(key) == 200
    assert issue("reporter_lucheng") == key, "asking again prints the same key"
    entries = AuditEntry.objects.filter(action="token_issue")
    assert entries.count() == 1
    assert key not in str(entries.get().after), "the key itself is never logged"


@pytest.mark.django_db
def test_rotating_replaces_the_token(reporter):
    old = issue("reporter_lucheng")
    new = issue("reporter_lucheng", "--rotate")
    assert new != old
    assert whoami(new) == 200
    assert whoami(old) == 401
    assert AuditEntry.objects.filter(action="token_issue").count() == 2


@pytest.mark.django_db
def test_it_refuses_an_unknown_or_inactive_user(reporter):
    with pytest.raises(CommandError):
        issue("nobody")
    reporter.is_active = False
    reporter.save(update_fields=["is_active"])
    with pytest.raises(CommandError):
        issue("reporter_lucheng")


@pytest.mark.django_db
def test_the_token_of_a_deactivated_user_stops_working(reporter):
    key = issue("reporter_lucheng")
    reporter.is_active = False
    reporter.save(update_fields=["is_active"])
    assert whoami(key) == 401
