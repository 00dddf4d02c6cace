#include "store/sqlite/sqlite_access.h"

#include <fmt/format.h>

#include "store/record_rows.h"

namespace tacit::sqlite {

using namespace store_rows;  // the readers and column lists both stores share

Result<int64_t> AccessTables::InsertUser(const StaffUser& user) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO staff_user (name, role, region, password_hash, failed_logins, "
                                       "locked_until, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, user.name).Bind(2, user.role).Bind(3, user.region).Bind(4, user.password_hash);
  s.Bind(5, user.failed_logins).Bind(6, user.locked_until).Bind(7, user.disabled ? 1 : 0).Bind(8, user.created_at);
  auto done = s.Run();
  if (!done) {
    if (done.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists, fmt::format("用户 {} 已存在 (the user exists already)", user.name));
    }
    return tl::unexpected(done.error());
  }
  return db_.LastInsertId();
}

Result<std::optional<StaffUser>> AccessTables::FindUser(std::string_view name) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM staff_user WHERE name = ?", kUserColumns)));
  s.Bind(1, name);
  return FirstRow<StaffUser>(s, ReadUser<Stmt>);
}

Result<std::optional<StaffUser>> AccessTables::FindUserById(int64_t id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM staff_user WHERE id = ?", kUserColumns)));
  s.Bind(1, id);
  return FirstRow<StaffUser>(s, ReadUser<Stmt>);
}

Result<std::vector<StaffUser>> AccessTables::ListUsers() {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM staff_user ORDER BY name", kUserColumns)));
  return CollectRows<StaffUser>(s, ReadUser<Stmt>);
}

Status AccessTables::UpdateUser(const StaffUser& user) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE staff_user SET role = ?, region = ?, password_hash = ?, "
                                       "failed_logins = ?, locked_until = ?, disabled = ? WHERE id = ?"));
  s.Bind(1, user.role).Bind(2, user.region).Bind(3, user.password_hash).Bind(4, user.failed_logins);
  s.Bind(5, user.locked_until).Bind(6, user.disabled ? 1 : 0).Bind(7, user.id);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return NotFound(fmt::format("no user with id {}", user.id));
  return {};
}

Status AccessTables::InsertSession(const SessionRecord& session) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO staff_session (token_hash, user_id, csrf_hash, created_at, "
                                       "last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)"));
  s.Bind(1, session.token_hash).Bind(2, session.user_id).Bind(3, session.csrf_hash);
  s.Bind(4, session.created_at).Bind(5, session.last_seen).Bind(6, session.expires_at);
  return s.Run();
}

Result<std::optional<SessionRecord>> AccessTables::FindSession(std::string_view token_hash) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM staff_session WHERE token_hash = ?",
                                                   kSessionColumns)));
  s.Bind(1, token_hash);
  return FirstRow<SessionRecord>(s, ReadSession<Stmt>);
}

Status AccessTables::TouchSession(std::string_view token_hash, int64_t last_seen) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE staff_session SET last_seen = ? WHERE token_hash = ?"));
  s.Bind(1, last_seen).Bind(2, token_hash);
  return s.Run();
}

Status AccessTables::DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("DELETE FROM staff_session WHERE token_hash = ? OR user_id = ? "
                                       "OR expires_at < ?"));
  s.Bind(1, token_hash).Bind(2, user_id > 0 ? user_id : -1).Bind(3, now);
  RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Result<int64_t> AccessTables::InsertPartner(const PartnerRecord& p) {
  std::string kinds;
  for (const std::string& k : p.kinds) kinds += (kinds.empty() ? "" : ",") + k;
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO partner (name, role, source, kinds, key_id, key_hash, "
                                       "sealed_secret, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, p.name).Bind(2, p.role).Bind(3, p.source).Bind(4, kinds).Bind(5, p.key_id).Bind(6, p.key_hash);
  s.Bind(7, p.sealed_secret).Bind(8, p.disabled ? 1 : 0).Bind(9, p.created_at);
  auto done = s.Run();
  if (!done) {
    if (done.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists,
                       fmt::format("合作方 {} 已存在 (the partner exists already)", p.name));
    }
    return tl::unexpected(done.error());
  }
  return db_.LastInsertId();
}

Result<std::optional<PartnerRecord>> AccessTables::FindPartnerByKeyId(std::string_view key_id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM partner WHERE key_id = ?", kPartnerColumns)));
  s.Bind(1, key_id);
  return FirstRow<PartnerRecord>(s, ReadPartner<Stmt>);
}

Result<std::vector<PartnerRecord>> AccessTables::ListPartners() {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM partner ORDER BY name", kPartnerColumns)));
  return CollectRows<PartnerRecord>(s, ReadPartner<Stmt>);
}

