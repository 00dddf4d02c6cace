// Operations through the API: the monthly run and its payroll file,
// statistics, cases, the review of proposed links, recoveries, staff accounts
// and partners, and the export of the audit trail. Each handler makes the
// library call the command line makes (`tacit cycle run`, `stats`, `case`,
// `review`, `recovery`), scoped to the principal's region, and every change is
// audited in the unit of work that makes it.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "server/routes.h"
#include "tacit/casework.h"
#include "tacit/cycle.h"
#include "tacit/link_job.h"
#include "tacit/region_names.h"
#include "tacit/report.h"
#include "tacit/stats.h"

namespace tacit::server {
namespace {

constexpr size_t kNoteLength = 2000;

Reply Created(const json& j) { return Reply::Json(j, 201); }

Reply Download(std::string file, std::string content_type, const std::string& name) {
  Reply r;
  r.file = std::move(file);
  r.content_type = std::move(content_type);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  return r;
}

// ---- The monthly run (月度待遇发放) -------------------------------------------

std::string PayrollUrl(Month m) { return fmt::format("/api/v1/cycle/runs/{}/payroll", m.ToString()); }

json RunJson(const CycleRunRecord& r) {
  return {{"month", r.month.ToString()},
          {"as_of", r.as_of.ToString()},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"policy_version", r.policy_version},
          {"entitlements", r.entitlements},
          {"paid", r.paid},
          {"suspended", r.suspended},
          {"terminated", r.terminated},
          {"paid_amount", FormatYuan(r.paid_amount)},
          {"back_pay_amount", FormatYuan(r.back_pay_amount)},
          {"overpaid_amount", FormatYuan(r.overpaid_amount)},
          {"payroll", PayrollUrl(r.month)}};
}

HttpResult<std::string> PayrollDir(const Context& ctx) {
  const std::string& dir = ctx.svc.options.payroll_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return tl::unexpected(
        HttpError(ErrorCode::kUnavailable, "发放文件目录不可用 (the payroll directory cannot be used)"));
  }
  return dir;
}

HttpResult<Reply> StartRun(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string month_text, RequiredString(*body, "month", 16));
  ASSIGN_OR_RETURN(Month month, MonthText(month_text, "month"));
  ASSIGN_OR_RETURN(Date as_of, DateField(*body, "as_of", PayrollLockDate(ctx.svc.policy, month)));
  ASSIGN_OR_RETURN(std::optional<CycleRunRecord> existing, ctx.store.FindCycleRun(month));
  const HttpError exists(ErrorCode::kAlreadyExists,
                         fmt::format("{} 月度发放已运行, 已记录的月份不再改变 (the run of {} exists; a recorded month "
                                     "is final)",
                                     month.ToString(), month.ToString()),
                         "month");
  if (existing) return tl::unexpected(exists);
  ASSIGN_OR_RETURN(std::string dir, PayrollDir(ctx));
  CycleOptions options{.month = month, .as_of = as_of, .payroll_dir = dir, .today = TodayOf(ctx)};
  options.in_unit = [&](const CycleRunRecord& run) -> Status {
    return ctx.Audit("cycle.run", "cycle " + month.ToString(),
                     json{{"as_of", as_of.ToString()},
                          {"entitlements", run.entitlements},
                          {"paid", run.paid},
                          {"suspended", run.suspended},
                          {"terminated", run.terminated},
                          {"paid_amount", FormatYuan(run.paid_amount)}}
                         .dump());
  };
  auto result = RunCycle(ctx.store, ctx.svc.policy, options);
  if (!result) {
    // Two requests for one month: the second finds the run recorded.
    if (result.error().code == ErrorCode::kAlreadyExists) return tl::unexpected(exists);
    HttpError e = WithField(result.error(), {{"--as-of", "as_of"}});
    if (e.field.empty() && e.code == ErrorCode::kFailedPrecondition) e.field = "month";
    return tl::unexpected(e);
  }
  if (result->already_run) return tl::unexpected(exists);
  ctx.svc.metrics.Add("tacit_cycle_runs_total", "Monthly runs made through the API.", "", 1);
  json out = RunJson(result->run);
  out["receivables"] = result->receivables;
  out["back_pay_lines"] = result->back_pay_lines;
  out["offset_amount"] = FormatYuan(result->offset_amount);
  out["cases_opened"] = result->cases_opened;
  return Created(out);
}

HttpResult<Reply> ListRuns(Context& ctx) {
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, ctx.store.ListCycleRuns());
  json list = json::array();
  for (const CycleRunRecord& r : runs) list.push_back(RunJson(r));
  return Reply::Json({{"runs", list}});
}

HttpResult<CycleRunRecord> RunOf(Context& ctx) {
  ASSIGN_OR_RETURN(Month month, MonthText(ctx.params["month"], "month"));
  ASSIGN_OR_RETURN(std::optional<CycleRunRecord> run, ctx.store.FindCycleRun(month));
  if (!run) {
    return tl::unexpected(HttpError(ErrorCode::kNotFound, "该月尚未运行月度发放 (no run for that month)", "month"));
  }
  return *run;
}

HttpResult<Reply> ShowRun(Context& ctx) {
  ASSIGN_OR_RETURN(CycleRunRecord run, RunOf(ctx));
  return Reply::Json(RunJson(run));
}

