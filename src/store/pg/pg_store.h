// The PostgreSQL backend of the Store interface (issue 9; design in
// docs/architecture.md, "Production scale"). Internal to the store_pg target.
//
// One class, its methods defined by theme in several files:
//   pg_store.cc           the unit of work, schema, policy, meta, regions, the
//                         registry, persons and their scans, change marks
//   pg_store_evidence.cc  batches, evidence, the person summary, linkage
//   pg_store_ledger.cc    monthly runs, decisions, payments, receivables,
//                         cases and recoveries
//   pg_store_access.cc    staff, sessions, partners, nonces, the audit trail,
//                         faces, the citizen page's sign-in
//   pg_outreach.cc        the OutreachStore (class PgOutreach)
// Every method behaves as the SQLite store's does (tacit/store.h is the
// contract; the conformance tests run on both). Writing units of work take
// kWriterLock (pg_conn.h), so several instances on one database apply their
// units one at a time, as SQLite's single writer does.
#ifndef TACIT_SRC_STORE_PG_PG_STORE_H_
#define TACIT_SRC_STORE_PG_PG_STORE_H_

#include <memory>
#include <string>

#include "store/pg/pg_conn.h"
#include "tacit/outreach_store.h"
#include "tacit/store.h"

namespace tacit::pg {

class PgOutreach;

// pg_store_ledger.cc: the change marks for a monthly run; remembers on this
// session the person marks read, which SaveCycleRun then deletes exactly.
Result<ChangeMarks> ReadChangeMarks(PgConn& conn);

class PgStore final : public Store {
 public:
  PgStore(std::string conninfo, PgConn conn);
  ~PgStore() override;

  // ---- pg_store.cc ----
  Result<std::unique_ptr<StoreTransaction>> Begin() override;
  Status ExpectEvidence(int64_t rows) override;
  Status Migrate() override;
  Result<int> SchemaVersion() override;
  Status SavePolicy(const Policy& policy) override;
  Result<Policy> LoadPolicy() override;
  Result<std::optional<std::string>> GetMeta(const std::string& key) override;
  Status PutMeta(const std::string& key, const std::string& value) override;
  Result<int64_t> UpsertRegions(const std::vector<Region>& regions) override;
  Result<std::optional<Region>> FindRegion(const std::string& code) override;
  Result<std::vector<Region>> ChildRegions(const std::string& code) override;
  Result<std::vector<std::string>> RegionCodes() override;
  Result<RegistryImportCounts> ImportRegistry(const std::vector<RegistryRow>& rows, Month effective) override;
  Result<AdjustCounts> AdjustAmounts(const std::vector<AmountAdjustment>& rows) override;
  Result<std::vector<PersonKey>> AllPersonKeys() override;
  Result<std::optional<PersonRecord>> FindPerson(PersonKey key) override;
  Result<std::vector<PersonRecord>> FindPersonsByNameAndBirth(const std::string& name, Date birth, int limit) override;
  Result<std::vector<EntitlementRecord>> EntitlementsOf(PersonKey key) override;
  Status ForEachPerson(const std::string& region_prefix, const std::function<Status(const PersonBundle&)>& fn, Facts facts) override;
  Status ForEachPersonInKeyRange(PersonKey from, PersonKey to, const std::function<Status(const PersonBundle&)>& fn, Facts facts) override;
  Result<std::vector<PersonKey>> PersonKeySplits(int parts) override;
  Result<std::unique_ptr<Store>> OpenReader() override;
  Result<std::vector<Fact>> FactsOf(PersonKey key) override;
  Result<ChangeMarks> CurrentChangeMarks() override;
  Result<std::vector<PersonKey>> PersonsChangedSince(int64_t evidence_high_water) override;
  Status ForEachForecast(const std::function<Status(const ForecastRecord&)>& fn) override;
  Result<std::string> StatsFingerprint() override;
  Status SaveStatsSnapshot(StatsSnapshotRecord& snapshot, const std::vector<StatsCellRecord>& cells) override;
  Result<std::optional<StatsSnapshotRecord>> FindStatsSnapshot(Month month, Date as_of) override;
  Result<std::vector<StatsSnapshotRecord>> ListStatsSnapshots() override;
  Status ForEachStatsCell(int64_t snapshot_id, const std::string& region_prefix,
                          const std::function<Status(const StatsCellRecord&)>& fn) override;
  OutreachStore& outreach() override;

