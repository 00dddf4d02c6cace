#!/usr/bin/env bash
# Province benchmark (issue 9): the same synthetic province on SQLite and on
# PostgreSQL 15, with the feeds into PostgreSQL through the NATS JetStream
# stream and two consuming instances.
#
#   bench/province.sh [--people N] [--rows-per-person R] [--instances 1|2] [--postgres-only] [--keep]
#
# 1. Generates the province (build/tacit demo --generate-only --canonical):
#    N persons (default 7,000,000) and about R feed rows per person over a year
#    (default 3: railway, hospital, bank, medical, household, cremation).
# 2. SQLite: init, registry import, ingest of every feed file, the monthly
#    run, the province's statistics.
# 3. PostgreSQL (a throwaway cluster with production durability: fsync and
#    synchronous_commit on, PG_DURABLE=1 of tests/pg/pg_cluster.sh): init,
#    registry import, `tacit stream publish` of every feed file to a throwaway
#    nats-server, `tacit stream consume` by the instances at once (partitions
#    0-7 and 8-15), the monthly run, the statistics.
# 4. Prints wall time and peak memory (of the tacit process; the PostgreSQL
#    server's own memory is its shared_buffers plus work_mem per sort) of each
#    step, rows per second, and the size of each store; checks that both stores
#    hold the same evidence count and the same statistics.
#
# Builds nothing: expects build/tacit. Runs as root (PostgreSQL runs as the
# postgres user). Needs about 3 GB of disk per million persons. Work dir and
# servers are removed at exit unless --keep.
set -euo pipefail
umask 022

repo="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$repo/build/tacit"
people=7000000
rows_per_person=3
instances=2
keep=0
idle=3
postgres_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --rows-per-person) rows_per_person="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --postgres-only) postgres_only=1; shift ;;
    *) echo "usage: $0 [--people N] [--rows-per-person R] [--instances 1|2] [--postgres-only] [--keep]" >&2; exit 2 ;;
  esac
done
[ -x "$tacit" ] || { echo "no $tacit: build first (bash scripts/setup.sh)" >&2; exit 2; }