HttpResult<Reply> Payroll(Context& ctx) {
  ASSIGN_OR_RETURN(CycleRunRecord run, RunOf(ctx));
  ASSIGN_OR_RETURN(std::string dir, PayrollDir(ctx));
  const std::string path = PayrollPath(dir, run.month);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // The month is recorded, so RunCycle changes nothing: it writes the
    // payroll again from the record (a run made by the command line elsewhere,
    // or a file removed after it was sent to the bank).
    ASSIGN_OR_RETURN(CycleResult again,
                     RunCycle(ctx.store, ctx.svc.policy,
                              {.month = run.month, .as_of = run.as_of, .payroll_dir = dir, .today = TodayOf(ctx)}));
    if (!again.already_run) return tl::unexpected(HttpError(ErrorCode::kInternal, "a payroll rebuild made a run"));
  }
  // The file holds every identity number of the month: the download is in the
  // trail before the data leaves (no entry, no file).
  RETURN_IF_ERROR(ctx.Audit("cycle.payroll", "cycle " + run.month.ToString()));
  return Download(path, "text/csv; charset=utf-8", fmt::format("payroll-{}.csv", run.month.ToString()));
}

// ---- Statistics (统计) --------------------------------------------------------

HttpResult<Reply> Stats(Context& ctx) {
  // A scoped account sees its own region and the regions below it.
  ASSIGN_OR_RETURN(std::string region, RegionQuery(ctx));
  std::optional<RegionLevel> level;
  if (std::string text = ctx.Query("level"); !text.empty()) {
    auto l = ParseRegionLevel(text);
    if (!l) return BadField("level", "level 应为 province, city, county, township 或 village (a region level)");
    level = *l;
  }
  ASSIGN_OR_RETURN(Date as_of, DateQuery(ctx, "as_of", TodayOf(ctx)));
  Month month = MonthOf(as_of);
  if (std::string text = ctx.Query("month"); !text.empty()) {
    ASSIGN_OR_RETURN(month, MonthText(text, "month"));
  }
  auto report = ComputeStats(ctx.store, ctx.svc.policy, StatsOptions{region, month, as_of, level});
  if (!report) return tl::unexpected(WithField(report.error(), {{"--region", "region"}, {"--by", "level"}}));
  Reply r;
  r.body = StatsJson(*report);
  return r;
}

// ---- Cases (待核查事项) ---------------------------------------------------------

const HttpError& NoSuchCase() {
  static const HttpError e(ErrorCode::kNotFound, "没有该待核查事项 (no such case)", "id");
  return e;
}

json CaseItemJson(const Context& ctx, const CaseRecord& c) {
  return {{"id", c.id},
          {"type", c.type},
          {"status", c.status},
          {"handle", ctx.svc.secrets.PersonHandle(c.person)},
          {"id_number", MaskedIdOf(c.person)},
          {"summary", c.summary},
          {"suggestion", c.suggestion},
          {"at_stake", FormatYuan(c.at_stake)},
          {"opened_at", c.opened_at},
          {"opened_in", c.opened_in.ToString()},
          {"decision", NullIfEmpty(c.decision)},
          {"resolved_at", NullIfEmpty(c.resolved_at)}};
}

