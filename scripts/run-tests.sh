#!/usr/bin/env bash
# Usage: scripts/run-tests.sh [PYTEST ARGS...]   (inside scripts/with-services.sh; `make test` runs it)
#
# The suite in two phases that run at the same time:
#   1. every test not marked `serial`, spread over TEST_JOBS processes (pytest-xdist; default: the
#      machine's cores) — each with its own test database and Redis database (tests/parallel_services.py),
#      on the throwaway PostgreSQL and Redis of scripts/with-services.sh;
#   2. the `serial` tests — those that stop and restart Redis (the `redis_control` fixture) — one after
#      the other, beside phase 1, on a Redis server of their own (started here, on a free port) and
#      a test database of their own on the same PostgreSQL: stopping their Redis never takes the broker
#      away from phase 1. Their output is printed after phase 1's.
# Exit status: non-zero if either phase failed ("no tests selected" counts as success).
#
# Bytecode is written (PYTHONDONTWRITEBYTECODE, which the machine may set, is lifted): the parallel
# phase compiles the portal's modules and rewrites the tests' assertions once, and every process
# after it — the serial phase, the Celery workers and servers the tests start — reads them instead of
# doing it again. The serial phase therefore starts once the parallel phase has collected.
set -u
unset PYTHONDONTWRITEBYTECODE
python=${PYTHON:-.venv/bin/python}
serial_delay=${SERIAL_DELAY:-15}  # seconds: the parallel phase's collection takes about 10 s
jobs=${TEST_JOBS:-$(nproc)}

own=$(mktemp -d /tmp/portal-serial.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$own"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$own" \
  --daemonize yes --pidfile "$own/redis.pid" --logfile "$own/redis.log"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

(
  # Wait for the parallel phase's collection (or its end, when it is shorter: a subset of the tests).
  for _ in $(seq "$serial_delay"); do [ -e "$own/parallel-done" ] && break; sleep 1; done
  REDIS_URL="redis://127.0.0.1:$port/0" exec "$python" -m pytest -p no:xdist -m serial "$@"
) >"$own/serial.log" 2>&1 &
serial_pid=$!
"$python" -m pytest -n "$jobs" --dist worksteal -m "not serial" "$@"
parallel=$?
touch "$own/parallel-done"
wait "$serial_pid"
serial=$?
echo "=== serial phase (tests that stop their own Redis server), run beside the parallel one ==="
cat "$own/serial.log"
[ $parallel -eq 5 ] && parallel=0
[ $serial -eq 5 ] && serial=0
echo "parallel phase: exit $parallel; serial phase: exit $serial"
[ $parallel -eq 0 ] && [ $serial -eq 0 ]
