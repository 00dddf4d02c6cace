#!/usr/bin/env bash
# Feed stream benchmark: publish and consume throughput through a real
# nats-server (JetStream, file storage) into PostgreSQL 15 (or SQLite).
#
#   bench/stream.sh [--records N] [--instances 1|2] [--batch B] [--sqlite] [--keep]
#
# 1. Generates a synthetic province (build/tacit demo --canonical --generate-only)
#    with about N canonical feed rows (default 200,000; N/3 registry persons).
# 2. Starts a throwaway nats-server (tests/stream/nats_server.sh) and, unless
#    --sqlite, a throwaway PostgreSQL cluster (tests/pg/pg_cluster.sh); init and
#    registry import (untimed).
# 3. Times `tacit stream publish` of every feed file (read, partition, publish
#    with acknowledgements) and `tacit stream consume` by the instances at once
#    (default 2: partitions 0-7 and 8-15), each with --idle-exit 2 (the idle
#    seconds are taken off the figure).
# 4. Prints records/s of both and checks that the store holds every record once
#    (the evidence rows equal those of the plain `tacit ingest` of the files).
#
# Builds nothing: expects build/tacit. Runs as root (PostgreSQL runs as the
# postgres user). Work dir and servers are removed at exit unless --keep.
set -euo pipefail
umask 022

repo="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$repo/build/tacit"
records=200000
instances=2
batch=5000
sqlite=0
keep=0
idle=2

while [ $# -gt 0 ]; do
  case "$1" in
    --records) records="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --sqlite) sqlite=1; shift ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--records N] [--instances 1|2] [--batch B] [--sqlite] [--keep]" >&2; exit 2 ;;
  esac
done
[ -x "$tacit" ] || { echo "no $tacit: build first (cmake --build --preset default)" >&2; exit 2; }

work="$repo/build/bench-stream"
rm -rf "$work"
mkdir -p "$work"
cleanup() {
  if [ "$keep" = 0 ]; then
    bash "$repo/tests/stream/nats_server.sh" stop "$work/nats" || true
    [ "$sqlite" = 1 ] || bash "$repo/tests/pg/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

now() { date +%s.%N; }
people=$((records / 3))
echo "== generating about $records rows ($people persons)"
"$tacit" demo --people "$people" --seed 5 --dir "$work/data" --generate-only --canonical >/dev/null
url="$(bash "$repo/tests/stream/nats_server.sh" start "$work/nats")"
if [ "$sqlite" = 1 ]; then
  db="$work/t.db"
else
  bash "$repo/tests/pg/pg_cluster.sh" start "$work/pg" >/dev/null
  runuser -u postgres -- psql -q -h "$work/pg/sock" -U postgres -c "CREATE DATABASE bench" postgres
  db="postgresql:///bench?host=$work/pg/sock&user=postgres"
fi
cd "$work"
"$tacit" --db "$db" --key-file "$work/tacit.key" init >/dev/null
"$tacit" --db "$db" --key-file "$work/tacit.key" registry import data/registry.csv >/dev/null

echo "== publishing to $url"
t0=$(now)
"$tacit" stream --nats "$url" publish data/feeds/*.csv >publish.out
t1=$(now)
published=$(sed -n 's/.*published \([0-9]*\),.*/\1/p' publish.out | tail -1)
tail -1 publish.out

echo "== consuming with $instances instance(s), batch $batch, into ${db%%\?*}"
if [ "$instances" = 1 ]; then sets=("0-15"); else sets=("0-7" "8-15"); fi
t2=$(now)
pids=()
for i in "${!sets[@]}"; do
  "$tacit" --db "$db" stream --nats "$url" consume --partitions "${sets[$i]}" --batch "$batch" --idle-exit "$idle" \
    --spool "spool-$i" >"consume-$i.out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t3=$(now)
for i in "${!sets[@]}"; do tail -1 "consume-$i.out"; done

# The reference: the plain ingest of the same files into a SQLite store of its own.
"$tacit" --db ref.db init >/dev/null
"$tacit" --db ref.db registry import data/registry.csv >/dev/null
ref_kept=$("$tacit" --db ref.db ingest data/feeds/*.csv | sed -n 's/.*linked \([0-9]*\), unlinked \([0-9]*\),.*/\1 \2/p' | tail -1 |
  awk '{print $1 + $2}')
stream_kept=$(cat consume-*.out | sed -n 's/^合计.*linked \([0-9]*\), unlinked \([0-9]*\),.*/\1 \2/p' | awk '{s += $1 + $2} END {print s}')
applied=$(cat consume-*.out | sed -n 's/^合计.*applied \([0-9]*\), skipped.*/\1/p' | awk '{s += $1} END {print s}')

python3 - "$t0" "$t1" "$t2" "$t3" "$published" "$idle" "$ref_kept" "$stream_kept" "$applied" <<'PY'
import sys
t0, t1, t2, t3, n, idle, ref_kept, stream_kept, applied = (float(x) for x in sys.argv[1:])
pub = t1 - t0
con = max(t3 - t2 - idle, 1e-9)
print(f"publish: {int(n)} records in {pub:.2f} s = {n / pub:,.0f} records/s")
print(f"consume: {int(n)} records in {con:.2f} s (idle exit taken off) = {n / con:,.0f} records/s")
ok = applied == n and stream_kept == ref_kept
print(f"check: applied {int(applied)} of {int(n)} published; kept {int(stream_kept)} (plain ingest {int(ref_kept)}): "
      + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
