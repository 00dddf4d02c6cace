#!/usr/bin/env bash
# Program start: how long one or more tacit binaries take to run a command that
# does almost nothing, in interleaved rounds (docs/performance.md, "The
# program's start").
#
#   bench/startup.sh [--runs N] BINARY...
#
# For each binary, in turn, N times (default 40): `tacit --help` and `tacit
# --db DB stats` on an empty store made by the first binary's `init`. Prints
# each binary's shared libraries (ldd), and per command the median and
# minimum wall milliseconds and the peak RSS. A binary outside build/ is
# copied without its face module (tacit-face.so) unless you copy that too.
#
# Builds nothing. Downloads nothing. Exit status: 0, or 2 on a usage error.
set -euo pipefail

runs=40
bins=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) bins+=("$1"); shift ;;
  esac
done
[ ${#bins[@]} -ge 1 ] || { echo "usage: $0 [--runs N] BINARY..." >&2; exit 2; }
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "$b: not an executable" >&2; exit 2; }; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TACIT_TODAY=2026-11-27 "${bins[0]}" --db "$work/empty.db" init > /dev/null

# ms BINARY ARGS...: one run's wall milliseconds and peak RSS (KB), as "ms kb".
ms() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" > /dev/null 2>&1
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $(cat "$work/rss")"
}

declare -A samples
for ((r = 0; r < runs; r++)); do
  for i in "${!bins[@]}"; do
    samples["$i help"]+="$(ms "${bins[$i]}" --help)"$'\n'
    samples["$i stats"]+="$(ms env TACIT_TODAY=2026-11-27 "${bins[$i]}" --db "$work/empty.db" stats)"$'\n'
  done
done

for i in "${!bins[@]}"; do
  echo "${bins[$i]}: $(ldd "${bins[$i]}" | wc -l) shared libraries"
  for cmd in help stats; do
    printf '%s' "${samples["$i $cmd"]}" | sort -n | awk -v cmd="$cmd" '
      {us[NR] = $1; if ($2 > rss) rss = $2}
      END {printf "  %-6s runs %d  median %.1f ms  min %.1f ms  peak RSS %.0f MB\n", cmd, NR,
           us[int((NR + 1) / 2)] / 1000, us[1] / 1000, rss / 1024}'
  done
done
