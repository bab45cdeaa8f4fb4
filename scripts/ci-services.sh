#!/usr/bin/env bash
# Start PostgreSQL and Redis from Debian's packages on loopback for the
# integration run, and print the environment that points the suite at them.
# Usage: eval "$(scripts/ci-services.sh start)"; scripts/ci-services.sh stop
set -euo pipefail
STATE=${CI_SERVICES_DIR:-/tmp/portal-ci-services}
PG_PORT=${CI_PG_PORT:-55432}
REDIS_PORT=${CI_REDIS_PORT:-56379}

start() {
  scripts/ensure-system-packages.sh postgresql redis-server >&2
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  rm -rf "$STATE" && mkdir -p "$STATE"
  chown postgres:postgres "$STATE" 2>/dev/null || true
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  as_pg "$pg_bin/initdb" -D "$STATE/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$STATE/pg" -l "$STATE/pg.log" -w \
    -o "-p $PG_PORT -k $STATE -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' \
    --appendonly no --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/portal"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

stop() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -d "$STATE/pg" ]; then
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$STATE/pg" -m fast stop >&2 || true
    else "$pg_bin/pg_ctl" -D "$STATE/pg" -m fast stop >&2 || true; fi
  fi
  [ -f "$STATE/redis.pid" ] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
}

"$@"