HttpResult<Reply> ListCases(Context& ctx) {
  ASSIGN_OR_RETURN(std::string status, StatusQuery(ctx, "open", {"open", "resolved", "all"}));
  ASSIGN_OR_RETURN(int64_t after, IntQuery(ctx, "after", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  // The scope is the one every person endpoint applies (residence or a paying
  // region), not CasesInRegion's residence prefix, so that a list never hides
  // a case the principal may open.
  ASSIGN_OR_RETURN(std::vector<CaseRecord> cases, ctx.store.ListCases(status == "all" ? "" : status));
  ASSIGN_OR_RETURN(PersonFilter scope, PersonFilter::FromQuery(ctx, Action::kCaseRead));
  json list = json::array();
  for (const CaseRecord& c : cases) {
    if (c.id <= after) continue;
    ASSIGN_OR_RETURN(bool allowed, scope.Allows(c.person));
    if (!allowed) continue;
    if (static_cast<int64_t>(list.size()) == limit) break;
    list.push_back(CaseItemJson(ctx, c));
  }
  return Reply::Json({{"cases", list}});
}

// The case the path's {id} names, with its person, if the principal may do `action` on it.
HttpResult<std::pair<CaseRecord, PersonRecord>> TargetCase(Context& ctx, Action action) {
  ASSIGN_OR_RETURN(int64_t id, PathId(ctx, "id", NoSuchCase()));
  ASSIGN_OR_RETURN(std::optional<CaseRecord> c, ctx.store.FindCase(id));
  if (!c) return tl::unexpected(NoSuchCase());
  ASSIGN_OR_RETURN(PersonRecord p, ScopedPerson(ctx, c->person, action, NoSuchCase()));
  return std::make_pair(std::move(*c), std::move(p));
}

HttpResult<Reply> CaseReply(Context& ctx, int64_t id, PersonKey person, int status = 200) {
  ASSIGN_OR_RETURN(CaseView view, BuildCaseView(ctx.store, id));
  Reply r;
  r.status = status;
  r.body = CaseViewJson(view, ctx.svc.policy, {.mask_id_number = true, .handle = ctx.svc.secrets.PersonHandle(person)});
  return r;
}

HttpResult<Reply> ShowCase(Context& ctx) {
  ASSIGN_OR_RETURN(auto target, TargetCase(ctx, Action::kCaseRead));
  return CaseReply(ctx, target.first.id, target.second.key);
}

HttpResult<Reply> ResolveCase(Context& ctx) {
  ASSIGN_OR_RETURN(auto target, TargetCase(ctx, Action::kCaseDecide));
  // Not a structured binding: the lambda below captures them, which clang
  // before 16 refuses (the sanitizer builds use clang 14).
  const auto& c = target.first;
  const auto& person = target.second;
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string decision_text, RequiredString(*body, "decision", 32));
  auto decision = ParseCaseDecision(decision_text);
  if (!decision) return BadField("decision", decision.error().message);
  CaseResolution r;
  r.decision = *decision;
  ASSIGN_OR_RETURN(r.note, RequiredString(*body, "note", kNoteLength));
  ASSIGN_OR_RETURN(r.evidence_id, OptionalInt(*body, "evidence_id"));
  ASSIGN_OR_RETURN(std::optional<std::string> amount_text, OptionalString(*body, "amount", 32));
  if (amount_text) {
    auto amount = ParseYuan(*amount_text);
    if (!amount) return BadField("amount", "amount 应为以元为单位的金额, 如 \"123.45\" (yuan, e.g. \"123.45\")");
    r.amount = *amount;
  }
  ASSIGN_OR_RETURN(r.on, PastDateField(ctx, *body, "on"));
  r.by = ctx.principal.name;
  auto resolved = ResolveCaseWith(ctx.store, ctx.svc.policy, c.id, r, [&]() -> Status {
    json detail = {{"decision", CaseDecisionName(r.decision)}, {"person", MaskIdNumber(person.id_number)}};
    if (r.amount) detail["amount"] = FormatYuan(*r.amount);
    if (r.evidence_id != 0) detail["evidence_id"] = r.evidence_id;
    return ctx.Audit("case.resolve", fmt::format("case {}", c.id), detail.dump());
  });
  if (!resolved) {
    return tl::unexpected(WithField(
        resolved.error(), {{"note", "note"}, {"amount", "amount"}, {"evidence", "evidence_id"}, {"--on", "on"}}));
  }
  return CaseReply(ctx, c.id, person.key);
}

// ---- Review of proposed links (关联复核) ---------------------------------------

const HttpError& NoSuchItem() {
  static const HttpError e(ErrorCode::kNotFound, "没有该复核事项 (no such review item)", "evidence_id");
  return e;
}

std::string_view SexText(Sex s) { return s == Sex::kMale ? "M" : s == Sex::kFemale ? "F" : ""; }

json CandidateJson(const Context& ctx, const PersonRecord& p) {
  return {{"handle", ctx.svc.secrets.PersonHandle(p.key)},
          {"id_number", MaskIdNumber(p.id_number)},
          {"name", MaskName(p.name)},
          {"region_code", p.region_code}};
}

json ReviewItemJson(const Context& ctx, const ReviewItem& i) {
  const LinkAttempt& a = i.attempt;
  return {{"evidence_id", a.evidence_id},
          {"status", a.status},
          {"source", i.record.source},
          {"kind", i.record.kind},
          {"kind_label", ctx.svc.policy.KindLabelZh(i.record.kind)},
          {"occurred_on", i.record.occurred_on.ToString()},
          {"received_on", i.record.received_on.ToString()},
          {"probability", a.probability},
          {"weight_bits", a.weight_bits},
          {"reason", a.reason},
          {"candidate", CandidateJson(ctx, i.candidate)}};
}

// One item side by side: what the partner sent and the registry person, each
// value masked as in every list, with what each comparison found.
json ReviewDetailJson(const Context& ctx, const ReviewItem& i) {
  json out = ReviewItemJson(ctx, i);
  const EvidenceRecord& e = i.record;
  out["record"] = {{"ref", e.ref},
                   {"id_number", e.id_text.empty() ? json(nullptr) : json(MaskIdNumber(e.id_text))},
                   {"id_problem", NullIfEmpty(e.id_problem)},
                   {"name", MaskName(e.name)},
                   {"sex", e.sex},
                   // Years only beside masked numbers (the masked digits are the
                   // birth date); the comparisons say whether the dates agree.
                   {"birth_year", e.birth_date ? json(e.birth_date->year()) : json(nullptr)},
                   {"region_code", e.region_code}};
  out["candidate"]["sex"] = SexText(i.candidate.sex);
  out["candidate"]["birth_year"] = i.candidate.birth_date.year();
  out["candidate"]["phone"] = i.candidate.phone.empty() ? json(nullptr) : json(MaskPhone(i.candidate.phone));
  json lines = json::array();
  for (const ReviewItem::Line& l : i.lines) {
    lines.push_back({{"comparison", l.comparison}, {"level", l.level}, {"bits", l.bits}});
  }
  out["comparisons"] = lines;
  out["second"] = i.second ? CandidateJson(ctx, *i.second) : json(nullptr);
  if (i.second) out["second_bits"] = i.attempt.second_bits;
  out["model"] = {{"id", i.model.id},
                  {"source", i.model.source},
                  {"trained_at", i.model.trained_at},
                  {"records", i.model.records},
                  {"comparisons", i.model.comparisons}};
  out["decided_by"] = NullIfEmpty(i.attempt.decided_by);
  out["decided_at"] = NullIfEmpty(i.attempt.decided_at);
  out["note"] = NullIfEmpty(i.attempt.note);
  return out;
}

HttpResult<Reply> ListReviews(Context& ctx) {
  ASSIGN_OR_RETURN(std::string status, StatusQuery(ctx, "open", {"open", "accepted", "rejected", "linked", "all"}));
  ASSIGN_OR_RETURN(int64_t after, IntQuery(ctx, "after", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  // Scoped like a person (residence or a paying region of the candidate),
  // not by ListReview's residence prefix: see ListCases.
  // The attempts are small rows; the full item (record, candidate, model) is
  // built for the page only.
  ASSIGN_OR_RETURN(std::vector<LinkAttempt> attempts, ctx.store.LinkAttempts(status == "all" ? "" : status));
  ASSIGN_OR_RETURN(PersonFilter scope, PersonFilter::FromQuery(ctx, Action::kReviewRead));
  json list = json::array();
  for (const LinkAttempt& a : attempts) {
    if (a.evidence_id <= after || a.candidate == 0) continue;
    ASSIGN_OR_RETURN(bool allowed, scope.Allows(a.candidate));
    if (!allowed) continue;
    if (static_cast<int64_t>(list.size()) == limit) break;
    ASSIGN_OR_RETURN(ReviewItem item, ShowReview(ctx.store, a.evidence_id));
    list.push_back(ReviewItemJson(ctx, item));
  }
  return Reply::Json({{"reviews", list}});
}

HttpResult<ReviewItem> TargetItem(Context& ctx, Action action) {
  ASSIGN_OR_RETURN(int64_t id, PathId(ctx, "evidence_id", NoSuchItem()));
  auto item = ShowReview(ctx.store, id);
  if (!item) {
    if (item.error().code == ErrorCode::kNotFound) return tl::unexpected(NoSuchItem());
    return tl::unexpected(item.error());
  }
  ASSIGN_OR_RETURN(PersonRecord candidate, ScopedPerson(ctx, item->candidate.key, action, NoSuchItem()));
  return std::move(*item);
}

// The detail, with the runner-up candidate left out when that person is
// outside the caller's region (out-of-scope persons are never shown).
HttpResult<Reply> DetailReply(Context& ctx, const ReviewItem& item) {
  json out = ReviewDetailJson(ctx, item);
  if (item.second) {
    ASSIGN_OR_RETURN(PersonFilter scope, PersonFilter::FromQuery(ctx, Action::kReviewRead));
    ASSIGN_OR_RETURN(bool visible, scope.Allows(item.second->key));
    if (!visible) {
      out["second"] = nullptr;
      out["second_outside_region"] = true;
    }
  }
  return Reply::Json(out);
}

HttpResult<Reply> ShowItem(Context& ctx) {
  ASSIGN_OR_RETURN(ReviewItem item, TargetItem(ctx, Action::kReviewRead));
  return DetailReply(ctx, item);
}

HttpResult<Reply> DecideItem(Context& ctx, bool accept) {
  ASSIGN_OR_RETURN(ReviewItem item, TargetItem(ctx, Action::kReviewDecide));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string note, RequiredString(*body, "note", kNoteLength));
  const int64_t id = item.attempt.evidence_id;
  RETURN_IF_ERROR(DecideReview(ctx.store, ctx.svc.policy, id, accept, ctx.principal.name, note, [&]() -> Status {
    return ctx.Audit(accept ? "review.accept" : "review.reject", fmt::format("evidence {}", id),
                     json{{"candidate", MaskIdNumber(item.candidate.id_number)},
                          {"source", item.record.source},
                          {"kind", item.record.kind}}
                         .dump());
  }));
  ASSIGN_OR_RETURN(ReviewItem decided, ShowReview(ctx.store, id));
  return DetailReply(ctx, decided);
}

HttpResult<Reply> AcceptItem(Context& ctx) { return DecideItem(ctx, true); }
HttpResult<Reply> RejectItem(Context& ctx) { return DecideItem(ctx, false); }

// ---- Recoveries (追回) ----------------------------------------------------------

json RecoveryJson(const RecoveryRecord& r) {
  return {{"id", r.id},
          {"receivable_id", r.receivable_id},
          {"entitlement_id", r.entitlement_id},
          {"month", r.month.ToString()},
          {"amount", FormatYuan(r.amount)},
          {"method", r.method},
          {"method_label", RecoveryMethodZh(r.method)},
          {"on", r.on.ToString()},
          {"note", r.note},
          {"recorded_at", r.recorded_at}};
}

HttpResult<json> RecoveriesJson(Context& ctx, const PersonRecord& p, const std::vector<RecoveryRecord>& rows) {
  ASSIGN_OR_RETURN(Fen outstanding, ctx.store.OutstandingOf(p.key));
  json list = json::array();
  Fen total = 0;
  for (const RecoveryRecord& r : rows) {
    list.push_back(RecoveryJson(r));
    total += r.amount;
  }
  return json{{"handle", ctx.params["handle"]},
              {"id_number", MaskIdNumber(p.id_number)},
              {"recoveries", list},
              {"total", FormatYuan(total)},
              {"outstanding", FormatYuan(outstanding)}};
}

HttpResult<Reply> ListRecoveries(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kRecoveryRead));
  ASSIGN_OR_RETURN(std::vector<RecoveryRecord> rows, ctx.store.RecoveriesOf(p.key));
  ASSIGN_OR_RETURN(json out, RecoveriesJson(ctx, p, rows));
  return Reply::Json(out);
}

