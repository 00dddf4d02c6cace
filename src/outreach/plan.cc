// The daily plan: who is due, which step is in force, which channel reaches
// them, which visits to open, which queued reminders the facts overtook.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "tacit/outreach.h"

namespace tacit {

std::optional<PlanStep> ReminderStep(const Policy& policy, const CertificationState& cert, Date as_of) {
  switch (cert.status) {
    case CertStatus::kDeceased: return std::nullopt;
    case CertStatus::kNone: return PlanStep{"none", std::string(kTemplateRemindNone)};
    case CertStatus::kLapsed: return PlanStep{"lapsed", std::string(kTemplateRemindLapsed)};
    case CertStatus::kCertified:
    case CertStatus::kDue: break;
  }
  if (!cert.valid_through) return std::nullopt;
  const int days_left = CertificationDeadline(*cert.valid_through) - as_of;
  std::vector<int> steps;
  for (std::string_view d : Policy::ListItems(policy.outreach_remind_days.At(as_of))) {
    int v = 0;
    std::from_chars(d.data(), d.data() + d.size(), v);
    steps.push_back(v);
  }
  if (steps.empty()) return std::nullopt;
  std::sort(steps.begin(), steps.end());
  // The latest step whose day has come: the smallest d with days_left <= d.
  for (int d : steps) {
    if (days_left <= d) {
      return PlanStep{fmt::format("remind{}", d),
                      std::string(d == steps.back() ? kTemplateRemindFirst : kTemplateRemindDue)};
    }
  }
  return std::nullopt;
}

namespace {

// A message to send now through `channel`, given up after the policy's
// lifetime; person 0 for a committee or employer.
OutreachMessageRecord NewMessage(const Policy& policy, Date as_of, int64_t now, std::string idem_key, PersonKey person,
                                 std::string recipient, std::string region, std::string channel,
                                 std::string_view template_name,
                                 const std::vector<std::pair<std::string, std::string>>& params, std::string reason,
                                 std::string deadline) {
  OutreachMessageRecord m;
  m.idem_key = std::move(idem_key);
  m.person = person;
  m.recipient = std::move(recipient);
  m.region = std::move(region);
  m.channel = std::move(channel);
  m.template_name = std::string(template_name);
  m.params = ParamsToJson(params);
  m.reason = std::move(reason);
  m.deadline = std::move(deadline);
  m.created_ms = m.not_before_ms = m.next_attempt_ms = now;
  m.expires_ms = now + int64_t{policy.outreach_message_ttl_days.At(as_of)} * 86'400'000;
  return m;
}

// What the whole run reads once and every shard shares (read-only).
struct PlanContext {
  const Policy& policy;
  const OutreachPlanOptions& options;
  std::vector<std::string> channel_order;
  std::unordered_set<PersonKey> wechat_bound;
  std::unordered_map<PersonKey, SpecialPersonRecord> special;
  std::unordered_map<PersonKey, std::vector<OutreachMessageRecord>> open;  // queued or unknown
  std::unordered_map<PersonKey, std::set<std::string>> failed_deadlines;
  std::unordered_map<std::string, std::vector<CertPointRecord>> points_by_county;
  std::unordered_map<PersonKey, std::vector<VisitTaskRecord>> active_visits;
  std::unordered_set<PersonKey> face_failures;  // an open face_failures case
  std::unordered_map<PersonKey, std::string> employer_of;  // former employers (unit rosters)
};

// The deadline a visit task is about (its key is visit/<person>/<deadline>).
std::string_view VisitDeadline(std::string_view idem_key) {
  const size_t slash = idem_key.rfind('/');
  return slash == std::string_view::npos ? idem_key : idem_key.substr(slash + 1);
}

struct Shard {
  std::vector<OutreachMessageRecord> messages;
  std::vector<VisitTaskRecord> visits;
  std::vector<OutreachMessageRecord> cancels;
  std::vector<VisitTaskRecord> visit_cancels;
  // Persons at the notice stage per committee (12-digit code) and per former employer.
  std::map<std::string, int64_t> committee_notices, employer_notices;
  int64_t persons = 0, due = 0, unreachable = 0;
};

Status PlanPerson(const PlanContext& ctx, Store& store, const PersonBundle& b, Shard& out) {
  if (b.entitlements.empty()) return {};
  ++out.persons;
  const Policy& policy = ctx.policy;
  const Date as_of = ctx.options.as_of;
  PersonFacts facts;
  facts.baseline_certified = b.person.baseline_certified;
  facts.facts = b.facts;
  const CertificationState cert = DeriveCertification(policy, facts, as_of);
  const std::string deadline = CertificationDeadlineKey(cert);
  const PersonKey key = b.person.key;

  // Queued reminders the facts overtook: a new certification moved the
  // deadline, or the person died.
  if (auto it = ctx.open.find(key); it != ctx.open.end()) {
    for (const OutreachMessageRecord& m : it->second) {
      if (m.recipient != "person" && m.recipient != "contact") continue;
      // Only queued ones: an unknown one may have gone out, and is looked up.
      if (m.status != kMsgQueued) continue;
      const std::optional<PlanStep> now_step = ReminderStep(policy, cert, as_of);
      const bool stale_step = m.reason != "face_failed" && (!now_step || now_step->step != m.reason);
      if (cert.status == CertStatus::kDeceased || m.deadline != deadline || stale_step) {
        out.cancels.push_back(m);
      }
    }
  }
  // Visit tasks the facts overtook: certified since (another deadline), or died.
  if (auto it = ctx.active_visits.find(key); it != ctx.active_visits.end()) {
    for (const VisitTaskRecord& v : it->second) {
      if (cert.status == CertStatus::kDeceased || VisitDeadline(v.idem_key) != deadline) {
        out.visit_cancels.push_back(v);
      }
    }
  }
  const std::optional<PlanStep> step = ReminderStep(policy, cert, as_of);
  if (!step) return {};
  ++out.due;

  // The first channel that reaches the person.
  std::string channel;
  for (const std::string& c : ctx.channel_order) {
    if (c == "wechat" && ctx.wechat_bound.contains(key)) channel = c;
    if (c == "sms" && IsMobileNumber(b.person.phone)) channel = c;
    if (!channel.empty()) break;
  }
  const CertPointRecord* point = nullptr;
  if (b.person.region_code.size() >= 6) {
    if (auto it = ctx.points_by_county.find(b.person.region_code.substr(0, 6)); it != ctx.points_by_county.end()) {
      point = NearestPoint(it->second, b.person.region_code);
    }
  }
  const int64_t now = ctx.options.now_ms;
  const bool face_failed = ctx.face_failures.contains(key);
  auto reminder = [&](std::string_view step_name, std::string_view template_name) {
    std::optional<Date> deadline_date;
    if (cert.valid_through) deadline_date = CertificationDeadline(*cert.valid_through);
    out.messages.push_back(NewMessage(policy, as_of, now, fmt::format("rem/{}/{}/{}", key, deadline, step_name), key,
                                      "person", b.person.region_code, channel, template_name,
                                      ReminderParams(b.person.name, deadline_date, point ? point->short_name : ""),
                                      std::string(step_name), deadline));
  };
  if (!channel.empty()) {
    reminder(step->step, step->template_name);
    // Electronic certification failed repeatedly: once per deadline, the ways
    // that need no camera (the bank terminal, a visit on request).
    if (face_failed) reminder("face_failed", kTemplateRemindFaceFailed);
  } else {
    ++out.unreachable;
  }

  const bool past = cert.status == CertStatus::kLapsed || cert.status == CertStatus::kNone;
  const int days_left = cert.valid_through && !past ? CertificationDeadline(*cert.valid_through) - as_of : 0;
  // The notice stage: the village committee and the former employer are told.
  if (days_left <= policy.outreach_notice_days.At(as_of)) {
    ++out.committee_notices[b.person.region_code];
    if (auto e = ctx.employer_of.find(key); e != ctx.employer_of.end()) ++out.employer_notices[e->second];
  }
  // A visit: the special-persons file early; anyone unreachable, or whose
  // reminders for this deadline all failed, close to the deadline (or after it).
  std::string reason;
  const auto special = ctx.special.find(key);
  const bool is_special = special != ctx.special.end() ? special->second.active : b.person.special_care;
  if (is_special && days_left <= policy.outreach_special_visit_days.At(as_of)) {
    reason = "special";
  } else if (face_failed) {
    reason = "face_failures";
  } else if (days_left <= policy.outreach_visit_days.At(as_of)) {
    if (channel.empty()) {
      reason = "no_channel";
    } else if (auto f = ctx.failed_deadlines.find(key); f != ctx.failed_deadlines.end() && f->second.contains(deadline)) {
      // Failed, and nothing for this deadline reached the person.
      ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> mine, store.outreach().MessagesOf(key));
      const bool reached = std::any_of(mine.begin(), mine.end(), [&](const OutreachMessageRecord& m) {
        return m.deadline == deadline && (m.status == kMsgSent || m.status == kMsgDelivered);
      });
      if (!reached) reason = "reminders_failed";
    }
  }
  if (!reason.empty()) {
    VisitTaskRecord v;
    v.person = key;
    v.region = b.person.region_code;
    v.reason = reason;
    v.idem_key = fmt::format("visit/{}/{}", key, deadline);
    v.due_on = as_of + policy.visit_due_days.At(as_of);
    v.created_ms = now;
    out.visits.push_back(std::move(v));
  }
  return {};
}

}  // namespace

