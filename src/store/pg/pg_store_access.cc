// PgStore: staff users and sessions, partners, nonces, the audit trail, face
// self-certification and the citizen page's sign-in. A port of
// src/store/sqlite/sqlite_access.cc (class AccessTables), statement by
// statement; what differs for PostgreSQL is said where it is done:
//
// * A failing statement aborts the whole open transaction on PostgreSQL, so
//   inserts that may meet a taken key use `ON CONFLICT DO NOTHING` and report
//   kAlreadyExists from the affected row count, instead of letting the
//   unique violation happen (SQLite's constraint error leaves an open unit
//   usable; so does this).
// * `INSERT OR REPLACE` is `ON CONFLICT (key) DO UPDATE` of every column.
// * Ids SQLite takes from LastInsertId come back through `RETURNING id`.
// * The audit trail's ids are previous + 1, set by the code: the appending
//   unit takes an advisory lock before it reads the last entry, so two
//   instances cannot both take the same id.
#include "store/pg/pg_store.h"

#include <fmt/format.h>

#include "store/record_rows.h"

namespace tacit::pg {

using namespace store_rows;  // the readers and column lists both stores share

namespace {

// What SQLite's constraint error reports for an INSERT that met a taken key,
// for the inserts below that skip the conflicting row (`ON CONFLICT DO
// NOTHING`, no row affected) rather than fail.
Status Taken(std::string_view table) {
  return MakeError(ErrorCode::kAlreadyExists, fmt::format("PostgreSQL: the key of this {} row is taken", table));
}

}  // namespace

// ---- Staff users and sessions ----------------------------------------------

Result<int64_t> PgStore::InsertUser(const StaffUser& user) {
  // The name is the only unique key besides the identity id. Checked before
  // the row is made, so that a refused name takes no identity value (SQLite's
  // next rowid stays the same); ON CONFLICT covers a concurrent insert.
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO staff_user (name, role, region, password_hash, failed_logins, "
                                         "locked_until, disabled, created_at) "
                                         "SELECT $1, $2, $3, $4, $5, $6, $7, $8 "
                                         "WHERE NOT EXISTS (SELECT 1 FROM staff_user WHERE name = $1) "
                                         "ON CONFLICT DO NOTHING RETURNING id",
                                         {user.name, user.role, user.region, user.password_hash,
                                          int64_t{user.failed_logins}, user.locked_until, user.disabled,
                                          user.created_at}));
  if (r.size() == 0) {
    return MakeError(ErrorCode::kAlreadyExists, fmt::format("用户 {} 已存在 (the user exists already)", user.name));
  }
  return r.Int(0, 0);
}

Result<std::optional<StaffUser>> PgStore::FindUser(std::string_view name) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM staff_user WHERE name = $1", kUserColumns), {name}));
  return FirstRow<StaffUser>(r, ReadUser<PgRow>);
}

Result<std::optional<StaffUser>> PgStore::FindUserById(int64_t id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM staff_user WHERE id = $1", kUserColumns), {id}));
  return FirstRow<StaffUser>(r, ReadUser<PgRow>);
}

Result<std::vector<StaffUser>> PgStore::ListUsers() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM staff_user ORDER BY name", kUserColumns)));
  return CollectRows<StaffUser>(r, ReadUser<PgRow>);
}

Status PgStore::UpdateUser(const StaffUser& user) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE staff_user SET role = $1, region = $2, password_hash = $3, "
                                         "failed_logins = $4, locked_until = $5, disabled = $6 WHERE id = $7",
                                         {user.role, user.region, user.password_hash, int64_t{user.failed_logins},
                                          user.locked_until, user.disabled, user.id}));
  if (r.affected() == 0) return NotFound(fmt::format("no user with id {}", user.id));
  return {};
}

Status PgStore::InsertSession(const SessionRecord& session) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO staff_session (token_hash, user_id, csrf_hash, created_at, "
                                         "last_seen, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
                                         "ON CONFLICT DO NOTHING",
                                         {session.token_hash, session.user_id, session.csrf_hash, session.created_at,
                                          session.last_seen, session.expires_at}));
  if (r.affected() == 0) return Taken("staff_session");
  return {};
}

Result<std::optional<SessionRecord>> PgStore::FindSession(std::string_view token_hash) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM staff_session WHERE token_hash = $1",
                                                     kSessionColumns),
                                         {token_hash}));
  return FirstRow<SessionRecord>(r, ReadSession<PgRow>);
}