  // ---- pg_store_evidence.cc ----
  Result<std::optional<BatchRecord>> FindBatch(const std::string& sha256, const std::string& file_name) override;
  Result<BatchRecord> ApplyBatch(BatchRecord batch, std::vector<EvidenceRecord>& evidence) override;
  Status UpdatePersonSummary(const std::vector<PersonSignal>& signals) override;
  Result<std::optional<PersonSignal>> PersonSummary(PersonKey key) override;
  Result<std::vector<BatchRecord>> ListBatches() override;
  Result<std::optional<BatchRecord>> FindBatchById(int64_t id) override;
  Result<std::vector<BatchRecord>> ListBatchesNewestFirst(const std::string& source, int64_t before_id, int limit) override;
  Result<std::vector<EvidenceRecord>> EvidenceOf(PersonKey key) override;
  Status ForEachEvidence(const std::function<Status(const EvidenceRecord&)>& fn) override;
  Result<std::vector<EvidenceRecord>> UnlinkedToTry(bool retry) override;
  Result<std::optional<EvidenceRecord>> FindEvidence(int64_t id) override;
  Result<std::optional<EvidenceRecord>> FindEvidenceByRef(const std::string& source, const std::string& ref) override;
  Status AddEvidence(EvidenceRecord& e) override;
  Status SaveLinkAttempts(std::vector<LinkModelRecord>& models, const std::vector<LinkAttempt>& attempts) override;
  Result<std::vector<LinkAttempt>> LinkAttempts(std::string_view status) override;
  Result<std::optional<LinkAttempt>> FindLinkAttempt(int64_t evidence_id) override;
  Result<std::optional<LinkModelRecord>> FindLinkModel(int64_t id) override;
  Status DecideLinkAttempt(int64_t evidence_id, bool accept, const std::string& by, const std::string& note) override;

  // ---- pg_store_ledger.cc ----
  Result<std::optional<CycleRunRecord>> FindCycleRun(Month month) override;
  Result<std::vector<CycleRunRecord>> ListCycleRuns() override;
  Status ForEachLedger(Month from, const std::function<Status(int64_t, const EntitlementLedger&)>& fn) override;
  Result<EntitlementLedger> LedgerOf(int64_t entitlement_id) override;
  Result<std::optional<DecisionRecord>> DecisionOf(Month month, int64_t entitlement_id) override;
  Status SaveCycleRun(const CycleRunRecord& run, const std::vector<DecisionRecord>& decisions, const std::vector<PaymentRecord>& payments, const std::vector<ReceivableRecord>& receivables, const CycleCarryOver& carry_over) override;
  Result<std::vector<DecisionRecord>> DecisionsOf(Month month) override;
  Result<std::vector<ReceivableRecord>> OpenReceivables() override;
  Result<std::vector<ReceivableRecord>> OpenOrRecoveredReceivables(const std::string& region) override;
  Result<std::vector<PersonKey>> PersonsWithOpenReceivables() override;
  Result<std::vector<PaymentRecord>> PaymentsOfRun(Month run_month) override;
  Result<int64_t> OpenCases(std::vector<CaseRecord>& cases) override;
  Result<std::vector<CaseRecord>> ListCases(std::string_view status, PersonKey person) override;
  Result<std::optional<CaseRecord>> FindCase(int64_t id) override;
  Status ResolveCase(int64_t id, const std::string& decision, const std::string& note, const std::string& by, std::optional<EvidenceRecord> fact) override;
  Result<std::vector<RecoveryRecord>> RecordRecovery(PersonKey person, Fen amount, std::string_view method, Date on, const std::string& note) override;
  Result<std::vector<RecoveryRecord>> RecoveriesOf(PersonKey person) override;
  Result<Fen> OutstandingOf(PersonKey person) override;