Status AccessTables::SetPartnerDisabled(std::string_view name, bool disabled) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE partner SET disabled = ? WHERE name = ?"));
  s.Bind(1, disabled ? 1 : 0).Bind(2, name);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return NotFound("没有该合作方 (no such partner)");
  return {};
}

Result<bool> AccessTables::RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at,
                                         int64_t forget_before) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    ASSIGN_OR_RETURN(Stmt prune, db_.Prepare("DELETE FROM request_nonce WHERE at < ?"));
    prune.Bind(1, forget_before);
    RETURN_IF_ERROR(prune.Run());
  }
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT OR IGNORE INTO request_nonce (key_id, nonce, at) VALUES (?, ?, ?)"));
  s.Bind(1, key_id).Bind(2, nonce).Bind(3, at);
  RETURN_IF_ERROR(s.Run());
  const bool fresh = db_.Changes() == 1;
  RETURN_IF_ERROR(tx.Commit());
  return fresh;
}

Status AccessTables::AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  {
    ASSIGN_OR_RETURN(Stmt last, db_.Prepare("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"));
    ASSIGN_OR_RETURN(bool row, last.Step());
    entry.id = row ? last.Int(0) + 1 : 1;
    entry.prev_hash = row ? last.Text(1) : std::string(64, '0');
  }
  entry.hash = hash(entry);
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO audit (id, at_ms, actor, action, target, detail, outcome, "
                                       "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, entry.id).Bind(2, entry.at_ms).Bind(3, entry.actor).Bind(4, entry.action).Bind(5, entry.target);
  s.Bind(6, entry.detail).Bind(7, entry.outcome).Bind(8, entry.prev_hash).Bind(9, entry.hash);
  RETURN_IF_ERROR(s.Run());
  return tx.Commit();
}

Status AccessTables::ForEachAudit(int64_t after_id, int64_t limit, const std::function<Status(const AuditEntry&)>& fn) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                                                   kAuditColumns)));
  s.Bind(1, after_id).Bind(2, limit > 0 ? limit : int64_t{-1});
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return {};
    RETURN_IF_ERROR(fn(ReadAudit(s)));
  }
}

// ---- Face self-certification -----------------------------------------------

Status AccessTables::PutFaceTemplate(const FaceTemplateRecord& r) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT OR REPLACE INTO face_template (person_key, sealed_template, sealed_photo, "
                                       "recogniser, quality, enrolled_by, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, static_cast<int64_t>(r.person)).Bind(2, r.sealed_template).Bind(3, r.sealed_photo).Bind(4, r.recogniser);
  s.Bind(5, r.quality).Bind(6, r.enrolled_by).Bind(7, r.enrolled_at_ms);
  return s.Run();
}

Result<std::optional<FaceTemplateRecord>> AccessTables::FindFaceTemplate(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM face_template WHERE person_key = ?",
                                                   kFaceTemplateColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return FirstRow<FaceTemplateRecord>(s, ReadFaceTemplate<Stmt>);
}

Status AccessTables::PutFaceChallenge(const FaceChallengeRecord& r) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT OR REPLACE INTO face_challenge (id, person_key, device, actor, "
                                       "created_at, deadline, status, sealed_state, evidence_id, case_id) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, r.id).Bind(2, static_cast<int64_t>(r.person)).Bind(3, r.device).Bind(4, r.actor).Bind(5, r.created_ms);
  s.Bind(6, r.deadline_ms).Bind(7, r.status).Bind(8, r.sealed_state).Bind(9, r.evidence_id).Bind(10, r.case_id);
  return s.Run();
}

Result<std::optional<FaceChallengeRecord>> AccessTables::FindFaceChallenge(std::string_view id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM face_challenge WHERE id = ?", kChallengeColumns)));
  s.Bind(1, id);
  return FirstRow<FaceChallengeRecord>(s, ReadChallenge<Stmt>);
}

Result<std::vector<FaceChallengeRecord>> AccessTables::PendingFaceChallenges(PersonKey person) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM face_challenge WHERE person_key = ? AND "
                                                   "status = 'pending' ORDER BY created_at, id",
                                                   kChallengeColumns)));
  s.Bind(1, static_cast<int64_t>(person));
  return CollectRows<FaceChallengeRecord>(s, ReadChallenge<Stmt>);
}

Status AccessTables::AddFaceAttempt(FaceAttemptRecord& a) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO face_attempt (person_key, device, at, method, result, similarity, "
                                       "detail) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, static_cast<int64_t>(a.person)).Bind(2, a.device).Bind(3, a.at_ms).Bind(4, a.method).Bind(5, a.result);
  s.Bind(6, a.similarity).Bind(7, a.detail);
  RETURN_IF_ERROR(s.Run());
  a.id = db_.LastInsertId();
  return {};
}

