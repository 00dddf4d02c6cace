// One row of a result turned into a record, for both stores: the readers are
// templates over a row type with the accessors Int(col), Text(col),
// TextView(col), IsNull(col) and Double(col) (sqlite::Stmt, pg::PgRow). NULL
// reads as 0, "" and 0.0 on both. Each reader goes with the column list next
// to it: the SELECTs of both stores name the columns in that order.
//
// Internal to the store targets (tacit::store_sqlite, tacit::store_pg).
#ifndef TACIT_SRC_STORE_RECORD_ROWS_H_
#define TACIT_SRC_STORE_RECORD_ROWS_H_

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/radix_sort.h"
#include "tacit/outreach_store.h"
#include "tacit/store.h"

namespace tacit::store_rows {

// ---- Small helpers -----------------------------------------------------------------

// A month as stored (its index), or NULL.
inline std::optional<int64_t> MonthIndexOrNull(const std::optional<Month>& m) {
  return m ? std::optional<int64_t>(m->index()) : std::nullopt;
}

// The end of the region codes that start with `prefix` in a range
// [prefix, PrefixUpperBound(prefix)): region codes are ASCII digits and ':'
// sorts right after '9' (bytewise; COLLATE "C" on PostgreSQL).
inline std::string PrefixUpperBound(const std::string& prefix) { return prefix + ":"; }

// Region codes are digits: [prefix, prefix + DEL) is every code starting with
// it (outreach's bound; the PostgreSQL columns are COLLATE "C").
inline std::string PrefixEnd(const std::string& prefix) { return prefix + '\x7f'; }

// A case's evidence ids as stored: "1,2,3".
inline std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

inline std::vector<int64_t> SplitIds(std::string_view text) {
  std::vector<int64_t> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    int64_t id = 0;
    if (std::from_chars(part.data(), part.data() + part.size(), id).ec == std::errc()) out.push_back(id);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// A partner's kinds as stored: "a,b" (empty parts skipped).
inline std::vector<std::string> SplitKinds(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// An integer column that may be NULL.
template <typename Row>
std::optional<int64_t> OptionalInt(const Row& r, int c) {
  return r.IsNull(c) ? std::nullopt : std::optional<int64_t>(r.Int(c));
}

template <typename Row>
Month MonthAt(const Row& r, int c) {
  return Month::FromIndex(static_cast<int32_t>(r.Int(c)));
}

template <typename Row>
Date DayAt(const Row& r, int c) {
  return Date::FromDays(static_cast<int32_t>(r.Int(c)));
}

// ---- Batches, evidence, linkage ------------------------------------------------------

inline constexpr std::string_view kBatchColumns =
    "id, sha256, file_name, source, mapping, received_on, ingested_at, rows, accepted, linked, unlinked, "
    "dropped, rejected, duplicates, quarantine_path";

template <typename Row>
BatchRecord ReadBatch(const Row& r) {
  BatchRecord b;
  b.id = r.Int(0);
  b.sha256 = r.Text(1);
  b.file_name = r.Text(2);
  b.source = r.Text(3);
  b.mapping = r.Text(4);
  b.received_on = DayAt(r, 5);
  b.ingested_at = r.Text(6);
  b.rows = r.Int(7);
  b.accepted = r.Int(8);
  b.linked = r.Int(9);
  b.unlinked = r.Int(10);
  b.dropped = r.Int(11);
  b.rejected = r.Int(12);
  b.duplicates = r.Int(13);
  b.quarantine_path = r.Text(14);
  return b;
}

inline constexpr std::string_view kEvidenceQuery =
    "SELECT e.id, s.name, e.ref, e.kind, e.person_key, e.occurred_on, e.received_on, e.batch_id, e.link_method, "
    "e.link_score, e.detail, u.id_text, u.id_problem, u.name, u.sex, u.birth_date, u.region_code "
    "FROM evidence e JOIN source s ON s.id = e.source_id LEFT JOIN unlinked u ON u.evidence_id = e.id ";

template <typename Row>
EvidenceRecord ReadEvidence(const Row& r) {
  EvidenceRecord e;
  e.id = r.Int(0);
  e.source = r.Text(1);
  e.ref = r.Text(2);
  e.kind = r.Text(3);
  e.person = static_cast<PersonKey>(r.Int(4));
  e.occurred_on = DayAt(r, 5);
  e.received_on = DayAt(r, 6);
  e.batch_id = r.Int(7);
  e.link_method = r.Text(8);
  e.link_score = r.Double(9);
  e.detail = r.Text(10);  // NULL reads as ""
  e.id_text = r.Text(11);
  e.id_problem = r.Text(12);
  e.name = r.Text(13);
  e.sex = r.Text(14);
  if (!r.IsNull(15)) e.birth_date = DayAt(r, 15);
  e.region_code = r.Text(16);
  return e;
}

inline constexpr std::string_view kAttemptColumns =
    "evidence_id, model_id, outcome, reason, candidate_key, probability, weight_bits, second_key, second_bits, "
    "contributions, status, decided_by, decided_at, note";

template <typename Row>
LinkAttempt ReadAttempt(const Row& r) {
  LinkAttempt a;
  a.evidence_id = r.Int(0);
  a.model_id = r.Int(1);
  a.outcome = r.Text(2);
  a.reason = r.Text(3);
  a.candidate = static_cast<PersonKey>(r.Int(4));
  a.probability = r.Double(5);
  a.weight_bits = r.Double(6);
  a.second = static_cast<PersonKey>(r.Int(7));
  a.second_bits = r.Double(8);
  a.contributions_json = r.Text(9);
  a.status = r.Text(10);
  a.decided_by = r.Text(11);
  a.decided_at = r.Text(12);
  a.note = r.Text(13);
  return a;
}

// ---- Persons, entitlements, facts ------------------------------------------------------

inline constexpr std::string_view kPersonColumns =
    "person_key, id_number, name, sex, birth_date, phone, region_code, special_care, baseline_certified";

template <typename Row>
PersonRecord ReadPerson(const Row& r) {
  PersonRecord p;
  p.key = static_cast<PersonKey>(r.Int(0));
  p.id_number = r.Text(1);
  p.name = r.Text(2);
  p.sex = static_cast<Sex>(r.Int(3));
  p.birth_date = DayAt(r, 4);
  p.phone = r.Text(5);
  p.region_code = r.Text(6);
  p.special_care = r.Int(7) != 0;
  if (!r.IsNull(8)) p.baseline_certified = DayAt(r, 8);
  return p;
}

// One row per amount step, in entitlement order.
inline constexpr std::string_view kEntitlementQuery =
    "SELECT e.person_key, e.id, e.scheme, e.paying_region, e.start_month, a.from_month, a.monthly_fen, a.basic_fen, "
    "e.paid_through, e.contribution_months, e.registered_on, e.account_balance_fen, e.account_subsidy_fen, "
    "e.changed_after_run FROM entitlement e JOIN entitlement_amount a ON a.entitlement_id = e.id ";

// Appends the row to `out`, merging amount steps of the same entitlement.
template <typename Row>
void AddEntitlementRow(const Row& r, std::vector<EntitlementRecord>& out) {
  const int64_t id = r.Int(1);
  if (out.empty() || out.back().terms.id != id) {
    EntitlementRecord e;
    e.person = static_cast<PersonKey>(r.Int(0));
    e.terms.id = id;
    e.terms.scheme = static_cast<Scheme>(r.Int(2));
    e.terms.paying_region = r.Text(3);
    e.terms.start = MonthAt(r, 4);
    if (!r.IsNull(8)) e.terms.paid_through = MonthAt(r, 8);
    e.terms.contribution_months = static_cast<int>(r.Int(9));
    // NULL for entitlements imported before schema v3: left at the default.
    if (!r.IsNull(10)) e.terms.registered_on = DayAt(r, 10);
    e.terms.account_balance = OptionalInt(r, 11);
    e.terms.account_subsidy = OptionalInt(r, 12);
    if (!r.IsNull(13)) e.terms.changed_after_run = MonthAt(r, 13);
    out.push_back(std::move(e));
  }
  out.back().terms.amounts.push_back(AmountStep{MonthAt(r, 5), r.Int(6), r.Int(7)});
}

// A fact of a row of person_key, id, kind, source, occurred_on, received_on,
// detail; the source's name is passed in (a store may read it by id).
template <typename Row>
Fact ReadFact(const Row& r, std::string source) {
  Fact f;
  f.evidence_id = r.Int(1);
  f.kind = r.Text(2);
  f.source = std::move(source);
  f.occurred_on = DayAt(r, 4);
  f.received_on = DayAt(r, 5);
  f.detail = r.Text(6);
  return f;
}

// ---- Runs, payments, receivables, decisions ------------------------------------------

// ---- Statistics snapshots ------------------------------------------------------------

inline constexpr std::string_view kStatsSnapshotColumns =
    "id, month, as_of, trend_from, taken_at, fingerprint, persons";

template <typename Row>
StatsSnapshotRecord ReadStatsSnapshot(const Row& s) {
  StatsSnapshotRecord r;
  r.id = s.Int(0);
  r.month = MonthAt(s, 1);
  r.as_of = DayAt(s, 2);
  r.trend_from = MonthAt(s, 3);
  r.taken_at = s.Text(4);
  r.fingerprint = s.Text(5);
  r.persons = s.Int(6);
  return r;
}

// Store::StatsFingerprint, one text from the values that move with every
// write that can change a statistic (tacit/store.h). The same statement on
// both stores but for the largest evidence id, which the SQLite store also
// reads from its packs; each part reads an index's end, not a table.
inline constexpr std::string_view kMaxEvidenceRowIdSql = "(SELECT coalesce(max(id), 0) FROM evidence)";
inline constexpr std::string_view kStatsFingerprintRest =
    " || ' d' || CAST((SELECT coalesce(min(id), 0) FROM person_dirty) AS TEXT)"
    " || '-' || CAST((SELECT coalesce(max(id), 0) FROM person_dirty) AS TEXT)"
    " || ' c' || CAST((SELECT count(*) FROM cycle_run) AS TEXT)"
    " || '@' || (SELECT coalesce(max(finished_at), '') FROM cycle_run)"
    " || ' r' || CAST((SELECT coalesce(max(id), 0) FROM receivable) AS TEXT)"
    " || ' v' || CAST((SELECT coalesce(max(id), 0) FROM recovery) AS TEXT)"
    " || ' p' || CAST((SELECT coalesce(max(id), 0) FROM policy) AS TEXT)"
    " || '.' || CAST((SELECT coalesce(max(id), 0) FROM policy WHERE active = 1) AS TEXT)"
    " || ' g' || coalesce((SELECT value FROM meta WHERE key = 'registry_generation'), '0')";
inline std::string StatsFingerprintSql(std::string_view max_evidence_id = kMaxEvidenceRowIdSql) {
  std::string sql = "SELECT 'e' || CAST(";
  sql.append(max_evidence_id).append(" AS TEXT)").append(kStatsFingerprintRest);
  return sql;
}

inline constexpr std::string_view kRunColumns =
    "month, as_of, started_at, finished_at, policy_version, entitlements, paid, suspended, terminated, "
    "paid_amount, back_pay_amount, overpaid_amount, payroll_path, evidence_high_water, dirty_high_water";

template <typename Row>
CycleRunRecord ReadRun(const Row& s) {
  CycleRunRecord r;
  r.month = MonthAt(s, 0);
  r.as_of = DayAt(s, 1);
  r.started_at = s.Text(2);
  r.finished_at = s.Text(3);
  r.policy_version = s.Text(4);
  r.entitlements = s.Int(5);
  r.paid = s.Int(6);
  r.suspended = s.Int(7);
  r.terminated = s.Int(8);
  r.paid_amount = s.Int(9);
  r.back_pay_amount = s.Int(10);
  r.overpaid_amount = s.Int(11);
  r.payroll_path = s.Text(12);
  r.evidence_high_water = OptionalInt(s, 13);
  r.dirty_high_water = OptionalInt(s, 14);
  return r;
}

inline constexpr std::string_view kPaymentColumns = "entitlement_id, month, run_month, kind, amount_fen, person_key";

template <typename Row>
PaymentRecord ReadPayment(const Row& r) {
  return PaymentRecord{r.Int(0), MonthAt(r, 1), r.Int(4), r.Text(3), MonthAt(r, 2), static_cast<PersonKey>(r.Int(5))};
}

inline constexpr std::string_view kReceivableColumns =
    "id, entitlement_id, month, amount_fen, run_month, reason, evidence_id, recovered_fen, person_key";

template <typename Row>
ReceivableRecord ReadReceivable(const Row& s) {
  ReceivableRecord r;
  r.id = s.Int(0);
  r.entitlement_id = s.Int(1);
  r.month = MonthAt(s, 2);
  r.amount = s.Int(3);
  r.run_month = MonthAt(s, 4);
  r.reason = s.Text(5);
  r.evidence_id = s.Int(6);
  r.recovered = s.Int(7);
  r.person = static_cast<PersonKey>(s.Int(8));
  return r;
}

// Every row a monthly run records carries its entitlement's person (schema
// v14: the distribution key of the ledger tables on a distributed PostgreSQL).
// Both stores check it before writing anything.
inline Status CheckRunRowsHavePersons(const std::vector<DecisionRecord>& decisions,
                                      const std::vector<PaymentRecord>& payments,
                                      const std::vector<ReceivableRecord>& receivables,
                                      const std::vector<ForecastRecord>& forecasts) {
  auto missing = [](std::string_view what, int64_t entitlement_id) {
    return InvalidArgument(std::string(what) + " of entitlement " + std::to_string(entitlement_id) +
                           " carries no person");
  };
  for (const DecisionRecord& d : decisions) {
    if (d.person == 0) return missing("a decision", d.entitlement_id);
  }
  for (const PaymentRecord& p : payments) {
    if (p.person == 0) return missing("a payment", p.entitlement_id);
  }
  for (const ReceivableRecord& r : receivables) {
    if (r.person == 0) return missing("a receivable", r.entitlement_id);
  }
  for (const ForecastRecord& f : forecasts) {
    if (f.person == 0) return missing("a forecast", f.entitlement_id);
  }
  return {};
}

inline constexpr std::string_view kDecisionColumns = "entitlement_id, status, due_fen, rule, evidence_id, person_key";

template <typename Row>
DecisionRecord ReadDecision(const Row& r) {
  return DecisionRecord{r.Int(0), static_cast<MonthStatus>(r.Int(1)), r.Int(2), r.Text(3), r.Int(4),
                        static_cast<PersonKey>(r.Int(5))};
}

// ---- Cases ----------------------------------------------------------------------------

inline constexpr std::string_view kCaseColumns =
    "id, person_key, type, dedup_key, summary, suggestion, evidence_ids, at_stake_fen, status, opened_at, "
    "opened_in, decision, note, resolved_by, resolved_at, decision_evidence_id";

template <typename Row>
CaseRecord ReadCase(const Row& r) {
  CaseRecord c;
  c.id = r.Int(0);
  c.person = static_cast<PersonKey>(r.Int(1));
  c.type = r.Text(2);
  c.key = r.Text(3);
  c.summary = r.Text(4);
  c.suggestion = r.Text(5);
  c.evidence_ids = SplitIds(r.TextView(6));
  c.at_stake = r.Int(7);
  c.status = r.Text(8);
  c.opened_at = r.Text(9);
  c.opened_in = MonthAt(r, 10);
  c.decision = r.Text(11);
  c.note = r.Text(12);
  c.resolved_by = r.Text(13);
  c.resolved_at = r.Text(14);
  c.decision_evidence_id = r.IsNull(15) ? 0 : r.Int(15);
  return c;
}

// ---- Outreach ---------------------------------------------------------------------------

inline constexpr std::string_view kMessageColumns =
    "id, idem_key, person_key, recipient, region, channel, template, params, reason, deadline, created_ms, "
    "not_before_ms, expires_ms, status, attempts, next_attempt_ms, lease_until_ms, provider_ref, provider_code, "
    "failure, sent_ms, delivered_ms, claimed_ms";

template <typename Row>
OutreachMessageRecord ReadMessage(const Row& r) {
  OutreachMessageRecord m;
  m.id = r.Int(0);
  m.idem_key = r.Text(1);
  m.person = static_cast<PersonKey>(r.Int(2));
  m.recipient = r.Text(3);
  m.region = r.Text(4);
  m.channel = r.Text(5);
  m.template_name = r.Text(6);
  m.params = r.Text(7);
  m.reason = r.Text(8);
  m.deadline = r.Text(9);
  m.created_ms = r.Int(10);
  m.not_before_ms = r.Int(11);
  m.expires_ms = r.Int(12);
  m.status = r.Text(13);
  m.attempts = static_cast<int>(r.Int(14));
  m.next_attempt_ms = r.Int(15);
  m.lease_until_ms = r.Int(16);
  m.provider_ref = r.Text(17);
  m.provider_code = r.Text(18);
  m.failure = r.Text(19);
  m.sent_ms = r.Int(20);
  m.delivered_ms = r.Int(21);
  m.claimed_ms = r.Int(22);
  return m;
}

inline constexpr std::string_view kVisitColumns =
    "id, person_key, region, reason, idem_key, due_on, status, assigned_to, created_ms, outcome, outcome_on, "
    "done_by, done_ms, evidence_id, case_id, note";

template <typename Row>
VisitTaskRecord ReadVisit(const Row& r) {
  VisitTaskRecord v;
  v.id = r.Int(0);
  v.person = static_cast<PersonKey>(r.Int(1));
  v.region = r.Text(2);
  v.reason = r.Text(3);
  v.idem_key = r.Text(4);
  v.due_on = DayAt(r, 5);
  v.status = r.Text(6);
  v.assigned_to = r.Text(7);
  v.created_ms = r.Int(8);
  v.outcome = r.Text(9);
  if (!r.IsNull(10)) v.outcome_on = DayAt(r, 10);
  v.done_by = r.Text(11);
  v.done_ms = r.Int(12);
  v.evidence_id = r.Int(13);
  v.case_id = r.Int(14);
  v.note = r.Text(15);
  return v;
}

// Of special_person s.
inline constexpr std::string_view kSpecialColumns =
    "s.person_key, s.reason, s.contact_name, s.contact_phone, s.address, s.notes, s.source, s.set_by, s.set_ms, "
    "s.active";

template <typename Row>
SpecialPersonRecord ReadSpecial(const Row& r) {
  return SpecialPersonRecord{static_cast<PersonKey>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                             r.Text(5), r.Text(6), r.Text(7), r.Int(8), r.Int(9) != 0};
}

inline constexpr std::string_view kChannelConfigColumns =
    "channel, config, sealed_secret, paused_reason, paused_ms, updated_by, updated_ms";

template <typename Row>
ChannelConfigRecord ReadChannelConfig(const Row& r) {
  return ChannelConfigRecord{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Text(5), r.Int(6)};
}

// ---- Access: staff, partners, the audit trail, face, the citizen page ----------------------

inline constexpr std::string_view kUserColumns =
    "id, name, role, region, password_hash, failed_logins, locked_until, disabled, created_at";

template <typename Row>
StaffUser ReadUser(const Row& r) {
  return StaffUser{r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), static_cast<int>(r.Int(5)),
                   r.Int(6), r.Int(7) != 0, r.Int(8)};
}

inline constexpr std::string_view kSessionColumns = "token_hash, user_id, csrf_hash, created_at, last_seen, expires_at";

template <typename Row>
SessionRecord ReadSession(const Row& r) {
  return SessionRecord{r.Text(0), r.Int(1), r.Text(2), r.Int(3), r.Int(4), r.Int(5)};
}

inline constexpr std::string_view kPartnerColumns =
    "id, name, role, source, kinds, key_id, key_hash, sealed_secret, disabled, created_at";

template <typename Row>
PartnerRecord ReadPartner(const Row& r) {
  return PartnerRecord{r.Int(0),  r.Text(1), r.Text(2), r.Text(3), SplitKinds(r.TextView(4)),
                       r.Text(5), r.Text(6), r.Text(7), r.Int(8) != 0, r.Int(9)};
}

inline constexpr std::string_view kAuditColumns = "id, at_ms, actor, action, target, detail, outcome, prev_hash, hash";

template <typename Row>
AuditEntry ReadAudit(const Row& r) {
  return AuditEntry{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6), r.Text(7), r.Text(8)};
}

inline constexpr std::string_view kFaceTemplateColumns =
    "person_key, sealed_template, sealed_photo, recogniser, quality, enrolled_by, enrolled_at";

template <typename Row>
FaceTemplateRecord ReadFaceTemplate(const Row& r) {
  return FaceTemplateRecord{static_cast<PersonKey>(r.Int(0)), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
                            r.Int(6)};
}

inline constexpr std::string_view kChallengeColumns =
    "id, person_key, device, actor, created_at, deadline, status, sealed_state, evidence_id, case_id";

template <typename Row>
FaceChallengeRecord ReadChallenge(const Row& r) {
  return FaceChallengeRecord{r.Text(0), static_cast<PersonKey>(r.Int(1)), r.Text(2), r.Text(3), r.Int(4),
                             r.Int(5),  r.Text(6), r.Text(7), r.Int(8), r.Int(9)};
}

inline constexpr std::string_view kFaceAttemptColumns =
    "id, person_key, device, at, method, result, similarity, detail";

template <typename Row>
FaceAttemptRecord ReadFaceAttempt(const Row& r) {
  return FaceAttemptRecord{r.Int(0), static_cast<PersonKey>(r.Int(1)), r.Text(2), r.Int(3), r.Text(4), r.Text(5),
                           r.Double(6), r.Text(7)};
}

inline constexpr std::string_view kCitizenCodeColumns =
    "id, subject, person_key, code_hash, created_ms, expires_ms, tries, status, sms";

template <typename Row>
CitizenCodeRecord ReadCitizenCode(const Row& r) {
  return CitizenCodeRecord{r.Text(0), r.Text(1), static_cast<PersonKey>(r.Int(2)), r.Text(3), r.Int(4),
                           r.Int(5),  static_cast<int>(r.Int(6)), r.Text(7), r.Text(8)};
}

inline constexpr std::string_view kCitizenSessionColumns = "token_hash, person_key, csrf_hash, created_ms, expires_ms";

template <typename Row>
CitizenSessionRecord ReadCitizenSession(const Row& r) {
  return CitizenSessionRecord{r.Text(0), static_cast<PersonKey>(r.Int(1)), r.Text(2), r.Int(3), r.Int(4)};
}

// A batch's evidence is stored in person-key order (so each index page is
// written once). The records are not moved: `order` lists their indices in
// that order (ties by position), and the other two arrays answer what the
// store asks most, without reaching into the records (a cache miss each in
// person order, the records lying in file order).
struct PersonOrder {
  std::vector<uint32_t> order;     // by place k: the index of the k-th record in person order
  std::vector<uint32_t> position;  // by index: its place k (the inverse of `order`)
  std::vector<PersonKey> person;   // by place k: that record's person (0: unlinked)
};

inline PersonOrder OrderByPerson(const std::vector<EvidenceRecord>& evidence) {
  const size_t n = evidence.size();
  std::vector<std::pair<PersonKey, uint32_t>> keyed(n);
  for (size_t i = 0; i < n; ++i) keyed[i] = {evidence[i].person, static_cast<uint32_t>(i)};
  RadixSortBy(keyed, [](const std::pair<PersonKey, uint32_t>& p) { return static_cast<uint64_t>(p.first); });
  PersonOrder out;
  out.order.resize(n);
  out.position.resize(n);
  out.person.resize(n);
  for (size_t k = 0; k < n; ++k) {
    out.order[k] = keyed[k].second;
    out.person[k] = keyed[k].first;
    out.position[keyed[k].second] = static_cast<uint32_t>(k);
  }
  return out;
}

// Gives each record the id first_id + its place in person order and the
// batch's id; returns each record's source id (by its index in `evidence`),
// asking `source_id(name)` once per distinct source of the batch. Walks the
// records in file order, the order they lie in memory.
template <typename SourceIdFn>
Result<std::vector<int64_t>> AssignIdsAndSources(std::vector<EvidenceRecord>& evidence, const PersonOrder& by_person,
                                                 int64_t first_id, int64_t batch_id, SourceIdFn source_id) {
  std::unordered_map<std::string, int64_t> source_ids;  // of this batch
  std::vector<int64_t> source_of(evidence.size());
  const std::string* last_source = nullptr;  // rows of a file mostly share one source
  int64_t last_source_id = 0;
  for (size_t i = 0; i < evidence.size(); ++i) {
    EvidenceRecord& e = evidence[i];
    e.id = first_id + static_cast<int64_t>(by_person.position[i]);
    e.batch_id = batch_id;
    if (last_source == nullptr || *last_source != e.source) {
      auto it = source_ids.find(e.source);
      if (it == source_ids.end()) {
        ASSIGN_OR_RETURN(int64_t sid, source_id(e.source));
        it = source_ids.emplace(e.source, sid).first;
      }
      last_source = &e.source;
      last_source_id = it->second;
    }
    source_of[i] = last_source_id;
  }
  return source_of;
}

}  // namespace tacit::store_rows

#endif  // TACIT_SRC_STORE_RECORD_ROWS_H_
