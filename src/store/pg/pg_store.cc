#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include "store/pg/pg_outreach.h"
#include "store/pg/pg_schema.h"

namespace tacit::pg {

PgStore::PgStore(std::string conninfo, PgConn conn)
    : conninfo_(std::move(conninfo)), conn_(std::move(conn)), outreach_(std::make_unique<PgOutreach>(conn_)) {}
PgStore::~PgStore() = default;

Result<std::unique_ptr<StoreTransaction>> PgStore::Begin() { return Internal("PgStore::Begin: not built yet"); }
Status PgStore::ExpectEvidence(int64_t rows) { return Internal("PgStore::ExpectEvidence: not built yet"); }
Status PgStore::Migrate() {
  ASSIGN_OR_RETURN(int version, pg::Migrate(conn_));
  (void)version;
  return {};
}
Result<int> PgStore::SchemaVersion() { return pg::SchemaVersion(conn_); }
Status PgStore::SavePolicy(const Policy& policy) { return Internal("PgStore::SavePolicy: not built yet"); }
Result<Policy> PgStore::LoadPolicy() { return Internal("PgStore::LoadPolicy: not built yet"); }
Result<std::optional<std::string>> PgStore::GetMeta(const std::string& key) { return Internal("PgStore::GetMeta: not built yet"); }
Result<int64_t> PgStore::UpsertRegions(const std::vector<Region>& regions) { return Internal("PgStore::UpsertRegions: not built yet"); }
Result<std::optional<Region>> PgStore::FindRegion(const std::string& code) { return Internal("PgStore::FindRegion: not built yet"); }
Result<std::vector<Region>> PgStore::ChildRegions(const std::string& code) { return Internal("PgStore::ChildRegions: not built yet"); }
Result<std::vector<std::string>> PgStore::RegionCodes() { return Internal("PgStore::RegionCodes: not built yet"); }
Result<RegistryImportCounts> PgStore::ImportRegistry(const std::vector<RegistryRow>& rows, Month effective) { return Internal("PgStore::ImportRegistry: not built yet"); }
Result<AdjustCounts> PgStore::AdjustAmounts(const std::vector<AmountAdjustment>& rows) { return Internal("PgStore::AdjustAmounts: not built yet"); }
Result<std::vector<PersonKey>> PgStore::AllPersonKeys() { return Internal("PgStore::AllPersonKeys: not built yet"); }
Result<std::optional<PersonRecord>> PgStore::FindPerson(PersonKey key) { return Internal("PgStore::FindPerson: not built yet"); }
Result<std::vector<PersonRecord>> PgStore::FindPersonsByNameAndBirth(const std::string& name, Date birth, int limit) { return Internal("PgStore::FindPersonsByNameAndBirth: not built yet"); }
Result<std::vector<EntitlementRecord>> PgStore::EntitlementsOf(PersonKey key) { return Internal("PgStore::EntitlementsOf: not built yet"); }
Status PgStore::ForEachPerson(const std::string& region_prefix, const std::function<Status(const PersonBundle&)>& fn, Facts facts) { return Internal("PgStore::ForEachPerson: not built yet"); }
Status PgStore::ForEachPersonInKeyRange(PersonKey from, PersonKey to, const std::function<Status(const PersonBundle&)>& fn, Facts facts) { return Internal("PgStore::ForEachPersonInKeyRange: not built yet"); }
Result<std::vector<PersonKey>> PgStore::PersonKeySplits(int parts) { return Internal("PgStore::PersonKeySplits: not built yet"); }
Result<std::unique_ptr<Store>> PgStore::OpenReader() { return Internal("PgStore::OpenReader: not built yet"); }
Result<std::vector<Fact>> PgStore::FactsOf(PersonKey key) { return Internal("PgStore::FactsOf: not built yet"); }
Result<ChangeMarks> PgStore::CurrentChangeMarks() { return Internal("PgStore::CurrentChangeMarks: not built yet"); }
Result<std::vector<PersonKey>> PgStore::PersonsChangedSince(int64_t evidence_high_water) { return Internal("PgStore::PersonsChangedSince: not built yet"); }
Status PgStore::ForEachForecast(const std::function<Status(const ForecastRecord&)>& fn) { return Internal("PgStore::ForEachForecast: not built yet"); }
OutreachStore& PgStore::outreach() { return *outreach_; }

}  // namespace tacit::pg

namespace tacit {

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo) {
  ASSIGN_OR_RETURN(pg::PgConn conn, pg::PgConn::Connect(conninfo));
  return std::unique_ptr<Store>(std::make_unique<pg::PgStore>(conninfo, std::move(conn)));
}

}  // namespace tacit
