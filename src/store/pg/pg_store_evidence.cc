#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include "store/pg/pg_outreach.h"

namespace tacit::pg {

Result<std::optional<BatchRecord>> PgStore::FindBatch(const std::string& sha256, const std::string& file_name) { return Internal("PgStore::FindBatch: not built yet"); }
Result<BatchRecord> PgStore::ApplyBatch(BatchRecord batch, std::vector<EvidenceRecord>& evidence) { return Internal("PgStore::ApplyBatch: not built yet"); }
Status PgStore::UpdatePersonSummary(const std::vector<PersonSignal>& signals) { return Internal("PgStore::UpdatePersonSummary: not built yet"); }
Result<std::optional<PersonSignal>> PgStore::PersonSummary(PersonKey key) { return Internal("PgStore::PersonSummary: not built yet"); }
Result<std::vector<BatchRecord>> PgStore::ListBatches() { return Internal("PgStore::ListBatches: not built yet"); }
Result<std::optional<BatchRecord>> PgStore::FindBatchById(int64_t id) { return Internal("PgStore::FindBatchById: not built yet"); }
Result<std::vector<BatchRecord>> PgStore::ListBatchesNewestFirst(const std::string& source, int64_t before_id, int limit) { return Internal("PgStore::ListBatchesNewestFirst: not built yet"); }
Result<std::vector<EvidenceRecord>> PgStore::EvidenceOf(PersonKey key) { return Internal("PgStore::EvidenceOf: not built yet"); }
Status PgStore::ForEachEvidence(const std::function<Status(const EvidenceRecord&)>& fn) { return Internal("PgStore::ForEachEvidence: not built yet"); }
Result<std::vector<EvidenceRecord>> PgStore::UnlinkedToTry(bool retry) { return Internal("PgStore::UnlinkedToTry: not built yet"); }
Result<std::optional<EvidenceRecord>> PgStore::FindEvidence(int64_t id) { return Internal("PgStore::FindEvidence: not built yet"); }
Result<std::optional<EvidenceRecord>> PgStore::FindEvidenceByRef(const std::string& source, const std::string& ref) { return Internal("PgStore::FindEvidenceByRef: not built yet"); }
Status PgStore::AddEvidence(EvidenceRecord& e) { return Internal("PgStore::AddEvidence: not built yet"); }
Status PgStore::SaveLinkAttempts(std::vector<LinkModelRecord>& models, const std::vector<LinkAttempt>& attempts) { return Internal("PgStore::SaveLinkAttempts: not built yet"); }
Result<std::vector<LinkAttempt>> PgStore::LinkAttempts(std::string_view status) { return Internal("PgStore::LinkAttempts: not built yet"); }
Result<std::optional<LinkAttempt>> PgStore::FindLinkAttempt(int64_t evidence_id) { return Internal("PgStore::FindLinkAttempt: not built yet"); }
Result<std::optional<LinkModelRecord>> PgStore::FindLinkModel(int64_t id) { return Internal("PgStore::FindLinkModel: not built yet"); }
Status PgStore::DecideLinkAttempt(int64_t evidence_id, bool accept, const std::string& by, const std::string& note) { return Internal("PgStore::DecideLinkAttempt: not built yet"); }
Status PgStore::AddSingleEvidence(EvidenceRecord& e) { return Internal("not built yet"); }
Result<int64_t> PgStore::SourceId(const std::string& name) { return Internal("not built yet"); }

}  // namespace tacit::pg