// The recovery queue (多发待遇追回): persons in scope who owe money paid that
// was not due, with what is outstanding, oldest debts first.
HttpResult<Reply> RecoveryQueue(Context& ctx) {
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  ASSIGN_OR_RETURN(PersonFilter filter, PersonFilter::FromQuery(ctx, Action::kRecoveryRead));
  ASSIGN_OR_RETURN(std::vector<PersonKey> persons, ctx.store.PersonsWithOpenReceivables());
  ASSIGN_OR_RETURN(std::vector<ReceivableRecord> open, ctx.store.OpenReceivables());
  std::unordered_map<int64_t, std::pair<Month, std::string>> oldest;  // by entitlement: month, reason
  for (const ReceivableRecord& r : open) {
    auto [it, fresh] = oldest.try_emplace(r.entitlement_id, r.month, r.reason);
    if (!fresh && r.month < it->second.first) it->second = {r.month, r.reason};
  }
  // Each matching person's oldest month owed, then the oldest debts first.
  struct Owing {
    PersonKey key;
    Month since;
    std::string rule;
  };
  std::vector<Owing> owing;
  for (PersonKey key : persons) {
    ASSIGN_OR_RETURN(bool allowed, filter.Allows(key));
    if (!allowed) continue;
    ASSIGN_OR_RETURN(std::vector<EntitlementRecord> ents, ctx.store.EntitlementsOf(key));
    std::optional<Month> since;
    std::string rule;
    for (const EntitlementRecord& e : ents) {
      auto it = oldest.find(e.terms.id);
      if (it != oldest.end() && (!since || it->second.first < *since)) std::tie(since, rule) = it->second;
    }
    if (since) owing.push_back({key, *since, rule});
  }
  std::stable_sort(owing.begin(), owing.end(), [](const Owing& a, const Owing& b) { return a.since < b.since; });
  json list = json::array();
  RegionNames names(ctx.store, RegionNames::Missing::kNearestAncestor);
  for (const Owing& o : owing) {
    if (static_cast<int64_t>(list.size()) == limit) break;
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(o.key));
    ASSIGN_OR_RETURN(Fen outstanding, ctx.store.OutstandingOf(o.key));
    ASSIGN_OR_RETURN(std::string region_name, names.Of(p->region_code));
    list.push_back({{"handle", ctx.svc.secrets.PersonHandle(o.key)},
                    {"id_number", MaskIdNumber(p->id_number)},
                    {"name", MaskName(p->name)},
                    {"region_code", p->region_code},
                    {"region_name", region_name},
                    {"outstanding", FormatYuan(outstanding)},
                    {"since", o.since.ToString()},
                    {"rule", o.rule}});
  }
  return Reply::Json({{"recoveries", list}, {"total", owing.size()}});
}

