// The store: where tacit keeps the registry, evidence, batches, decisions and
// the ledger. One interface; SQLite is the embedded default (store_sqlite.h),
// PostgreSQL the production backend (a later issue). The same conformance tests
// run on every backend.
//
// Every method that changes data is one transaction: it is applied whole or not
// at all, whatever crashes when. Methods are not thread-safe: use one Store per
// thread. Identity numbers are held as PersonKey; names, phones and identity
// numbers are stored for the registry only, and never appear in errors.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore("tacit.db"));
//   RETURN_IF_ERROR(store->Migrate());
//   ASSIGN_OR_RETURN(Policy policy, store->LoadPolicy());
#ifndef TACIT_STORE_H_
#define TACIT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/outreach_store.h"
#include "tacit/policy.h"
#include "tacit/regions.h"
#include "tacit/result.h"
#include "tacit/schedule.h"

namespace tacit {

// The schema version this build writes; Migrate() brings older stores up to it.
inline constexpr int kSchemaVersion = 17;

struct PersonRecord {
  PersonKey key = 0;
  std::string id_number;  // 18 characters, normalised
  std::string name;
  Sex sex = Sex::kUnknown;
  Date birth_date;
  std::string phone;
  std::string region_code;  // 12-digit residence code
  bool special_care = false;  // limited mobility (特殊人员: 行动不便)
  std::optional<Date> baseline_certified;  // last certification under the previous system
};

struct EntitlementRecord {
  PersonKey person = 0;
  EntitlementTerms terms;  // terms.id is the store's entitlement id
};

// One registry row (one entitlement of one person).
struct RegistryRow {
  PersonRecord person;
  Scheme scheme = Scheme::kEnterprise;
  std::string paying_region;
  Month start;
  Fen monthly = 0;
  Fen basic = 0;
  // Months up to and including this one were paid by the previous system
  // (registry column paid_through). nullopt: not given, the stored value stays.
  std::optional<Month> paid_through;
  // Contribution months (含视同缴费); 0: not given, the stored value stays.
  int contribution_months = 0;
  // The resident-scheme personal account (个人账户) and the subsidies in it;
  // nullopt: not given, the stored value stays.
  std::optional<Fen> account_balance, account_subsidy;
  // The import date: the entitlement's registered_on when this row creates it
  // (never changed by a later import).
  Date imported_on;
  // For a new person whose row gives no last certification: the baseline the
  // policy prescribes (the import date by default). An existing person keeps
  // the baseline already stored, so re-importing never certifies anyone.
  std::optional<Date> default_baseline;
};

// The meta key ImportRegistry advances (an integer as text) whenever it adds
// a person: a cache of the registry's keys compares it (RegistryKeyCache).
inline constexpr const char* kRegistryGeneration = "registry_generation";

struct RegistryImportCounts {
  int64_t persons_added = 0;
  int64_t persons_updated = 0;
  int64_t entitlements_added = 0;
  int64_t entitlements_updated = 0;
  int64_t unchanged = 0;
};

// One row of a yearly amount adjustment (待遇调整): from `effective` on, the
// entitlement of (person, scheme) pays `monthly`, of which `basic` is the basic
// pension (nullopt: the basic part in force before `effective`, capped at
// `monthly`). `line` is the row's line in its file, for refusals.
struct AmountAdjustment {
  PersonKey person = 0;
  Scheme scheme = Scheme::kEnterprise;
  Month effective;
  Fen monthly = 0;
  std::optional<Fen> basic;
  int64_t line = 0;
};

// A row the store could not apply, with the field and the reason (no value
// from the row in it).
struct AdjustRefusal {
  int64_t line = 0;
  std::string field;
  std::string reason;
};

struct AdjustCounts {
  int64_t applied = 0;    // a step added or replaced
  int64_t unchanged = 0;  // the step was in force already
  std::vector<AdjustRefusal> refused;  // e.g. no entitlement in that scheme; ordered by line
};

// How a record was linked to a person.
inline constexpr std::string_view kLinkExact = "exact";
// The number as sent needed normalising first (full-width digits, spaces, a
// lower-case x, 15 digits widened to 18).
inline constexpr std::string_view kLinkExactNormalised = "exact_normalised";
// Linked by the probabilistic linker above the policy's upper threshold.
inline constexpr std::string_view kLinkProbabilistic = "probabilistic";
// Linked by a person on the staff who accepted a proposed link.
inline constexpr std::string_view kLinkReviewed = "reviewed";
inline constexpr std::string_view kLinkNone = "";

// The source of facts that are the agency's own decisions (a case resolved by
// staff). Never accepted from a partner feed.
inline constexpr std::string_view kAgencySource = "agency";

struct EvidenceRecord {
  int64_t id = 0;  // assigned by the store
  std::string source;
  std::string ref;
  std::string kind;
  PersonKey person = 0;  // 0: not linked
  Date occurred_on;
  Date received_on;
  int64_t batch_id = 0;
  std::string link_method;  // "exact", or empty when unlinked
  double link_score = 0;
  std::string detail;  // JSON object text or empty
  // Kept for unlinked records only, for the probabilistic linker (data
  // minimisation: linked records keep the link, not the partner's copy).
  std::string id_text;     // the number as sent, normalised where possible
  std::string id_problem;  // why it could not be linked exactly
  std::string name;
  std::string sex;
  std::optional<Date> birth_date;
  std::string region_code;
};

// The latest alive signal and earliest death seen for a person (derived).
struct PersonSignal {
  PersonKey person = 0;
  std::optional<Date> last_alive;
  std::optional<Date> death;
};

struct BatchRecord {
  int64_t id = 0;
  std::string sha256;
  std::string file_name;
  std::string source;
  std::string mapping;
  Date received_on;
  std::string ingested_at;  // ISO 8601 UTC
  int64_t rows = 0;
  int64_t accepted = 0;
  int64_t linked = 0;
  int64_t unlinked = 0;
  int64_t dropped = 0;     // about people outside the registry: counted, not kept
  int64_t rejected = 0;
  int64_t duplicates = 0;  // (source, ref) already stored
  std::string quarantine_path;
};

// What a monthly run decided for one entitlement.
struct DecisionRecord {
  int64_t entitlement_id = 0;
  MonthStatus status = MonthStatus::kPayable;
  Fen due = 0;
  std::string rule;
  int64_t evidence_id = 0;
  PersonKey person = 0;  // the entitlement's person: the distribution key on PostgreSQL (schema v14)
};

// Money the run pays: the month itself (kind "regular") or earlier months now
// due (kind "back_pay").
struct PaymentRecord {
  int64_t entitlement_id = 0;
  Month month;
  Fen amount = 0;
  std::string kind;
  Month run_month;
  PersonKey person = 0;  // the entitlement's person (schema v14)
};

// Money paid that was not due (多发待遇): to be recovered.
struct ReceivableRecord {
  int64_t id = 0;
  int64_t entitlement_id = 0;
  Month month;
  Fen amount = 0;
  Month run_month;
  std::string reason;  // the rule, e.g. "terminate.death"
  int64_t evidence_id = 0;
  Fen recovered = 0;
  PersonKey person = 0;  // the entitlement's person (schema v14)
};

struct CycleRunRecord {
  Month month;
  Date as_of;
  std::string started_at;
  std::string finished_at;
  std::string policy_version;
  int64_t entitlements = 0;
  int64_t paid = 0;
  int64_t suspended = 0;
  int64_t terminated = 0;
  Fen paid_amount = 0;
  Fen back_pay_amount = 0;
  Fen overpaid_amount = 0;
  std::string payroll_path;
  // The change marks the run read before deciding (see ChangeMarks): the next
  // run derives again whoever has evidence or a mark after them. Absent on runs
  // recorded before schema v6, whose successor therefore derives everyone.
  std::optional<int64_t> evidence_high_water;
  std::optional<int64_t> dirty_high_water;
};

// What a run expects an entitlement's decision to be in the months after it
// when nothing new is learned: the same status, amount, rule and evidence
// through `through`. The next runs take it for a person with nothing new and
// read none of the person's facts.
struct ForecastRecord {
  int64_t entitlement_id = 0;
  Month through;
  MonthStatus status = MonthStatus::kPayable;
  Fen due = 0;
  std::string rule;
  int64_t evidence_id = 0;
  PersonKey person = 0;  // the entitlement's person (schema v14)
};

// Where the store's knowledge stands: the highest evidence id and the highest
// person mark (a person marked when a stored fact of theirs changed in place: a
// record linked later, a baseline corrected, or facts a run could not know yet).
struct ChangeMarks {
  int64_t evidence = 0;
  int64_t dirty = 0;
};

// A statistics snapshot (统计快照, tacit/stats.h): the statistics of one month
// as of one date, pre-aggregated per residence code, with the store's
// fingerprint (Store::StatsFingerprint) when it was taken.
struct StatsSnapshotRecord {
  int64_t id = 0;
  Month month;
  Date as_of;
  Month trend_from;  // the first month of the stored trend (== month: none)
  std::string taken_at;
  std::string fingerprint;
  int64_t persons = 0;  // recipients counted
};

// One cell of a snapshot: the persons living at `region_code` (a village),
// all of them (scheme "") or their view in one scheme. `payload` is the
// statistics module's packed counters; the store keeps it as it is.
struct StatsCellRecord {
  std::string region_code;
  std::string scheme;
  std::string payload;
};

// A probabilistic linkage model as fitted for one feed source's unlinked
// records, kept so that every link it made can be explained.
struct LinkModelRecord {
  int64_t id = 0;  // assigned by the store
  std::string source;
  std::string trained_at;  // ISO 8601 UTC
  int64_t records = 0;      // unlinked records it was fitted on and applied to
  int64_t comparisons = 0;  // candidate pairs compared
  std::string model_json;   // linkage::ModelToJson
};

// What the linker concluded about one unlinked record, and what staff decided.
// status: "linked" (automatic), "open" (awaiting review), "accepted" and
// "rejected" (reviewed), "none" (no candidate good enough; tried again with
// `tacit link --retry`).
struct LinkAttempt {
  int64_t evidence_id = 0;
  int64_t model_id = 0;  // in SaveLinkAttempts: the index of the model in its list
  std::string outcome;   // link / review / no_link
  std::string reason;    // linkage::ReasonName
  PersonKey candidate = 0;  // the best candidate (0: none)
  double probability = 0;
  double weight_bits = 0;
  PersonKey second = 0;  // the runner-up (0: none)
  double second_bits = 0;
  std::string contributions_json;  // [{"comparison", "level", "bits"}...] of the best candidate
  std::string status;
  std::string decided_by, decided_at, note;
};

// What a monthly run leaves for the next one besides its record: forecasts of
// the persons it derived, and the persons with facts not known as of its
// cut-off (received or dated after it), to be derived again.
struct CycleCarryOver {
  std::vector<ForecastRecord> forecasts;
  std::vector<PersonKey> pending;
};

// A case (待核查事项): a contradiction in a person's facts that a person on the
// staff must decide (an alive signal after a recorded death, death dates that
// disagree, a face certification after a death...). The monthly run finds them;
// staff resolve them, and a decision that changes money becomes a fact.
struct CaseRecord {
  int64_t id = 0;  // assigned by the store
  PersonKey person = 0;
  std::string type;        // what was found, e.g. "alive_after_death"
  std::string key;         // deduplication key: the type and the evidence ids
  std::string summary;     // one Chinese sentence for staff
  std::string suggestion;  // the suggested decision
  std::vector<int64_t> evidence_ids;
  Fen at_stake = 0;  // the money that depends on the decision
  std::string status = "open";  // "open" or "resolved"
  std::string opened_at;        // ISO 8601 UTC, set by the store
  Month opened_in;              // the monthly run that found it
  std::string decision, note, resolved_by, resolved_at;
  int64_t decision_evidence_id = 0;  // the fact the decision became (0: none)
};

// Money claimed back (追回) against receivables: one row per receivable touched.
struct RecoveryRecord {
  int64_t id = 0;  // assigned by the store
  int64_t receivable_id = 0;
  int64_t entitlement_id = 0;
  Month month;  // the overpaid month
  Fen amount = 0;
  std::string method;  // "lump" (一次性退回), "instalment" (分期退回), "offset" (从待遇中抵扣)
  Date on;             // the day the money came back
  std::string note;
  std::string recorded_at;  // ISO 8601 UTC, set by the store
};

// A staff account (工作人员账号). Times are Unix seconds.
struct StaffUser {
  int64_t id = 0;  // assigned by the store
  std::string name;
  std::string role;    // RoleName() of tacit/access.h
  std::string region;  // scope prefix; empty: everywhere
  std::string password_hash;  // Argon2id, PHC string form
  int failed_logins = 0;      // consecutive
  int64_t locked_until = 0;   // 0: not locked
  bool disabled = false;
  int64_t created_at = 0;
};

// A staff login session. Only hashes of its tokens are stored.
struct SessionRecord {
  std::string token_hash;  // SHA-256 hex of the cookie value
  int64_t user_id = 0;
  std::string csrf_hash;   // SHA-256 hex of the CSRF token
  int64_t created_at = 0;
  int64_t last_seen = 0;
  int64_t expires_at = 0;  // absolute expiry
};

// A partner department's system or an attestor, with its key.
struct PartnerRecord {
  int64_t id = 0;  // assigned by the store
  std::string name;
  std::string role;    // "partner" or "attestor"
  std::string source;  // the feed source it submits as
  std::vector<std::string> kinds;
  std::string key_id;        // public part of the key
  std::string key_hash;      // SHA-256 hex of the API key's secret part
  std::string sealed_secret; // attestors: the HMAC secret, sealed by Secrets (base64)
  bool disabled = false;
  int64_t created_at = 0;
};

// One entry of the audit trail (审计日志), chained by hash to the one before.
struct AuditEntry {
  int64_t id = 0;      // 1, 2, 3 ... in order of appending
  int64_t at_ms = 0;   // Unix milliseconds
  std::string actor, action, target, detail, outcome;
  std::string prev_hash;  // the previous entry's hash; 64 zeros for the first
  std::string hash;
};

// One person with everything a derivation needs, for streaming over the registry.
struct PersonBundle {
  PersonRecord person;
  std::vector<EntitlementRecord> entitlements;
  std::vector<Fact> facts;
};

// The ledger of one entitlement for months at or after a given month.
struct EntitlementLedger {
  std::vector<PaymentRecord> payments;
  std::vector<ReceivableRecord> receivables;
};

// A unit of work spanning several Store calls (e.g. every file of one `tacit
// ingest` command): the calls inside it become savepoints of one transaction,
// so a crash leaves the store as before the command or as after it. Rolled back
// on destruction unless committed.
// ---- Face self-certification (tacit/face_auth.h) ----------------------------

// A person's enrolled face. The template (and the photo, when the policy
// keeps it) are sealed under the operator's key (Secrets::Seal); the store
// never holds them in the clear.
struct FaceTemplateRecord {
  PersonKey person = 0;
  std::string sealed_template;
  std::string sealed_photo;   // empty unless the policy keeps enrolment photos
  std::string recogniser;     // the recogniser's SHA-256
  std::string quality;        // JSON: the enrolment photo's measures (no image data)
  std::string enrolled_by;    // who enrolled it (staff user, "import")
  int64_t enrolled_at_ms = 0;
};

// A liveness challenge in progress or finished.
struct FaceChallengeRecord {
  std::string id;             // 32 random hex digits
  PersonKey person = 0;
  std::string device;         // HMAC of the device's address or id (never the address itself)
  std::string actor;          // who started it: a staff user or "citizen"
  int64_t created_ms = 0, deadline_ms = 0;
  std::string status;         // "pending", "passed", "failed"
  std::string sealed_state;   // the LivenessState, sealed (it holds an embedding)
  int64_t evidence_id = 0;    // the face_auth evidence a passed challenge became
  int64_t case_id = 0;        // a case it opened (review, face after death)
};

// One verification attempt, whatever its result: the record an auditor reads
// and attempt limits count. Never image data.
struct FaceAttemptRecord {
  int64_t id = 0;
  PersonKey person = 0;
  std::string device;
  int64_t at_ms = 0;
  std::string method;     // "challenge", "photo" (staff-assisted), "enrol"
  std::string result;     // "match", "review", "no_match", "refused" (quality, limits), "failed" (liveness)
  double similarity = 0;  // the best similarity, 0 when none
  std::string detail;     // JSON: scores, problem, failure, challenge id
};

// ---- The citizen page's sign-in (tacit/citizen.h) ---------------------------

// A one-time code asked for on the citizen page (登录验证码). Every request
// gets a row, whether or not the identity number and name matched a person
// with a mobile phone, so that the limits and the answers are the same for
// both. Only a keyed hash of the code is kept.
struct CitizenCodeRecord {
  std::string id;          // the challenge the page sends back: 32 random hex digits
  std::string subject;     // keyed pseudonym of the identity number (Secrets::Pseudonym): the per-number limits
  PersonKey person = 0;    // 0: nobody matched (no code was sent, none can succeed)
  std::string code_hash;   // Secrets::Pseudonym("citizen-code:<id>", code); random when nobody matched
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  int tries = 0;           // wrong codes entered
  std::string status;      // "pending", "used", "dead" (tries exhausted)
  std::string sms;         // what became of the SMS: "", "accepted", "failed: <reason>" (no address)
};

// A citizen's session on the citizen page: one person, nothing else. Only
// hashes of its tokens are stored.
struct CitizenSessionRecord {
  std::string token_hash;  // SHA-256 hex of the cookie value
  PersonKey person = 0;
  std::string csrf_hash;   // SHA-256 hex of the CSRF token
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // absolute
};

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  virtual Status Commit() = 0;
  // A hint that the unit will apply no more batches: a backend may begin
  // preparing its commit on another thread meanwhile (the SQLite one sorts a
  // bulk unit's records into person order). A batch applied after it is still
  // applied correctly.
  virtual void BatchesDone() {}
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens a unit of work; one at a time per Store.
  virtual Result<std::unique_ptr<StoreTransaction>> Begin() = 0;
  // A hint, given just before Begin(), that the unit will add about `rows`
  // evidence records. A backend may then load in bulk (the SQLite one builds its
  // person index once at commit when the load is large against what is stored).
  virtual Status ExpectEvidence(int64_t rows) = 0;

