#!/usr/bin/env bash
# Usage: scripts/run-tests.sh [PYTEST ARGS...]   (inside scripts/with-services.sh; `make test` runs it)
#
# The suite in two phases on the same throwaway services:
#   1. every test not marked `serial`, spread over TEST_JOBS processes (pytest-xdist; default: the
#      machine's cores) — each with its own test database and Redis database (tests/parallel_services.py);
#   2. the `serial` tests — those that stop or restart a shared server (Redis, PostgreSQL) — alone.
# Exit status: non-zero if either phase failed ("no tests selected" counts as success).
set -u
python=${PYTHON:-.venv/bin/python}
jobs=${TEST_JOBS:-$(nproc)}

"$python" -m pytest -n "$jobs" --dist worksteal -m "not serial" "$@"
parallel=$?
"$python" -m pytest -p no:xdist -m serial "$@"
serial=$?
[ $parallel -eq 5 ] && parallel=0
[ $serial -eq 5 ] && serial=0
echo "parallel phase: exit $parallel; serial phase: exit $serial"
[ $parallel -eq 0 ] && [ $serial -eq 0 ]