HttpResult<Reply> RecordRecovery(Context& ctx) {
  ASSIGN_OR_RETURN(PersonRecord p, TargetPerson(ctx, Action::kRecoveryRecord));
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  ASSIGN_OR_RETURN(std::string amount_text, RequiredString(*body, "amount", 32));
  auto amount = ParseYuan(amount_text);
  if (!amount) return BadField("amount", "amount 应为以元为单位的金额, 如 \"123.45\" (yuan, e.g. \"123.45\")");
  ASSIGN_OR_RETURN(std::string method, RequiredString(*body, "method", 16));
  ASSIGN_OR_RETURN(Date on, PastDateField(ctx, *body, "on"));
  ASSIGN_OR_RETURN(std::optional<std::string> note, OptionalString(*body, "note", kNoteLength));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> tx, ctx.store.Begin());
  auto rows = ctx.store.RecordRecovery(p.key, *amount, method, on, note.value_or(""));
  if (!rows) {
    return tl::unexpected(WithField(rows.error(), {{"recovery method", "method"}, {"recovery amount", "amount"}}));
  }
  RETURN_IF_ERROR(ctx.Audit(
      "recovery.record", "person " + MaskIdNumber(p.id_number),
      json{{"handle", ctx.params["handle"]}, {"amount", FormatYuan(*amount)}, {"method", method}, {"on", on.ToString()}}
          .dump()));
  RETURN_IF_ERROR(tx->Commit());
  ASSIGN_OR_RETURN(json out, RecoveriesJson(ctx, p, *rows));
  return Created(out);
}

// ---- Staff accounts and partners (账号与合作方) --------------------------------

json UserJson(const StaffUser& u, int64_t now) {
  return {{"name", u.name},
          {"role", u.role},
          {"region", u.region},
          {"disabled", u.disabled},
          {"locked", u.locked_until > now},
          {"created_at", u.created_at}};
}

HttpResult<Reply> ListUsers(Context& ctx) {
  ASSIGN_OR_RETURN(std::vector<StaffUser> users, ctx.store.ListUsers());
  json list = json::array();
  for (const StaffUser& u : users) list.push_back(UserJson(u, ctx.svc.Now()));
  return Reply::Json({{"users", list}});
}

HttpResult<Reply> AddUserRoute(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  NewUser user;
  ASSIGN_OR_RETURN(user.name, RequiredString(*body, "name", 64));
  ASSIGN_OR_RETURN(std::string role_text, RequiredString(*body, "role", 16));
  auto role = ParseRole(role_text);
  if (!role) return BadField("role", role.error().message);
  user.role = *role;
  ASSIGN_OR_RETURN(std::optional<std::string> region, OptionalString(*body, "region", 12));
  user.region = region.value_or("");
  ASSIGN_OR_RETURN(user.password, RequiredString(*body, "password", 1024));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> tx, ctx.store.Begin());
  auto id = AddUser(ctx.store, user, ctx.svc.Now());
  if (!id) {
    HttpError e = WithField(id.error(), {{"用户名", "name"},
                                         {"partner 与 attestor", "role"},
                                         {"--region", "region"},
                                         {"operator、reviewer 与 community", "region"},
                                         {"密码", "password"}});
    if (id.error().code == ErrorCode::kAlreadyExists) e.field = "name";
    if (e.field.empty() && id.error().code == ErrorCode::kInvalidArgument) e.field = "password";
    return tl::unexpected(e);
  }
  RETURN_IF_ERROR(
      ctx.Audit("user.add", "user " + user.name, json{{"role", RoleName(user.role)}, {"region", user.region}}.dump()));
  RETURN_IF_ERROR(tx->Commit());
  ASSIGN_OR_RETURN(std::optional<StaffUser> added, ctx.store.FindUser(user.name));
  if (!added) return tl::unexpected(HttpError(ErrorCode::kInternal, "the added user vanished"));
  return Created({{"user", UserJson(*added, ctx.svc.Now())}});
}