  // Creates the schema or migrates an older one, keeping its data. Idempotent.
  // Errors: kFailedPrecondition when the store is newer than this build.
  virtual Status Migrate() = 0;
  virtual Result<int> SchemaVersion() = 0;

  // The active policy. SavePolicy makes `policy` active (a new version row when
  // its text differs from the active one; nothing when it is the same).
  virtual Status SavePolicy(const Policy& policy) = 0;
  // Errors: kFailedPrecondition when no policy was loaded (run `tacit init`).
  virtual Result<Policy> LoadPolicy() = 0;

  // Meta values (first cycle month, import dates...).
  virtual Result<std::optional<std::string>> GetMeta(const std::string& key) = 0;
  // Sets a meta value (in the open unit of work, if any): a stream consumer's
  // applied offsets are stored so, with the records they cover.
  virtual Status PutMeta(const std::string& key, const std::string& value) = 0;

  virtual Result<int64_t> UpsertRegions(const std::vector<Region>& regions) = 0;
  virtual Result<std::optional<Region>> FindRegion(const std::string& code) = 0;
  // Regions directly below `code` (for a province: its cities). Empty code: provinces.
  virtual Result<std::vector<Region>> ChildRegions(const std::string& code) = 0;
  // Every stored region code (all levels), ascending.
  virtual Result<std::vector<std::string>> RegionCodes() = 0;

