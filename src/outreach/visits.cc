// Visit tasks, the special-persons file and the committees' death returns.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "tacit/access.h"
#include "tacit/outreach.h"

namespace tacit {

namespace {

using nlohmann::json;

std::string PersonTarget(Store& store, PersonKey key) {
  auto p = store.FindPerson(key);
  if (p && *p) return fmt::format("person {}", MaskIdNumber((*p)->id_number));
  return "person ?";
}

}  // namespace

Result<VisitTaskRecord> AssignVisit(Store& store, int64_t task_id, const std::string& to, const std::string& actor,
                                    int64_t now_ms) {
  if (to.empty()) return InvalidArgument("--to: 请指定上门工作人员 (name the member of staff)");
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<VisitTaskRecord> t, store.outreach().FindVisitTask(task_id));
  if (!t) return NotFound(fmt::format("上门任务 {} 不存在 (no such visit task)", task_id));
  if (t->status == kVisitDone || t->status == kVisitCancelled) {
    return FailedPrecondition(fmt::format("上门任务 {} 已{} (the task is {} already)", task_id,
                                          VisitStatusZh(t->status), t->status));
  }
  // Someone who can do it: an enabled operator or community account whose
  // region covers the task's community.
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUser(to));
  if (!user || user->disabled ||
      (user->role != RoleName(Role::kOperator) && user->role != RoleName(Role::kCommunity)) ||
      !std::string_view(t->region).starts_with(user->region)) {
    return InvalidArgument("--to: 该账号不能承担此任务：须为本辖区启用的经办或社区工作人员账号 (not an enabled operator or "
                           "community account whose region covers the task)");
  }
  t->status = std::string(kVisitAssigned);
  t->assigned_to = to;
  RETURN_IF_ERROR(store.outreach().UpdateVisitTask(*t));
  RETURN_IF_ERROR(AppendAudit(store, {actor, "visit.assign", fmt::format("visit {}", task_id),
                                      json({{"to", to}}).dump(), "ok"}, now_ms));
  RETURN_IF_ERROR(unit->Commit());
  return *t;
}

Result<VisitTaskRecord> CompleteVisit(Store& store, const Policy& policy, const VisitCompletion& c, int64_t now_ms,
                                      Date today) {
  if (c.outcome != "certified" && c.outcome != "died" && c.outcome != "moved" && c.outcome != "not_found") {
    return InvalidArgument("--outcome: expected certified (本人认证), died (已死亡), moved (已迁出) or not_found (查无此人)");
  }
  if (c.by.empty()) return InvalidArgument("--by: 请填写上门工作人员 (who visited)");
  if (c.on > today) return InvalidArgument("--on: 上门日期不能晚于今天 (the visit cannot be in the future)");
  if (c.outcome == "died" && !c.death_date) {
    return InvalidArgument("--death-date: 结果为已死亡时须填写死亡日期 (a death needs its date)");
  }
  if (c.death_date && *c.death_date > c.on) {
    return InvalidArgument("--death-date: 死亡日期不能晚于上门日期 (the death cannot follow the visit)");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  OutreachStore& out = store.outreach();
  ASSIGN_OR_RETURN(std::optional<VisitTaskRecord> t, out.FindVisitTask(c.task_id));
  if (!t) return NotFound(fmt::format("上门任务 {} 不存在 (no such visit task)", c.task_id));
  if (t->status == kVisitDone || t->status == kVisitCancelled) {
    return FailedPrecondition(fmt::format("上门任务 {} 已{} (the task is {} already)", c.task_id,
                                          VisitStatusZh(t->status), t->status));
  }
  if (c.on < BeijingDate(t->created_ms)) {
    return InvalidArgument("--on: 上门日期早于任务创建日期 (the visit cannot precede its task)");
  }
  EvidenceRecord e;
  e.source = std::string(kAgencySource);
  e.ref = fmt::format("visit/{}", t->id);
  e.person = t->person;
  e.occurred_on = c.outcome == "died" ? *c.death_date : c.on;
  e.received_on = c.on;
  e.link_method = std::string(kLinkExact);
  json detail = {{"by", c.by}, {"task", t->id}, {"visited_on", c.on.ToString()}};
  if (!c.note.empty()) detail["note"] = c.note;
  if (c.outcome == "certified") {
    e.kind = "home_visit";
    if (!c.photo_sha256.empty()) detail["photo_sha256"] = c.photo_sha256;
  } else if (c.outcome == "died") {
    e.kind = "death_report";
    detail["death_date"] = c.death_date->ToString();
    detail["reporter"] = "village_committee";
  } else {
    e.kind = c.outcome == "moved" ? "visit_moved" : "visit_not_found";
  }
  if (policy.FindKind(e.kind) == nullptr) {
    return FailedPrecondition(fmt::format("the policy declares no evidence kind {} (update the policy)", e.kind));
  }
  e.detail = detail.dump();
  RETURN_IF_ERROR(store.AddEvidence(e));
  t->evidence_id = e.id;
  if (c.outcome == "moved" || c.outcome == "not_found") {
    CaseRecord k;
    k.person = t->person;
    k.type = e.kind;
    k.key = fmt::format("{}:{}", e.kind, e.id);
    k.summary = c.outcome == "moved" ? fmt::format("{} 上门认证发现本人已迁出，请核实新住址并转移认证", c.on.ToString())
                                     : fmt::format("{} 上门认证查无此人，请核实是否失踪、死亡或迁出", c.on.ToString());
    k.suggestion = "dismiss";
    k.evidence_ids = {e.id};
    k.opened_in = MonthOf(today);
    std::vector<CaseRecord> cases{k};
    RETURN_IF_ERROR(store.OpenCases(cases));
    t->case_id = cases[0].id;
  }
  t->status = std::string(kVisitDone);
  t->outcome = c.outcome;
  t->outcome_on = c.on;
  t->done_by = c.by;
  t->done_ms = now_ms;
  t->note = c.note;
  RETURN_IF_ERROR(out.UpdateVisitTask(*t));
  RETURN_IF_ERROR(AppendAudit(store, {c.by, "visit.complete", fmt::format("visit {} {}", t->id,
                                      PersonTarget(store, t->person)),
                                      json({{"outcome", c.outcome}, {"evidence", e.id}}).dump(), "ok"}, now_ms));
  RETURN_IF_ERROR(unit->Commit());
  return *t;
}

Status SetSpecialPerson(Store& store, SpecialPersonRecord record, const std::string& actor, int64_t now_ms) {
  if (record.reason.empty()) record.reason = "limited_mobility";
  record.source = "staff";
  record.set_by = actor;
  record.set_ms = now_ms;
  record.active = true;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(record.person));
  if (!p) return NotFound("该人员不在待遇领取名册中 (not in the registry)");
  RETURN_IF_ERROR(store.outreach().PutSpecialPerson(record));
  RETURN_IF_ERROR(AppendAudit(store, {actor, "special.set", PersonTarget(store, record.person),
                                      json({{"reason", record.reason}}).dump(), "ok"}, now_ms));
  return unit->Commit();
}