Result<std::vector<FaceAttemptRecord>> AccessTables::FaceAttemptsOf(PersonKey person, int64_t since_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format(
      "SELECT {} FROM face_attempt WHERE person_key = ? AND at >= ? ORDER BY at, id", kFaceAttemptColumns)));
  s.Bind(1, static_cast<int64_t>(person)).Bind(2, since_ms);
  return CollectRows<FaceAttemptRecord>(s, ReadFaceAttempt<Stmt>);
}

Result<int64_t> AccessTables::CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT count(*) FROM face_attempt WHERE device = ? AND at >= ?"));
  s.Bind(1, device).Bind(2, since_ms);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : int64_t{0};
}

Status AccessTables::InsertCitizenCode(const CitizenCodeRecord& c) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO citizen_code (id, subject, person_key, code_hash, created_ms, "
                                       "expires_ms, tries, status, sms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, c.id).Bind(2, c.subject).Bind(3, static_cast<int64_t>(c.person)).Bind(4, c.code_hash);
  s.Bind(5, c.created_ms).Bind(6, c.expires_ms).Bind(7, c.tries).Bind(8, c.status).Bind(9, c.sms);
  return s.Run();
}

Result<std::optional<CitizenCodeRecord>> AccessTables::FindCitizenCode(std::string_view id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM citizen_code WHERE id = ?", kCitizenCodeColumns)));
  s.Bind(1, id);
  return FirstRow<CitizenCodeRecord>(s, ReadCitizenCode<Stmt>);
}

Result<std::optional<int>> AccessTables::CountCitizenCodeTry(std::string_view id, int max_tries) {
  // The right-hand sides read the row as it was: the old tries.
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE citizen_code SET tries = tries + 1, "
                                       "status = CASE WHEN tries + 1 >= ? THEN 'dead' ELSE status END "
                                       "WHERE id = ? AND status = 'pending' RETURNING tries"));
  s.Bind(1, max_tries).Bind(2, id);
  return FirstRow<int>(s, [](const Stmt& r) { return static_cast<int>(r.Int(0)); });
}

Result<bool> AccessTables::UseCitizenCode(std::string_view id) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE citizen_code SET status = 'used' WHERE id = ? AND status = 'pending'"));
  s.Bind(1, id);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes() == 1;
}

Status AccessTables::SetCitizenCodeSms(std::string_view id, std::string_view sms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("UPDATE citizen_code SET sms = ? WHERE id = ?"));
  s.Bind(1, sms).Bind(2, id);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return NotFound("no such sign-in code");
  return {};
}

Result<std::vector<int64_t>> AccessTables::CitizenCodeTimes(std::string_view subject, int64_t since_ms) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT created_ms FROM citizen_code WHERE subject = ? AND created_ms >= ? "
                                       "ORDER BY created_ms"));
  s.Bind(1, subject).Bind(2, since_ms);
  return CollectRows<int64_t>(s, [](const Stmt& r) { return r.Int(0); });
}

Status AccessTables::InsertCitizenSession(const CitizenSessionRecord& c) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("INSERT INTO citizen_session (token_hash, person_key, csrf_hash, created_ms, "
                                       "expires_ms) VALUES (?, ?, ?, ?, ?)"));
  s.Bind(1, c.token_hash).Bind(2, static_cast<int64_t>(c.person)).Bind(3, c.csrf_hash).Bind(4, c.created_ms);
  s.Bind(5, c.expires_ms);
  return s.Run();
}

Result<std::optional<CitizenSessionRecord>> AccessTables::FindCitizenSession(std::string_view token_hash) {
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare(fmt::format("SELECT {} FROM citizen_session WHERE token_hash = ?",
                                                   kCitizenSessionColumns)));
  s.Bind(1, token_hash);
  return FirstRow<CitizenSessionRecord>(s, ReadCitizenSession<Stmt>);
}

Status AccessTables::DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) {
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  ASSIGN_OR_RETURN(Stmt s, db_.Prepare("DELETE FROM citizen_session WHERE token_hash = ? OR expires_ms <= ?"));
  s.Bind(1, token_hash).Bind(2, now_ms);
  RETURN_IF_ERROR(s.Run());
  ASSIGN_OR_RETURN(Stmt c, db_.Prepare("DELETE FROM citizen_code WHERE created_ms < ?"));
  c.Bind(1, codes_before_ms);
  RETURN_IF_ERROR(c.Run());
  return tx.Commit();
}

}  // namespace tacit::sqlite
