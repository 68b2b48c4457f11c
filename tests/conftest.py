"""Shared fixtures: the Wenzhou plan loaded, and one logged-in client per role (plus an outsider).

The plan and the demo are built once per session and restored per test (tests/db_state.py);
passwords use a fast hasher (the real one costs a third of a second per user, by design).
"""

from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from targets.actions import user_create_or_update
from targets.actions.progress import progress_recompute_all
from targets.models import Plan, User
from targets.plan_loader import load_plan_file

from . import db_state

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "plans" / "wenzhou.yaml"
PASSWORD = "Test-password-2026"
# The city's unit code, as the plan file gives it (the portal finds the city by its kind).
CITY = next(u["code"] for u in yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))["units"] if u["kind"] == "city")


@pytest.hookimpl(tryfirst=True)  # before `-m "not serial"` deselects by marker
def pytest_collection_modifyitems(items):
    """A test that stops Redis (the `redis_control` fixture) runs in the serial phase, on a Redis of its own."""
    for item in items:
        if "redis_control" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(autouse=True, scope="session")
def test_settings():
    """Serve static files from the source tree (production's manifest needs `collectstatic` first)
    and hash passwords fast (tests that count hashing work name the real hasher themselves).

    The only settings tests change; everything else runs as in production (DEBUG off, PostgreSQL,
    Redis).
    """
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


def _seed_demo() -> None:
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def _compute_progress() -> None:
    """Compute every indicator's progress as of today, as `recompute_progress` does (seed_demo only
    queues it on commit, which neither a state's build nor a test's transaction reaches)."""
    progress_recompute_all(trigger="manual")


def _demo_computed() -> None:
    db_state.restore("demo")
    _compute_progress()


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, test_settings):
    """Build the database states the fixtures restore — the plan loaded, the demo on top, its
    progress computed — those the session's tests ask for (a process of a parallel run, or the
    serial phase, may need fewer)."""
    from django.db import connection

    wanted = set().union(*(getattr(item, "fixturenames", ()) for item in request.session.items))
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            db_state.build("plan", lambda: load_plan_file(PLAN_FILE))
            if wanted & {"demo", "computed"}:
                db_state.build("demo", _seed_demo)
            if "computed" in wanted:
                db_state.build("computed", _demo_computed)
            db_state.clear()
    yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, the cache
    (Redis under `make test`) is not."""
    cache.clear()


@pytest.fixture
def plan(request, db) -> Plan:
    """The Wenzhou plan, loaded (with the demo figures when the test asks for `demo` too, and their
    progress computed when it asks for `computed`)."""
    from django.db import connection

    state = next((name for name in ("computed", "demo") if name in request.fixturenames), "plan")
    if connection.vendor == "postgresql":
        db_state.restore(state)
        return Plan.objects.get()
    plan, _ = load_plan_file(PLAN_FILE)  # elsewhere (a quick run on SQLite): built afresh
    if state != "plan":
        _seed_demo()
    if state == "computed":
        _compute_progress()
    return plan


def _user(username: str, role: str, unit: str | None = None) -> User:
    user, _ = user_create_or_update(username=username, role=role, unit_code=unit, password=PASSWORD)
    return user


@pytest.fixture
def reporter(plan) -> User:
    return _user("reporter_lucheng", User.Role.REPORTER, "330302")


@pytest.fixture
def other_reporter(plan) -> User:
    """A reporter of another unit: must never see or touch the first reporter's figures."""
    return _user("reporter_ruian", User.Role.REPORTER, "330381")


@pytest.fixture
def reviewer(plan) -> User:
    return _user("reviewer", User.Role.REVIEWER)


@pytest.fixture
def leader(plan) -> User:
    return _user("leader", User.Role.LEADER)


@pytest.fixture
def auditor(plan) -> User:
    return _user("auditor", User.Role.AUDITOR)


@pytest.fixture
def admin_user(plan) -> User:
    return _user("admin", User.Role.ADMIN)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def demo(plan) -> None:
    """The demo logins and figures of `seed_demo` (restored by `plan`, which sees this fixture)."""


@pytest.fixture
def computed(plan) -> None:
    """The demo with every indicator's progress computed as of today, as after `recompute_progress`
    (restored by `plan`, which sees this fixture)."""
