#!/usr/bin/env bash
# Runs the whole test suite (unit, integration, e2e and slow tests) after making
# sure everything is installed and built, then the sanitizer stage: the unit
# tests under AddressSanitizer + UndefinedBehaviorSanitizer, a short run of
# every fuzz target (build-sanitize, clang), and the threaded tests under
# ThreadSanitizer (build-tsan); see docs/fuzzing.md. `--fast` leaves out tests
# labelled slow and the sanitizer stage.
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh --fast          # the quick default set
#   bash scripts/test.sh --no-sanitize   # everything but the sanitizer stage
#   bash scripts/test.sh --sanitize-only # the sanitizer stage alone (after setup)
set -euo pipefail
cd "$(dirname "$0")/.."

exclude=()
main=1
sanitize=1
for arg in "$@"; do
  case "$arg" in
    --fast) exclude=(-LE slow); sanitize=0 ;;
    --no-sanitize) sanitize=0 ;;
    --sanitize-only) main=0 ;;
    *) echo "usage: $0 [--fast] [--no-sanitize] [--sanitize-only]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh --no-demo
if [ "$main" = 1 ]; then
  (cd build && ctest --output-on-failure -j2 "${exclude[@]}")
fi
[ "$sanitize" = 1 ] || exit 0

# Every finding fails the test that made it: UBSan is built with
# -fno-sanitize-recover=all, ASan and TSan stop at their first report.
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/fuzz/tsan.supp"

echo "== sanitizer build: build-sanitize (clang, ASan + UBSan, libFuzzer)"
start=$SECONDS
cmake --preset sanitize >/dev/null
nice -n 10 cmake --build --preset sanitize
echo "== unit tests under ASan + UBSan"
# Less the tests that assert a speed (a load "in under a second"): the
# sanitizers make everything 2-5 times slower.
(cd build-sanitize && ctest --output-on-failure -j2 -L unit -E 'UnderASecond')
echo "== fuzz targets, ${TACIT_FUZZ_SECONDS:-15} s each"
cmake -S . -B build-sanitize -DTACIT_FUZZ_SECONDS="${TACIT_FUZZ_SECONDS:-15}" >/dev/null
(cd build-sanitize && ctest --output-on-failure -j2 -L fuzz)
echo "== ASan + UBSan stage: $((SECONDS - start)) s"

echo "== thread sanitizer build: build-tsan (the threaded tests only)"
start=$SECONDS
cmake --preset tsan >/dev/null
nice -n 10 cmake --build --preset tsan
echo "== threaded tests under TSan"
(cd build-tsan && ctest --output-on-failure -j2 -L tsan)
echo "== TSan stage: $((SECONDS - start)) s"
