#!/usr/bin/env bash
# Runs the whole test suite (unit, integration, e2e and slow tests) after making
# sure everything is installed and built. `--fast` leaves out tests labelled slow.
#
#   bash scripts/test.sh          # everything
#   bash scripts/test.sh --fast   # the quick default set
set -euo pipefail
cd "$(dirname "$0")/.."

exclude=()
for arg in "$@"; do
  case "$arg" in
    --fast) exclude=(-LE slow) ;;
    *) echo "usage: $0 [--fast]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh --no-demo
cd build
ctest --output-on-failure -j2 "${exclude[@]}"
