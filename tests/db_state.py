"""Database states built once per test session and put back in milliseconds.

Loading the plan takes seconds and seeding the demo several more; most tests need one of them.
Each state is built once, at the start of the session, through the product's own code (the plan
loader, `seed_demo`), and its rows are copied into a schema of its own (`state_plan`,
`state_demo`). A state is put back by deleting every row of the app's tables and inserting the
saved rows — a few statements on the database server, but a quarter of a second for the demo (its
ten thousand audit entries). So a state is put back *committed*, before the test's transaction
opens (`commit`), and stays while the tests that follow want it: each test's transaction is rolled
back, leaving the committed rows as they were. A transactional test commits and is flushed after,
so the committed rows are then unknown (`forget`). A test whose transaction is already open when
its state is due gets it inside that transaction instead (`restore`), rolled back after it.

PostgreSQL only: `make test` always runs on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

# Tables identical in every state (written by the migrations only): left alone.
UNCHANGED_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

_saved: dict[str, dict[str, int]] = {}  # state name → the id sequences' values when it was saved
EMPTY = ""  # the state of no rows at all
_committed: str | None = None  # the state whose rows are committed in the app's tables; None: unknown
_tables: list[str] = []
_blocker = None  # pytest-django's database blocker, once the states are built (`arm`)


def _app_tables() -> list[str]:
    """The app's tables (read once: the migrations have run before any state is built)."""
    if not _tables:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        _tables.extend(sorted(t for t in tables if t not in UNCHANGED_TABLES))
    return _tables


def _sequences() -> dict[str, str]:
    """Return each app table's id sequence (tables without one are left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class c ON c.oid = d.refobjid WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i')"
        )
        return {table: sequence for table, sequence in cursor.fetchall() if table not in UNCHANGED_TABLES}


def build(name: str, make: Callable[[], None]) -> None:
    """Run `make` on the current rows and save the result as state `name`; leave the database empty.

    `make` runs in one transaction whose after-commit callbacks are dropped, as in a test's
    transaction: nothing is relayed to the broker while the states are built.
    """
    schema = f"state_{name}"
    with transaction.atomic():
        make()
        connection.run_on_commit.clear()
    tables = _app_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        for table in tables:
            cursor.execute(f'CREATE TABLE {schema}."{table}" AS TABLE public."{table}"')
        values = {}
        for table, sequence in _sequences().items():
            cursor.execute(f'SELECT last_value FROM "{sequence}"')
            values[sequence] = cursor.fetchone()[0]
    _saved[name] = values


def _replace_rows(cursor, source_schema: str | None) -> None:
    """Delete every row of the app's tables and copy in those of `source_schema` (if any).

    As a replica would (the suite's database user is a superuser): the audit log's append-only
    trigger and the foreign-key triggers stay quiet while whole, consistent states are swapped.
    """
    cursor.execute("SET LOCAL session_replication_role = replica")
    for table in _app_tables():
        cursor.execute(f'DELETE FROM public."{table}"')
        if source_schema:
            cursor.execute(f'INSERT INTO public."{table}" SELECT * FROM {source_schema}."{table}"')
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def restore(name: str) -> None:
    """Replace every row of the app's tables by those of state `name` (EMPTY: by none), committed
    when called outside a transaction, else rolled back with it.

    Sequences only move forward (setval is not transactional): ids given after the restore never
    collide with the state's.
    """
    if name != EMPTY and name not in _saved:
        raise LookupError(f"no database state {name!r}: built states are {sorted(_saved)}")
    with transaction.atomic(), connection.cursor() as cursor:
        _replace_rows(cursor, f"state_{name}" if name != EMPTY else None)
        for sequence, value in _saved.get(name, {}).items():
            cursor.execute(f"SELECT setval('\"{sequence}\"', GREATEST(last_value, %s)) FROM \"{sequence}\"", [value])


def commit(name: str) -> None:
    """Make state `name` (EMPTY: no rows) the committed rows of the app's tables, unless it is
    already. Called outside any transaction."""
    global _committed
    assert not connection.in_atomic_block, "a state is committed before the test's transaction opens"
    if _committed != name:
        _committed = None  # unknown until the restore has committed
        restore(name)
        _committed = name


def arm(blocker) -> None:
    """The states are built: from now on `commit_when_armed` commits them, through `blocker`
    (pytest-django's, which keeps the database closed outside the fixtures that open it)."""
    global _blocker
    _blocker = blocker


def commit_when_armed(name: str) -> None:
    """`commit(name)` once the states are built (`arm`), else nothing."""
    if _blocker is not None:
        with _blocker.unblock():
            commit(name)


def committed() -> str | None:
    """The state whose rows are committed (None: unknown, e.g. after a transactional test)."""
    return _committed


def forget() -> None:
    """The committed rows are no longer a known state (a transactional test wrote and flushed them)."""
    global _committed
    _committed = None