  // Adds or updates persons and entitlements, never duplicating: a person is
  // keyed by identity number, an entitlement by (person, scheme); a changed
  // paying region is a transfer of the same entitlement.
  // A monthly amount other than the one in force in `effective` becomes a new
  // amount step from `effective`, so the months already derived keep the amount
  // that was in force for them (and a later step, an announced rise, stays).
  // A new entitlement is registered on row.imported_on; paid_through,
  // contribution months and the account are updated when the row gives them.
  virtual Result<RegistryImportCounts> ImportRegistry(const std::vector<RegistryRow>& rows,
                                                      Month effective) = 0;
  // Adds or replaces, for each row, the amount step of the entitlement of
  // (person, scheme) from row.effective (a past month is allowed: the monthly
  // run then pays the difference as back pay). A row that gives what is in
  // force already from that month changes nothing and counts as unchanged, so
  // applying the same rows twice changes nothing. A row is refused (not an
  // error) when the person has no entitlement in that scheme or `effective` is
  // before the entitlement's start. Rows are applied in (person, scheme,
  // effective) order, all in one transaction.
  // REQUIRES: no two rows with the same (person, scheme, effective).
  virtual Result<AdjustCounts> AdjustAmounts(const std::vector<AmountAdjustment>& rows) = 0;
  // Every registry person's key, ascending.
  virtual Result<std::vector<PersonKey>> AllPersonKeys() = 0;