HttpResult<Reply> SetDisabled(Context& ctx, bool disabled) {
  const std::string& name = ctx.params["name"];
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> tx, ctx.store.Begin());
  auto id = SetUserDisabled(ctx.store, name, disabled, ctx.svc.Now());
  if (!id) {
    if (id.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(HttpError(ErrorCode::kNotFound, "没有该用户 (no such user)", "name"));
    }
    return tl::unexpected(id.error());
  }
  RETURN_IF_ERROR(ctx.Audit(disabled ? "user.disable" : "user.enable", "user " + name));
  RETURN_IF_ERROR(tx->Commit());
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, ctx.store.FindUser(name));
  if (!user) return tl::unexpected(HttpError(ErrorCode::kInternal, "the user vanished"));
  return Reply::Json({{"user", UserJson(*user, ctx.svc.Now())}});
}

HttpResult<Reply> SetPartnerState(Context& ctx, bool disabled) {
  const std::string& name = ctx.params["name"];
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> tx, ctx.store.Begin());
  if (auto done = ctx.store.SetPartnerDisabled(name, disabled); !done) {
    if (done.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(HttpError(ErrorCode::kNotFound, "没有该合作方 (no such partner)", "name"));
    }
    return tl::unexpected(done.error());
  }
  RETURN_IF_ERROR(ctx.Audit(disabled ? "partner.disable" : "partner.enable", "partner " + name));
  RETURN_IF_ERROR(tx->Commit());
  return Reply::Json({{"name", name}, {"disabled", disabled}});
}

HttpResult<Reply> DisablePartner(Context& ctx) { return SetPartnerState(ctx, true); }
HttpResult<Reply> EnablePartner(Context& ctx) { return SetPartnerState(ctx, false); }

HttpResult<Reply> DisableUser(Context& ctx) { return SetDisabled(ctx, true); }
HttpResult<Reply> EnableUser(Context& ctx) { return SetDisabled(ctx, false); }

json PartnerJson(const PartnerRecord& p) {
  return {{"name", p.name},     {"role", p.role},         {"source", p.source},        {"kinds", p.kinds},
          {"key_id", p.key_id}, {"disabled", p.disabled}, {"created_at", p.created_at}};
}

HttpResult<Reply> ListPartners(Context& ctx) {
  ASSIGN_OR_RETURN(std::vector<PartnerRecord> partners, ctx.store.ListPartners());
  json list = json::array();
  for (const PartnerRecord& p : partners) list.push_back(PartnerJson(p));
  return Reply::Json({{"partners", list}});
}

HttpResult<std::vector<std::string>> KindsField(const json& body) {
  auto it = body.find("kinds");
  if (it == body.end() || !it->is_array() || it->empty()) {
    return BadField("kinds", "kinds 应为记录种类的数组 (a non-empty array of record kinds)");
  }
  std::vector<std::string> kinds;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& k = (*it)[i];
    if (!k.is_string() || k.get_ref<const std::string&>().empty() || k.get_ref<const std::string&>().size() > 64) {
      return BadField(fmt::format("kinds[{}]", i), "应为记录种类名称 (expected a kind's name)");
    }
    kinds.push_back(k.get<std::string>());
  }
  return kinds;
}

HttpResult<Reply> AddPartnerRoute(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  NewPartner partner;
  ASSIGN_OR_RETURN(partner.name, RequiredString(*body, "name", 64));
  ASSIGN_OR_RETURN(std::optional<std::string> role_text, OptionalString(*body, "role", 16));
  if (role_text) {
    auto role = ParseRole(*role_text);
    if (!role) return BadField("role", role.error().message);
    partner.role = *role;
  }
  ASSIGN_OR_RETURN(partner.source, RequiredString(*body, "source", 64));
  ASSIGN_OR_RETURN(partner.kinds, KindsField(*body));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> tx, ctx.store.Begin());
  auto key = AddPartner(ctx.store, ctx.svc.policy, ctx.svc.secrets, partner, ctx.svc.Now());
  if (!key) {
    HttpError e = WithField(key.error(),
                            {{"合作方名称", "name"}, {"--role", "role"}, {"--source", "source"}, {"--kinds", "kinds"}});
    if (key.error().code == ErrorCode::kAlreadyExists) e.field = "name";
    return tl::unexpected(e);
  }
  RETURN_IF_ERROR(ctx.Audit("partner.add", "partner " + partner.name,
                            json{{"role", RoleName(partner.role)},
                                 {"source", partner.source},
                                 {"kinds", partner.kinds},
                                 {"key_id", key->key_id}}
                                .dump()));
  RETURN_IF_ERROR(tx->Commit());
  json out = {{"partner",
               {{"name", partner.name},
                {"role", RoleName(partner.role)},
                {"source", partner.source},
                {"kinds", partner.kinds},
                {"key_id", key->key_id}}},
              {"notice",
               "密钥只显示这一次, 系统只保存其哈希或密文 (the key is shown once; tacit keeps only its hash "
               "or sealed form)"}};
  if (partner.role == Role::kPartner) {
    out["api_key"] = key->api_key;
  } else {
    out["signing_secret"] = key->signing_secret;
  }
  return Created(out);
}

