"""add_user: create or update a user with one role, clear errors for bad roles and units."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from targets.models import User

from ..conftest import CITY


def add_user(*args: str) -> str:
    out = io.StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_a_reporter_bound_to_a_unit(plan):
    add_user("wang", "--role", "reporter", "--unit", "330302", "--password", "S3cret-pass-1")
    user = User.objects.get(username="wang")
    assert user.role == "reporter" and user.unit.code == "330302"
    assert user.check_password("S3cret-pass-1")


@pytest.mark.django_db
def test_it_updates_an_existing_user(plan):
    add_user("li", "--role", "reviewer", "--password", "First-pass-1")
    add_user("li", "--role", "admin")
    user = User.objects.get(username="li")
    assert user.role == "admin" and user.is_staff and user.is_superuser
    assert user.check_password("First-pass-1"), "a password not given stays as it was"
    assert User.objects.filter(username="li").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, words",
    [
        (["--role", "boss"], ("boss",)),
        (["--role", "reporter", "--unit", "339999"], ("339999",)),
        (["--role", "reporter"], ("--unit",)),
        (["--role", "reporter", "--unit", CITY], (CITY, "city", "市")),
        (["--role", "leader", "--unit", "330302"], ("reporter", "填报")),
    ],
)
def test_it_refuses_bad_roles_and_units_clearly(plan, args, words):
    with pytest.raises(CommandError) as refused:
        add_user("zhao", *args)
    assert any(word in str(refused.value) for word in words), str(refused.value)
    assert not User.objects.filter(username="zhao").exists()
