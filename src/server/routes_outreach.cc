// Outreach over HTTP (tacit/outreach.h): a person's reminders, visit tasks
// and special-persons entry; outreach statistics; the visit work list, its
// assignment and outcome; the certification points; committees' death returns
// and the zero-report compliance.
//
// Persons are masked everywhere here (no phone, openid or full name leaves
// these routes: a message's text is rendered from its stored, masked
// params). Visit tasks are scoped by their region, the person's village or
// community: a task outside the caller's prefix answers 404, as a person does.
//
// Dates are Beijing dates, as the outreach library keeps them (BeijingDate
// of the server's injected clock), not TodayOf's UTC day.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "server/routes.h"
#include "tacit/outreach.h"
#include "tacit/region_names.h"

namespace tacit::server {
namespace {

constexpr size_t kNoteLength = 2000;
constexpr int64_t kMaxStatsDays = 366;

Date BeijingToday(const Context& ctx) { return BeijingDate(ctx.svc.NowMs()); }

std::string DayText(int64_t ms) { return ms > 0 ? BeijingDate(ms).ToString() : std::string(); }

json DateOrNull(const std::optional<Date>& d) { return d ? json(d->ToString()) : json(nullptr); }

// A rate in [0, 1] with four decimals; 0 when nothing was expected.
double Rate(int64_t part, int64_t whole) {
  return whole > 0 ? std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10000.0 : 0.0;
}

// ---- JSON ----------------------------------------------------------------------

json MessageJson(const OutreachMessageRecord& m) {
  return {{"id", m.id},
          {"created_on", DayText(m.created_ms)},
          {"channel", m.channel},
          {"channel_zh", std::string(ChannelNameZh(m.channel))},
          {"step", m.reason},
          {"template", m.template_name},
          {"status", m.status},
          {"status_zh", std::string(MessageStatusZh(m.status))},
          {"failure", NullIfEmpty(m.failure)},
          {"failure_zh", m.failure.empty() ? json(nullptr) : json(std::string(FailureZh(m.failure)))},
          {"provider_code", NullIfEmpty(m.provider_code)},
          {"attempts", m.attempts},
          {"deadline", NullIfEmpty(m.deadline)},
          {"sent_on", NullIfEmpty(DayText(m.sent_ms))},
          {"delivered_on", NullIfEmpty(DayText(m.delivered_ms))},
          // The params are masked when stored (tacit/outreach_store.h): the
          // text is what the person read, with their name as 张*.
          {"text", RenderMessageZh(m.template_name, ParamsFromJson(m.params))}};
}

bool Overdue(const VisitTaskRecord& t, Date today) {
  return (t.status == kVisitOpen || t.status == kVisitAssigned) && t.due_on < today;
}

json VisitJson(const VisitTaskRecord& t, Date today) {
  return {{"id", t.id},
          {"region_code", t.region},
          {"reason", t.reason},
          {"reason_zh", std::string(VisitReasonZh(t.reason))},
          {"status", t.status},
          {"status_zh", std::string(VisitStatusZh(t.status))},
          {"created_on", DayText(t.created_ms)},
          {"due_on", t.due_on.ToString()},
          {"overdue", Overdue(t, today)},
          {"assigned_to", NullIfEmpty(t.assigned_to)},
          {"outcome", NullIfEmpty(t.outcome)},
          {"outcome_zh", t.outcome.empty() ? json(nullptr) : json(std::string(VisitOutcomeZh(t.outcome)))},
          {"outcome_on", DateOrNull(t.outcome_on)},
          {"done_by", NullIfEmpty(t.done_by)},
          {"evidence_id", t.evidence_id > 0 ? json(t.evidence_id) : json(nullptr)},
          {"case_id", t.case_id > 0 ? json(t.case_id) : json(nullptr)},
          {"note", NullIfEmpty(t.note)}};
}

// The task with the person it is about, masked, and its region's name.
HttpResult<json> VisitItemJson(Context& ctx, const VisitTaskRecord& t, RegionNames& names, Date today) {
  json out = VisitJson(t, today);
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(t.person));
  out["person"] = {{"handle", ctx.svc.secrets.PersonHandle(t.person)},
                   {"id_number", MaskedIdOf(t.person)},
                   {"name", p ? json(MaskName(p->name)) : json(nullptr)}};
  ASSIGN_OR_RETURN(std::string region_name, names.Of(t.region));
  out["region_name"] = region_name;
  return out;
}

// A special-persons entry, contacts masked. The address and notes stay out
// of every list and view, as in the person view.
json SpecialJson(const std::optional<SpecialPersonRecord>& s) {
  if (!s || !s->active) return nullptr;
  return {{"reason", s->reason},
          {"reason_zh", std::string(SpecialReasonZh(s->reason))},
          {"contact_name", s->contact_name.empty() ? json(nullptr) : json(MaskName(s->contact_name))},
          {"contact_phone", s->contact_phone.empty() ? json(nullptr) : json(MaskPhone(s->contact_phone))},
          {"has_address", !s->address.empty()},
          {"source", s->source},
          {"set_by", s->source == "staff" ? json(s->set_by) : json(nullptr)},
          {"set_on", NullIfEmpty(DayText(s->set_ms))}};
}

// ---- A person's outreach ------------------------------------------------------------

HttpResult<Reply> PersonOutreach(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kOutreachRead));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  OutreachStore& out = ctx.store.outreach();
  ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> messages, out.MessagesOf(p.key));
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> visits, out.VisitTasksOf(p.key));
  ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> special, out.FindSpecialPerson(p.key));
  const Date today = BeijingToday(ctx);
  json message_list = json::array();
  for (const OutreachMessageRecord& m : messages) {
    if (static_cast<int64_t>(message_list.size()) == limit) break;
    message_list.push_back(MessageJson(m));
  }
  json visit_list = json::array();
  for (const VisitTaskRecord& t : visits) visit_list.push_back(VisitJson(t, today));
  return Reply::Json({{"handle", ctx.params["handle"]},
                      {"messages", message_list},
                      {"messages_total", messages.size()},
                      {"visits", visit_list},
                      // The registry's flag (行动不便) puts a person in the file
                      // without an entry; a staff entry overrides it.
                      {"special_care", p.special_care},
                      {"special", SpecialJson(special)}});
}