Status EndSpecialPerson(Store& store, PersonKey person, const std::string& actor, int64_t now_ms) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(person));
  if (!p) return NotFound("该人员不在待遇领取名册中 (not in the registry)");
  ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> s, store.outreach().FindSpecialPerson(person));
  // In the file by a staff entry, or by the registry's special_care flag (an
  // ended staff entry then overrides the flag).
  if (s ? !s->active : !p->special_care) {
    return NotFound("该人员不在特殊人员档案中 (not in the special-persons file)");
  }
  if (!s) s = SpecialPersonRecord{person, "limited_mobility", "", "", "", "", "staff", "", 0, true};
  s->source = "staff";
  s->active = false;
  s->set_by = actor;
  s->set_ms = now_ms;
  RETURN_IF_ERROR(store.outreach().PutSpecialPerson(*s));
  RETURN_IF_ERROR(AppendAudit(store, {actor, "special.end", PersonTarget(store, person), "", "ok"}, now_ms));
  return unit->Commit();
}

Result<ZeroReportCompliance> ZeroReportStatus(Store& store, const std::string& prefix, Month month) {
  ZeroReportCompliance z;
  z.month = month;
  ASSIGN_OR_RETURN(auto regions, store.outreach().ResidenceRegions(prefix));
  ASSIGN_OR_RETURN(std::vector<DeathReturnRecord> returns, store.outreach().DeathReturns(month, prefix));
  std::map<std::string, DeathReturnRecord> by_committee;
  for (DeathReturnRecord& r : returns) by_committee.emplace(r.committee, std::move(r));
  for (const auto& [code, persons] : regions) {
    if (code.size() != 12) continue;
    CommitteeReturn c{code, persons, std::nullopt};
    if (auto it = by_committee.find(code); it != by_committee.end()) c.report = it->second;
    auto& county = z.by_county[code.substr(0, 6)];
    ++county.first;
    ++z.expected;
    if (c.report) {
      ++county.second;
      ++z.reported;
    }
    z.committees.push_back(std::move(c));
  }
  return z;
}

Status RecordDeathReturn(Store& store, const DeathReturnRecord& r, Date today) {
  if (r.committee.size() != 12 ||
      !std::all_of(r.committee.begin(), r.committee.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return InvalidArgument("--committee: 应为12位村(居)委会区划代码 (expected the 12-digit village or community code)");
  }
  if (r.deaths < 0) return InvalidArgument("deaths: 死亡人数不能为负 (expected 0 or more)");
  // A committee the store knows of: a division imported, or recipients living there.
  ASSIGN_OR_RETURN(std::optional<Region> division, store.FindRegion(r.committee));
  if (!division) {
    ASSIGN_OR_RETURN(auto living, store.outreach().ResidenceRegions(r.committee));
    if (living.empty()) {
      return InvalidArgument("--committee: 没有该村(居)委会 (no such committee: no division and no recipient lives there)");
    }
  }
  if (r.month >= MonthOf(today)) {
    return InvalidArgument(fmt::format("--month: {} 尚未结束，月满后报告 (report a month once it has ended)",
                                       r.month.ToString()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.outreach().PutDeathReturn(r));
  RETURN_IF_ERROR(AppendAudit(store, {r.submitted_by, "deaths.report", fmt::format("committee {}", r.committee),
                                      json({{"month", r.month.ToString()}, {"deaths", r.deaths},
                                            {"batch", r.batch_id}}).dump(), "ok"}, r.submitted_ms));
  return unit->Commit();
}

}  // namespace tacit