  // Batches are identified by the SHA-256 of the file's bytes and its name.
  virtual Result<std::optional<BatchRecord>> FindBatch(const std::string& sha256, const std::string& file_name) = 0;
  // Records the batch and its evidence in one transaction. Evidence whose
  // (source, ref) is stored already is skipped and counted in batch.duplicates.
  // Returns the batch as stored (with id and duplicates).
  // On return evidence[i].id is the stored id, or 0 for a duplicate; inside a
  // bulk unit (ExpectEvidence) a linked record's id is provisional: the
  // SQLite store gives packed records their ids at the unit's commit.
  virtual Result<BatchRecord> ApplyBatch(BatchRecord batch, std::vector<EvidenceRecord>& evidence) = 0;
  // Merges per-person signals into the summary index (latest alive-signal date,
  // earliest death date): derived data that `ingest` keeps current so statistics
  // and the benchmark peer have it without a scan. Sorted input is fastest.
  virtual Status UpdatePersonSummary(const std::vector<PersonSignal>& signals) = 0;
  virtual Result<std::optional<PersonSignal>> PersonSummary(PersonKey key) = 0;
  virtual Result<std::vector<BatchRecord>> ListBatches() = 0;
  virtual Result<std::optional<BatchRecord>> FindBatchById(int64_t id) = 0;
  // One page of batches, newest first: those with id < before_id (0: from the
  // newest), only those whose source is exactly `source` when it is not empty,
  // at most `limit`.
  virtual Result<std::vector<BatchRecord>> ListBatchesNewestFirst(const std::string& source, int64_t before_id,
                                                                  int limit) = 0;