// ---- Statistics -------------------------------------------------------------------

HttpResult<Reply> Stats(Context& ctx) {
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  ASSIGN_OR_RETURN(Date to, DateQuery(ctx, "to", BeijingToday(ctx)));
  ASSIGN_OR_RETURN(Date from, DateQuery(ctx, "from", to - 29));
  if (from > to) return BadField("from", "from 不能晚于 to (from must not follow to)");
  if (to - from >= kMaxStatsDays) {
    return BadField("from", fmt::format("统计区间最长 {} 天 (at most {} days at once)", kMaxStatsDays, kMaxStatsDays));
  }
  ASSIGN_OR_RETURN(OutreachStats st, ComputeOutreachStats(ctx.store, ctx.svc.policy, region, from, to));
  json rows = json::array();
  for (const auto& [channel, by_status] : st.by_channel_status) {
    for (const auto& [status, messages] : by_status) {
      rows.push_back({{"channel", channel},
                      {"channel_zh", std::string(ChannelNameZh(channel))},
                      {"status", status},
                      {"status_zh", std::string(MessageStatusZh(status))},
                      {"messages", messages}});
    }
  }
  RegionNames names(ctx.store);
  ASSIGN_OR_RETURN(std::string region_name, names.Of(region));
  return Reply::Json({{"region", region},
                      {"region_name", region_name},
                      {"from", from.ToString()},
                      {"to", to.ToString()},
                      {"by_channel_status", rows},
                      {"sent", st.sent},
                      {"delivered", st.delivered},
                      {"sms_sent", st.sms_sent},
                      {"delivery_rate", st.delivery_rate},
                      {"reminded_persons", st.reminded_persons},
                      {"certified_after", st.certified_after},
                      {"visits",
                       {{"open", st.visits_open}, {"overdue", st.visits_overdue}, {"done", st.visits_done}}}});
}

