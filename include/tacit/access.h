// Who may do what (权限管理): staff accounts and their sessions, partner and
// attestor keys, the one authorisation check, and the audit trail (审计日志)
// whose entries are hash-chained so that an edited or deleted entry is found.
//
// Transport-free: the server and the command line both call these.
//
//   ASSIGN_OR_RETURN(int64_t id, AddUser(store, {.name = "zhang", .role = Role::kOperator,
//                                                .region = "140202", .password = pw}, clock.Now()));
//   ASSIGN_OR_RETURN(LoginResult login, Login(store, "zhang", pw, now, AccessOptions{}));
//   ASSIGN_OR_RETURN(Session s, CheckSession(store, login.token, now, AccessOptions{}));
//   RETURN_IF_ERROR(Authorise(s.principal, Action::kPersonRead, {"140202001001", "140202"}));
#ifndef TACIT_ACCESS_H_
#define TACIT_ACCESS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

class Secrets;

// admin 系统管理员; operator 经办人员 (scoped to a region prefix at any of the five
// levels); reviewer 复核人员 (cases and link review in their region); auditor
// 审计人员 (read-only, including the audit trail); partner 数据共享部门 (a
// department's system: submits its registered source and kinds only); attestor
// 认证结果提供方 (an external biometric system, a bank terminal network, another
// city's platform: submits signed certification results only); community
// 社区工作人员 (a village or community committee's staff, scoped to a region
// prefix: lists and completes the visit tasks there, reads the certification
// points, submits the committee's death return, and nothing else); citizen
// 参保人本人 (a pensioner signed in on the citizen page with an SMS code: no
// staff action at all, only the /api/v1/citizen routes about themself; never
// stored as a staff account's role, and ParseRole does not accept it).
// Appended last: a role is stored by name, and the order is the names' order.
enum class Role { kAdmin, kOperator, kReviewer, kAuditor, kPartner, kAttestor, kCommunity, kCitizen };

std::string_view RoleName(Role role);
// A staff, partner or attestor role by name. Errors: kInvalidArgument naming
// the roles accepted ("citizen" is not one: no account can hold it).
Result<Role> ParseRole(std::string_view text);

// What a request asks to do. Each action maps to the roles allowed it in
// Authorise(); the matrix is documented in docs/security.md.
enum class Action {
  kPersonRead,      // search, profile, timeline, schedule, explanation (masked)
  kPersonReveal,    // the full identity number, name and phone (audited)
  kFeedSubmit,      // upload a batch or push a record
  kFeedRead,        // batch status and quarantine reports
  kCycleRun,        // the monthly run
  kCycleRead,       // run status and summaries
  kStatsRead,
  kCaseRead,
  kCaseDecide,
  kReviewRead,
  kReviewDecide,
  kRecoveryRead,
  kRecoveryRecord,
  kUserAdmin,       // staff accounts and partners
  kAuditRead,
  kAttest,          // submit a signed certification result
  kPayrollRead,     // the payroll file of a monthly run: full identity numbers (audited)
  kFaceEnrol,       // enrol a person's face (人脸采集)
  kFaceVerify,      // run a liveness challenge for a person (assisting them, or as the person)
  kOutreachRead,    // a person's reminders, outreach statistics, the zero-report compliance
  kVisitRead,       // visit tasks (上门认证任务) in the caller's region, persons masked
  kVisitAssign,     // assign a visit task to a member of staff
  kVisitComplete,   // record a visit's outcome (certified, died, moved, not found)
  kSpecialWrite,    // add, change or end a special-persons entry (特殊人员档案)
  kPointsRead,      // the certification points (认证服务点): places, not persons
  kDeathsReport,    // submit a committee's monthly death return (死亡人员报告, zero reports included)
};

std::string_view ActionName(Action action);

// The authenticated caller of one request or command.
struct Principal {
  // kCitizen: a pensioner on the citizen page (role kCitizen), scoped to
  // `person` and refused every Action by Authorise.
  enum class Kind { kStaff, kPartner, kCommandLine, kCitizen };
  Kind kind = Kind::kStaff;
  int64_t id = 0;          // staff_user.id or partner.id; 0 for the command line and citizens
  std::string name;        // account or partner name; a citizen's person handle (never their data)
  Role role = Role::kAuditor;
  std::string region;      // region prefix the role is scoped to; empty: everywhere
  std::string source;      // partner / attestor: its feed source
  std::vector<std::string> kinds;  // partner: the record kinds it may submit
  PersonKey person = 0;    // citizen: the one person the session is about

  // "user:zhang", "partner:railway", "cli:root", "citizen:p7c1e…": how the
  // audit trail names it.
  std::string Actor() const;
};

// The principal of the local command line: an administrator acting as the
// operating-system user running tacit (named in the audit trail).
Principal CommandLinePrincipal();

// The one authorisation check. `target_regions` are the regions the target is
// in (a person's residence code and the paying regions of their entitlements);
// empty for actions not about one person. A scoped role needs one of them to
// start with its prefix. A citizen is refused every action, whatever its role
// field says. Errors: kPermissionDenied with a message for people.
Status Authorise(const Principal& p, Action action, std::span<const std::string> target_regions = {});
// Whether the role may do the action somewhere (for menus and route listings);
// never for kCitizen.
bool RoleMay(Role role, Action action);
// Whether a region code lies within the principal's scope.
bool InScope(const Principal& p, std::string_view region_code);

