// Outreach (提醒与上门服务): reaching a person before their certification
// lapses, and someone else when they cannot act.
//
// - PlanOutreach, run daily (`tacit outreach run`, and at the end of each
//   monthly run): derives every person's certification as of a date and, for
//   whoever is due, lapsed or has none, writes the reminder of the plan step
//   now in force into the outbox, opens visit tasks for the special-persons
//   file and for those who cannot be reached, and cancels queued reminders the
//   facts have overtaken. Each message and task has an idempotency key, so a
//   second run the same day adds nothing, and a run is one unit of work.
// - Dispatcher (`tacit outreach dispatch`): sends queued messages through the
//   channels (tacit/channel.h) with a lease, quiet hours, the daily cap per
//   person, retries with exponential back-off and full jitter, a fall-back
//   from WeChat to SMS, a paused channel on account errors, and a look-up at
//   the provider before resending a message whose answer was lost.
//
// Dates are Beijing dates; instants are Unix milliseconds; quiet hours are
// Beijing time (UTC+8, no daylight saving).
//
//   ASSIGN_OR_RETURN(OutreachPlanReport r, PlanOutreach(store, policy, {.as_of = Today(), .now_ms = now}));
//   Dispatcher d(store, policy, secrets, *factory, {.now_ms = clock});
//   ASSIGN_OR_RETURN(DispatchReport sent, d.RunOnce());
#ifndef TACIT_OUTREACH_H_
#define TACIT_OUTREACH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tacit/channel.h"
#include "tacit/civil.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/schedule.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit {

inline constexpr int64_t kBeijingOffsetMs = 8 * 3600 * 1000;
// The Beijing date of an instant.
Date BeijingDate(int64_t unix_ms);
// The instant a Beijing date starts, plus `minutes` after midnight.
int64_t BeijingInstant(Date day, int minutes = 0);

// Whether `phone` is a mainland mobile number as SMS needs it: 11 digits from 1.
bool IsMobileNumber(std::string_view phone);

// The last day covered by a certification valid through `m`.
Date CertificationDeadline(Month valid_through);
// The deadline a message or visit is about, as stored and in idempotency keys:
// the deadline's date (YYYY-MM-DD), or "none" without a certification.
std::string CertificationDeadlineKey(const CertificationState& cert);

// What one plan step sends: the step's name (idempotency keys, statistics) and
// the template.
struct PlanStep {
  std::string step;           // "remind60", "remind30", "lapsed", "none"
  std::string template_name;  // kTemplate*
};

// The reminder step in force for a person with certification `cert` on
// `as_of`, or nullopt (nothing to send): the latest step whose day has come
// (a step missed while the person was not due is skipped, never sent late).
std::optional<PlanStep> ReminderStep(const Policy& policy, const CertificationState& cert, Date as_of);

// The template variables, masked: name (张*), deadline (2027年3月31日), point.
std::vector<std::pair<std::string, std::string>> ReminderParams(std::string_view name, std::optional<Date> deadline,
                                                                std::string_view point);
// The message as the person reads it (tacit's own wording of the approved
// template, for staff and the person view); the provider's approved text may
// differ in its fixed parts.
std::string RenderMessageZh(std::string_view template_name,
                            const std::vector<std::pair<std::string, std::string>>& params);
// Params as stored (a JSON array of pairs) and back.
std::string ParamsToJson(const std::vector<std::pair<std::string, std::string>>& params);
std::vector<std::pair<std::string, std::string>> ParamsFromJson(std::string_view json_text);
// Chinese labels.
std::string_view MessageStatusZh(std::string_view status);   // 待发送, 发送中, 已发送, 已送达, 发送失败, 结果待查, 已取消
std::string_view ChannelNameZh(std::string_view channel);     // 短信, 微信
std::string_view FailureZh(std::string_view failure);         // 号码无效, ...
std::string_view VisitOutcomeZh(std::string_view outcome);    // 本人认证, 已死亡, 已迁出, 查无此人
std::string_view VisitReasonZh(std::string_view reason);      // 特殊人员, 无法联系, 提醒失败, 人脸认证未通过, 本人申请
std::string_view VisitStatusZh(std::string_view status);      // 待分派, 已分派, 已完成, 已取消
std::string_view SpecialReasonZh(std::string_view reason);    // 行动不便, ...

