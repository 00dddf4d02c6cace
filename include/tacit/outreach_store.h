// The store's outreach tables (schema v11): the outbox of reminders and their
// provider attempts, the daily cap, channel configurations and bindings, the
// special-persons file, visit tasks, certification points, committees' death
// returns (死亡零报告) and their contacts. Reached through Store::outreach(),
// on the store's own connection, so that a message joins the unit of work of
// the decision that causes it (Store::Begin()). Not thread-safe, like Store.
//
// No phone number or openid is copied into a message: the dispatcher reads the
// address when it sends, so a corrected number is used and there is one copy
// fewer. Params hold masked values only.
#ifndef TACIT_OUTREACH_STORE_H_
#define TACIT_OUTREACH_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/result.h"

namespace tacit {

// Message statuses.
inline constexpr std::string_view kMsgQueued = "queued";
inline constexpr std::string_view kMsgSending = "sending";      // claimed by a dispatcher (leased)
inline constexpr std::string_view kMsgSent = "sent";            // the provider accepted it
inline constexpr std::string_view kMsgDelivered = "delivered";  // a receipt says so
inline constexpr std::string_view kMsgFailed = "failed";
inline constexpr std::string_view kMsgUnknown = "unknown";      // the answer was lost: looked up before any resend
inline constexpr std::string_view kMsgCancelled = "cancelled";  // certified meanwhile, stale, superseded

struct OutreachMessageRecord {
  int64_t id = 0;          // assigned by the store
  std::string idem_key;    // unique: rem/<person>/<deadline>/<step>, zero/<committee>/<month>, ...
  PersonKey person = 0;    // 0: a committee or unit
  std::string recipient;   // "person", "contact", "committee"
  std::string region;      // 12-digit residence or committee code
  std::string channel;     // "sms", "wechat"
  std::string template_name;
  std::string params;      // JSON array of [name, value] pairs, masked values only
  std::string reason;      // the plan step ("remind60", "zero_report"...)
  std::string deadline;    // the certification deadline reminded of (YYYY-MM-DD), or the month reported
  int64_t created_ms = 0;
  int64_t not_before_ms = 0;
  int64_t expires_ms = 0;
  std::string status = std::string(kMsgQueued);
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  int64_t lease_until_ms = 0;
  int64_t claimed_ms = 0;  // when the last claim began (the provider's day of a send)
  std::string provider_ref;
  std::string provider_code;
  std::string failure;
  int64_t sent_ms = 0;
  int64_t delivered_ms = 0;
};

// One call to a provider (no personal data).
struct OutreachAttemptRecord {
  int64_t id = 0;
  int64_t message_id = 0;
  int64_t at_ms = 0;
  std::string channel;
  std::string outcome;  // SendOutcomeName, or "lookup_found" / "lookup_not_found" / ...
  int http_status = 0;
  std::string provider_code;
  std::string failure;
  int64_t duration_ms = 0;
  PersonKey person = 0;  // the message's person (schema v14)
};

struct ChannelConfigRecord {
  std::string channel;        // "sms", "wechat"
  std::string config;         // ChannelConfigToJson (no secret)
  std::string sealed_secret;  // Secrets::Seal(secret, "channel:<channel>")
  std::string paused_reason;  // empty: sending; else why the dispatcher stopped (the provider's code)
  int64_t paused_ms = 0;
  std::string updated_by;
  int64_t updated_ms = 0;
};

// A person's address on a channel other than the registry phone (a WeChat
// openid), sealed under the operator's key.
struct ChannelBindingRecord {
  PersonKey person = 0;
  std::string channel;         // "wechat"
  std::string sealed_address;  // Secrets::Seal(openid, "binding:<channel>:<person>")
  std::string source;          // "import", "page"
  int64_t bound_ms = 0;
  bool active = true;
};

// The special-persons file (特殊人员档案): people who cannot come or use a phone.
struct SpecialPersonRecord {
  PersonKey person = 0;
  std::string reason;         // "limited_mobility" (行动不便), "bedridden", "no_phone", ...
  std::string contact_name;   // family member or carer (联系人)
  std::string contact_phone;
  std::string address;
  std::string notes;
  std::string source;         // "registry" (special_care = 1) or "staff"
  std::string set_by;
  int64_t set_ms = 0;
  bool active = true;
};

// Visit task statuses and outcomes.
inline constexpr std::string_view kVisitOpen = "open";
inline constexpr std::string_view kVisitAssigned = "assigned";
inline constexpr std::string_view kVisitDone = "done";
inline constexpr std::string_view kVisitCancelled = "cancelled";

struct VisitTaskRecord {
  int64_t id = 0;
  PersonKey person = 0;
  std::string region;      // the person's 12-digit community / village
  std::string reason;      // "special", "reminders_failed", "no_channel", "face_failures", "requested"
  std::string idem_key;    // unique: visit/<person>/<deadline>
  Date due_on;
  std::string status = std::string(kVisitOpen);
  std::string assigned_to;
  int64_t created_ms = 0;
  std::string outcome;     // "certified", "died", "moved", "not_found"
  std::optional<Date> outcome_on;
  std::string done_by;
  int64_t done_ms = 0;
  int64_t evidence_id = 0;
  int64_t case_id = 0;
  std::string note;
};

// A place where people certify in person or at a terminal (认证服务点).
struct CertPointRecord {
  std::string code;        // the agency's own code
  std::string attestor;    // the attestor (partner) whose results it sends, or empty
  std::string kind;        // "bank_terminal", "service_hall", "community"
  std::string name;
  std::string short_name;  // at most 20 characters: fits a WeChat "thing" field
  std::string region;      // 12-digit code of where it is
  std::string address;
  std::string hours;
  bool active = true;
};

// A committee's monthly death return (死亡人员报告), a zero report included.
struct DeathReturnRecord {
  std::string committee;   // 12-digit village / community code
  Month month;             // the month reported on
  int64_t deaths = 0;
  int64_t submitted_ms = 0;
  std::string submitted_by;
  int64_t batch_id = 0;    // the ingest batch of the deaths reported (0: none)
};

struct CommitteeContactRecord {
  std::string region;      // 12-digit committee code
  std::string name;
  std::string phone;
};

// A former employer (原工作单位) of recipients, for notices through the unit.
struct EmployerRecord {
  std::string code;           // unified social credit code (统一社会信用代码), 18 characters
  std::string name;
  std::string contact_phone;  // the unit's retiree contact, may be empty
};

// Message counts for statistics: one row per (region code, channel, status).
struct OutreachCountRow {
  std::string region;
  std::string channel;
  std::string status;
  int64_t messages = 0;
};

class OutreachStore {
 public:
  virtual ~OutreachStore() = default;

