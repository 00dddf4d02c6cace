// Persons: search by identity number or by name and birth date (in the body,
// never the URL), the profile, its evidence timeline, schedule and
// explanation (masked), and the audited reveal of the full record.
#include <fmt/format.h>


#include "server/routes.h"
#include "tacit/report.h"

namespace tacit::server {
namespace {

constexpr int kSearchLimit = 20;

// How many months of schedule to show: 1 to 240, 12 by default.
HttpResult<int> MonthsParam(const Context& ctx) {
  ASSIGN_OR_RETURN(int64_t months, IntQuery(ctx, "months", 12, 1, 240));
  return static_cast<int>(months);
}

HttpResult<json> ViewJson(Context& ctx, int months) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kPersonRead));
  ASSIGN_OR_RETURN(PersonView view, BuildPersonView(ctx.store, ctx.svc.policy, p.key, TodayOf(ctx), months));
  std::string text = PersonViewJson(view, ctx.svc.policy, {.mask_id_number = true, .handle = ctx.params["handle"]});
  return json::parse(text);
}

HttpResult<Reply> Search(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::optional<std::string> id_text, OptionalString(*body, "id_number", 64));
  ASSIGN_OR_RETURN(std::optional<std::string> name, OptionalString(*body, "name", 128));
  ASSIGN_OR_RETURN(std::optional<std::string> birth_text, OptionalString(*body, "birth_date", 32));
  std::vector<PersonRecord> found;
  if (id_text) {
    IdParse id = ParseIdNumber(*id_text, TodayOf(ctx));
    if (!id.ok()) {
      return BadField("id_number", fmt::format("身份证号码无效 (not a valid identity number: {})",
                                               IdProblemName(id.problem)));
    }
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(id.id.key()));
    if (p) found.push_back(std::move(*p));
  } else if (name && birth_text) {
    auto birth = ParseDate(*birth_text);
    if (!birth) return BadField("birth_date", "出生日期应为 YYYY-MM-DD (expected YYYY-MM-DD)");
    ASSIGN_OR_RETURN(found, ctx.store.FindPersonsByNameAndBirth(*name, *birth, kSearchLimit));
  } else {
    return BadField(name ? "birth_date" : "id_number",
                    "请提供身份证号码，或姓名加出生日期 (give id_number, or name and birth_date)");
  }
  json list = json::array();
  for (const PersonRecord& p : found) {
    ASSIGN_OR_RETURN(std::vector<std::string> regions, RegionsOf(ctx.store, p));
    if (!Authorise(ctx.principal, Action::kPersonRead, regions)) continue;
    ASSIGN_OR_RETURN(std::optional<Region> region, ctx.store.FindRegion(p.region_code));
    list.push_back({{"handle", ctx.svc.secrets.PersonHandle(p.key)},
                    {"id_number", MaskIdNumber(p.id_number)},
                    {"name", MaskName(p.name)},
                    {"sex", p.sex == Sex::kMale ? "M" : "F"},
                    {"region_code", p.region_code},
                    {"region_name", region ? region->name : std::string()}});
  }
  return Reply::Json({{"persons", list}});
}

HttpResult<Reply> Profile(Context& ctx) {
  ASSIGN_OR_RETURN(int months, MonthsParam(ctx));
  ASSIGN_OR_RETURN(json view, ViewJson(ctx, months));
  return Reply::Json(view);
}

HttpResult<Reply> Evidence(Context& ctx) {
  ASSIGN_OR_RETURN(json view, ViewJson(ctx, 1));
  return Reply::Json({{"handle", view["handle"]}, {"evidence", view["evidence"]}});
}

HttpResult<Reply> Schedule(Context& ctx) {
  ASSIGN_OR_RETURN(int months, MonthsParam(ctx));
  ASSIGN_OR_RETURN(json view, ViewJson(ctx, months));
  return Reply::Json({{"handle", view["handle"]},
                      {"as_of", view["as_of"]},
                      {"certification", view["certification"]},
                      {"entitlements", view["entitlements"]}});
}