// The nearest active certification point for a person living in `region`
// (12 digits): among the points of the same county, the one sharing the
// longest region prefix (ties: the smallest code); nullptr when the county has
// none. `points` ordered by code.
const CertPointRecord* NearestPoint(const std::vector<CertPointRecord>& points, std::string_view region);

struct OutreachPlanOptions {
  Date as_of;               // the Beijing date planned for
  int64_t now_ms = 0;       // the instant written into messages and tasks
  std::string region;       // only persons whose residence starts with it (empty: all)
  bool dry_run = false;     // count, write nothing
  int threads = 2;          // scanning threads (connections)
  // Called inside the plan's unit of work before it commits, with the report:
  // the caller's audit entry is committed with the plan or not at all.
  std::function<Status(const struct OutreachPlanReport&)> in_unit;
};

struct OutreachPlanReport {
  Date as_of;
  int64_t persons = 0;         // recipients scanned
  int64_t due = 0;             // due, lapsed or uncertified on as_of (alive)
  int64_t messages_new = 0;    // reminders written now
  int64_t messages_existing = 0;  // the step's reminder was written already
  int64_t visits_new = 0;
  int64_t visits_existing = 0;
  int64_t cancelled = 0;       // queued reminders the facts overtook
  int64_t visits_cancelled = 0;  // visit tasks the facts overtook (certified or died since)
  int64_t unreachable = 0;     // due, no phone and no binding
  std::map<std::string, int64_t> by_step;     // new messages per step
  std::map<std::string, int64_t> by_channel;  // new messages per channel
  std::map<std::string, int64_t> visits_by_reason;
  int64_t unit_notices = 0;                // messages to committees and employers about persons due there
  int64_t committee_reminders = 0;         // zero-report reminders written now
  int64_t committees_without_contact = 0;  // late committees nobody can be reminded at
};

Result<OutreachPlanReport> PlanOutreach(Store& store, const Policy& policy, const OutreachPlanOptions& options);

// ---- The dispatcher ------------------------------------------------------------

struct DispatchOptions {
  std::function<int64_t()> now_ms;  // the clock (required)
  int64_t lease_ms = 120'000;        // how long a claim holds before it counts as lost
  int batch = 200;                   // messages read per pass
  // Where the claim/send/record sequence of one message stands, for the crash
  // tests: called with "claimed", "accepted" (the provider answered, nothing
  // recorded yet) and "recorded". Unset in production.
  std::function<void(std::string_view point, const OutreachMessageRecord&)> hook;
  // Receipts: sent SMS older than this are looked up for delivery.
  int64_t receipt_after_ms = 60'000;
  // A lost answer is looked up no sooner than this after it was lost (the
  // provider may still be writing its record).
  int64_t settle_ms = 300'000;
  // A seeded generator for the back-off's jitter (tests); 0: random.
  uint64_t jitter_seed = 0;
  // Only messages whose id % shards == shard (several dispatchers at once).
  int shard = 0, shards = 1;
  // Held around every store phase (never around a provider call) when several
  // dispatchers of one process share a database file: their short write
  // transactions then queue in memory instead of in SQLite's busy handler,
  // while their provider calls overlap. Null: none.
  std::mutex* store_lock = nullptr;
};

struct DispatchReport {
  int64_t claimed = 0;
  int64_t sent = 0;
  int64_t retried = 0;        // back to the queue after a transient error
  int64_t deferred_cap = 0;   // moved to the next day by the daily cap
  int64_t deferred_limit = 0; // moved to the next day by the provider's limit for the address
  int64_t fell_back = 0;      // moved from WeChat to SMS
  int64_t failed = 0;
  int64_t unknown = 0;        // answer lost: to be looked up
  int64_t looked_up_found = 0;
  int64_t looked_up_resend = 0;
  int64_t expired = 0;
  int64_t cancelled = 0;      // the person was certified or died meanwhile
  int64_t delivered = 0;      // receipts
  int64_t undelivered = 0;
  bool quiet = false;         // quiet hours: nothing sent
  std::vector<std::string> paused;  // channels paused in this pass (with the provider's code)
  int64_t waiting_channel = 0;      // due messages whose channel is not configured or paused
};

