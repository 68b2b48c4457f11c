#!/usr/bin/env bash
# Usage: scripts/with-services.sh COMMAND [ARGS...]
#
# Start a throwaway PostgreSQL cluster and Redis server on free loopback ports, run COMMAND with
# DATABASE_URL and REDIS_URL pointing at them, then stop both and delete their files, whatever
# COMMAND's outcome (its exit status is returned). PostgreSQL refuses to run as root, so as root
# it runs as the `postgres` user that Debian's package creates.
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL server binaries not found (run scripts/ensure-system-packages.sh)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server not found (run scripts/ensure-system-packages.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/portal-services.XXXXXX)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
pg_port=$(free_port)
redis_port=$(free_port)

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  status=$?
  as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

mkdir -p "$work/pg" "$work/redis"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg/data" -U portal --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
# Durability is pointless for a throwaway test cluster; turning it off makes the suite faster.
# PG_OPTIONS adds server settings (make bench: the memory settings of docker-compose.yml).
as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 start \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${PG_OPTIONS:-}" >/dev/null \
  || { cat "$work/pg/server.log" >&2; exit 1; }
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U portal portal

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" \
  --daemonize yes --pidfile "$work/redis/redis.pid" --logfile "$work/redis/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://portal@127.0.0.1:$pg_port/portal"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
echo "Throwaway services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"
set +e
"$@"