Result<OutreachPlanReport> PlanOutreach(Store& store, const Policy& policy, const OutreachPlanOptions& options) {
  PlanContext ctx{policy, options, {}, {}, {}, {}, {}, {}, {}, {}};
  for (std::string_view c : Policy::ListItems(policy.outreach_channel_order.At(options.as_of))) {
    ctx.channel_order.emplace_back(c);
  }
  OutreachStore& out = store.outreach();
  ASSIGN_OR_RETURN(std::vector<PersonKey> bound, out.BoundPersons("wechat"));
  ctx.wechat_bound.insert(bound.begin(), bound.end());
  // Ended entries too: an ended staff entry overrides the registry's flag.
  ASSIGN_OR_RETURN(std::vector<SpecialPersonRecord> special, out.ListSpecialPersons(options.region, true));
  for (SpecialPersonRecord& s : special) ctx.special.emplace(s.person, std::move(s));
  // The outbox of the last 400 days: what may still be cancelled, what failed.
  const int64_t since = BeijingInstant(options.as_of - 400);
  ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> queued,
                   out.MessagesInStatus(kMsgQueued, 0, since, std::numeric_limits<int>::max()));
  for (OutreachMessageRecord& m : queued) {
    if (m.person != 0) ctx.open[m.person].push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> failed,
                   out.MessagesInStatus(kMsgFailed, 0, since, std::numeric_limits<int>::max()));
  // A WeChat message whose answer was lost is never resent: after a day it
  // counts as failed for the visit rule.
  ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> unknown,
                   out.MessagesInStatus(kMsgUnknown, 0, since, std::numeric_limits<int>::max()));
  for (const OutreachMessageRecord& m : unknown) {
    if (m.channel == "wechat" && m.created_ms < options.now_ms - 86'400'000) failed.push_back(m);
  }
  for (const OutreachMessageRecord& m : failed) {
    if (m.person != 0) ctx.failed_deadlines[m.person].insert(m.deadline);
  }
  ASSIGN_OR_RETURN(std::vector<CertPointRecord> points, out.ListCertPoints("", false));
  for (CertPointRecord& p : points) {
    if (p.region.size() >= 6) ctx.points_by_county[p.region.substr(0, 6)].push_back(std::move(p));
  }
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> active, out.ListVisitTasks(options.region, "active"));
  for (VisitTaskRecord& v : active) ctx.active_visits[v.person].push_back(std::move(v));
  RETURN_IF_ERROR(out.ForEachEmployerMember([&](PersonKey p, std::string_view code) -> Status {
    ctx.employer_of.emplace(p, std::string(code));
    return {};
  }));
  ASSIGN_OR_RETURN(std::vector<CaseRecord> open_cases, store.ListCases("open"));
  for (const CaseRecord& c : open_cases) {
    if (c.type == "face_failures") ctx.face_failures.insert(c.person);
  }

  // Scan: key ranges on several connections at once, as the monthly run does.
  std::vector<PersonKey> splits;
  if (options.threads > 1 && options.region.empty()) {
    ASSIGN_OR_RETURN(splits, store.PersonKeySplits(options.threads));
  }
  std::vector<std::unique_ptr<Store>> readers;
  for (size_t i = 0; i < splits.size(); ++i) {
    auto reader = store.OpenReader();
    if (!reader) {
      splits.clear();
      readers.clear();
      break;
    }
    readers.push_back(std::move(*reader));
  }
  std::vector<Shard> shards(splits.size() + 1);
  std::vector<Status> statuses(shards.size());
  auto scan = [&](size_t i) -> Status {
    Store& s = i == 0 ? store : *readers[i - 1];
    auto fn = [&](const PersonBundle& b) { return PlanPerson(ctx, s, b, shards[i]); };
    if (splits.empty()) return s.ForEachPerson(options.region, fn);
    const PersonKey lo = i == 0 ? 0 : splits[i - 1];
    const PersonKey hi = i < splits.size() ? splits[i] : static_cast<PersonKey>(std::numeric_limits<int64_t>::max());
    return s.ForEachPersonInKeyRange(lo, hi, fn, Store::Facts::kWith);
  };
  {
    std::vector<std::thread> workers;
    for (size_t i = 1; i < shards.size(); ++i) workers.emplace_back([&, i] { statuses[i] = scan(i); });
    statuses[0] = scan(0);
    for (std::thread& w : workers) w.join();
  }
  for (const Status& st : statuses) RETURN_IF_ERROR(st);

  OutreachPlanReport report;
  report.as_of = options.as_of;
  std::vector<OutreachMessageRecord> messages;
  std::vector<VisitTaskRecord> visits;
  std::vector<OutreachMessageRecord> cancels;
  std::vector<VisitTaskRecord> visit_cancels;
  std::map<std::string, int64_t> committee_notices, employer_notices;
  for (Shard& sh : shards) {
    for (const auto& [k, n] : sh.committee_notices) committee_notices[k] += n;
    for (const auto& [k, n] : sh.employer_notices) employer_notices[k] += n;
    report.persons += sh.persons;
    report.due += sh.due;
    report.unreachable += sh.unreachable;
    std::move(sh.messages.begin(), sh.messages.end(), std::back_inserter(messages));
    std::move(sh.visits.begin(), sh.visits.end(), std::back_inserter(visits));
    std::move(sh.cancels.begin(), sh.cancels.end(), std::back_inserter(cancels));
    std::move(sh.visit_cancels.begin(), sh.visit_cancels.end(), std::back_inserter(visit_cancels));
  }
  if (options.dry_run) {
    report.visits_cancelled = static_cast<int64_t>(visit_cancels.size());
    report.messages_new = static_cast<int64_t>(messages.size());
    report.visits_new = static_cast<int64_t>(visits.size());
    report.cancelled = static_cast<int64_t>(cancels.size());
    for (const auto& m : messages) {
      ++report.by_step[m.reason];
      ++report.by_channel[m.channel];
    }
    for (const auto& v : visits) ++report.visits_by_reason[v.reason];
    return report;
  }
  // One unit of work: the messages, the visits and the cancellations of the day.
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(report.messages_new, out.EnqueueMessages(messages));
  report.messages_existing = static_cast<int64_t>(messages.size()) - report.messages_new;
  for (const auto& m : messages) {
    if (m.id == 0) continue;
    ++report.by_step[m.reason];
    ++report.by_channel[m.channel];
  }
  ASSIGN_OR_RETURN(report.visits_new, out.OpenVisitTasks(visits));
  report.visits_existing = static_cast<int64_t>(visits.size()) - report.visits_new;
  for (const auto& v : visits) {
    if (v.id != 0) ++report.visits_by_reason[v.reason];
  }
  for (OutreachMessageRecord& m : cancels) {
    const OutreachMessageRecord before = m;
    m.status = std::string(kMsgCancelled);
    m.failure = "superseded";
    // Only if still queued as read: a dispatcher may have claimed it since.
    ASSIGN_OR_RETURN(bool moved, out.TransitionMessage(m, before.status, before.lease_until_ms, before.attempts));
    if (moved) ++report.cancelled;
  }
  for (const VisitTaskRecord& v : visit_cancels) {
    // Only if still open or assigned: a visit completed meanwhile stays done.
    ASSIGN_OR_RETURN(bool cancelled, out.CancelVisitTask(
                                         v.id, "已认证或已死亡，无需上门 (certified or died since the task was opened)",
                                         options.now_ms));
    if (cancelled) ++report.visits_cancelled;
  }
  // Notices: each committee and former employer with persons at the notice
  // stage hears once a month how many (the list itself is `outreach notices`).
  {
    const Month month = MonthOf(options.as_of);
    const int64_t now = options.now_ms;
    std::vector<OutreachMessageRecord> notices;
    auto notice = [&](std::string key, std::string recipient, std::string region, std::string unit_name, int64_t count) {
      notices.push_back(NewMessage(policy, options.as_of, now, std::move(key), 0, std::move(recipient),
                                   std::move(region), "sms", kTemplateUnitNotice,
                                   {{"unit", std::move(unit_name)}, {"count", std::to_string(count)}}, "unit_notice",
                                   month.ToString()));
    };
    for (const auto& [committee, count] : committee_notices) {
      ASSIGN_OR_RETURN(std::optional<CommitteeContactRecord> contact, out.FindCommitteeContact(committee));
      if (!contact) continue;
      ASSIGN_OR_RETURN(std::optional<Region> division, store.FindRegion(committee));
      notice(fmt::format("notice/committee/{}/{}", committee, month.ToString()), "committee", committee,
             division ? division->name : std::string("村(居)委会"), count);
    }
    for (const auto& [code, count] : employer_notices) {
      ASSIGN_OR_RETURN(std::optional<EmployerRecord> employer, out.FindEmployer(code));
      if (!employer || employer->contact_phone.empty()) continue;
      notice(fmt::format("notice/employer/{}/{}", code, month.ToString()), "employer:" + code, "", employer->name,
             count);
    }
    ASSIGN_OR_RETURN(report.unit_notices, out.EnqueueMessages(notices));
  }
  // The zero report: after the reporting day, committees that have not
  // reported the previous month are reminded once (through their contact).
  if (options.as_of.day() > policy.zero_report_day.At(options.as_of)) {
    const Month month = MonthOf(options.as_of) - 1;
    ASSIGN_OR_RETURN(ZeroReportCompliance z, ZeroReportStatus(store, options.region, month));
    std::vector<OutreachMessageRecord> reminders;
    const int64_t now = options.now_ms;
    for (const CommitteeReturn& c : z.committees) {
      if (c.report) continue;
      ASSIGN_OR_RETURN(std::optional<CommitteeContactRecord> contact, out.FindCommitteeContact(c.committee));
      if (!contact) {
        ++report.committees_without_contact;
        continue;
      }
      const Date by = Date::FromCivil(options.as_of.year(), options.as_of.month(), 1) +
                      (policy.zero_report_day.At(options.as_of) - 1);
      // The committee's name from the division table (never the contact's own name).
      ASSIGN_OR_RETURN(std::optional<Region> division, store.FindRegion(c.committee));
      reminders.push_back(NewMessage(policy, options.as_of, now, fmt::format("zero/{}/{}", c.committee, month.ToString()),
                                     0, "committee", c.committee, "sms", kTemplateZeroReport,
                                     {{"committee", division ? division->name : std::string("村(居)委会")},
                                      {"month", fmt::format("{}年{}月", month.year(), month.month())},
                                      {"day", fmt::format("{}月{}日", by.month(), by.day())}},
                                     "zero_report", month.ToString()));
    }
    ASSIGN_OR_RETURN(report.committee_reminders, out.EnqueueMessages(reminders));
  }
  if (options.in_unit) RETURN_IF_ERROR(options.in_unit(report));
  RETURN_IF_ERROR(unit->Commit());
  spdlog::info("outreach plan {}: {} persons, {} due, {} new reminders, {} new visits, {} cancelled",
               options.as_of.ToString(), report.persons, report.due, report.messages_new, report.visits_new,
               report.cancelled);
  return report;
}

}  // namespace tacit
