#!/usr/bin/env bash
# The monthly run over a generated province (issue 3's target: 1,000,000
# entitlements under 10 seconds on the 2-core machine, the derivation
# incremental). Generates the province with `tacit demo` (init, registry,
# a year of feeds, the first monthly run), then times, on the same store:
#   1. a run with every person derived over the whole look-back (--full),
#   2. the next run, incremental (persons with nothing new: the month alone).
# Prints the phases (tacit -v) and the wall time and peak memory of each.
#
#   bench/cycle.sh [--people N] [--dir DIR] [--keep]
set -euo pipefail
people=1000000
dir=bench/out/cycle
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--people N] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$root/build/tacit"
[[ -x "$tacit" ]] || { echo "build tacit first: cmake --build build -j2" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir"
today="${TACIT_TODAY:-$(date +%F)}"
export TACIT_TODAY="$today"
echo "== generating a province of $people people (tacit demo) in $dir"
/usr/bin/time -f "demo: %e s wall, %M KiB peak" "$tacit" demo --people "$people" --dir "$dir" --quiet >/dev/null
db="$dir/tacit.db"
last=$(sqlite3 "$db" "SELECT max(month) FROM cycle_run")
as_of=$(sqlite3 "$db" "SELECT date(max(as_of) * 86400, 'unixepoch') FROM cycle_run")
entitlements=$(sqlite3 "$db" "SELECT count(*) FROM entitlement")
month_after() { sqlite3 "$db" "SELECT printf('%04d-%02d', ($1 + 1) / 12, ($1 + 1) % 12 + 1)"; }
m1=$(month_after "$last")
m2=$(month_after "$((last + 1))")
run() {
  local label="$1"; shift
  echo "== $label"
  /usr/bin/time -f "$label: %e s wall, %M KiB peak" "$tacit" -v --db "$db" cycle run --as-of "$as_of" --out "$dir" "$@" \
    2>&1 | grep -E "cycle .*: ledger|wall|待遇" || true
}
echo "entitlements: $entitlements"
run "full derivation ($m1)" --month "$m1" --full
run "incremental ($m2)" --month "$m2"
[[ $keep == 1 ]] || rm -rf "$dir"