Status PgStore::TouchSession(std::string_view token_hash, int64_t last_seen) {
  RETURN_IF_ERROR(conn_.Query("UPDATE staff_session SET last_seen = $1 WHERE token_hash = $2", {last_seen, token_hash}));
  return {};
}

Status PgStore::DeleteSessions(std::string_view token_hash, int64_t user_id, int64_t now) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  RETURN_IF_ERROR(conn_.Query("DELETE FROM staff_session WHERE token_hash = $1 OR user_id = $2 OR expires_at < $3",
                              {token_hash, user_id > 0 ? user_id : int64_t{-1}, now}));
  return tx.Commit();
}

// ---- Partners and their nonces ---------------------------------------------

Result<int64_t> PgStore::InsertPartner(const PartnerRecord& p) {
  std::string kinds;
  for (const std::string& k : p.kinds) kinds += (kinds.empty() ? "" : ",") + k;
  // A taken name or key id both mean "exists already"; checked first so that
  // a refused partner takes no identity value (as InsertUser).
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO partner (name, role, source, kinds, key_id, key_hash, "
                                         "sealed_secret, disabled, created_at) "
                                         "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 "
                                         "WHERE NOT EXISTS (SELECT 1 FROM partner WHERE name = $1 OR key_id = $5) "
                                         "ON CONFLICT DO NOTHING RETURNING id",
                                         {p.name, p.role, p.source, kinds, p.key_id, p.key_hash, p.sealed_secret,
                                          p.disabled, p.created_at}));
  if (r.size() == 0) {
    return MakeError(ErrorCode::kAlreadyExists, fmt::format("合作方 {} 已存在 (the partner exists already)", p.name));
  }
  return r.Int(0, 0);
}

Result<std::optional<PartnerRecord>> PgStore::FindPartnerByKeyId(std::string_view key_id) {
  ASSIGN_OR_RETURN(PgRows r,
                   conn_.Query(fmt::format("SELECT {} FROM partner WHERE key_id = $1", kPartnerColumns), {key_id}));
  return FirstRow<PartnerRecord>(r, ReadPartner<PgRow>);
}

Result<std::vector<PartnerRecord>> PgStore::ListPartners() {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM partner ORDER BY name", kPartnerColumns)));
  return CollectRows<PartnerRecord>(r, ReadPartner<PgRow>);
}

Status PgStore::SetPartnerDisabled(std::string_view name, bool disabled) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE partner SET disabled = $1 WHERE name = $2", {disabled, name}));
  if (r.affected() == 0) return NotFound("没有该合作方 (no such partner)");
  return {};
}

Result<bool> PgStore::RememberNonce(std::string_view key_id, std::string_view nonce, int64_t at,
                                    int64_t forget_before) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  RETURN_IF_ERROR(conn_.Query("DELETE FROM request_nonce WHERE at < $1", {forget_before}));
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO request_nonce (key_id, nonce, at) VALUES ($1, $2, $3) "
                                         "ON CONFLICT DO NOTHING",
                                         {key_id, nonce, at}));
  const bool fresh = r.affected() == 1;
  RETURN_IF_ERROR(tx.Commit());
  return fresh;
}

// ---- The audit trail -------------------------------------------------------

Status PgStore::AppendAudit(AuditEntry& entry, const std::function<std::string(const AuditEntry&)>& hash) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  // The writing unit holds kWriterLock already; the audit's own lock keeps
  // the chain single even if some unit ever writes without it. Taken in a
  // statement of its own, so that the read below (READ COMMITTED: a snapshot
  // per statement) sees every entry committed before the lock was granted.
  RETURN_IF_ERROR(conn_.Query("SELECT pg_advisory_xact_lock(hashtext('tacit:audit'))"));
  {
    ASSIGN_OR_RETURN(PgRows last, conn_.Query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"));
    const bool row = last.size() > 0;
    entry.id = row ? last.Int(0, 0) + 1 : 1;
    entry.prev_hash = row ? last.Text(0, 1) : std::string(64, '0');
  }
  entry.hash = hash(entry);
  RETURN_IF_ERROR(conn_.Query("INSERT INTO audit (id, at_ms, actor, action, target, detail, outcome, prev_hash, hash) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                              {entry.id, entry.at_ms, entry.actor, entry.action, entry.target, entry.detail,
                               entry.outcome, entry.prev_hash, entry.hash}));
  return tx.Commit();
}

