#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include "store/pg/pg_outreach.h"

namespace tacit::pg {

Result<std::optional<CycleRunRecord>> PgStore::FindCycleRun(Month month) { return Internal("PgStore::FindCycleRun: not built yet"); }
Result<std::vector<CycleRunRecord>> PgStore::ListCycleRuns() { return Internal("PgStore::ListCycleRuns: not built yet"); }
Status PgStore::ForEachLedger(Month from, const std::function<Status(int64_t, const EntitlementLedger&)>& fn) { return Internal("PgStore::ForEachLedger: not built yet"); }
Result<EntitlementLedger> PgStore::LedgerOf(int64_t entitlement_id) { return Internal("PgStore::LedgerOf: not built yet"); }
Result<std::optional<DecisionRecord>> PgStore::DecisionOf(Month month, int64_t entitlement_id) { return Internal("PgStore::DecisionOf: not built yet"); }
Status PgStore::SaveCycleRun(const CycleRunRecord& run, const std::vector<DecisionRecord>& decisions, const std::vector<PaymentRecord>& payments, const std::vector<ReceivableRecord>& receivables, const CycleCarryOver& carry_over) { return Internal("PgStore::SaveCycleRun: not built yet"); }
Result<std::vector<DecisionRecord>> PgStore::DecisionsOf(Month month) { return Internal("PgStore::DecisionsOf: not built yet"); }
Result<std::vector<ReceivableRecord>> PgStore::OpenReceivables() { return Internal("PgStore::OpenReceivables: not built yet"); }
Result<std::vector<ReceivableRecord>> PgStore::OpenOrRecoveredReceivables(const std::string& region) { return Internal("PgStore::OpenOrRecoveredReceivables: not built yet"); }
Result<std::vector<PersonKey>> PgStore::PersonsWithOpenReceivables() { return Internal("PgStore::PersonsWithOpenReceivables: not built yet"); }
Result<std::vector<PaymentRecord>> PgStore::PaymentsOfRun(Month run_month) { return Internal("PgStore::PaymentsOfRun: not built yet"); }
Result<int64_t> PgStore::OpenCases(std::vector<CaseRecord>& cases) { return Internal("PgStore::OpenCases: not built yet"); }
Result<std::vector<CaseRecord>> PgStore::ListCases(std::string_view status, PersonKey person) { return Internal("PgStore::ListCases: not built yet"); }
Result<std::optional<CaseRecord>> PgStore::FindCase(int64_t id) { return Internal("PgStore::FindCase: not built yet"); }
Status PgStore::ResolveCase(int64_t id, const std::string& decision, const std::string& note, const std::string& by, std::optional<EvidenceRecord> fact) { return Internal("PgStore::ResolveCase: not built yet"); }
Result<std::vector<RecoveryRecord>> PgStore::RecordRecovery(PersonKey person, Fen amount, std::string_view method, Date on, const std::string& note) { return Internal("PgStore::RecordRecovery: not built yet"); }
Result<std::vector<RecoveryRecord>> PgStore::RecoveriesOf(PersonKey person) { return Internal("PgStore::RecoveriesOf: not built yet"); }
Result<Fen> PgStore::OutstandingOf(PersonKey person) { return Internal("PgStore::OutstandingOf: not built yet"); }

}  // namespace tacit::pg
