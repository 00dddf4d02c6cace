// Staff accounts, sessions, partners and the authorisation matrix.
#include "tacit/access.h"

#include <argon2.h>
#include <fmt/format.h>
#include <unistd.h>

#include <pwd.h>

#include <algorithm>
#include <ctime>

#include "tacit/secrets.h"

namespace tacit {
namespace {

// Argon2id parameters: OWASP's password storage recommendation (19 MiB, two
// passes, one lane). A hash stores its parameters, so raising them later keeps
// old hashes verifiable.
constexpr uint32_t kArgonTime = 2;
constexpr uint32_t kArgonMemoryKiB = 19 * 1024;
constexpr uint32_t kArgonLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

constexpr std::string_view kRoleNames[] = {"admin",   "operator", "reviewer",  "auditor",
                                           "partner", "attestor", "community", "citizen"};
// The roles ParseRole accepts: every name but "citizen", which is a session's
// and never an account's.
constexpr size_t kAccountRoles = static_cast<size_t>(Role::kCitizen);

bool ValidAccountName(std::string_view name) {
  if (name.size() < 2 || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool ValidRegionPrefix(std::string_view code) {
  const size_t n = code.size();
  if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12) return false;
  return std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> HashPassword(const std::string& password) {
  std::string salt_hex = RandomHex(kSaltBytes);
  if (salt_hex.empty()) return Internal("no random bytes for a password salt");
  const size_t length = argon2_encodedlen(kArgonTime, kArgonMemoryKiB, kArgonLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  int rc = argon2id_hash_encoded(kArgonTime, kArgonMemoryKiB, kArgonLanes, password.data(), password.size(),
                                 salt_hex.data(), kSaltBytes, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(fmt::format("Argon2id failed: {}", argon2_error_message(rc)));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool PasswordMatches(const std::string& encoded, const std::string& password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

// A hash of a password nobody has: checked when the name is unknown, so that an
// unknown name takes as long as a wrong password.
const std::string& DecoyHash() {
  static const std::string decoy = HashPassword(RandomHex(16)).value_or(std::string());
  return decoy;
}

Status CheckPassword(const std::string& password, const AccessOptions& options) {
  if (password.size() < options.min_password_length) {
    return InvalidArgument(fmt::format("密码至少 {} 个字符 (the password must have at least {} characters)",
                                       options.min_password_length, options.min_password_length));
  }
  return {};
}

Principal StaffPrincipal(const StaffUser& user) {
  Principal p;
  p.kind = Principal::Kind::kStaff;
  p.id = user.id;
  p.name = user.name;
  p.role = ParseRole(user.role).value_or(Role::kAuditor);
  p.region = user.region;
  return p;
}

Principal PartnerPrincipal(const PartnerRecord& partner) {
  Principal p;
  p.kind = Principal::Kind::kPartner;
  p.id = partner.id;
  p.name = partner.name;
  p.role = partner.role == "attestor" ? Role::kAttestor : Role::kPartner;
  p.source = partner.source;
  p.kinds = partner.kinds;
  return p;
}

const tl::unexpected<Error> kBadLogin =
    MakeError(ErrorCode::kPermissionDenied, "用户名或密码错误 (wrong user name or password)");

std::string LockedMessage(int64_t until) {
  std::time_t t = static_cast<std::time_t>(until);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("账户因连续登录失败已锁定，请于 {:04}-{:02}-{:02} {:02}:{:02} UTC 后重试 (the account is locked after "
                     "repeated failed logins)",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

}  // namespace

std::string_view RoleName(Role role) { return kRoleNames[static_cast<int>(role)]; }

Result<Role> ParseRole(std::string_view text) {
  for (size_t i = 0; i < kAccountRoles; ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return InvalidArgument(fmt::format(
      "未知角色 '{}' (unknown role: expected admin, operator, reviewer, auditor, community, partner or attestor)",
      text));
}

std::string_view ActionName(Action action) {
  static constexpr std::string_view kNames[] = {
      "person.read", "person.reveal", "feed.submit",  "feed.read",   "cycle.run",       "cycle.read",
      "stats.read",  "case.read",     "case.decide",  "review.read", "review.decide",   "recovery.read",
      "recovery.record", "user.admin", "audit.read",  "attest",        "payroll.read", "face.enrol",
      "face.verify",  "outreach.read", "visit.read", "visit.assign", "visit.complete", "special.write",
      "points.read",  "deaths.report"};
  static_assert(std::size(kNames) == static_cast<size_t>(Action::kDeathsReport) + 1);
  return kNames[static_cast<int>(action)];
}

std::string Principal::Actor() const {
  switch (kind) {
    case Kind::kStaff: return "user:" + name;
    case Kind::kPartner: return (role == Role::kAttestor ? "attestor:" : "partner:") + name;
    case Kind::kCommandLine: return "cli:" + name;
    case Kind::kCitizen: return "citizen:" + name;
  }
  return name;
}

Principal CommandLinePrincipal() {
  Principal p;
  p.kind = Principal::Kind::kCommandLine;
  p.role = Role::kAdmin;
  const passwd* pw = ::getpwuid(::geteuid());
  p.name = pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : fmt::format("uid{}", ::geteuid());
  return p;
}

bool RoleMay(Role role, Action action) {
  using A = Action;
  switch (role) {
    case Role::kAdmin:
      return action != A::kAttest;
    case Role::kOperator:
      switch (action) {
        case A::kPersonRead: case A::kPersonReveal: case A::kFeedRead: case A::kCycleRead: case A::kStatsRead:
        case A::kCaseRead: case A::kReviewRead: case A::kRecoveryRead: case A::kRecoveryRecord:
        case A::kFeedSubmit: case A::kFaceEnrol: case A::kFaceVerify:
        case A::kOutreachRead: case A::kVisitRead: case A::kVisitAssign: case A::kVisitComplete:
        case A::kSpecialWrite: case A::kPointsRead: case A::kDeathsReport:
          return true;
        default:
          return false;
      }
    case Role::kReviewer:
      switch (action) {
        case A::kPersonRead: case A::kPersonReveal: case A::kStatsRead: case A::kCaseRead: case A::kCaseDecide:
        case A::kReviewRead: case A::kReviewDecide: case A::kOutreachRead: case A::kVisitRead: case A::kPointsRead:
          return true;
        default:
          return false;
      }
    case Role::kAuditor:
      switch (action) {
        case A::kPersonRead: case A::kFeedRead: case A::kCycleRead: case A::kStatsRead: case A::kCaseRead:
        case A::kReviewRead: case A::kRecoveryRead: case A::kAuditRead: case A::kOutreachRead: case A::kVisitRead:
        case A::kPointsRead:
          return true;
        default:
          return false;
      }
    case Role::kPartner:
      return action == A::kFeedSubmit || action == A::kFeedRead;
    case Role::kAttestor:
      return action == A::kAttest;
    case Role::kCommunity:
      // What a committee's staff does: the visits of its villages, where
      // people can certify, and its monthly death return. No person search,
      // no profile, no statistics.
      return action == A::kVisitRead || action == A::kVisitComplete || action == A::kPointsRead ||
             action == A::kDeathsReport;
    case Role::kCitizen:
      // A pensioner reaches only the citizen routes, which name no action.
      return false;
  }
  return false;
}

bool InScope(const Principal& p, std::string_view region_code) {
  if (p.region.empty()) return true;
  return region_code.size() >= p.region.size() && region_code.substr(0, p.region.size()) == p.region;
}

Status Authorise(const Principal& p, Action action, std::span<const std::string> target_regions) {
  if (p.kind == Principal::Kind::kCitizen) {
    return MakeError(ErrorCode::kPermissionDenied, fmt::format("无权执行此操作 (a citizen may not do {})",
                                                               ActionName(action)));
  }
  if (!RoleMay(p.role, action)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("无权执行此操作 (the role {} may not do {})", RoleName(p.role), ActionName(action)));
  }
  // An operator submits feeds for the whole store: only one whose scope is the
  // whole store or a province may (a county's operator would change other
  // counties' people through a provincial file).
  if (action == Action::kFeedSubmit && p.role == Role::kOperator && p.region.size() > 2) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "仅省级及以上经办人员可上传共享数据 (only a province-level operator may upload feeds)");
  }
  if (p.region.empty() || target_regions.empty()) return {};
  for (const std::string& r : target_regions) {
    if (InScope(p, r)) return {};
  }
  return MakeError(ErrorCode::kPermissionDenied, "该人员不在您的管辖范围内 (the person is outside your region)");
}

Result<int64_t> AddUser(Store& store, const NewUser& user, int64_t now) {
  if (!ValidAccountName(user.name)) {
    return InvalidArgument("用户名须为 2-32 个小写字母、数字或 . _ - (a user name is 2-32 of a-z 0-9 . _ -)");
  }
  if (user.role == Role::kCitizen) {
    return InvalidArgument("citizen 不是工作人员角色 (citizen is not a staff role)");
  }
  if (user.role == Role::kPartner || user.role == Role::kAttestor) {
    return InvalidArgument("partner 与 attestor 请用 `tacit partner add` 登记 (partners and attestors are registered "
                           "with `tacit partner add`)");
  }
  const bool scoped = user.role == Role::kOperator || user.role == Role::kReviewer || user.role == Role::kCommunity;
  if (scoped && !user.region.empty()) {
    if (!ValidRegionPrefix(user.region)) {
      return InvalidArgument(fmt::format("--region {}: expected a 2, 4, 6, 9 or 12-digit division code", user.region));
    }
    ASSIGN_OR_RETURN(std::optional<Region> region, store.FindRegion(user.region));
    if (!region) {
      return InvalidArgument(fmt::format("--region {}: no such division (run `tacit regions import` first)",
                                         user.region));
    }
  } else if (!scoped && !user.region.empty()) {
    return InvalidArgument(
        fmt::format("--region applies to operator, reviewer and community, not to {}", RoleName(user.role)));
  }
  if (scoped && user.region.empty()) {
    return InvalidArgument(
        "operator、reviewer 与 community 必须指定 --region (operators, reviewers and community staff need a region)");
  }
  RETURN_IF_ERROR(CheckPassword(user.password, AccessOptions{}));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(user.password));
  StaffUser u;
  u.name = user.name;
  u.role = std::string(RoleName(user.role));
  u.region = user.region;
  u.password_hash = std::move(hash);
  u.created_at = now;
  return store.InsertUser(u);
}

// A staff user's row is read and written back whole, so each change of it is
// one unit of work: a login of the same user on another instance (a unit too)
// then comes wholly before or after it and cannot write back a row read
// before it (an account just disabled enabled again by a failed login's count).
Status SetPassword(Store& store, std::string_view name, const std::string& password) {
  RETURN_IF_ERROR(CheckPassword(password, AccessOptions{}));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));  // slow: before the unit
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUser(name));
  if (!user) return NotFound(fmt::format("没有用户 {} (no such user)", name));
  user->password_hash = std::move(hash);
  user->failed_logins = 0;
  user->locked_until = 0;
  RETURN_IF_ERROR(store.UpdateUser(*user));
  // A reset after a suspected leak must also end the sessions opened with the old password.
  RETURN_IF_ERROR(store.DeleteSessions("", user->id, 0));
  return unit->Commit();
}

Result<int64_t> SetUserDisabled(Store& store, std::string_view name, bool disabled, int64_t now) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUser(name));
  if (!user) return NotFound(fmt::format("没有用户 {} (no such user)", name));
  user->disabled = disabled;
  RETURN_IF_ERROR(store.UpdateUser(*user));
  if (disabled) RETURN_IF_ERROR(store.DeleteSessions("", user->id, now));
  RETURN_IF_ERROR(unit->Commit());
  return user->id;
}

namespace {

// Login within a unit of work opened by Login.
Result<LoginResult> LoginInUnit(Store& store, std::string_view name, const std::string& password, int64_t now,
                          const AccessOptions& options) {
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUser(name));
  if (!user) {
    (void)PasswordMatches(DecoyHash(), password);
    return kBadLogin;
  }
  if (user->locked_until > now) return FailedPrecondition(LockedMessage(user->locked_until));
  if (!PasswordMatches(user->password_hash, password)) {
    user->failed_logins += 1;
    if (user->failed_logins >= options.lockout_failures) {
      user->locked_until = now + options.lockout_seconds;
      user->failed_logins = 0;
      RETURN_IF_ERROR(store.UpdateUser(*user));
      return FailedPrecondition(LockedMessage(user->locked_until));
    }
    RETURN_IF_ERROR(store.UpdateUser(*user));
    return kBadLogin;
  }
  // A disabled account answers like a wrong password: the right password of
  // a disabled account is not confirmed to whoever typed it.
  if (user->disabled) return kBadLogin;
  if (user->failed_logins != 0 || user->locked_until != 0) {
    user->failed_logins = 0;
    user->locked_until = 0;
    RETURN_IF_ERROR(store.UpdateUser(*user));
  }
  LoginResult out;
  out.token = RandomHex(32);
  out.csrf_token = RandomHex(32);
  if (out.token.empty() || out.csrf_token.empty()) return Internal("no random bytes for a session token");
  SessionRecord s;
  s.token_hash = Sha256Hex(out.token);
  s.user_id = user->id;
  s.csrf_hash = Sha256Hex(out.csrf_token);
  s.created_at = now;
  s.last_seen = now;
  s.expires_at = now + options.session_absolute_seconds;
  RETURN_IF_ERROR(store.DeleteSessions("", 0, now));  // drop expired ones while here
  RETURN_IF_ERROR(store.InsertSession(s));
  out.principal = StaffPrincipal(*user);
  out.expires_at = s.expires_at;
  return out;
}

}  // namespace