// ---- The audit trail, exported (审计日志导出) ------------------------------------

HttpResult<Reply> ExportAudit(Context& ctx) {
  // Recorded first, so the export holds its own entry and ends at it.
  RETURN_IF_ERROR(ctx.Audit("audit.export", "audit trail"));
  // Built in memory: a year of a province's trail is tens of megabytes.
  std::string out;
  RETURN_IF_ERROR(ctx.store.ForEachAudit(0, 0, [&](const AuditEntry& e) -> Status {
    out += AuditEntryJson(e).dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
    return {};
  }));
  Reply r;
  r.body = std::move(out);
  r.content_type = "application/x-ndjson; charset=utf-8";
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"audit-{}.jsonl\"", TodayOf(ctx).ToString()));
  return r;
}

}  // namespace

void AddOpsRoutes(std::vector<Route>& routes) {
  const json note_schema = {
      {"type", "object"}, {"required", {"note"}}, {"properties", {{"note", {{"type", "string"}}}}}};
  routes.push_back({.method = "POST",
                    .path = "/api/v1/cycle/runs",
                    .tag = "cycle",
                    .summary = "运行月度发放 (run the monthly run for a month and write its payroll file); 409 when "
                               "the month was run",
                    .auth = kSessionAuth,
                    .action = Action::kCycleRun,
                    .request_schema = {{"type", "object"},
                                       {"required", {"month"}},
                                       {"properties",
                                        {{"month", {{"type", "string"}, {"pattern", "^[0-9]{4}-[0-9]{2}$"}}},
                                         {"as_of",
                                          {{"type", "string"},
                                           {"format", "date"},
                                           {"description",
                                            "knowledge cut-off; default the payroll lock day of the "
                                            "month before"}}}}}},
                    .handler = StartRun});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/cycle/runs",
                    .tag = "cycle",
                    .summary = "月度发放记录 (every recorded run with its counts and amounts), oldest first",
                    .auth = kSessionAuth,
                    .action = Action::kCycleRead,
                    .handler = ListRuns});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/cycle/runs/{month}",
                    .tag = "cycle",
                    .summary = "某月发放情况 (one run: cut-off, counts, amounts)",
                    .auth = kSessionAuth,
                    .action = Action::kCycleRead,
                    .handler = ShowRun});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/cycle/runs/{month}/payroll",
                    .tag = "cycle",
                    .summary = "发放文件 (the payroll CSV for the bank, as `tacit cycle run` writes it; full identity "
                               "numbers: administrators only, audited)",
                    .auth = kSessionAuth,
                    .action = Action::kPayrollRead,
                    .handler = Payroll});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/stats",
                    .tag = "stats",
                    .summary = "统计 (recipients, certification, payment status and overpayments by region and "
                               "scheme); scoped accounts see their own region and below",
                    .auth = kSessionAuth,
                    .action = Action::kStatsRead,
                    .query = {"region: 2/4/6/9/12-digit region code (default: the account's own region, or all)",
                              "month: YYYY-MM for payment status (default: the current month)",
                              "level: province, city, county, township or village to group by (default: one "
                              "below region)",
                              "as_of: knowledge cut-off YYYY-MM-DD (default: today)"},
                    .handler = Stats});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/cases",
                    .tag = "cases",
                    .summary = "待核查事项 (cases of persons in scope, oldest first; identity numbers masked)",
                    .auth = kSessionAuth,
                    .action = Action::kCaseRead,
                    .query = {"status: open (default), resolved or all", "after: cases with a higher id",
                              "region: residence region prefix within your scope", "age_min: youngest age in years",
                              "age_max: oldest age in years",
                              "limit: at most this many (1-1000, default 100)"},
                    .handler = ListCases});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/cases/{id}",
                    .tag = "cases",
                    .summary = "待核查事项详情 (one case: its person's handle, evidence, suggestion and decision; "
                               "masked)",
                    .auth = kSessionAuth,
                    .action = Action::kCaseRead,
                    .handler = ShowCase});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/cases/{id}/resolve",
       .tag = "cases",
       .summary = "处理待核查事项 (decide a case: fraud and void_evidence become facts the next monthly "
                  "run acts on); audited",
       .auth = kSessionAuth,
       .action = Action::kCaseDecide,
       .request_schema = {{"type", "object"},
                          {"required", {"decision", "note"}},
                          {"properties",
                           {{"decision", {{"type", "string"}, {"enum", {"fraud", "void_evidence", "dismiss", "confirm_face"}}}},
                            {"note", {{"type", "string"}}},
                            {"amount", {{"type", "string"}, {"description", "fraud: yuan obtained, e.g. \"6241.00\""}}},
                            {"evidence_id",
                             {{"type", "integer"}, {"description", "void_evidence: one of the case's records"}}},
                            {"on", {{"type", "string"}, {"format", "date"}, {"description", "default today"}}}}}},
       .handler = ResolveCase});
  routes.push_back(
      {.method = "GET",
       .path = "/api/v1/reviews",
       .tag = "reviews",
       .summary = "关联复核 (proposed links awaiting a reviewer, of candidates in scope; masked)",
       .auth = kSessionAuth,
       .action = Action::kReviewRead,
       .query = {"status: open (default), accepted, rejected, linked or all", "after: items with a higher evidence id",
                 "region: residence region prefix within your scope", "age_min: youngest age in years",
                 "age_max: oldest age in years",
                 "limit: at most this many (1-1000, default 100)"},
       .handler = ListReviews});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/reviews/{evidence_id}",
                    .tag = "reviews",
                    .summary = "复核详情 (the partner's record and the candidate side by side, with each comparison; "
                               "masked)",
                    .auth = kSessionAuth,
                    .action = Action::kReviewRead,
                    .handler = ShowItem});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/reviews/{evidence_id}/accept",
                    .tag = "reviews",
                    .summary = "确认关联 (link the record to the candidate; the next monthly run acts on it); audited",
                    .auth = kSessionAuth,
                    .action = Action::kReviewDecide,
                    .request_schema = note_schema,
                    .handler = AcceptItem});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/reviews/{evidence_id}/reject",
                    .tag = "reviews",
                    .summary = "否定关联 (the record stays unlinked); audited",
                    .auth = kSessionAuth,
                    .action = Action::kReviewDecide,
                    .request_schema = note_schema,
                    .handler = RejectItem});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/recoveries",
                    .tag = "recoveries",
                    .summary = "追回工作队列 (persons in scope with overpayments outstanding, masked)",
                    .auth = kSessionAuth,
                    .action = Action::kRecoveryRead,
                    .query = {"region: residence region prefix within your scope", "age_min: youngest age in years",
                              "age_max: oldest age in years", "limit: at most this many (1-1000, default 100)"},
                    .handler = RecoveryQueue});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/persons/{handle}/recoveries",
                    .tag = "recoveries",
                    .summary = "追回记录 (money paid back and what is still outstanding)",
                    .auth = kSessionAuth,
                    .action = Action::kRecoveryRead,
                    .handler = ListRecoveries});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/persons/{handle}/recoveries",
       .tag = "recoveries",
       .summary = "登记追回 (money paid back, set against the oldest overpaid months first); audited",
       .auth = kSessionAuth,
       .action = Action::kRecoveryRecord,
       .request_schema = {{"type", "object"},
                          {"required", {"amount", "method"}},
                          {"properties",
                           {{"amount", {{"type", "string"}, {"description", "yuan, e.g. \"123.45\""}}},
                            {"method", {{"type", "string"}, {"enum", {"lump", "instalment", "offset"}}}},
                            {"on", {{"type", "string"}, {"format", "date"}, {"description", "default today"}}},
                            {"note", {{"type", "string"}}}}}},
       .handler = RecordRecovery});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/users",
                    .tag = "users",
                    .summary = "工作人员账号 (staff accounts: role, region, disabled, locked)",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = ListUsers});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/users",
       .tag = "users",
       .summary = "新增账号 (add a staff account; the password is stored as an Argon2id hash); audited",
       .auth = kSessionAuth,
       .action = Action::kUserAdmin,
       .request_schema =
           {{"type", "object"},
            {"required", {"name", "role", "password"}},
            {"properties",
             {{"name", {{"type", "string"}}},
              {"role", {{"type", "string"}, {"enum", {"admin", "operator", "reviewer", "auditor", "community"}}}},
              {"region", {{"type", "string"}, {"description", "operator, reviewer and community: the region code they act in"}}},
              {"password", {{"type", "string"}, {"minLength", 12}}}}}},
       .handler = AddUserRoute});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/users/{name}/disable",
                    .tag = "users",
                    .summary = "停用账号 (disable an account and end its sessions at once); audited",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = DisableUser});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/users/{name}/enable",
                    .tag = "users",
                    .summary = "启用账号 (enable a disabled account); audited",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = EnableUser});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/partners/{name}/disable",
                    .tag = "partners",
                    .summary = "停用密钥 (refuse a partner's or attestor's key from now on: stolen, leaked, retired); "
                               "audited",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = DisablePartner});
  routes.push_back({.method = "POST",
                    .path = "/api/v1/partners/{name}/enable",
                    .tag = "partners",
                    .summary = "启用密钥 (accept a disabled key again); audited",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = EnablePartner});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/partners",
                    .tag = "partners",
                    .summary = "合作方 (partner departments and attestors: source, kinds, key id; never keys)",
                    .auth = kSessionAuth,
                    .action = Action::kUserAdmin,
                    .handler = ListPartners});
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/partners",
       .tag = "partners",
       .summary = "登记合作方 (register a partner or attestor; the key is in this reply only); audited",
       .auth = kSessionAuth,
       .action = Action::kUserAdmin,
       .request_schema = {{"type", "object"},
                          {"required", {"name", "source", "kinds"}},
                          {"properties",
                           {{"name", {{"type", "string"}}},
                            {"role", {{"type", "string"}, {"enum", {"partner", "attestor"}}, {"default", "partner"}}},
                            {"source", {{"type", "string"}}},
                            {"kinds", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}},
       .handler = AddPartnerRoute});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/audit/export",
                    .tag = "audit",
                    .summary = "导出审计日志 (every entry as JSON Lines with its chain hashes, to verify outside "
                               "tacit); audited",
                    .auth = kSessionAuth,
                    .action = Action::kAuditRead,
                    .handler = ExportAudit});
}

}  // namespace tacit::server