// ---- Visits (上门认证) ------------------------------------------------------------

const HttpError& NoSuchVisit() {
  static const HttpError e(ErrorCode::kNotFound, "没有该上门任务 (no such visit task)", "id");
  return e;
}

// The task the path's {id} names, if its region is within the caller's
// scope. One outside answers like one that does not exist; an attempt to
// change it is kept in the trail (as ScopedPerson does for persons).
HttpResult<VisitTaskRecord> TargetVisit(Context& ctx, Action action) {
  ASSIGN_OR_RETURN(int64_t id, PathId(ctx, "id", NoSuchVisit()));
  ASSIGN_OR_RETURN(std::optional<VisitTaskRecord> t, ctx.store.outreach().FindVisitTask(id));
  if (!t) return tl::unexpected(NoSuchVisit());
  if (!InScope(ctx.principal, t->region)) {
    if (ctx.req.method != "GET") {
      RETURN_IF_ERROR(ctx.Audit(std::string(ActionName(action)), fmt::format("visit {}", id), "",
                                "denied: outside region"));
    }
    return tl::unexpected(NoSuchVisit());
  }
  return std::move(*t);
}

HttpResult<std::optional<bool>> BoolQuery(const Context& ctx, const std::string& name) {
  const std::string text = ctx.Query(name);
  if (text.empty()) return std::optional<bool>();
  if (text == "true" || text == "1") return std::optional<bool>(true);
  if (text == "false" || text == "0") return std::optional<bool>(false);
  return BadField(name, fmt::format("{} 应为 true 或 false (expected true or false)", name));
}