class Dispatcher {
 public:
  Dispatcher(Store& store, const Policy& policy, const Secrets& secrets, ChannelFactory& factory,
             DispatchOptions options);
  ~Dispatcher();
  // One pass: leases lost → unknown; unknown ones looked up; due messages sent
  // (none in quiet hours); receipts polled.
  Result<DispatchReport> RunOnce();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Visits, the special-persons file, the zero report ---------------------------

// Assigns a visit task to a member of the community staff (audited).
// Errors: kNotFound, kFailedPrecondition (done or cancelled).
Result<VisitTaskRecord> AssignVisit(Store& store, int64_t task_id, const std::string& to, const std::string& actor,
                                    int64_t now_ms);

struct VisitCompletion {
  int64_t task_id = 0;
  std::string outcome;         // "certified", "died", "moved", "not_found"
  Date on;                     // the day of the visit
  std::string by;              // the member of staff who visited (经办人)
  std::optional<Date> death_date;  // died: required
  std::string photo_sha256;    // certified: the SHA-256 of the photo taken with the person (kept in the archive)
  std::string note;
};
// Records a visit's outcome in one unit of work with its audit entry:
// certified → home_visit evidence (source agency, ref visit/<id>), which
// certifies the person from `on`; died → death_report evidence (reporter
// village_committee, the death date); moved / not_found → visit_moved /
// visit_not_found evidence and a case for staff (money is not stopped by it:
// the certification lapses as it would). Errors: kNotFound,
// kFailedPrecondition (done or cancelled already), kInvalidArgument (unknown
// outcome, no death date, a date in the future or before the task).
Result<VisitTaskRecord> CompleteVisit(Store& store, const Policy& policy, const VisitCompletion& c, int64_t now_ms,
                                      Date today);

// Adds or replaces a staff entry in the special-persons file (audited), or ends one.
Status SetSpecialPerson(Store& store, SpecialPersonRecord record, const std::string& actor, int64_t now_ms);
Status EndSpecialPerson(Store& store, PersonKey person, const std::string& actor, int64_t now_ms);

// Whether a committee (12-digit code) reported for a month.
struct CommitteeReturn {
  std::string committee;
  int64_t persons = 0;              // registry persons living there
  std::optional<DeathReturnRecord> report;
};
struct ZeroReportCompliance {
  Month month;
  std::vector<CommitteeReturn> committees;  // by code
  int64_t expected = 0, reported = 0;
  // Per county (6 digits): {expected, reported}.
  std::map<std::string, std::pair<int64_t, int64_t>> by_county;
};
// The committees expected to report for `month` (those with registry persons
// under `prefix`) and what they sent.
Result<ZeroReportCompliance> ZeroReportStatus(Store& store, const std::string& prefix, Month month);
// Records a committee's return (audited); a second one for the month replaces
// the first. Errors: kInvalidArgument (not a 12-digit code, deaths < 0, a month not yet ended).
Status RecordDeathReturn(Store& store, const DeathReturnRecord& record, Date today);

// ---- Statistics ------------------------------------------------------------------

struct OutreachStats {
  std::map<std::string, std::map<std::string, int64_t>> by_channel_status;  // channel → status → messages
  int64_t sent = 0;           // accepted by a provider (delivered included)
  int64_t sms_sent = 0;       // of them by SMS
  int64_t delivered = 0;
  double delivery_rate = 0;   // delivered ÷ sms_sent (SMS receipts; WeChat reports no delivery here)
  int64_t reminded_persons = 0;    // persons with a sent reminder in the window
  int64_t certified_after = 0;     // of them, certified within outreach_response_days after it
  int64_t visits_open = 0;
  int64_t visits_overdue = 0;
  int64_t visits_done = 0;
};

// Messages created in [from, through] (Beijing dates) for persons whose
// residence starts with `region`; visits as of `through`.
Result<OutreachStats> ComputeOutreachStats(Store& store, const Policy& policy, const std::string& region, Date from,
                                           Date through);

}  // namespace tacit

#endif  // TACIT_OUTREACH_H_
