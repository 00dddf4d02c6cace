#!/usr/bin/env bash
# Ingest through the HTTP API (issue 5): batched pushes (POST /api/v1/records,
# arrays of 10,000 records) and file uploads (POST /api/v1/batches) against the
# library's IngestFiles on the same records, in one run.
#
#   bench/api_ingest.sh                      # 200,000 persons, 1,000,000 records: about a minute or two
#   bench/api_ingest.sh --records 200000     # a quick check
#   bench/api_ingest.sh --keep               # keep the work dir (stores, uploads) for a look
#
# Builds nothing: runs build/bench/api_ingest_bench (cmake --preset default &&
# cmake --build --preset default), which starts the real server in-process on
# 127.0.0.1:0 (loopback only), synthesises the registry and the records, and
# prints the figures for docs/performance.md. Downloads nothing. Exit status: 0
# when the five ways agree on every count and the API reaches 100,000 records/s,
# 1 otherwise, 2 on a usage or environment error. Other options: --persons N,
# --push N (records per array, at most 10000), --file-rows N, --clients N.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/build/bench/api_ingest_bench"
if [[ ! -x "$bin" ]]; then
  echo "$bin is missing: cmake --preset default && cmake --build --preset default" >&2
  exit 2
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
exec "$bin" "$@"