Result<LoginResult> Login(Store& store, std::string_view name, const std::string& password, int64_t now,
                          const AccessOptions& options) {
  // One unit of work (BEGIN IMMEDIATE): concurrent wrong passwords count one
  // after another, so none slips past the lockout. The failure count is
  // committed whether the login succeeds or not.
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  Result<LoginResult> result = LoginInUnit(store, name, password, now, options);
  RETURN_IF_ERROR(unit->Commit());
  return result;
}

Result<Session> CheckSession(Store& store, std::string_view token, int64_t now, const AccessOptions& options) {
  const auto expired = MakeError(ErrorCode::kPermissionDenied, "未登录或登录已过期 (not signed in, or the session expired)");
  if (token.size() != 64) return expired;
  std::string hash = Sha256Hex(token);
  ASSIGN_OR_RETURN(std::optional<SessionRecord> s, store.FindSession(hash));
  if (!s || s->expires_at <= now || s->last_seen + options.session_idle_seconds <= now) return expired;
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUserById(s->user_id));
  if (!user || user->disabled) return expired;
  // Refresh at most once a minute: a page of many requests writes once.
  if (now - s->last_seen >= 60) RETURN_IF_ERROR(store.TouchSession(hash, now));
  Session out;
  out.principal = StaffPrincipal(*user);
  out.token_hash = std::move(hash);
  out.csrf_hash = s->csrf_hash;
  out.expires_at = std::min(s->expires_at, now + options.session_idle_seconds);
  return out;
}