  virtual Result<std::optional<PersonRecord>> FindPerson(PersonKey key) = 0;
  // Registry persons with exactly this name and birth date (a search by the
  // person's own details, not a browse), at most `limit`.
  virtual Result<std::vector<PersonRecord>> FindPersonsByNameAndBirth(const std::string& name, Date birth,
                                                                       int limit) = 0;
  virtual Result<std::vector<EntitlementRecord>> EntitlementsOf(PersonKey key) = 0;
  // Linked evidence of a person, oldest first.
  virtual Result<std::vector<EvidenceRecord>> EvidenceOf(PersonKey key) = 0;
  // Every stored evidence record (linked or not), in id order.
  virtual Status ForEachEvidence(const std::function<Status(const EvidenceRecord&)>& fn) = 0;

  // Streams every person whose residence code starts with `region_prefix` (empty:
  // all), in key order, with entitlements and (unless kWithout) linked facts.
  enum class Facts { kWith, kWithout };
  virtual Status ForEachPerson(const std::string& region_prefix, const std::function<Status(const PersonBundle&)>& fn,
                               Facts facts = Facts::kWith) = 0;
  // The same for persons with keys in [from, to), all regions: a monthly run
  // scans key ranges on several connections at once (see OpenReader).
  virtual Status ForEachPersonInKeyRange(PersonKey from, PersonKey to,
                                         const std::function<Status(const PersonBundle&)>& fn, Facts facts) = 0;
  // Keys that cut the persons into `parts` ranges of about equal size:
  // parts − 1 ascending keys (fewer when there are fewer persons).
  virtual Result<std::vector<PersonKey>> PersonKeySplits(int parts) = 0;
  // Another connection to the same store, for reading while this one reads
  // too (it sees what was committed). Errors: kUnavailable when the backend
  // cannot open one.
  virtual Result<std::unique_ptr<Store>> OpenReader() = 0;
  // The linked facts of one person, oldest first, as ForEachPerson gives them.
  virtual Result<std::vector<Fact>> FactsOf(PersonKey key) = 0;
  virtual Result<ChangeMarks> CurrentChangeMarks() = 0;
  // Persons with evidence stored after `evidence_high_water`, or marked.
  virtual Result<std::vector<PersonKey>> PersonsChangedSince(int64_t evidence_high_water) = 0;
  // Every stored forecast, by entitlement id.
  virtual Status ForEachForecast(const std::function<Status(const ForecastRecord&)>& fn) = 0;