HttpResult<Reply> ListVisits(Context& ctx) {
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  ASSIGN_OR_RETURN(std::string status,
                   StatusQuery(ctx, "active", {"active", "open", "assigned", "done", "cancelled", "all"}));
  ASSIGN_OR_RETURN(std::optional<bool> overdue, BoolQuery(ctx, "overdue"));
  ASSIGN_OR_RETURN(int64_t after, IntQuery(ctx, "after", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> tasks,
                   ctx.store.outreach().ListVisitTasks(region, status == "all" ? "" : status));
  const Date today = BeijingToday(ctx);
  RegionNames names(ctx.store);
  // Ages narrow the list by the person's birth date (the region is the task's).
  const bool by_age = !ctx.Query("age_min").empty() || !ctx.Query("age_max").empty();
  ASSIGN_OR_RETURN(PersonFilter ages, PersonFilter::FromQuery(ctx, Action::kVisitRead, /*by_residence=*/false));
  json list = json::array();
  for (const VisitTaskRecord& t : tasks) {
    if (t.id <= after || (overdue && Overdue(t, today) != *overdue)) continue;
    if (by_age) {
      ASSIGN_OR_RETURN(bool allowed, ages.Allows(t.person));
      if (!allowed) continue;
    }
    if (static_cast<int64_t>(list.size()) == limit) break;
    ASSIGN_OR_RETURN(json item, VisitItemJson(ctx, t, names, today));
    list.push_back(std::move(item));
  }
  return Reply::Json({{"region", region}, {"visits", list}});
}

HttpResult<Reply> AssignVisitRoute(Context& ctx) {
  ASSIGN_OR_RETURN(VisitTaskRecord t, TargetVisit(ctx, Action::kVisitAssign));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string to, RequiredString(*body, "to", 64));
  auto done = AssignVisit(ctx.store, t.id, to, ctx.principal.Actor(), ctx.svc.NowMs());
  if (!done) {
    HttpError e = WithField(done.error(), {{"--to", "to"}});
    if (e.field.empty()) e.field = "id";
    return tl::unexpected(e);
  }
  RegionNames names(ctx.store);
  ASSIGN_OR_RETURN(json item, VisitItemJson(ctx, *done, names, BeijingToday(ctx)));
  return Reply::Json({{"visit", item}});
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

HttpResult<Reply> CompleteVisitRoute(Context& ctx) {
  ASSIGN_OR_RETURN(VisitTaskRecord t, TargetVisit(ctx, Action::kVisitComplete));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  const Date today = BeijingToday(ctx);
  VisitCompletion c;
  c.task_id = t.id;
  ASSIGN_OR_RETURN(c.outcome, RequiredString(*body, "outcome", 16));
  ASSIGN_OR_RETURN(c.on, DateField(*body, "on", today));
  if (body->contains("death_date") && !body->at("death_date").is_null()) {
    ASSIGN_OR_RETURN(Date death, DateField(*body, "death_date", today));
    c.death_date = death;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> note, OptionalString(*body, "note", kNoteLength));
  c.note = note.value_or("");
  ASSIGN_OR_RETURN(std::optional<std::string> photo, OptionalString(*body, "photo_sha256", 64));
  if (photo && !IsSha256Hex(*photo)) {
    return BadField("photo_sha256", "photo_sha256 应为64位小写十六进制 (the SHA-256 of the photo, 64 lower-case hex "
                                    "digits)");
  }
  c.photo_sha256 = photo.value_or("");
  // The member of staff who visited is the signed-in account, never a name
  // the client asserts: the audit entry and the evidence name it.
  c.by = ctx.principal.Actor();
  auto done = CompleteVisit(ctx.store, ctx.svc.policy, c, ctx.svc.NowMs(), today);
  if (!done) {
    HttpError e =
        WithField(done.error(), {{"--outcome", "outcome"}, {"--on", "on"}, {"--death-date", "death_date"}});
    if (e.field.empty() && e.code != ErrorCode::kInternal) e.field = "id";
    return tl::unexpected(e);
  }
  ctx.svc.metrics.Add("tacit_visits_completed_total", "Visit tasks completed through the API, by outcome.",
                      fmt::format("outcome=\"{}\"", done->outcome), 1);
  RegionNames names(ctx.store);
  ASSIGN_OR_RETURN(json item, VisitItemJson(ctx, *done, names, today));
  return Reply::Json({{"visit", item}});
}

// ---- The special-persons file (特殊人员档案) --------------------------------------

HttpResult<Reply> PutSpecial(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kSpecialWrite));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  SpecialPersonRecord s;
  s.person = p.key;
  ASSIGN_OR_RETURN(s.reason, RequiredString(*body, "reason", 32));
  // A reason the labels know (SpecialReasonZh gives unknown ones back as they are).
  if (SpecialReasonZh(s.reason) == s.reason) {
    return BadField("reason", "reason 应为 limited_mobility, bedridden, no_phone 或 cognitive (one of these)");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> contact_name, OptionalString(*body, "contact_name", 64));
  ASSIGN_OR_RETURN(std::optional<std::string> contact_phone, OptionalString(*body, "contact_phone", 20));
  ASSIGN_OR_RETURN(std::optional<std::string> address, OptionalString(*body, "address", 256));
  ASSIGN_OR_RETURN(std::optional<std::string> notes, OptionalString(*body, "notes", kNoteLength));
  s.contact_name = contact_name.value_or("");
  s.contact_phone = contact_phone.value_or("");
  if (!std::all_of(s.contact_phone.begin(), s.contact_phone.end(),
                   [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == ' '; })) {
    // The number is not echoed: it may be someone's phone all the same.
    return BadField("contact_phone", "联系电话只能包含数字、+、- 和空格 (digits, +, - and spaces only)");
  }
  s.address = address.value_or("");
  s.notes = notes.value_or("");
  auto set = SetSpecialPerson(ctx.store, s, ctx.principal.Actor(), ctx.svc.NowMs());
  if (!set) return tl::unexpected(HttpError(set.error()));
  ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> now, ctx.store.outreach().FindSpecialPerson(p.key));
  return Reply::Json({{"handle", ctx.params["handle"]}, {"special", SpecialJson(now)}});
}

