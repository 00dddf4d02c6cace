// The access tables of the SQLite store (staff accounts, sessions, partners,
// request nonces, the audit trail, face templates, challenges and attempts, citizens' sign-in codes and sessions), on the store's own connection so that an
// audit entry joins the unit of work of the change it records.
#ifndef TACIT_SRC_STORE_SQLITE_SQLITE_ACCESS_H_
#define TACIT_SRC_STORE_SQLITE_SQLITE_ACCESS_H_

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "tacit/store.h"

namespace tacit::sqlite {

class AccessTables {
 public:
  explicit AccessTables(Db& db) : db_(db) {}

  Result<int64_t> InsertUser(const StaffUser& user);
  Result<std::optional<StaffUser>> FindUser(std::string_view name);
  Result<std::optional<StaffUser>> FindUserById(int64_t id);
  Result<std::vector<StaffUser>> ListUsers();
  Status UpdateUser(const StaffUser& user);
  Status InsertSession(const SessionRecord& session);
  Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash);
  Status TouchSession(std::string_view token_hash, int64_t last_seen);
  Status DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now);
  Result<int64_t> InsertPartner(const PartnerRecord& partner);
  Result<std::optional<PartnerRecord>> FindPartnerByKeyId(std::string_view key_id);
  Result<std::vector<PartnerRecord>> ListPartners();
  Status SetPartnerDisabled(std::string_view name, bool disabled);
  Result<bool> RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at, int64_t forget_before);
  Status AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash);
  Status ForEachAudit(int64_t after_id, int64_t limit, const std::function<Status(const AuditEntry&)>& fn);

  // Face self-certification.
  Status PutFaceTemplate(const FaceTemplateRecord& record);
  Result<std::optional<FaceTemplateRecord>> FindFaceTemplate(PersonKey person);
  Status PutFaceChallenge(const FaceChallengeRecord& record);
  Result<std::optional<FaceChallengeRecord>> FindFaceChallenge(std::string_view id);
  Result<std::vector<FaceChallengeRecord>> PendingFaceChallenges(PersonKey person);
  Status AddFaceAttempt(FaceAttemptRecord& attempt);
  Result<std::vector<FaceAttemptRecord>> FaceAttemptsOf(PersonKey person, int64_t since_ms);
  Result<int64_t> CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms);

  // The citizen page's sign-in.
  Status InsertCitizenCode(const CitizenCodeRecord& code);
  Result<std::optional<CitizenCodeRecord>> FindCitizenCode(std::string_view id);
  Result<std::optional<int>> CountCitizenCodeTry(std::string_view id, int max_tries);
  Result<bool> UseCitizenCode(std::string_view id);
  Status SetCitizenCodeSms(std::string_view id, std::string_view sms);
  Result<std::vector<int64_t>> CitizenCodeTimes(std::string_view subject, int64_t since_ms);
  Status InsertCitizenSession(const CitizenSessionRecord& session);
  Result<std::optional<CitizenSessionRecord>> FindCitizenSession(std::string_view token_hash);
  Status DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms);

 private:
  Db& db_;
};

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_SQLITE_ACCESS_H_
