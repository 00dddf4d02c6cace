#!/usr/bin/env bash
# The long crash-consistency sweep: the ctest crash tests (tests/crash) with
# more kill offsets and a larger province, on SQLite and PostgreSQL, the stream
# consumer with a real nats-server; ctest starts the throwaway PostgreSQL
# cluster and nats-server itself (fixtures pg and nats). Prints one `CRASH …`
# line per command and store: named points, time offsets tried, how many
# landed mid-command and what they left.
#
#   tests/crash/sweep.sh [--kills N] [--people N] [--seed S] [--build DIR] [--only sqlite|postgres]
#
# Defaults: 40 kill offsets per command and store, 30,000 persons, seed 1 (the
# ctest runs: 12 offsets, 12,000 persons). The same seed gives the same offsets.
set -euo pipefail
kills=40
people=30000
seed=1
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build"
only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "usage: $0 [--kills N] [--people N] [--seed S] [--build DIR] [--only sqlite|postgres]" >&2; exit 2 ;;
  esac
done
[[ -x "$build/tacit" ]] || { echo "build first: cmake --preset default && cmake --build build -j2" >&2; exit 2; }
case "$only" in
  sqlite) tests='^(crash_sweep|crash_stream)$' ;;
  postgres) tests='^(crash_sweep|crash_stream)\.on_postgres$' ;;
  *) tests='^(crash_sweep|crash_stream)(\.on_postgres)?$' ;;
esac
report="$build/crash-sweep-$(date -u +%Y%m%dT%H%M%SZ).txt"
: > "$report"
export TACIT_CRASH_KILLS="$kills" TACIT_CRASH_PEOPLE="$people" TACIT_CRASH_SEED="$seed" TACIT_CRASH_REPORT="$report"
echo "== crash sweep: $kills kill offsets per command and store, $people persons, seed $seed"
start=$(date +%s)
status=0
(cd "$build" && ctest -R "$tests" --output-on-failure --timeout 7200) || status=$?
echo "== $(( $(date +%s) - start )) s; figures ($report):"
cat "$report"
exit $status