HttpResult<Reply> EndSpecial(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kSpecialWrite));
  auto ended = EndSpecialPerson(ctx.store, p.key, ctx.principal.Actor(), ctx.svc.NowMs());
  if (!ended) {
    HttpError e(ended.error());
    e.field = "handle";
    return tl::unexpected(e);
  }
  return Reply::Json({{"handle", ctx.params["handle"]}, {"special", nullptr}});
}

// ---- Certification points (认证服务点) -----------------------------------------------

HttpResult<Reply> ListPoints(Context& ctx) {
  // Points are places, not persons, and the reminders name the points of the
  // person's county (NearestPoint): a scoped account sees those of its county
  // and below, whatever level its own prefix is at.
  const std::string& own = ctx.principal.region;
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx, own.substr(0, std::min<size_t>(own.size(), 6))));
  ASSIGN_OR_RETURN(std::optional<bool> all, BoolQuery(ctx, "all"));
  ASSIGN_OR_RETURN(std::vector<CertPointRecord> points,
                   ctx.store.outreach().ListCertPoints(region, all.value_or(false)));
  RegionNames names(ctx.store);
  json list = json::array();
  for (const CertPointRecord& p : points) {
    ASSIGN_OR_RETURN(std::string region_name, names.Of(p.region));
    list.push_back({{"code", p.code},
                    {"kind", p.kind},
                    {"name", p.name},
                    {"short_name", p.short_name},
                    {"region_code", p.region},
                    {"region_name", region_name},
                    {"address", p.address},
                    {"hours", p.hours},
                    {"attestor", NullIfEmpty(p.attestor)},
                    {"active", p.active}});
  }
  return Reply::Json({{"region", region}, {"points", list}});
}

// ---- Death returns (死亡人员报告) and the zero report ------------------------------------

HttpResult<Reply> SubmitDeathReturn(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string committee, RequiredString(*body, "committee", 16));
  if (committee.size() != 12 ||
      !std::all_of(committee.begin(), committee.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return BadField("committee", "应为12位村(居)委会区划代码 (expected the 12-digit village or community code)");
  }
  if (!InScope(ctx.principal, committee)) {
    RETURN_IF_ERROR(ctx.Audit("deaths.report", "committee " + committee, "", "denied: outside region"));
    return tl::unexpected(HttpError(ErrorCode::kPermissionDenied,
                                    "该村(居)委会不在您的管辖范围内 (the committee is outside your region)",
                                    "committee"));
  }
  ASSIGN_OR_RETURN(std::string month_text, RequiredString(*body, "month", 16));
  ASSIGN_OR_RETURN(Month month, MonthText(month_text, "month"));
  if (!body->contains("deaths")) return BadField("deaths", "缺少 deaths (required: 0 for a zero report)");
  ASSIGN_OR_RETURN(int64_t deaths, OptionalInt(*body, "deaths"));
  ASSIGN_OR_RETURN(std::vector<DeathReturnRecord> before, ctx.store.outreach().DeathReturns(month, committee));
  const bool replaced = std::any_of(before.begin(), before.end(),
                                    [&](const DeathReturnRecord& r) { return r.committee == committee; });
  DeathReturnRecord r{.committee = committee,
                      .month = month,
                      .deaths = deaths,
                      .submitted_ms = ctx.svc.NowMs(),
                      .submitted_by = ctx.principal.Actor()};
  auto recorded = RecordDeathReturn(ctx.store, r, BeijingToday(ctx));
  if (!recorded) {
    return tl::unexpected(
        WithField(recorded.error(), {{"--committee", "committee"}, {"deaths", "deaths"}, {"--month", "month"}}));
  }
  ctx.svc.metrics.Add("tacit_death_returns_total", "Committees' death returns received through the API.",
                      deaths == 0 ? "zero=\"true\"" : "zero=\"false\"", 1);
  return Reply::Json({{"committee", committee},
                      {"month", month.ToString()},
                      {"deaths", deaths},
                      {"submitted_on", DayText(r.submitted_ms)},
                      {"submitted_by", r.submitted_by},
                      {"replaced", replaced}},
                     replaced ? 200 : 201);
}

