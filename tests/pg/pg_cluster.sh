#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests (ctest fixture `pg`):
#
#   tests/pg/pg_cluster.sh start DIR   # initdb in DIR, start it on a unix socket in DIR/sock, no TCP
#   tests/pg/pg_cluster.sh stop DIR    # stop it and remove DIR
#
# The tests reach it with TACIT_TEST_PG="host=DIR/sock port=5432 user=postgres
# dbname=postgres" and make a database of their own in it. As root, the server
# runs as the postgres user (initdb refuses root), like bench/ingest_vs_postgres.sh.
set -euo pipefail
pgbin="${PGBIN:-/usr/lib/postgresql/15/bin}"
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    [ -x "$pgbin/initdb" ] || { echo "pg_cluster: no PostgreSQL 15 in $pgbin (scripts/setup.sh installs it)" >&2; exit 1; }
    if [ -f "$dir/data/postmaster.pid" ]; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    as_postgres "$pgbin/initdb" -D "$dir/data" -E UTF8 --locale=C -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # Tests trade durability for speed; PG_DURABLE=1 (the benchmarks) keeps the
    # defaults a production server runs with, and a larger buffer cache.
    if [ "${PG_DURABLE:-0}" = 1 ]; then
      durability="shared_buffers = ${PG_SHARED_BUFFERS:-4GB}
max_wal_size = 16GB
work_mem = 64MB
maintenance_work_mem = 1GB"
    else
      durability="fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB"
    fi
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
port = 5432
${durability}
max_connections = 50
timezone = 'UTC'
CONF
    as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
      { cat "$dir/postgres.log" >&2; exit 1; }
    echo "host=$dir/sock port=5432 user=postgres dbname=postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
