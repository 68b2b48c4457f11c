"""Shared fixtures: the Wenzhou plan loaded, and one logged-in client per role (plus an outsider).

The plan and the demo are built once per session and put back, committed, when a test wants another
state than the one before it (tests/db_state.py; the tests of a module are grouped by the state they
want); passwords use a fast hasher (the real one costs a third of a second per user, by design).
"""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from targets.actions import user_create_or_update
from targets.actions.progress import progress_recompute_all
from targets.models import Plan, User
from targets.plan_loader import load_plan_file

from . import db_state

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "plans" / "wenzhou.yaml"
PASSWORD = "Test-password-2026"


def plan_file_data() -> dict:
    """The plan file's content, parsed afresh (tests edit it) with libyaml, as the loader parses it."""
    return yaml.load(PLAN_FILE.read_bytes(), Loader=yaml.CSafeLoader)


# The city's unit code, as the plan file gives it (the portal finds the city by its kind).
CITY = next(u["code"] for u in plan_file_data()["units"] if u["kind"] == "city")


STATES = ("computed", "demo", "plan")  # the database states a test can ask for, by fixture name


def wanted_state(fixturenames) -> str:
    """The database state a test wants: the first of STATES among its fixtures, else no rows."""
    return next((name for name in STATES if name in fixturenames), db_state.EMPTY)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    """Before every other implementation (`-m "not serial"` deselects by marker): a test that stops
    Redis (the `redis_control` fixture) runs in the serial phase, on a Redis of its own.

    After them all (pytest-django puts the database tests first, transactional ones next): within
    each run of one module's tests, those that want the same database state go together, so that the
    state is put back once for them all (tests/db_state.py) instead of once per test.
    """
    for item in items:
        if "redis_control" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.serial)
    result = yield
    order, run = {}, 0  # run: the position of the first test of the module run an item is in
    for index, item in enumerate(items):
        if index and getattr(item, "module", None) is not getattr(items[index - 1], "module", None):
            run = index
        order[id(item)] = (run, wanted_state(getattr(item, "fixturenames", ())))
    items.sort(key=lambda item: order[id(item)])
    return result


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
            db_state.commit(db_state.EMPTY)
            db_state.arm(django_db_blocker)
    yield


TRANSACTIONAL = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def _database_use(item) -> tuple[bool, bool]:
    """Whether a test uses the database, and whether transactionally (its writes committed, then
    flushed), as pytest-django decides from its fixtures and its `django_db` mark."""
    names = set(getattr(item, "fixturenames", ()))
    mark = item.get_closest_marker("django_db")
    transactional = bool(names & TRANSACTIONAL) or bool(mark and (mark.kwargs.get("transaction") or mark.kwargs.get("reset_sequences")))
    return transactional or bool(mark) or "db" in names, transactional


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of the test (a `django_db` mark opens its transaction first of all): the
    database state it wants, committed, unless it is the committed one already — once the session's
    states are built. (Before that, in a session's first test, the `plan` fixture puts its state back.)"""
    if _database_use(item)[0]:
        db_state.commit_when_armed(wanted_state(item.fixturenames))


def pytest_runtest_teardown(item):
    """A transactional test commits its writes and is flushed after: its rows are no known state."""
    if _database_use(item)[1]:
        db_state.forget()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the portal's default language: a request of the test before, in English,
    left English active in this thread (LocaleMiddleware activates a request's language, nothing
    deactivates it)."""
    translation.activate(settings.LANGUAGE_CODE)


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

    state = wanted_state(request.fixturenames) or "plan"
    if connection.vendor == "postgresql":
        if db_state.committed() != state:  # a session's first test, or asked for by name during a test
            db_state.restore(state)  # inside the test's transaction (rolled back), or committed
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


def queries_to_get(client: Client, path: str, params: dict | None = None):
    """GET `path`; return the number of database queries it made, and the response. For the tests
    that compare a page's queries at 1× and 10× the data (a fixed ceiling hides a query per row
    until the ceiling is reached)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    return len(captured), response


@pytest.fixture
def demo(plan) -> None:
    """The demo logins and figures of `seed_demo` (restored by `plan`, which sees this fixture)."""


@pytest.fixture
def computed(plan) -> None:
    """The demo with every indicator's progress computed as of today, as after `recompute_progress`
    (restored by `plan`, which sees this fixture)."""