Status PgStore::ForEachAudit(int64_t after_id, int64_t limit, const std::function<Status(const AuditEntry&)>& fn) {
  // Streamed through a cursor (a chain check reads the whole trail). SQLite's
  // `LIMIT -1` (no limit) is `LIMIT NULL`.
  const std::optional<int64_t> most = limit > 0 ? std::optional<int64_t>(limit) : std::nullopt;
  return conn_.ForEachRow(fmt::format("SELECT {} FROM audit WHERE id > $1 ORDER BY id LIMIT $2", kAuditColumns),
                          {after_id, most}, [&](const PgRow& r) { return fn(ReadAudit(r)); });
}

// ---- Face self-certification -----------------------------------------------

Status PgStore::PutFaceTemplate(const FaceTemplateRecord& t) {
  // SQLite's INSERT OR REPLACE: person_key is the only key.
  RETURN_IF_ERROR(conn_.Query("INSERT INTO face_template (person_key, sealed_template, sealed_photo, recogniser, "
                              "quality, enrolled_by, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                              "ON CONFLICT (person_key) DO UPDATE SET sealed_template = EXCLUDED.sealed_template, "
                              "sealed_photo = EXCLUDED.sealed_photo, recogniser = EXCLUDED.recogniser, "
                              "quality = EXCLUDED.quality, enrolled_by = EXCLUDED.enrolled_by, "
                              "enrolled_at = EXCLUDED.enrolled_at",
                              {static_cast<int64_t>(t.person), t.sealed_template, t.sealed_photo, t.recogniser,
                               t.quality, t.enrolled_by, t.enrolled_at_ms}));
  return {};
}

Result<std::optional<FaceTemplateRecord>> PgStore::FindFaceTemplate(PersonKey person) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM face_template WHERE person_key = $1",
                                                     kFaceTemplateColumns),
                                         {static_cast<int64_t>(person)}));
  return FirstRow<FaceTemplateRecord>(r, ReadFaceTemplate<PgRow>);
}

Status PgStore::PutFaceChallenge(const FaceChallengeRecord& c) {
  // SQLite's INSERT OR REPLACE. The key holds the person (the distribution
  // key, schema v14): a challenge id is random and is put again only for its
  // own person.
  RETURN_IF_ERROR(conn_.Query("INSERT INTO face_challenge (id, person_key, device, actor, created_at, deadline, "
                              "status, sealed_state, evidence_id, case_id) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                              "ON CONFLICT (id, person_key) DO UPDATE SET "
                              "device = EXCLUDED.device, actor = EXCLUDED.actor, created_at = EXCLUDED.created_at, "
                              "deadline = EXCLUDED.deadline, status = EXCLUDED.status, "
                              "sealed_state = EXCLUDED.sealed_state, evidence_id = EXCLUDED.evidence_id, "
                              "case_id = EXCLUDED.case_id",
                              {c.id, static_cast<int64_t>(c.person), c.device, c.actor, c.created_ms, c.deadline_ms,
                               c.status, c.sealed_state, c.evidence_id, c.case_id}));
  return {};
}

Result<std::optional<FaceChallengeRecord>> PgStore::FindFaceChallenge(std::string_view id) {
  ASSIGN_OR_RETURN(PgRows r,
                   conn_.Query(fmt::format("SELECT {} FROM face_challenge WHERE id = $1", kChallengeColumns), {id}));
  return FirstRow<FaceChallengeRecord>(r, ReadChallenge<PgRow>);
}

Result<std::vector<FaceChallengeRecord>> PgStore::PendingFaceChallenges(PersonKey person) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM face_challenge WHERE person_key = $1 AND "
                                                     "status = 'pending' ORDER BY created_at, id",
                                                     kChallengeColumns),
                                         {static_cast<int64_t>(person)}));
  return CollectRows<FaceChallengeRecord>(r, ReadChallenge<PgRow>);
}

Status PgStore::AddFaceAttempt(FaceAttemptRecord& a) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO face_attempt (person_key, device, at, method, result, "
                                         "similarity, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                         {static_cast<int64_t>(a.person), a.device, a.at_ms, a.method, a.result,
                                          a.similarity, a.detail}));
  a.id = r.Int(0, 0);
  return {};
}

