#!/usr/bin/env bash
# Long fuzz runs (docs/fuzzing.md): each target for N seconds, one after the
# other, from its seed corpus plus what earlier runs found, under ASan + UBSan.
# Prints per target the executions, the coverage (edges and features) and the
# crashes, and exits 1 when any target crashed.
#
#   tests/fuzz/run.sh                          # every target, 300 s each
#   tests/fuzz/run.sh --seconds 60 fuzz_id fuzz_policy
#   tests/fuzz/run.sh --build                  # configure and build build-sanitize first
#
# New inputs go to build-sanitize/fuzz/corpus/<target>/ (not the repository);
# crashes to build-sanitize/fuzz/artifacts/<target>-crash-*. To keep a crash as
# a regression input: fix it, add a unit test, and copy the file into
# tests/fuzz/corpus/<target>/. `--merge` copies the inputs that add coverage
# into tests/fuzz/corpus/<target>/ (libFuzzer -merge=1) after the run.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=300
build=0
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --build) build=1; shift ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--seconds N] [--build] [--merge] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

bin=build-sanitize
if [ "$build" = 1 ]; then
  cmake --preset sanitize >/dev/null
  nice -n 10 cmake --build "$bin" -j2 --target fuzz_targets
fi
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cc; do
    t=$(basename "$src" .cc)
    [ -x "$bin/tests/fuzz/$t" ] && targets+=("$t")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets in $bin/tests/fuzz: run with --build (or cmake --preset sanitize && cmake --build $bin --target fuzz_targets)" >&2
  exit 2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
work="$bin/fuzz"
mkdir -p "$work/artifacts" "$work/logs"
printf '%-20s %8s %12s %10s %8s %8s %8s\n' target seconds executions exec/s edges features crashes
failed=0
for t in "${targets[@]}"; do
  exe="$bin/tests/fuzz/$t"
  if [ ! -x "$exe" ]; then
    echo "$t: not built ($exe)" >&2
    failed=1
    continue
  fi
  mkdir -p "$work/corpus/$t" "tests/fuzz/corpus/$t"
  log="$work/logs/$t.log"
  before=$(ls "$work/artifacts" | grep -c "^$t-" || true)
  # -fork keeps going after a crash (each crash is saved), so one run reports
  # every distinct crash; one job, as the machine is shared.
  nice -n 10 "$exe" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t-" "$work/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || true
  after=$(ls "$work/artifacts" | grep -c "^$t-" || true)
  crashes=$((after - before))
  # Fork mode's progress lines: "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: ...".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -nE 's/^#([0-9]+): cov:.*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  eps=$(sed -nE 's/.* exec\/s:? ([0-9]+).*/\1/p' <<<"$last")
  printf '%-20s %8s %12s %10s %8s %8s %8s\n' "$t" "$seconds" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if [ "$crashes" -gt 0 ]; then
    failed=1
    ls "$work/artifacts" | grep "^$t-" | tail -n "$crashes" | sed "s|^|    $work/artifacts/|"
  fi
  if [ "$merge" = 1 ]; then
    nice -n 10 "$exe" -merge=1 "tests/fuzz/corpus/$t" "$work/corpus/$t" >>"$log" 2>&1 || true
  fi
done
echo "logs: $work/logs/"
exit "$failed"