  // ---- Statistics snapshots (tacit/stats.h) ----
  // A value that changes whenever a write may change a statistic: new or
  // changed facts, entitlements, residences, monthly runs, receivables,
  // recoveries, policy versions, registry additions. Equal fingerprints: the
  // statistics of a (month, as-of date) are what they were.
  virtual Result<std::string> StatsFingerprint() = 0;
  // Stores a snapshot with its cells in one transaction (a savepoint of an
  // open unit), replacing the one of the same month and as-of date, and
  // removes snapshots whose as-of date is more than 400 days before this one's.
  // Sets snapshot.id.
  virtual Status SaveStatsSnapshot(StatsSnapshotRecord& snapshot, const std::vector<StatsCellRecord>& cells) = 0;
  virtual Result<std::optional<StatsSnapshotRecord>> FindStatsSnapshot(Month month, Date as_of) = 0;
  // Every snapshot, newest as-of date first.
  virtual Result<std::vector<StatsSnapshotRecord>> ListStatsSnapshots() = 0;
  // The cells of one snapshot whose region code starts with `region_prefix`
  // ("" for all), by region code then scheme.
  virtual Status ForEachStatsCell(int64_t snapshot_id, const std::string& region_prefix,
                                  const std::function<Status(const StatsCellRecord&)>& fn) = 0;

  // ---- Probabilistic linkage ----
  // Unlinked records with the partner's identifying fields that the linker has
  // not tried yet (and, with `retry`, those it found no candidate for), by id.
  virtual Result<std::vector<EvidenceRecord>> UnlinkedToTry(bool retry) = 0;
  // One record with the partner's fields when unlinked, or nullopt.
  virtual Result<std::optional<EvidenceRecord>> FindEvidence(int64_t id) = 0;
  // The stored record with this (source, ref), linked or not, or nullopt.
  virtual Result<std::optional<EvidenceRecord>> FindEvidenceByRef(const std::string& source,
                                                                  const std::string& ref) = 0;
  // Stores one linked record that arrives on its own, outside any batch
  // (batch_id 0): a signed attestation, say. One transaction (a savepoint of
  // an open unit of work), with the same (source, ref) uniqueness as
  // ApplyBatch. Sets e.id. The monthly run sees it like any new evidence.
  // Errors: kInvalidArgument (not linked to a person), kAlreadyExists ((source,
  // ref) is stored already: FindEvidenceByRef names the record).
  virtual Status AddEvidence(EvidenceRecord& e) = 0;
  // Stores the models (ids assigned) and the attempts (model_id given as the
  // index into `models`) in one transaction; records whose status is "linked"
  // are linked to their candidate with link method "probabilistic" and the
  // probability as score. An attempt replaces an earlier one of the record.
  virtual Status SaveLinkAttempts(std::vector<LinkModelRecord>& models, const std::vector<LinkAttempt>& attempts) = 0;
  // Attempts by status ("" for all), by evidence id.
  virtual Result<std::vector<LinkAttempt>> LinkAttempts(std::string_view status) = 0;
  virtual Result<std::optional<LinkAttempt>> FindLinkAttempt(int64_t evidence_id) = 0;
  virtual Result<std::optional<LinkModelRecord>> FindLinkModel(int64_t id) = 0;
  // Records a reviewer's decision on an open attempt: accepted links the record
  // to the candidate (link method "reviewed"); rejected leaves it unlinked.
  // Errors: kNotFound, kFailedPrecondition when the attempt is not open.
  virtual Status DecideLinkAttempt(int64_t evidence_id, bool accept, const std::string& by, const std::string& note) = 0;

  virtual Result<std::optional<CycleRunRecord>> FindCycleRun(Month month) = 0;
  virtual Result<std::vector<CycleRunRecord>> ListCycleRuns() = 0;
  // Payments and receivables of all entitlements for months >= from, keyed by
  // entitlement id (the caller merges them with ForEachPerson).
  virtual Status ForEachLedger(Month from,
                               const std::function<Status(int64_t, const EntitlementLedger&)>& fn) = 0;
  virtual Result<EntitlementLedger> LedgerOf(int64_t entitlement_id) = 0;
  // Decisions of a run, for one entitlement (nullopt when the run did not include it).
  virtual Result<std::optional<DecisionRecord>> DecisionOf(Month month, int64_t entitlement_id) = 0;
  // Records a whole monthly run in one transaction. An entitlement decided by
  // the run whose paid_through is not known yet gets run.month - 1: the months
  // before the first run that includes it were paid by the previous system.
  // The carry-over replaces the forecasts of its entitlements, and the person
  // marks up to run.dirty_high_water give way to its pending persons.
  // Errors: kAlreadyExists when the month was run already.
  virtual Status SaveCycleRun(const CycleRunRecord& run, const std::vector<DecisionRecord>& decisions,
                              const std::vector<PaymentRecord>& payments,
                              const std::vector<ReceivableRecord>& receivables,
                              const CycleCarryOver& carry_over) = 0;
  virtual Result<std::vector<DecisionRecord>> DecisionsOf(Month month) = 0;
  // Receivables not settled (amount other than recovered; reversals are
  // negative), by entitlement and month.
  virtual Result<std::vector<ReceivableRecord>> OpenReceivables() = 0;
  // Open receivables and settled ones on which something was recovered, of
  // the persons living under `region` (a code prefix; empty: everyone): what
  // statistics need for money outstanding and money recovered.
  virtual Result<std::vector<ReceivableRecord>> OpenOrRecoveredReceivables(const std::string& region) = 0;
  // The persons with a receivable not settled, by person key: the recovery
  // work queue (多发待遇追回).
  virtual Result<std::vector<PersonKey>> PersonsWithOpenReceivables() = 0;
  // Payments made by the run of `run_month`, ordered by entitlement and month.
  virtual Result<std::vector<PaymentRecord>> PaymentsOfRun(Month run_month) = 0;

