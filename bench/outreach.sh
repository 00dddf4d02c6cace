#!/usr/bin/env bash
# Outreach (issue 7): the daily reminder plan over a generated province
# (target: 1,000,000 persons under 10 seconds on the 2-core machine) and the
# dispatcher's throughput through the real Alibaba SMS adapter against the
# stand-in gateway on loopback (build/tests/standin/standin_gateway).
#
# Generates the province with `tacit demo` (init, registry, a year of feeds,
# the first monthly run), loads the default policy without quiet hours (so that
# the figures do not depend on the time of day), then times on the same store:
#   1. `outreach run --dry-run`: the scan and the derivation alone,
#   2. `outreach run`: the same, writing the day's reminders and visits,
#   3. `outreach run` again the same day: nothing new (idempotency keys),
#   4. `outreach dispatch` for --seconds with 1 and with --workers senders.
# Prints wall time and peak memory of each, and messages a second.
#
#   bench/outreach.sh [--people N] [--dir DIR] [--seconds S] [--workers N] [--keep]
set -euo pipefail
people=1000000
dir=bench/out/outreach
seconds=30
workers=4
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--people N] [--dir DIR] [--seconds S] [--workers N] [--keep]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$root/build/tacit"
gateway="$root/build/tests/standin/standin_gateway"
for b in "$tacit" "$gateway"; do
  [[ -x "$b" ]] || { echo "build first: cmake --build build -j2 ($b missing)" >&2; exit 2; }
done
rm -rf "$dir"
mkdir -p "$dir"
export TACIT_TODAY="${TACIT_TODAY:-$(date +%F)}"
echo "== generating a province of $people people (tacit demo) in $dir"
/usr/bin/time -f "demo: %e s wall, %M KiB peak" "$tacit" demo --people "$people" --dir "$dir" --quiet >/dev/null
db="$dir/tacit.db"
# The default policy without quiet hours.
sed -n '1,$p' "$root/policy/default.toml" |
  awk '/^\[parameters.outreach_quiet_start\]/ { q = 1 } q && /^values/ { sub(/"21:00"/, "\"08:00\""); q = 0 } { print }' \
  > "$dir/policy.toml"
"$tacit" --db "$db" init --policy "$dir/policy.toml" >/dev/null
# Plan as of a day when about a sixth of the province is within 60 days of its
# deadline: the demo's registry was certified on import, a year before.
as_of="${AS_OF:-$TACIT_TODAY}"
timed() {
  local label="$1"; shift
  echo "== $label"
  /usr/bin/time -f "$label: %e s wall, %M KiB peak" "$@" 2>&1 | tail -n 14
}
# The demo planned its day already: start from an empty outbox so that the
# writing run below writes the day's plan.
sqlite3 "$db" "DELETE FROM outreach_attempt; DELETE FROM outreach_message; DELETE FROM visit_task;
               DELETE FROM outreach_daily;"
timed "plan, dry run" "$tacit" --db "$db" outreach run --as-of "$as_of" --dry-run
timed "plan, writing" "$tacit" --db "$db" outreach run --as-of "$as_of"
timed "plan, again the same day" "$tacit" --db "$db" outreach run --as-of "$as_of"
queued=$(sqlite3 "$db" "SELECT count(*) FROM outreach_message WHERE status = 'queued'")
echo "queued messages: $queued"

# Dispatch against the stand-in gateway, answering at once and, like a real
# provider across the Internet, after 50 ms.
gw=
trap '[[ -n "$gw" ]] && kill $gw 2>/dev/null || true' EXIT
start_gateway() {
  [[ -n "$gw" ]] && kill "$gw" 2>/dev/null && wait "$gw" 2>/dev/null || true
  rm -f "$dir/gateway.json"
  "$gateway" --no-limits --threads 16 --latency-ms "$1" > "$dir/gateway.json" &
  gw=$!
  for _ in $(seq 50); do [[ -s "$dir/gateway.json" ]] && break; sleep 0.1; done
  python3 - "$dir/gateway.json" "$dir/sms.json" "$dir/secret.txt" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["aliyun"]
codes = sorted(g["templates"])
code = next(c for c in codes if set(g["templates"][c]) >= {"name", "deadline", "point"})
config = {"channel": "sms", "provider": "aliyun", "endpoint": g["endpoint"], "key_id": g["key_id"],
          "sign_name": g["sign_name"], "templates": {t: code for t in
          ["remind_first", "remind_due", "remind_lapsed", "remind_none", "remind_face_failed"]}}
json.dump(config, open(sys.argv[2], "w"))
open(sys.argv[3], "w").write(g["secret"] + "\n")
PY
  "$tacit" --db "$db" channel set sms --config "$dir/sms.json" --secret-stdin < "$dir/secret.txt" >/dev/null
}
dispatch() {
  local n="$1" label="$2"
  local before after
  # Every run starts from the same queue (bench only: the outbox put back as planned).
  sqlite3 "$db" "UPDATE outreach_message SET status = 'queued', attempts = 0, next_attempt_ms = 0, lease_until_ms = 0,
                 claimed_ms = 0, provider_ref = '', provider_code = '', failure = '', sent_ms = 0, delivered_ms = 0
                 WHERE reason LIKE 'remind%' OR reason IN ('lapsed', 'none');
                 DELETE FROM outreach_daily; DELETE FROM outreach_attempt;"
  before=$(sqlite3 "$db" "SELECT count(*) FROM outreach_message WHERE status IN ('sent', 'delivered')")
  local start end
  start=$(date +%s.%N)
  "$tacit" --db "$db" outreach dispatch --workers "$n" --for "$seconds" --receipt-after 86400 >/dev/null
  end=$(date +%s.%N)
  after=$(sqlite3 "$db" "SELECT count(*) FROM outreach_message WHERE status IN ('sent', 'delivered')")
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[4])-int(sys.argv[3]); print(f'dispatch, {sys.argv[5]}: {n} messages in {s:.1f} s = {n/s:.0f} messages/s')" \
    "$start" "$end" "$before" "$after" "$label"
}
echo "== dispatch through the Alibaba adapter to the stand-in gateway (${seconds} s each)"
for latency in 0 50; do
  start_gateway "$latency"
  dispatch 1 "1 worker, gateway latency ${latency} ms"
  dispatch "$workers" "$workers workers, gateway latency ${latency} ms"
done
[[ $keep == 1 ]] || rm -rf "$dir"