struct AccessOptions {
  int64_t session_idle_seconds = 30 * 60;         // a session unused this long expires
  int64_t session_absolute_seconds = 12 * 3600;   // and every session after this long
  int lockout_failures = 5;                       // consecutive failed logins that lock
  int64_t lockout_seconds = 15 * 60;              // how long a locked account stays locked
  size_t min_password_length = 12;
};

struct NewUser {
  std::string name;      // 2-32 of [a-z0-9._-]
  Role role = Role::kOperator;
  std::string region;    // operator, reviewer and community: a 2/4/6/9/12-digit code in the store
  std::string password;
};

// Adds a staff account with an Argon2id password hash. Errors:
// kInvalidArgument (name, role, region or a short password), kAlreadyExists.
Result<int64_t> AddUser(Store& store, const NewUser& user, int64_t now);
// Replaces a user's password, unlocks the account and ends its sessions.
// Errors: kNotFound, kInvalidArgument.
Status SetPassword(Store& store, std::string_view name, const std::string& password);
// Disables or enables a staff account. Disabling also ends every session of
// the account at once (a session of a disabled account is refused anyway, but
// none should outlive the decision); enabling leaves a lockout as it is.
// Returns the account's id. Errors: kNotFound.
Result<int64_t> SetUserDisabled(Store& store, std::string_view name, bool disabled, int64_t now);

struct LoginResult {
  std::string token;       // the session cookie's value (256 random bits, hex); stored hashed
  std::string csrf_token;  // to send back in X-CSRF-Token on state changes
  Principal principal;
  int64_t expires_at = 0;
};

// Checks the password and opens a session, in one unit of work (concurrent
// attempts count one after another). A wrong password counts towards the
// lockout; a locked or disabled account is refused even with the right
// password (a disabled one with the same message as a wrong password). Errors: kPermissionDenied (one message for an unknown name and a
// wrong password), kFailedPrecondition (locked: the message says until when).
Result<LoginResult> Login(Store& store, std::string_view name, const std::string& password, int64_t now,
                          const AccessOptions& options);

struct Session {
  Principal principal;
  std::string token_hash;
  std::string csrf_hash;
  int64_t expires_at = 0;
};

// The session a cookie names, refreshed (idle expiry moves on). Errors:
// kPermissionDenied when unknown, expired or the account is disabled.
Result<Session> CheckSession(Store& store, std::string_view token, int64_t now, const AccessOptions& options);
// Whether `token` is the session's CSRF token (constant time).
bool CsrfMatches(const Session& session, std::string_view token);
Status Logout(Store& store, std::string_view token);

struct NewPartner {
  std::string name;     // 2-32 of [a-z0-9._-]
  Role role = Role::kPartner;  // kPartner or kAttestor
  std::string source;   // a source the policy declares
  std::vector<std::string> kinds;  // kinds the policy declares; attestors: the certification kinds
};

struct PartnerKey {
  int64_t id = 0;
  std::string key_id;   // public: names the key in requests
  std::string api_key;  // "<key_id>.<secret>": shown once, stored as a hash (partners)
  // Attestors sign with HMAC-SHA256 under this secret; it is stored sealed
  // with the operator's key (Secrets), never in clear.
  std::string signing_secret;
};

// Registers a department's system or an attestor. Errors: kInvalidArgument
// (role, an undeclared source or kind), kAlreadyExists.
Result<PartnerKey> AddPartner(Store& store, const Policy& policy, const Secrets& secrets, const NewPartner& partner,
                              int64_t now);
// The partner an API key ("<key_id>.<secret>") belongs to. Errors: kPermissionDenied.
Result<Principal> CheckApiKey(Store& store, std::string_view api_key);
// An attestor's signing secret, unsealed. Errors: kPermissionDenied for an
// unknown or disabled key id or a principal that is not an attestor.
Result<std::pair<Principal, std::string>> AttestorSecret(Store& store, const Secrets& secrets,
                                                         std::string_view key_id);

// One event for the audit trail. Never holds an identity number, name or phone:
// persons are named by their masked number and, where needed, their opaque handle.
struct AuditEvent {
  std::string actor;    // Principal::Actor()
  std::string action;   // "person.reveal", "case.resolve", "user.add", "login.failed", ...
  std::string target;   // "person 140202********123X", "case 17", "user zhang"
  std::string detail;   // JSON object text with the request's non-personal parameters; may be empty
  std::string outcome;  // "ok", "denied", "failed: <code>"
};

// Appends an event to the trail, chained to the entry before it. Inside a
// store transaction it is part of that unit of work: the change and its
// audit entry are committed together or not at all.
Status AppendAudit(Store& store, const AuditEvent& event, int64_t at_ms);

// The hash an entry must carry: SHA-256 (hex) of the previous entry's hash and
// every field of this entry, each length-prefixed.
std::string AuditEntryHash(const AuditEntry& entry);

struct AuditVerifyReport {
  int64_t entries = 0;
  std::optional<int64_t> first_broken;  // id of the first entry whose chain fails
  std::string reason;                   // why it fails (for people)
  std::string head_hash;                // the last entry's hash: keep it elsewhere to anchor the trail
};

// Recomputes the chain from the first entry.
Result<AuditVerifyReport> VerifyAudit(Store& store);

}  // namespace tacit

#endif  // TACIT_ACCESS_H_