  // ---- Cases (待核查事项) and recoveries (追回) ----------------------------------

  // Opens cases in one transaction. A case whose key is stored already (open or
  // resolved) is not added again, so the findings every monthly run derives
  // afresh are opened once. On return each case's id is its stored id and a new
  // case has status "open" and opened_at set. Returns how many were new.
  // Errors: kInvalidArgument when a case has no person, type or key.
  virtual Result<int64_t> OpenCases(std::vector<CaseRecord>& cases) = 0;
  // Cases by status ("open", "resolved", "" for all) and, when `person` is not
  // 0, of that person; oldest first. Errors: kInvalidArgument for another status.
  virtual Result<std::vector<CaseRecord>> ListCases(std::string_view status, PersonKey person = 0) = 0;
  virtual Result<std::optional<CaseRecord>> FindCase(int64_t id) = 0;
  // Records staff's decision on a case in one transaction. When `fact` is given
  // it is stored as evidence of the case's person (no batch; its (source, ref)
  // must be new) and its id kept as the case's decision_evidence_id; `fact`'s
  // person may be 0 (the case's person is used).
  // Errors: kNotFound (no such case), kFailedPrecondition (resolved already),
  // kInvalidArgument (no decision, or a fact about another person),
  // kAlreadyExists (the fact's (source, ref) is stored already).
  virtual Status ResolveCase(int64_t id, const std::string& decision, const std::string& note,
                             const std::string& by, std::optional<EvidenceRecord> fact) = 0;

  // Records money a person paid back, in one transaction: `amount` is allocated
  // to the person's open receivables oldest month first (entitlement id, then
  // receivable id, within a month), against the net still owed per (entitlement,
  // month): sum(amount) - sum(recovered) over its rows, reversals included. Each
  // receivable touched gains `recovered` and one recovery row. Returns the rows.
  // Errors: kNotFound (not in the registry), kInvalidArgument (amount <= 0 or
  // above OutstandingOf, which the message states; method other than lump,
  // instalment, offset).
  virtual Result<std::vector<RecoveryRecord>> RecordRecovery(PersonKey person, Fen amount, std::string_view method,
                                                             Date on, const std::string& note) = 0;
  // A person's recoveries, oldest first.
  virtual Result<std::vector<RecoveryRecord>> RecoveriesOf(PersonKey person) = 0;
  // What a person still owes: the sum over (entitlement, month) of the net
  // outstanding where it is above 0. (A month whose net is below 0 — money
  // recovered, then the claim reversed — is a refund the ledger owes; it is not
  // subtracted here.)
  virtual Result<Fen> OutstandingOf(PersonKey person) = 0;

  // ---- Access: staff accounts, sessions, partners, nonces, the audit trail ----

