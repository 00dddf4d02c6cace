#!/usr/bin/env bash
# Soak: `tacit serve` under mixed load on loopback for a bounded time, with the
# server's memory and every request's latency sampled. Fails (exit 1) on any
# failed request (a non-2xx answer, a connect/read/write error or a timeout)
# or when the server's own memory (RssAnon) grows after the warm-up beyond
# the bound; prints the figures for docs/reliability.md.
#
#   bench/soak.sh [--minutes N | --seconds S] [--people N] [--connections C] [--dir DIR] [--keep]
#
# The mix: one wrk process per kind of request, all at once, so that each kind
# has its own latencies (Debian's wrk, Lua scripts written here):
#   profile    GET /api/v1/persons/{handle} (a signed-in admin)   --connections
#   search     POST /api/v1/persons/search (the number in the body) 1 connection
#   dashboard  GET /api/v1/dashboard                                1
#   stats      GET /api/v1/stats?region=14                          1
#   page       GET / (the workbench; with build/web or TACIT_WEB)   1
#   push       POST /api/v1/records, arrays of 20 travel records     --connections
#              with new refs, a partner's API key
#   attest     POST /api/v1/attestations, signed (HMAC-SHA256),     1
#              a new nonce and ref each, signed afresh every round
# Rounds of at most 2 minutes (the attestations' timestamps).
# The province comes from `tacit demo` (init, registry, a year of feeds, the
# first monthly run) on SQLite. Memory: VmRSS and RssAnon from
# /proc/PID/status every 2 s; RssFile (the store's pages mapped from the page
# cache, which grow with the store) is shown but not bounded. Everything stays
# on 127.0.0.1; nothing is downloaded.
set -euo pipefail
seconds=300
people=20000
connections=2
dir=bench/out/soak
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--minutes N | --seconds S] [--people N] [--connections C] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
tacit="${TACIT_BINARY:-$root/build/tacit}"
[[ -x "$tacit" ]] || { echo "build tacit first: cmake --build build -j2" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/setup.sh installs it" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
db="$dir/tacit.db"
pid=""
sampler=""
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [[ $keep -eq 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT
export TACIT_TODAY="${TACIT_TODAY:-$(date -u +%F)}"

echo "== a province of $people people (tacit demo) in $dir"
"$tacit" demo --people "$people" --dir "$dir" --quiet >/dev/null
password="soak-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$password" | "$tacit" --db "$db" user add soak --role admin >/dev/null
api_key=$("$tacit" --db "$db" partner add soak-rail --role partner --source railway --kinds travel |
  sed -n 's/^API 密钥 (API key): //p')
att_out=$("$tacit" --db "$db" partner add soak-face --role attestor --source certification_platform --kinds face_auth)
att_key=$(sed -n 's/^密钥编号 (key id): //p' <<<"$att_out")
att_secret=$(sed -n 's/^签名密钥 (signing secret, HMAC-SHA256): //p' <<<"$att_out")
[[ -n "$api_key" && -n "$att_key" && -n "$att_secret" ]] || { echo "partner add printed no key" >&2; exit 2; }

web=()
pages=0
web_dir="${TACIT_WEB:-$root/build/web}"
if [[ -f "$web_dir/index.html" ]]; then web=(--web "$web_dir"); pages=1; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The rate limits protect against people and partners; here one machine is both.
"$tacit" --db "$db" --quiet serve --listen "127.0.0.1:$port" --threads 8 --rate-per-address 0 --rate-per-key 0 \
  "${web[@]}" > "$dir/serve.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { echo "the server did not start:"; cat "$dir/serve.log"; exit 2; }
csrf=$(curl -sf -c "$dir/jar" -H 'Content-Type: application/json' \
  -d "{\"name\":\"soak\",\"password\":\"$password\"}" "$base/api/v1/session" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
cookie=$(awk '$6 == "tacit_session" { print "tacit_session=" $7 }' "$dir/jar")

# Persons: 300 for lookups and pushes (numbers only in request bodies).
tail -n +2 "$dir/registry.csv" | cut -d, -f1 | sort -u | shuf -n 300 --random-source=<(yes) > "$dir/ids"
handles=$(while read -r id; do
  curl -sf -b "$dir/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"id_number\":\"$id\"}" "$base/api/v1/persons/search"; echo
done < "$dir/ids" | python3 -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        for p in json.loads(line)["persons"]:
            print(p["handle"])')
[[ -n "$handles" ]] || { echo "no handles found"; exit 2; }

common_lua='
local threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status, headers, body)
  local class = math.floor(status / 100)
  if class == 2 then ok2 = (ok2 or 0) + 1 elseif class == 4 then bad4 = (bad4 or 0) + 1 else bad5 = (bad5 or 0) + 1 end
end
done = function(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + (t:get("ok2") or 0); b = b + (t:get("bad4") or 0); c = c + (t:get("bad5") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d 2xx=%d 4xx=%d 5xx=%d socket_errors=%d timeouts=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, a, b, c, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
'
tables() {
  echo "local handles = {"
  sed 's/.*/  "&",/' <<<"$handles"
  echo "}"
  echo "local ids = {"
  sed 's/.*/  "&",/' "$dir/ids"
  echo "}"
}
# One script per kind of request, so that each has its own latencies.
staff_script() {  # kind
  { tables
    cat <<LUA
local i = 0
local h = {["Cookie"] = "$cookie", ["X-CSRF-Token"] = "$csrf", ["Content-Type"] = "application/json"}
request = function()
  i = i + 1
  local kind = "$1"
  if kind == "search" then
    return wrk.format("POST", "/api/v1/persons/search", h, '{"id_number":"' .. ids[(i % #ids) + 1] .. '"}')
  elseif kind == "dashboard" then
    return wrk.format("GET", "/api/v1/dashboard", h)
  elseif kind == "stats" then
    return wrk.format("GET", "/api/v1/stats?region=14", h)
  elseif kind == "page" then
    return wrk.format("GET", "/", h)
  end
  return wrk.format("GET", "/api/v1/persons/" .. handles[(i % #handles) + 1], h)
end
LUA
    echo "$common_lua"
  } > "$dir/$1.lua"
}
# Pushes of 20 travel records with refs new in every round, and attestations
# signed now (the server accepts a timestamp within 300 s), each nonce once.
partner_scripts() {  # round count
  local round="$1" count="$2"
  { tables
    cat <<LUA
local i = 0
request = function()
  i = i + 1
  local recs = {}
  for j = 1, 20 do
    local id = ids[((i * 20 + j) % #ids) + 1]
    recs[j] = string.format('{"kind":"travel","id_number":"%s","occurred_on":"$TACIT_TODAY","ref":"SOAK-$round-%d-%d","detail":{"from":"太原","to":"大同"}}', id, i, j)
  end
  return wrk.format("POST", "/api/v1/records", {["Authorization"] = "Bearer $api_key",
    ["Content-Type"] = "application/json"}, "[" .. table.concat(recs, ",") .. "]")
end
LUA
    echo "$common_lua"
  } > "$dir/push.lua"
  python3 - "$dir/ids" "$att_key" "$att_secret" "$round" "$count" <<'PY' > "$dir/attest.lua"
import datetime, hashlib, hmac, json, os, sys, time
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
key, secret, rnd, count = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
print("local attest = {")
now = str(int(time.time()))
# A minute ago, in UTC: a fixed hour of the day (09:30 in Beijing) was in the
# future for the server between 00:00 and 01:30 UTC, and every attestation
# was refused.
at = datetime.datetime.fromtimestamp(int(now) - 60, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
for n in range(count):
    body = json.dumps({"id_number": ids[n % len(ids)], "method": "face", "certified_at": at,
                       "site": "soak-kiosk", "score": 0.99, "liveness": 0.99, "ref": f"soak-{rnd}-{n}"},
                      separators=(",", ":"))
    nonce = os.urandom(16).hex()
    digest = hashlib.sha256(body.encode()).hexdigest()
    sig = hmac.new(secret.encode(), f"POST\n/api/v1/attestations\n{now}\n{nonce}\n{digest}".encode(),
                   hashlib.sha256).hexdigest()
    print("  {%s, %s, %s}," % (json.dumps(body), json.dumps(nonce), json.dumps(sig)))
print("}")
print("local ts = %s" % json.dumps(now))
PY
  cat >> "$dir/attest.lua" <<LUA
local i = 0
request = function()
  i = i + 1
  local s = attest[i]
  if s == nil then  -- used up: a page instead (a nonce is never sent twice)
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/attestations", {["Content-Type"] = "application/json",
    ["X-Tacit-Key-Id"] = "$att_key", ["X-Tacit-Timestamp"] = ts, ["X-Tacit-Nonce"] = s[2],
    ["X-Tacit-Signature"] = s[3]}, s[1])
end
LUA
  echo "$common_lua" >> "$dir/attest.lua"
}
kinds=(profile search dashboard stats push attest)
[[ $pages -eq 1 ]] && kinds+=(page)
for k in profile search dashboard stats page; do staff_script "$k"; done

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
echo "== soak: ${seconds}s: ${kinds[*]} at once ($connections connections for profile and push, 1 for the others)"
( start=$(date +%s%N)
  while kill -0 "$pid" 2>/dev/null; do
    now=$(date +%s%N)
    printf '%d.%d %s %s %s\n' $(( (now - start) / 1000000000 )) $(( (now - start) / 100000000 % 10 )) \
      "$(rss VmRSS)" "$(rss RssAnon)" "$(rss RssFile)"
    sleep 2
  done ) > "$dir/rss.txt" &
sampler=$!

left=$seconds
round=0
: > "$dir/results.txt"
while (( left > 0 )); do
  round=$((round + 1))
  len=$(( left < 120 ? left : 120 ))
  partner_scripts "$round" $(( len * 400 ))  # more than are sent: none falls back to /healthz
  pids=()
  for k in "${kinds[@]}"; do
    c=1
    [[ $k == profile || $k == push ]] && c=$connections
    wrk -t1 -c"$c" -d"${len}s" --timeout 10s -s "$dir/$k.lua" "$base" > "$dir/$k-$round.txt" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  for k in "${kinds[@]}"; do
    line=$(grep '^RESULT' "$dir/$k-$round.txt" || echo "RESULT missing")
    echo "round $round ($len s) $k: ${line#RESULT }" | tee -a "$dir/results.txt"
  done
  left=$(( left - len ))
done
sleep 2
kill "$sampler" 2>/dev/null || true
sampler=""

# Figures and checks.
status=0
python3 - "$dir/results.txt" "$dir/rss.txt" "$seconds" <<'PY' || status=1
import re, sys
results = [l.strip() for l in open(sys.argv[1]) if l.strip()]
rss = [l.split() for l in open(sys.argv[2]) if len(l.split()) == 4]
seconds = int(sys.argv[3])
fail = []
tot = {}
for who in ("profile", "search", "dashboard", "stats", "page", "push", "attest"):
    rows = [dict(kv.split("=") for kv in re.findall(r"(\S+=\S+)", l)) for l in results if f" {who}: " in l]
    if not rows:
        continue
    if any("requests" not in r for r in rows):
        fail.append(f"{who}: wrk gave no result")
        continue
    n = sum(int(r["requests"]) for r in rows)
    bad = sum(int(r["4xx"]) + int(r["5xx"]) + int(r["socket_errors"]) + int(r["timeouts"]) for r in rows)
    # Percentiles of the rounds weighted by requests (one round in short runs: exact).
    def w(key):
        return sum(float(r[key]) * int(r["requests"]) for r in rows) / max(1, n)
    print(f"{who:>9}: {n} requests ({n / seconds:.0f}/s), failed {bad} (4xx {sum(int(r['4xx']) for r in rows)}, "
          f"5xx {sum(int(r['5xx']) for r in rows)}, socket errors {sum(int(r['socket_errors']) for r in rows)}, "
          f"timeouts {sum(int(r['timeouts']) for r in rows)}); latency p50 {w('p50_ms'):.2f} ms, p95 {w('p95_ms'):.2f} ms, "
          f"p99 {w('p99_ms'):.2f} ms, max {max(float(r['max_ms']) for r in rows):.2f} ms")
    if bad:
        fail.append(f"{who}: {bad} failed requests")
if len(rss) < 3:
    fail.append("too few memory samples")
else:
    warm_at = max(10.0, seconds * 0.2)
    warm = [r for r in rss if float(r[0]) >= warm_at] or rss[-1:]
    start_anon, start_rss = int(warm[0][2]), int(warm[0][1])
    end_anon, end_rss, end_file = int(rss[-1][2]), int(rss[-1][1]), int(rss[-1][3])
    peak_anon = max(int(r[2]) for r in warm)
    bound = start_anon + max(32 * 1024, start_anon // 4)
    print(f"memory (KiB): after warm-up ({float(warm[0][0]):.0f} s) VmRSS {start_rss}, RssAnon {start_anon}; "
          f"end VmRSS {end_rss}, RssAnon {end_anon}, RssFile {end_file}; peak RssAnon after warm-up {peak_anon} "
          f"(bound {bound}); {len(rss)} samples")
    if peak_anon > bound:
        fail.append(f"RssAnon grew after the warm-up: {start_anon} -> peak {peak_anon} KiB (bound {bound})")
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
PY
echo "applied: $("$tacit" --db "$db" audit list --limit 0 | awk '$5 == "feed.push" || $5 == "attestation.submit" { n[$5]++ }
  END { printf "feed.push %d (x20 records), attestation.submit %d", n["feed.push"], n["attestation.submit"] }')"
echo "store: $(du -m "$db" | cut -f1) MiB; server log lines: $(wc -l < "$dir/serve.log")"
exit $status
