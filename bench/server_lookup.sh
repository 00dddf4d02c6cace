#!/usr/bin/env bash
# Person lookups through the HTTP API (issue 5's target: 1,000 requests per
# second with p99 under 20 ms on the 2-core machine), measured with wrk.
#
# Generates a province with `tacit demo` (init, registry, a year of feeds, the
# link step, the first monthly run), adds a staff account, starts `tacit serve`
# on a free loopback port, signs in with curl, finds the handles of 2,000
# random registry persons through POST /api/v1/persons/search, then drives
# GET /api/v1/persons/{handle} (the full profile: certification, entitlements
# with 12 months of schedule, evidence, cases) with wrk over keep-alive
# connections for --seconds, and prints wrk's latency distribution.
# Everything stays on 127.0.0.1; nothing is downloaded.
#
#   bench/server_lookup.sh [--people N] [--connections C] [--seconds S] [--dir DIR] [--keep]
set -euo pipefail
people=200000
connections=8
seconds=20
dir=bench/out/server_lookup
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--people N] [--connections C] [--seconds S] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$root/build/tacit"
[[ -x "$tacit" ]] || { echo "build tacit first: cmake --build build -j2" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh installs it" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
db="$dir/tacit.db"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [[ $keep -eq 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT

echo "== generating a province of $people people (tacit demo) in $dir"
/usr/bin/time -f "demo: %e s wall" "$tacit" demo --people "$people" --dir "$dir" --quiet >/dev/null
password="bench-password-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$password" | "$tacit" --db "$db" user add bench --role admin >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The rate limits are for people and partners; the benchmark is one client
# driving the server as hard as it goes.
"$tacit" --db "$db" --quiet serve --listen "127.0.0.1:$port" --threads 8 --rate-per-address 0 --rate-per-key 0 \
  > "$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
csrf=$(curl -sf -c "$dir/jar" -H 'Content-Type: application/json' \
  -d "{\"name\":\"bench\",\"password\":\"$password\"}" "$base/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
cookie=$(awk '$6 == "tacit_session" { print "tacit_session=" $7 }' "$dir/jar")

echo "== finding 2,000 persons through POST /api/v1/persons/search"
tail -n +2 "$dir/registry.csv" | cut -d, -f1 | sort -u | shuf -n 2000 --random-source=<(yes) > "$dir/ids"
: > "$dir/handles"
while read -r id; do
  curl -sf -b "$dir/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"id_number\":\"$id\"}" "$base/api/v1/persons/search"
  echo
done < "$dir/ids" | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line:
        for p in json.loads(line)["persons"]:
            print(p["handle"])' > "$dir/handles"
echo "handles: $(wc -l < "$dir/handles")"

{
  echo "local handles = {"
  sed 's/.*/  "&",/' "$dir/handles"
  echo "}"
  cat <<LUA
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/persons/" .. handles[(i % #handles) + 1], {["Cookie"] = "$cookie"})
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors: status %d, timeouts %d\n", summary.requests,
                         summary.errors.status, summary.errors.timeout))
end
LUA
} > "$dir/lookup.lua"

echo "== GET /api/v1/persons/{handle}: wrk, $connections connections, ${seconds}s (2 threads)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$dir/lookup.lua" "$base" | tee "$dir/wrk.txt"
echo "== server peak memory"
grep -E "VmHWM|VmRSS|RssAnon|RssFile" "/proc/$pid/status" || true
echo "(RssFile: pages of the store file mapped by the connections — the kernel's page cache, shared, not the process's own memory)"
echo "store: $(du -m "$db" | cut -f1) MiB"