Result<std::vector<FaceAttemptRecord>> PgStore::FaceAttemptsOf(PersonKey person, int64_t since_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM face_attempt WHERE person_key = $1 AND "
                                                     "at >= $2 ORDER BY at, id",
                                                     kFaceAttemptColumns),
                                         {static_cast<int64_t>(person), since_ms}));
  return CollectRows<FaceAttemptRecord>(r, ReadFaceAttempt<PgRow>);
}

Result<int64_t> PgStore::CountFaceAttemptsByDevice(std::string_view device, int64_t since_ms) {
  ASSIGN_OR_RETURN(PgRows r,
                   conn_.Query("SELECT count(*) FROM face_attempt WHERE device = $1 AND at >= $2", {device, since_ms}));
  return r.size() > 0 ? r.Int(0, 0) : int64_t{0};
}

// ---- The citizen page's sign-in --------------------------------------------

Status PgStore::InsertCitizenCode(const CitizenCodeRecord& c) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO citizen_code (id, subject, person_key, code_hash, created_ms, "
                                         "expires_ms, tries, status, sms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                                         "ON CONFLICT DO NOTHING",
                                         {c.id, c.subject, static_cast<int64_t>(c.person), c.code_hash, c.created_ms,
                                          c.expires_ms, int64_t{c.tries}, c.status, c.sms}));
  if (r.affected() == 0) return Taken("citizen_code");
  return {};
}

Result<std::optional<CitizenCodeRecord>> PgStore::FindCitizenCode(std::string_view id) {
  ASSIGN_OR_RETURN(PgRows r,
                   conn_.Query(fmt::format("SELECT {} FROM citizen_code WHERE id = $1", kCitizenCodeColumns), {id}));
  return FirstRow<CitizenCodeRecord>(r, ReadCitizenCode<PgRow>);
}

Result<std::optional<int>> PgStore::CountCitizenCodeTry(std::string_view id, int max_tries) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE citizen_code SET tries = tries + 1, "
                                         "status = CASE WHEN tries + 1 >= $1 THEN 'dead' ELSE status END "
                                         "WHERE id = $2 AND status = 'pending' RETURNING tries",
                                         {int64_t{max_tries}, id}));
  return FirstRow<int>(r, [](const PgRow& row) { return static_cast<int>(row.Int(0)); });
}

Result<bool> PgStore::UseCitizenCode(std::string_view id) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE citizen_code SET status = 'used' WHERE id = $1 AND status = 'pending'", {id}));
  return r.affected() == 1;
}

Status PgStore::SetCitizenCodeSms(std::string_view id, std::string_view sms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("UPDATE citizen_code SET sms = $1 WHERE id = $2", {sms, id}));
  if (r.affected() == 0) return NotFound("no such sign-in code");
  return {};
}

Result<std::vector<int64_t>> PgStore::CitizenCodeTimes(std::string_view subject, int64_t since_ms) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("SELECT created_ms FROM citizen_code WHERE subject = $1 AND created_ms >= $2 "
                                         "ORDER BY created_ms",
                                         {subject, since_ms}));
  return CollectRows<int64_t>(r, [](const PgRow& s) { return s.Int(0); });
}

Status PgStore::InsertCitizenSession(const CitizenSessionRecord& c) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query("INSERT INTO citizen_session (token_hash, person_key, csrf_hash, created_ms, "
                                         "expires_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                                         {c.token_hash, static_cast<int64_t>(c.person), c.csrf_hash, c.created_ms,
                                          c.expires_ms}));
  if (r.affected() == 0) return Taken("citizen_session");
  return {};
}

Result<std::optional<CitizenSessionRecord>> PgStore::FindCitizenSession(std::string_view token_hash) {
  ASSIGN_OR_RETURN(PgRows r, conn_.Query(fmt::format("SELECT {} FROM citizen_session WHERE token_hash = $1",
                                                     kCitizenSessionColumns),
                                         {token_hash}));
  return FirstRow<CitizenSessionRecord>(r, ReadCitizenSession<PgRow>);
}

Status PgStore::DeleteCitizenSessions(std::string_view token_hash, int64_t now_ms, int64_t codes_before_ms) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn_));
  RETURN_IF_ERROR(conn_.Query("DELETE FROM citizen_session WHERE token_hash = $1 OR expires_ms <= $2",
                              {token_hash, now_ms}));
  RETURN_IF_ERROR(conn_.Query("DELETE FROM citizen_code WHERE created_ms < $1", {codes_before_ms}));
  return tx.Commit();
}

}  // namespace tacit::pg
