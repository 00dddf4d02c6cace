#!/usr/bin/env bash
# The monthly run over a generated province (issue 3's target: 1,000,000
# entitlements under 10 seconds on the 2-core machine, the derivation
# incremental). Generates the province with `tacit demo` (init, registry,
# a year of feeds, the first monthly run), then times, on the same store:
#   1. a run with every person derived over the whole look-back (--full),
#   2. the next run, incremental, with nothing new since (persons decided from
#      the forecasts of the run before),
#   3. after a month of feeds about every fifth person (a bank visit each,
#      ingested untimed), the next run, incremental: those persons derived in
#      full, the rest from forecasts.
# Prints the phases (tacit -v) and the wall time and peak memory of each.
# --page-size rebuilds the generated store with that page size (VACUUM, also
# when the size is already that one, so that two runs compare page sizes and
# not a rebuilt store with a grown one): new stores have 16 KiB pages, older
# ones 4 KiB.
#
#   bench/cycle.sh [--people N] [--dir DIR] [--keep] [--page-size BYTES]
set -euo pipefail
people=1000000
dir=bench/out/cycle
keep=0
page_size=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --page-size) page_size="$2"; shift 2 ;;
    *) echo "usage: $0 [--people N] [--dir DIR] [--keep] [--page-size BYTES]" >&2; exit 2 ;;
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
if [[ -n "$page_size" ]]; then
  sqlite3 "$db" "PRAGMA journal_mode=DELETE; PRAGMA page_size=$page_size; VACUUM; PRAGMA journal_mode=WAL;" >/dev/null
  sync
fi
echo "page size: $(sqlite3 "$db" "PRAGMA page_size") bytes"
last=$(sqlite3 "$db" "SELECT max(month) FROM cycle_run")
as_of=$(sqlite3 "$db" "SELECT date(max(as_of) * 86400, 'unixepoch') FROM cycle_run")
entitlements=$(sqlite3 "$db" "SELECT count(*) FROM entitlement")
month_after() { sqlite3 "$db" "SELECT printf('%04d-%02d', ($1 + 1) / 12, ($1 + 1) % 12 + 1)"; }
m1=$(month_after "$last")
m2=$(month_after "$((last + 1))")
m3=$(month_after "$((last + 2))")
run() {
  local label="$1"; shift
  echo "== $label"
  # --no-outreach: the run alone (the day's outreach plan that `cycle run` does
  # after it is timed by bench/outreach.sh).
  /usr/bin/time -f "$label: %e s wall, %M KiB peak" "$tacit" -v --db "$db" cycle run --no-outreach --as-of "$as_of" --out "$dir" "$@" \
    2>&1 | grep -E "cycle .*: marks|wall|待遇" || true
}
echo "entitlements: $entitlements"
run "full derivation ($m1)" --month "$m1" --full
run "incremental, nothing new ($m2)" --month "$m2"
# A month of feeds: a bank-counter visit by every fifth person of the registry,
# received on the run's as-of day (so the next run knows it).
feed="$dir/bank-next-month.csv"
occurred=$(date -d "$as_of - 3 days" +%F)
awk -F, -v day="$occurred" 'BEGIN { OFS = ","; print "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail" }
  NR > 1 && NR % 5 == 0 { print "bank", "bank_counter", $1, $2, $3, $4, $6, day, "BKNEXT" NR, "" }' \
  "$dir/registry.csv" > "$feed"
echo "== ingesting $(($(wc -l < "$feed") - 1)) new feed rows (untimed)"
"$tacit" --db "$db" ingest --received-on "$as_of" "$feed" >/dev/null
run "incremental, a month of feeds ($m3)" --month "$m3"
[[ $keep == 1 ]] || rm -rf "$dir"