HttpResult<Reply> DeathReturnStatus(Context& ctx) {
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  // The last month that has ended: the one committees report now.
  Month month = MonthOf(BeijingToday(ctx)) - 1;
  if (std::string text = ctx.Query("month"); !text.empty()) {
    ASSIGN_OR_RETURN(month, MonthText(text, "month"));
  }
  ASSIGN_OR_RETURN(ZeroReportCompliance z, ZeroReportStatus(ctx.store, region, month));
  RegionNames names(ctx.store);
  json counties = json::array();
  for (const auto& [county, counts] : z.by_county) {
    ASSIGN_OR_RETURN(std::string county_name, names.Of(county));
    counties.push_back({{"county", county},
                        {"county_name", county_name},
                        {"expected", counts.first},
                        {"reported", counts.second},
                        {"compliance_rate", Rate(counts.second, counts.first)}});
  }
  json missing = json::array(), returns = json::array();
  for (const CommitteeReturn& c : z.committees) {
    ASSIGN_OR_RETURN(std::string committee_name, names.Of(c.committee));
    if (!c.report) {
      missing.push_back({{"committee", c.committee}, {"committee_name", committee_name}, {"persons", c.persons}});
      continue;
    }
    returns.push_back({{"committee", c.committee},
                       {"committee_name", committee_name},
                       {"persons", c.persons},
                       {"deaths", c.report->deaths},
                       {"submitted_on", DayText(c.report->submitted_ms)},
                       {"submitted_by", c.report->submitted_by}});
  }
  return Reply::Json({{"month", month.ToString()},
                      {"region", region},
                      {"expected", z.expected},
                      {"reported", z.reported},
                      {"compliance_rate", Rate(z.reported, z.expected)},
                      {"by_county", counties},
                      {"missing", missing},
                      {"returns", returns}});
}

}  // namespace

void AddOutreachRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/outreach",
                    .tag = "outreach",
                    .summary = "提醒与上门 (a person's reminders, newest first, as the person read them; visit tasks; the "
                               "special-persons entry; masked, never a phone or openid)",
                    .action = Action::kOutreachRead,
                    .query = {"limit: at most this many messages (1-1000, default 100)"},
                    .handler = PersonOutreach});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/outreach/stats",
                    .tag = "outreach",
                    .summary = "提醒统计 (messages by channel and status, delivery rate, persons reminded and certified "
                               "after it, visits open, overdue and done)",
                    .action = Action::kOutreachRead,
                    .query = {"region: region prefix (default: the account's own region, or all)",
                              "from: YYYY-MM-DD, Beijing date (default: 29 days before to)",
                              "to: YYYY-MM-DD, Beijing date (default: today)"},
                    .handler = Stats});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/visits",
                    .tag = "outreach",
                    .summary = "上门认证任务 (visit tasks in the caller's region, persons masked, oldest first)",
                    .action = Action::kVisitRead,
                    .query = {"region: region prefix (default: the account's own region, or all)",
                              "status: active (default: open or assigned), open, assigned, done, cancelled or all",
                              "overdue: true or false (active tasks past their due date)",
                              "age_min: youngest age in years", "age_max: oldest age in years",
                              "after: task id to continue after", "limit: 1-1000 (default 100)"},
                    .handler = ListVisits});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/visits/{id}/assign",
                    .tag = "outreach",
                    .summary = "分派上门任务 (assign a task to an operator or community account of its region; audited)",
                    .action = Action::kVisitAssign,
                    .request_schema = {{"type", "object"},
                                       {"required", {"to"}},
                                       {"properties",
                                        {{"to", {{"type", "string"}, {"description", "an account name"}}}}}},
                    .handler = AssignVisitRoute});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/visits/{id}/complete",
       .tag = "outreach",
       .summary = "上门结果 (record a visit's outcome: certified certifies the person from that day, died records the "
                  "death, moved and not_found open a case; the visitor is the signed-in account; audited)",
       .action = Action::kVisitComplete,
       .request_schema = {{"type", "object"},
                          {"required", {"outcome"}},
                          {"properties",
                           {{"outcome", {{"type", "string"}, {"enum", {"certified", "died", "moved", "not_found"}}}},
                            {"on", {{"type", "string"}, {"format", "date"}, {"description", "default: today"}}},
                            {"death_date", {{"type", "string"}, {"format", "date"}}},
                            {"note", {{"type", "string"}}},
                            {"photo_sha256", {{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}}}}}},
       .handler = CompleteVisitRoute});
  const json special_schema = {
      {"type", "object"},
      {"required", {"reason"}},
      {"properties",
       {{"reason", {{"type", "string"}, {"enum", {"limited_mobility", "bedridden", "no_phone", "cognitive"}}}},
        {"contact_name", {{"type", "string"}}},
        {"contact_phone", {{"type", "string"}}},
        {"address", {{"type", "string"}}},
        {"notes", {{"type", "string"}}}}}};
  routes.push_back({.method = "PUT",
                    .path = "/api/v1/persons/{handle}/special",
                    .tag = "outreach",
                    .summary = "特殊人员档案 (add or replace a staff entry in the special-persons file; audited)",
                    .action = Action::kSpecialWrite,
                    .request_schema = special_schema,
                    .handler = PutSpecial});
  routes.push_back({.method = "DELETE",
                    .path = "/api/v1/persons/{handle}/special",
                    .tag = "outreach",
                    .summary = "移出特殊人员档案 (end a person's special-persons entry; audited)",
                    .action = Action::kSpecialWrite,
                    .handler = EndSpecial});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/points",
                    .tag = "outreach",
                    .summary = "认证服务点 (certification points: service halls, bank terminals, community points)",
                    .action = Action::kPointsRead,
                    .query = {"region: region prefix (default: the county of the account's region, or all)",
                              "all: true to include closed points"},
                    .handler = ListPoints});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/death-returns",
                    .tag = "outreach",
                    .summary = "死亡人员报告 (a committee's monthly death return, 0 for a zero report; a second one for "
                               "the month replaces the first; audited)",
                    .action = Action::kDeathsReport,
                    .request_schema = {{"type", "object"},
                                       {"required", {"committee", "month", "deaths"}},
                                       {"properties",
                                        {{"committee", {{"type", "string"}, {"pattern", "^[0-9]{12}$"}}},
                                         {"month",
                                          {{"type", "string"}, {"description", "YYYY-MM, a month that has ended"}}},
                                         {"deaths", {{"type", "integer"}, {"minimum", 0}}}}}},
                    .handler = SubmitDeathReturn});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/death-returns/status",
                    .tag = "outreach",
                    .summary = "零报告情况 (which committees reported a month: compliance per county, the committees "
                               "missing)",
                    .action = Action::kOutreachRead,
                    .query = {"month: YYYY-MM (default: the last month that has ended)",
                              "region: region prefix (default: the account's own region, or all)"},
                    .handler = DeathReturnStatus});
}

}  // namespace tacit::server