  // ---- The outbox ----
  // Inserts messages whose idem_key is new (one savepoint; inside the caller's
  // unit of work when one is open); a key whose message was cancelled (never
  // sent) is queued again with the new row's values. On return a new or
  // requeued message's id is set and an existing key's is 0. Returns how many
  // were new or requeued.
  virtual Result<int64_t> EnqueueMessages(std::vector<OutreachMessageRecord>& messages) = 0;
  virtual Result<std::optional<OutreachMessageRecord>> FindMessage(int64_t id) = 0;
  // Messages in `status` (on `channel` when it is not empty) whose next
  // attempt is due at `now_ms`, soonest first, at most `limit`: queued ones to
  // send, unknown ones to look up, sent ones to poll for a receipt.
  virtual Result<std::vector<OutreachMessageRecord>> DueMessages(std::string_view status, std::string_view channel,
                                                                 int64_t now_ms, int limit) = 0;
  // Messages in `status` created at or after `created_since_ms`, by id, at
  // most `limit`; with `lease_before_ms` > 0 only those whose lease ended
  // before it (claims a dead dispatcher left).
  virtual Result<std::vector<OutreachMessageRecord>> MessagesInStatus(std::string_view status, int64_t lease_before_ms,
                                                                      int64_t created_since_ms, int limit) = 0;
  // How many messages are in each status.
  virtual Result<std::map<std::string, int64_t>> CountByStatus() = 0;
  // Claims a message for sending: sets status sending, claimed_ms, the lease
  // and attempts + 1 when it is still `from_status` with the given attempts.
  // Returns false when another dispatcher took it first.
  virtual Result<bool> ClaimMessage(int64_t id, std::string_view from_status, int attempts, int64_t now_ms,
                                    int64_t lease_until_ms) = 0;
  // Writes a message's state (status, attempts, times, provider fields) when
  // it is still as the writer read it (status, lease and attempts): false when
  // another dispatcher or the plan changed it since, and nothing is written.
  virtual Result<bool> TransitionMessage(const OutreachMessageRecord& message, std::string_view from_status,
                                         int64_t from_lease_until_ms, int from_attempts) = 0;
  // Writes a message's state whatever it is (tools and tests).
  virtual Status UpdateMessage(const OutreachMessageRecord& message) = 0;
  virtual Status AddAttempt(OutreachAttemptRecord& attempt) = 0;
  virtual Result<std::vector<OutreachAttemptRecord>> AttemptsOf(int64_t message_id) = 0;
  // A person's messages, newest first (0: committee messages).
  virtual Result<std::vector<OutreachMessageRecord>> MessagesOf(PersonKey person) = 0;
  // Queued or unknown messages of a person, for cancelling when certified.
  virtual Result<std::vector<OutreachMessageRecord>> OpenMessagesOf(PersonKey person) = 0;
  // Every message created in [from_ms, to_ms) whose region starts with `prefix`, by id.
  virtual Status ForEachMessage(const std::string& prefix, int64_t from_ms, int64_t to_ms,
                                const std::function<Status(const OutreachMessageRecord&)>& fn) = 0;
  // Counts per (region, channel, status) of messages created in [from_ms, to_ms).
  virtual Result<std::vector<OutreachCountRow>> CountMessages(const std::string& prefix, int64_t from_ms,
                                                             int64_t to_ms) = 0;
  // The daily cap: takes one of `cap` slots of (person, day); false when all
  // are taken. Release gives one back (a message that was not sent).
  virtual Result<bool> TakeDailySlot(PersonKey person, std::string_view day, int cap) = 0;
  virtual Status ReleaseDailySlot(PersonKey person, std::string_view day) = 0;