  // Errors: kAlreadyExists (the name is taken).
  virtual Result<int64_t> InsertUser(const StaffUser& user) = 0;
  virtual Result<std::optional<StaffUser>> FindUser(std::string_view name) = 0;
  virtual Result<std::optional<StaffUser>> FindUserById(int64_t id) = 0;
  virtual Result<std::vector<StaffUser>> ListUsers() = 0;
  // Writes every field but id, name and created_at. Errors: kNotFound.
  virtual Status UpdateUser(const StaffUser& user) = 0;
  virtual Status InsertSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) = 0;
  virtual Status TouchSession(std::string_view token_hash, int64_t last_seen) = 0;
  // Deletes one session, or (user_id > 0) every session of a user, and every
  // session expired before `now`.
  virtual Status DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) = 0;
  // Errors: kAlreadyExists (the name or key id is taken).
  virtual Result<int64_t> InsertPartner(const PartnerRecord& partner) = 0;
  virtual Result<std::optional<PartnerRecord>> FindPartnerByKeyId(std::string_view key_id) = 0;
  virtual Result<std::vector<PartnerRecord>> ListPartners() = 0;
  // Disables or enables a partner's key by the partner's name. Errors: kNotFound.
  virtual Status SetPartnerDisabled(std::string_view name, bool disabled) = 0;
  // Records a signed request's nonce: false when (key_id, nonce) was seen
  // already. Nonces older than `forget_before` are dropped (the signature's
  // time window refuses such requests anyway).
  virtual Result<bool> RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at,
                                     int64_t forget_before) = 0;
  // Appends an entry in one transaction (a savepoint of an open one): reads the
  // last entry, sets entry.id and entry.prev_hash, lets `hash` compute
  // entry.hash, inserts. The trail cannot be updated or deleted through SQL.
  virtual Status AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) = 0;
  // Entries with id > after_id in id order, at most `limit` (0: all).
  virtual Status ForEachAudit(int64_t after_id, int64_t limit,
                              const std::function<Status(const AuditEntry&)>& fn) = 0;

  // ---- Face self-certification ----------------------------------------------
  // Enrols (or re-enrols: replaces) a person's face.
  virtual Status PutFaceTemplate(const FaceTemplateRecord& record) = 0;
  virtual Result<std::optional<FaceTemplateRecord>> FindFaceTemplate(PersonKey person) = 0;
  // Inserts or replaces a challenge by id.
  virtual Status PutFaceChallenge(const FaceChallengeRecord& record) = 0;
  virtual Result<std::optional<FaceChallengeRecord>> FindFaceChallenge(std::string_view id) = 0;
  // A person's challenges with status "pending", oldest first.
  virtual Result<std::vector<FaceChallengeRecord>> PendingFaceChallenges(PersonKey person) = 0;
  // Sets attempt.id.
  virtual Status AddFaceAttempt(FaceAttemptRecord& attempt) = 0;
  // A person's attempts at or after `since_ms`, oldest first.
  virtual Result<std::vector<FaceAttemptRecord>> FaceAttemptsOf(PersonKey person, int64_t since_ms) = 0;
  // How many attempts a device made at or after `since_ms`.
  virtual Result<int64_t> CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) = 0;

  // ---- The citizen page's sign-in ---------------------------------------------
  virtual Status InsertCitizenCode(const CitizenCodeRecord& code) = 0;
  virtual Result<std::optional<CitizenCodeRecord>> FindCitizenCode(std::string_view id) = 0;
  // Each of the three below changes its own columns in one statement, so that
  // concurrent requests about one code (two wrong tries at once; the SMS
  // outcome written while the citizen types) never undo each other.
  //
  // Counts one wrong code of a pending code; at `max_tries` the code turns
  // "dead". The tries now counted, or nullopt when the code was not pending.
  virtual Result<std::optional<int>> CountCitizenCodeTry(std::string_view id, int max_tries) = 0;
  // Turns a pending code "used": false when it was not pending (used or dead).
  virtual Result<bool> UseCitizenCode(std::string_view id) = 0;
  // What became of the code's SMS. Errors: kNotFound.
  virtual Status SetCitizenCodeSms(std::string_view id, std::string_view sms) = 0;
  // When the codes of `subject` created at or after `since_ms` were asked for, oldest first.
  virtual Result<std::vector<int64_t>> CitizenCodeTimes(std::string_view subject, int64_t since_ms) = 0;
  virtual Status InsertCitizenSession(const CitizenSessionRecord& session) = 0;
  virtual Result<std::optional<CitizenSessionRecord>> FindCitizenSession(std::string_view token_hash) = 0;
  // Deletes one session (empty: none), every session expired at `now_ms` and
  // every code created before `codes_before_ms`.
  virtual Status DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) = 0;

  // ---- Outreach: the outbox, channels, visits, points, the zero report -------
  // (tacit/outreach_store.h), on this store's connection and units of work.
  virtual OutreachStore& outreach() = 0;
};

struct SqliteOptions {
  // Page cache in MiB: large enough to hold the evidence indexes of a bulk load
  // so that each page is written once (memory is taken only as pages are used).
  int cache_mb = 768;
  // Page cache in MiB while a bulk unit appends its evidence. Its person index
  // is built at commit and its claims are held in memory, so the pages it
  // dirties are appended table pages, final once full: a small cache writes
  // them out during the load (SQLite spills them) instead of all at commit,
  // and keeps 700 MB less memory. The full cache is back for the index build.
  int bulk_append_cache_mb = 64;
  // A unit of work that expects at least this many evidence rows (and at
  // least half as many as are stored) loads in bulk: person index built at
  // commit, claims in memory, rollback journal. The environment variable
  // TACIT_BULK_MIN_ROWS overrides it: the test suite sets it to 1 to run the
  // bulk path on small data.
  int64_t bulk_min_rows = 200000;
};

// Opens (creating if needed) the SQLite store at `path`. Call Migrate() next.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const SqliteOptions& options = {});

// Opens the PostgreSQL store at `conninfo`: a postgresql:// URL or a libpq
// connection string (target tacit::store_pg). Call Migrate() next. Errors:
// kUnavailable (the server cannot be reached; the message names the address
// without its password).
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo);

// True when `location` names a PostgreSQL database (postgresql:// or
// postgres://) rather than a SQLite file.
bool IsPostgresLocation(const std::string& location);

// Opens the store `location` names, as `--db` does: a postgresql:// or
// postgres:// URL opens PostgreSQL, anything else is the path of a SQLite
// file (target tacit::store_open). `options` apply to SQLite only.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location, const SqliteOptions& options = {});

// The location for messages and logs: a PostgreSQL URL or connection string
// without its password; a SQLite path as it is.
std::string RedactedLocation(const std::string& location);

}  // namespace tacit

#endif  // TACIT_STORE_H_
