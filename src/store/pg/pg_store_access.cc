#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include "store/pg/pg_outreach.h"

namespace tacit::pg {

Result<int64_t> PgStore::InsertUser(const StaffUser& user) { return Internal("PgStore::InsertUser: not built yet"); }
Result<std::optional<StaffUser>> PgStore::FindUser(std::string_view name) { return Internal("PgStore::FindUser: not built yet"); }
Result<std::optional<StaffUser>> PgStore::FindUserById(int64_t id) { return Internal("PgStore::FindUserById: not built yet"); }
Result<std::vector<StaffUser>> PgStore::ListUsers() { return Internal("PgStore::ListUsers: not built yet"); }
Status PgStore::UpdateUser(const StaffUser& user) { return Internal("PgStore::UpdateUser: not built yet"); }
Status PgStore::InsertSession(const SessionRecord& session) { return Internal("PgStore::InsertSession: not built yet"); }
Result<std::optional<SessionRecord>> PgStore::FindSession(std::string_view token_hash) { return Internal("PgStore::FindSession: not built yet"); }
Status PgStore::TouchSession(std::string_view token_hash, int64_t last_seen) { return Internal("PgStore::TouchSession: not built yet"); }
Status PgStore::DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) { return Internal("PgStore::DeleteSessions: not built yet"); }
Result<int64_t> PgStore::InsertPartner(const PartnerRecord& partner) { return Internal("PgStore::InsertPartner: not built yet"); }
Result<std::optional<PartnerRecord>> PgStore::FindPartnerByKeyId(std::string_view key_id) { return Internal("PgStore::FindPartnerByKeyId: not built yet"); }
Result<std::vector<PartnerRecord>> PgStore::ListPartners() { return Internal("PgStore::ListPartners: not built yet"); }
Status PgStore::SetPartnerDisabled(std::string_view name, bool disabled) { return Internal("PgStore::SetPartnerDisabled: not built yet"); }
Result<bool> PgStore::RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at, int64_t forget_before) { return Internal("PgStore::RememberNonce: not built yet"); }
Status PgStore::AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) { return Internal("PgStore::AppendAudit: not built yet"); }
Status PgStore::ForEachAudit(int64_t after_id, int64_t limit, const std::function<Status(const AuditEntry&)>& fn) { return Internal("PgStore::ForEachAudit: not built yet"); }
Status PgStore::PutFaceTemplate(const FaceTemplateRecord& record) { return Internal("PgStore::PutFaceTemplate: not built yet"); }
Result<std::optional<FaceTemplateRecord>> PgStore::FindFaceTemplate(PersonKey person) { return Internal("PgStore::FindFaceTemplate: not built yet"); }
Status PgStore::PutFaceChallenge(const FaceChallengeRecord& record) { return Internal("PgStore::PutFaceChallenge: not built yet"); }
Result<std::optional<FaceChallengeRecord>> PgStore::FindFaceChallenge(std::string_view id) { return Internal("PgStore::FindFaceChallenge: not built yet"); }
Result<std::vector<FaceChallengeRecord>> PgStore::PendingFaceChallenges(PersonKey person) { return Internal("PgStore::PendingFaceChallenges: not built yet"); }
Status PgStore::AddFaceAttempt(FaceAttemptRecord& attempt) { return Internal("PgStore::AddFaceAttempt: not built yet"); }
Result<std::vector<FaceAttemptRecord>> PgStore::FaceAttemptsOf(PersonKey person, int64_t since_ms) { return Internal("PgStore::FaceAttemptsOf: not built yet"); }
Result<int64_t> PgStore::CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) { return Internal("PgStore::CountFaceAttemptsByDevice: not built yet"); }
Status PgStore::InsertCitizenCode(const CitizenCodeRecord& code) { return Internal("PgStore::InsertCitizenCode: not built yet"); }
Result<std::optional<CitizenCodeRecord>> PgStore::FindCitizenCode(std::string_view id) { return Internal("PgStore::FindCitizenCode: not built yet"); }
Status PgStore::UpdateCitizenCode(const CitizenCodeRecord& code) { return Internal("PgStore::UpdateCitizenCode: not built yet"); }
Result<std::vector<int64_t>> PgStore::CitizenCodeTimes(std::string_view subject, int64_t since_ms) { return Internal("PgStore::CitizenCodeTimes: not built yet"); }
Status PgStore::InsertCitizenSession(const CitizenSessionRecord& session) { return Internal("PgStore::InsertCitizenSession: not built yet"); }
Result<std::optional<CitizenSessionRecord>> PgStore::FindCitizenSession(std::string_view token_hash) { return Internal("PgStore::FindCitizenSession: not built yet"); }
Status PgStore::DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) { return Internal("PgStore::DeleteCitizenSessions: not built yet"); }

}  // namespace tacit::pg