bool CsrfMatches(const Session& session, std::string_view token) {
  return !token.empty() && ConstantTimeEquals(Sha256Hex(token), session.csrf_hash);
}

Status Logout(Store& store, std::string_view token) {
  return store.DeleteSessions(Sha256Hex(token), 0, 0);
}

Result<PartnerKey> AddPartner(Store& store, const Policy& policy, const Secrets& secrets, const NewPartner& partner,
                              int64_t now) {
  if (!ValidAccountName(partner.name)) {
    return InvalidArgument("合作方名称须为 2-32 个小写字母、数字或 . _ - (a partner name is 2-32 of a-z 0-9 . _ -)");
  }
  if (partner.role != Role::kPartner && partner.role != Role::kAttestor) {
    return InvalidArgument("--role must be partner or attestor");
  }
  if (partner.source == kAgencySource) {
    return InvalidArgument(fmt::format("--source {}: the agency's own decisions are never accepted from outside",
                                       kAgencySource));
  }
  if (policy.FindSource(partner.source) == nullptr) {
    return InvalidArgument(fmt::format("--source {}: the policy declares no such source", partner.source));
  }
  if (partner.kinds.empty()) return InvalidArgument("--kinds: name at least one record kind");
  for (const std::string& k : partner.kinds) {
    if (policy.FindKind(k) == nullptr) {
      return InvalidArgument(fmt::format("--kinds: the policy declares no kind '{}'", k));
    }
  }
  PartnerKey key;
  key.key_id = "k" + RandomHex(8);
  std::string secret = RandomHex(32);
  if (secret.size() != 64 || key.key_id.size() != 17) return Internal("no random bytes for a partner key");
  PartnerRecord rec;
  rec.name = partner.name;
  rec.role = std::string(RoleName(partner.role));
  rec.source = partner.source;
  rec.kinds = partner.kinds;
  rec.key_id = key.key_id;
  rec.created_at = now;
  if (partner.role == Role::kPartner) {
    key.api_key = key.key_id + "." + secret;
    rec.key_hash = Sha256Hex(secret);
  } else {
    key.signing_secret = secret;
    rec.key_hash = Sha256Hex(secret);
    rec.sealed_secret = secrets.Seal(secret, "attestor:" + key.key_id);
    if (rec.sealed_secret.empty()) return Internal("sealing the signing secret failed");
  }
  ASSIGN_OR_RETURN(key.id, store.InsertPartner(rec));
  return key;
}