  // ---- pg_store_access.cc ----
  Result<int64_t> InsertUser(const StaffUser& user) override;
  Result<std::optional<StaffUser>> FindUser(std::string_view name) override;
  Result<std::optional<StaffUser>> FindUserById(int64_t id) override;
  Result<std::vector<StaffUser>> ListUsers() override;
  Status UpdateUser(const StaffUser& user) override;
  Status InsertSession(const SessionRecord& session) override;
  Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override;
  Status TouchSession(std::string_view token_hash, int64_t last_seen) override;
  Status DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) override;
  Result<int64_t> InsertPartner(const PartnerRecord& partner) override;
  Result<std::optional<PartnerRecord>> FindPartnerByKeyId(std::string_view key_id) override;
  Result<std::vector<PartnerRecord>> ListPartners() override;
  Status SetPartnerDisabled(std::string_view name, bool disabled) override;
  Result<bool> RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at, int64_t forget_before) override;
  Status AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) override;
  Status ForEachAudit(int64_t after_id, int64_t limit, const std::function<Status(const AuditEntry&)>& fn) override;
  Status PutFaceTemplate(const FaceTemplateRecord& record) override;
  Result<std::optional<FaceTemplateRecord>> FindFaceTemplate(PersonKey person) override;
  Status PutFaceChallenge(const FaceChallengeRecord& record) override;
  Result<std::optional<FaceChallengeRecord>> FindFaceChallenge(std::string_view id) override;
  Result<std::vector<FaceChallengeRecord>> PendingFaceChallenges(PersonKey person) override;
  Status AddFaceAttempt(FaceAttemptRecord& attempt) override;
  Result<std::vector<FaceAttemptRecord>> FaceAttemptsOf(PersonKey person, int64_t since_ms) override;
  Result<int64_t> CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) override;
  Status InsertCitizenCode(const CitizenCodeRecord& code) override;
  Result<std::optional<CitizenCodeRecord>> FindCitizenCode(std::string_view id) override;
  Result<std::optional<int>> CountCitizenCodeTry(std::string_view id, int max_tries) override;
  Result<bool> UseCitizenCode(std::string_view id) override;
  Status SetCitizenCodeSms(std::string_view id, std::string_view sms) override;
  Result<std::vector<int64_t>> CitizenCodeTimes(std::string_view subject, int64_t since_ms) override;
  Status InsertCitizenSession(const CitizenSessionRecord& session) override;
  Result<std::optional<CitizenSessionRecord>> FindCitizenSession(std::string_view token_hash) override;
  Status DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) override;

  PgConn& conn() { return conn_; }

 private:
  // pg_store.cc: the persons of a region and key range with their entitlements
  // and (unless kWithout) facts, in key order.
  Status ScanPersons(const std::string& region_prefix, int64_t from_key, int64_t to_key,
                     const std::function<Status(const PersonBundle&)>& fn, Facts with_facts);
  // pg_store.cc: adds or replaces the amount step from `from_month`.
  Status UpsertAmount(PersonKey person, int64_t entitlement_id, int64_t from_month, Fen monthly, Fen basic);

  // pg_store_evidence.cc: stores one linked record outside any batch (a
  // case's fact, an attestation) in the open unit of work; sets e.id.
  // Errors: kAlreadyExists when its (source, ref) is stored already.
  Status AddSingleEvidence(EvidenceRecord& e);
  // pg_store_evidence.cc: the id of the source named `name`, added when new.
  Result<int64_t> SourceId(const std::string& name);

  std::string conninfo_;  // for OpenReader; never logged unredacted
  PgConn conn_;
  std::unique_ptr<PgOutreach> outreach_;
};

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_STORE_H_