work="${BENCH_DIR:-$repo/build/bench-province}"
rm -rf "$work"
mkdir -p "$work"
cleanup() {
  if [ "$keep" = 0 ]; then
    bash "$repo/tests/stream/nats_server.sh" stop "$work/nats" >/dev/null 2>&1 || true
    bash "$repo/tests/pg/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
cd "$work"

results="$work/results.tsv"
: >"$results"
# step NAME COMMAND...: runs it under /usr/bin/time, records seconds and peak RSS.
step() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >"$work/$name.out" 2>&1 ||
    { echo "step $name failed:" >&2; tail -20 "$work/$name.out" >&2; exit 1; }
  read -r secs kb <"$work/time.out"
  printf '%s\t%s\t%s\n' "$name" "$secs" "$kb" >>"$results"
  printf '  %-22s %8.1f s  %7.0f MiB\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
# Several processes at once: wall time of all, the largest peak RSS.
step_parallel() {
  local name="$1"; shift
  local t0 t1 pids=() i=0 max=0
  t0=$(date +%s.%N)
  for cmd in "$@"; do
    /usr/bin/time -f "%e %M" -o "$work/time-$i.out" bash -c "$cmd" >"$work/$name-$i.out" 2>&1 &
    pids+=($!)
    i=$((i + 1))
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "step $name failed" >&2; tail -5 "$work/$name"-*.out >&2; exit 1; }; done
  t1=$(date +%s.%N)
  for f in "$work"/time-*.out; do
    read -r _ kb <"$f"
    [ "$kb" -gt "$max" ] && max=$kb
  done
  rm -f "$work"/time-*.out
  local secs
  secs=$(echo "$t1 - $t0 - $idle" | bc -l)
  printf '%s\t%s\t%s\n' "$name" "$secs" "$max" >>"$results"
  printf '  %-22s %8.1f s  %7.0f MiB  (idle exit of %s s taken off)\n' "$name" "$secs" "$(echo "$max / 1024" | bc -l)" "$idle"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; $(date -u +%F)"
echo "== generating $people persons, about $rows_per_person feed rows each"
step generate "$tacit" demo --people "$people" --seed 11 --dir "$work/data" --generate-only --canonical \
  --rows-per-person "$rows_per_person"
month=$(date +%Y-%m)
feeds=(data/feeds/*.csv)
feed_rows=$(cat "${feeds[@]}" | wc -l)
feed_rows=$((feed_rows - ${#feeds[@]}))  # headers
echo "   ${#feeds[@]} feed files, $feed_rows rows"

mkdir -p "$work/payroll-sqlite" "$work/payroll-pg"
if [ "$postgres_only" = 0 ]; then
  echo "== SQLite"
  sq="$work/sqlite.db"
  "$tacit" --db "$sq" init >/dev/null
  step sqlite.registry "$tacit" --db "$sq" registry import data/registry.csv
  step sqlite.ingest "$tacit" --db "$sq" ingest "${feeds[@]}"
  step sqlite.cycle "$tacit" --db "$sq" cycle run --month "$month" --as-of "$(date +%F)" --out "$work/payroll-sqlite"
  step sqlite.stats "$tacit" --db "$sq" stats --json
  step sqlite.snapshot "$tacit" --db "$sq" stats snapshot
  step sqlite.stats_snap "$tacit" --db "$sq" stats --json
  sqlite_bytes=$(du -cb "$sq"* | tail -1 | cut -f1)
fi
echo "== PostgreSQL 15 (durable) + NATS JetStream, $instances instance(s)"
PG_DURABLE=1 bash "$repo/tests/pg/pg_cluster.sh" start "$work/pg" >/dev/null
runuser -u postgres -- psql -q -h "$work/pg/sock" -U postgres -c "CREATE DATABASE bench" postgres
pg="postgresql:///bench?host=$work/pg/sock&user=postgres"
url="$(bash "$repo/tests/stream/nats_server.sh" start "$work/nats")"
"$tacit" --db "$pg" --key-file "$work/pg.key" init >/dev/null
step pg.registry "$tacit" --db "$pg" --key-file "$work/pg.key" registry import data/registry.csv
step pg.publish "$tacit" stream --nats "$url" publish "${feeds[@]}"
if [ "$instances" = 1 ]; then sets=("0-15"); else sets=("0-7" "8-15"); fi
cmds=()
for i in "${!sets[@]}"; do
  cmds+=("'$tacit' --db '$pg' --key-file '$work/pg.key' stream --nats '$url' consume --partitions ${sets[$i]} \
    --batch 20000 --idle-exit $idle --spool '$work/spool-$i'")
done
step_parallel pg.consume "${cmds[@]}"
step pg.cycle "$tacit" --db "$pg" --key-file "$work/pg.key" cycle run --month "$month" --as-of "$(date +%F)" --out "$work/payroll-pg"
step pg.stats "$tacit" --db "$pg" --key-file "$work/pg.key" stats --json
step pg.snapshot "$tacit" --db "$pg" --key-file "$work/pg.key" stats snapshot
step pg.stats_snap "$tacit" --db "$pg" --key-file "$work/pg.key" stats --json
pg_bytes=$(runuser -u postgres -- psql -h "$work/pg/sock" -U postgres -Atc "SELECT pg_database_size('bench')" postgres)
js_bytes=$(du -sb "$work/nats" | cut -f1)

if [ "$postgres_only" = 1 ]; then
  echo "== PostgreSQL only: no comparison"
  cat "$results"
  echo "store size: PostgreSQL $pg_bytes bytes, JetStream $js_bytes bytes"
  exit 0
fi
echo "== checks"
sq_ev=$("$tacit" --db "$sq" evidence export --out "$work/ev-sqlite.csv" >/dev/null 2>&1 && wc -l <"$work/ev-sqlite.csv")
pg_ev=$("$tacit" --db "$pg" --key-file "$work/pg.key" evidence export --out "$work/ev-pg.csv" >/dev/null 2>&1 &&
  wc -l <"$work/ev-pg.csv")
same_stats=FAIL
python3 - "$work/sqlite.stats.out" "$work/pg.stats.out" "$work/sqlite.stats_snap.out" "$work/pg.stats_snap.out" \
  <<'PY' && same_stats=PASS
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
assert all("snapshot" not in d for d in docs[:2]) and all(d["snapshot"]["current"] for d in docs[2:])
for d in docs:
    d.pop("as_of", None)
    d.pop("snapshot", None)
sys.exit(0 if all(d == docs[0] for d in docs) else 1)
PY
echo "   evidence rows: SQLite $((sq_ev - 1)), PostgreSQL $((pg_ev - 1)); statistics identical (live and from the" \
  "snapshot, both stores): $same_stats"

python3 - "$results" "$people" "$feed_rows" "$sqlite_bytes" "$pg_bytes" "$js_bytes" <<'PY'
import sys
rows = {l.split("\t")[0]: (float(l.split("\t")[1]), int(l.split("\t")[2])) for l in open(sys.argv[1]) if l.strip()}
people, feed_rows, sq_bytes, pg_bytes, js_bytes = (int(x) for x in sys.argv[2:])
def rate(step, n):
    s = rows[step][0]
    return f"{n / s:,.0f}/s" if s > 0 else "-"
print()
print(f"{'step':<16}{'SQLite s':>10}{'PG s':>10}{'PG/SQLite':>11}   throughput (SQLite | PostgreSQL)")
for name, n in (("registry", people), ("ingest", feed_rows), ("cycle", people), ("stats", people),
                ("snapshot", people), ("stats_snap", people)):
    sq = rows[f"sqlite.{name}"][0]
    pgs = "pg.consume" if name == "ingest" else f"pg.{name}"
    pg = rows[pgs][0]
    print(f"{name:<16}{sq:>10.1f}{pg:>10.1f}{pg / sq if sq else 0:>10.2f}x   {rate(f'sqlite.{name}', n)} | {rate(pgs, n)}")
print(f"{'publish':<16}{'':>10}{rows['pg.publish'][0]:>10.1f}{'':>11}   | {rate('pg.publish', feed_rows)}")
print()
print("peak memory of the tacit process (MiB): " + ", ".join(f"{k} {v[1] / 1024:.0f}" for k, v in rows.items()))
print(f"store size: SQLite {sq_bytes / 2**30:.2f} GiB, PostgreSQL {pg_bytes / 2**30:.2f} GiB, "
      f"JetStream {js_bytes / 2**30:.2f} GiB")
PY