Result<Principal> CheckApiKey(Store& store, std::string_view api_key) {
  const auto denied = MakeError(ErrorCode::kPermissionDenied, "API 密钥无效 (the API key is not valid)");
  size_t dot = api_key.find('.');
  if (dot == std::string_view::npos || dot != 17 || api_key.size() != 17 + 1 + 64) return denied;
  ASSIGN_OR_RETURN(std::optional<PartnerRecord> p, store.FindPartnerByKeyId(api_key.substr(0, dot)));
  if (!p || p->disabled || p->role != "partner") return denied;
  if (!ConstantTimeEquals(Sha256Hex(api_key.substr(dot + 1)), p->key_hash)) return denied;
  return PartnerPrincipal(*p);
}

Result<std::pair<Principal, std::string>> AttestorSecret(Store& store, const Secrets& secrets,
                                                         std::string_view key_id) {
  const auto denied = MakeError(ErrorCode::kPermissionDenied, "签名密钥无效 (unknown signing key)");
  if (key_id.size() != 17) return denied;
  ASSIGN_OR_RETURN(std::optional<PartnerRecord> p, store.FindPartnerByKeyId(key_id));
  if (!p || p->disabled || p->role != "attestor") return denied;
  ASSIGN_OR_RETURN(std::string secret, secrets.Open(p->sealed_secret, "attestor:" + p->key_id));
  return std::make_pair(PartnerPrincipal(*p), std::move(secret));
}

}  // namespace tacit
