"""Database states built once per test session and put back in milliseconds.

Loading the plan takes seconds and seeding the demo several more; most tests need one of them.
Each state is built once, at the start of the session, through the product's own code (the plan
loader, `seed_demo`), and its rows are copied into a schema of its own (`state_plan`,
`state_demo`). A test then gets its state by deleting every row of the app's tables and inserting
the saved rows back — a few statements on the database server, inside the test's transaction
(rolled back after it) or, for transactional tests, committed (flushed after it).

PostgreSQL only: `make test` always runs on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

# Tables identical in every state (written by the migrations only): left alone.
UNCHANGED_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

_saved: dict[str, dict[str, int]] = {}  # state name → the id sequences' values when it was saved


def _app_tables() -> list[str]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    return sorted(t for t in tables if t not in UNCHANGED_TABLES)


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


def clear() -> None:
    """Delete every row of the app's tables (committed when called outside a transaction)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _replace_rows(cursor, None)


def restore(name: str) -> None:
    """Replace every row of the app's tables by those of state `name`.

    Sequences only move forward (setval is not transactional): ids given after the restore never
    collide with the state's.
    """
    if name not in _saved:
        raise LookupError(f"no database state {name!r}: built states are {sorted(_saved)}")
    with transaction.atomic(), connection.cursor() as cursor:
        _replace_rows(cursor, f"state_{name}")
        for sequence, value in _saved[name].items():
            cursor.execute(f"SELECT setval('\"{sequence}\"', GREATEST(last_value, %s)) FROM \"{sequence}\"", [value])