  // ---- Channels ----
  virtual Status PutChannelConfig(const ChannelConfigRecord& config) = 0;
  virtual Result<std::optional<ChannelConfigRecord>> FindChannelConfig(std::string_view channel) = 0;
  virtual Result<std::vector<ChannelConfigRecord>> ListChannelConfigs() = 0;
  // Pauses (reason not empty) or resumes (empty) a channel.
  virtual Status SetChannelPaused(std::string_view channel, std::string_view reason, int64_t at_ms) = 0;
  virtual Status PutChannelBinding(const ChannelBindingRecord& binding) = 0;
  virtual Result<std::optional<ChannelBindingRecord>> FindChannelBinding(PersonKey person,
                                                                         std::string_view channel) = 0;
  // Persons with an active binding on `channel`, ascending.
  virtual Result<std::vector<PersonKey>> BoundPersons(std::string_view channel) = 0;

  // ---- Special persons and visits ----
  virtual Status PutSpecialPerson(const SpecialPersonRecord& record) = 0;
  virtual Result<std::optional<SpecialPersonRecord>> FindSpecialPerson(PersonKey person) = 0;
  // Active entries of persons whose residence starts with `prefix`, by person.
  // Entries of persons whose residence starts with `prefix`, by person: active
  // ones, and ended ones too with `include_ended` (an ended staff entry
  // overrides the registry's special_care flag).
  virtual Result<std::vector<SpecialPersonRecord>> ListSpecialPersons(const std::string& prefix,
                                                                      bool include_ended = false) = 0;
  // Inserts tasks whose idem_key is new, and opens again a cancelled task of
  // the key; sets ids (0 for existing keys). Returns how many were new or reopened.
  virtual Result<int64_t> OpenVisitTasks(std::vector<VisitTaskRecord>& tasks) = 0;
  virtual Result<std::optional<VisitTaskRecord>> FindVisitTask(int64_t id) = 0;
  // Tasks whose region starts with `prefix`, with status `status` ("" for all; "active": open or assigned), by id.
  virtual Result<std::vector<VisitTaskRecord>> ListVisitTasks(const std::string& prefix, std::string_view status) = 0;
  virtual Result<std::vector<VisitTaskRecord>> VisitTasksOf(PersonKey person) = 0;
  virtual Status UpdateVisitTask(const VisitTaskRecord& task) = 0;
  // Cancels a task that is still open or assigned (with `note`); false when it
  // was completed or cancelled meanwhile, and nothing is written.
  virtual Result<bool> CancelVisitTask(int64_t id, std::string_view note, int64_t at_ms) = 0;

  // ---- Certification points ----
  virtual Status PutCertPoint(const CertPointRecord& point) = 0;
  // Points whose region starts with `prefix` ("" for all), active ones only unless `all`, by code.
  virtual Result<std::vector<CertPointRecord>> ListCertPoints(const std::string& prefix, bool all) = 0;

  // ---- The zero report ----
  // Records a committee's return for a month; a second return for the same
  // (committee, month) replaces the first (a correction).
  virtual Status PutDeathReturn(const DeathReturnRecord& record) = 0;
  // Returns for a month, committees whose code starts with `prefix`, by committee.
  virtual Result<std::vector<DeathReturnRecord>> DeathReturns(Month month, const std::string& prefix) = 0;
  virtual Status PutCommitteeContact(const CommitteeContactRecord& contact) = 0;
  virtual Result<std::optional<CommitteeContactRecord>> FindCommitteeContact(std::string_view region) = 0;
  // ---- Former employers ----
  virtual Status PutEmployer(const EmployerRecord& employer) = 0;
  virtual Result<std::optional<EmployerRecord>> FindEmployer(std::string_view code) = 0;
  // Sets (or, with an empty code, clears) a person's former employer.
  virtual Status SetEmployerOf(PersonKey person, std::string_view code) = 0;
  // Every (person, employer code), by person.
  virtual Status ForEachEmployerMember(const std::function<Status(PersonKey, std::string_view)>& fn) = 0;

  // The 12-digit residence codes of registry persons under `prefix`, with how
  // many persons each (the committees expected to report), by code.
  virtual Result<std::vector<std::pair<std::string, int64_t>>> ResidenceRegions(const std::string& prefix) = 0;
};

}  // namespace tacit

#endif  // TACIT_OUTREACH_STORE_H_