HttpResult<Reply> Explain(Context& ctx) {
  auto month = ParseMonth(ctx.Query("month"));
  if (!month) return BadField("month", "month 应为 YYYY-MM (expected YYYY-MM)");
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kPersonRead));
  const Date today = TodayOf(ctx);
  const int back = std::max(1, MonthOf(today).index() - month->index() + 1);
  if (back > 240) return BadField("month", "month 超出可查询范围 (more than 240 months back)");
  ASSIGN_OR_RETURN(PersonView view, BuildPersonView(ctx.store, ctx.svc.policy, p.key, today, back));
  ASSIGN_OR_RETURN(std::string text, ExplainMonthText(view, ctx.svc.policy, *month));
  return Reply::Json({{"handle", ctx.params["handle"]}, {"month", month->ToString()}, {"explanation", text}});
}

HttpResult<Reply> Reveal(Context& ctx) {
  // Refusals outside the caller's region are audited by TargetPerson; a path
  // that is not a handle of this server is audited here without its text (a
  // number typed into the URL by mistake stays out of the trail).
  if (!ctx.svc.secrets.PersonFromHandle(ctx.params["handle"])) {
    RETURN_IF_ERROR(ctx.Audit("person.reveal", "person (not a handle)", "", "denied: not_found"));
  }
  ASSIGN_OR_RETURN(PersonRecord person, TargetPerson(ctx, Action::kPersonReveal));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string reason, RequiredString(*body, "reason", 200));
  // The reveal is recorded before the data leaves: no entry, no data.
  RETURN_IF_ERROR(ctx.Audit("person.reveal", "person " + MaskIdNumber(person.id_number),
                            json{{"handle", ctx.params["handle"]}, {"reason", reason}}.dump()));
  return Reply::Json({{"handle", ctx.params["handle"]},
                      {"id_number", person.id_number},
                      {"name", person.name},
                      {"phone", person.phone}});
}

}  // namespace

void AddPersonRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "POST",
                    .path = "/api/v1/persons/search",
                    .tag = "persons",
                    .summary = "查找人员 (search by identity number, or by name and birth date); results masked",
                    .auth = kSessionAuth,
                    .action = Action::kPersonRead,
                    .request_schema = {{"type", "object"},
                                       {"properties",
                                        {{"id_number", {{"type", "string"}}},
                                         {"name", {{"type", "string"}}},
                                         {"birth_date", {{"type", "string"}, {"format", "date"}}}}}},
                    .handler = Search});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}",
                    .tag = "persons",
                    .summary = "个人档案 (profile: certification, entitlements, schedule, evidence, cases; masked)",
                    .auth = kSessionAuth,
                    .action = Action::kPersonRead,
                    .query = {"months: how many months of schedule (1-240, default 12)"},
                    .handler = Profile});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/evidence",
                    .tag = "persons",
                    .summary = "证据时间线 (the evidence timeline, oldest first, with sources)",
                    .auth = kSessionAuth,
                    .action = Action::kPersonRead,
                    .handler = Evidence});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/schedule",
                    .tag = "persons",
                    .summary = "发放计划 (month-by-month decisions with the rule and reason)",
                    .auth = kSessionAuth,
                    .action = Action::kPersonRead,
                    .query = {"months: how many months (1-240, default 12)"},
                    .handler = Schedule});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/explain",
                    .tag = "persons",
                    .summary = "待遇发放说明 (why a month was paid, held or stopped)",
                    .auth = kSessionAuth,
                    .action = Action::kPersonRead,
                    .query = {"month: YYYY-MM"},
                    .handler = Explain});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/persons/{handle}/reveal",
                    .tag = "persons",
                    .summary = "查看完整信息 (the full identity number, name and phone; audited, reason required)",
                    .auth = kSessionAuth,
                    .action = Action::kPersonReveal,
                    .request_schema = {{"type", "object"},
                                       {"required", {"reason"}},
                                       {"properties", {{"reason", {{"type", "string"}}}}}},
                    .handler = Reveal});
}

}  // namespace tacit::server
