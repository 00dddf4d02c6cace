#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tacit/casework.h"
#include "tacit/outreach.h"
#include "tacit/report.h"

namespace tacit {
namespace {

// The UTC day of a Unix-milliseconds instant, YYYY-MM-DD.
std::string FaceDayText(int64_t ms) { return Date::FromDays(static_cast<int32_t>(ms / 86'400'000)).ToString(); }

std::string_view MonthStatusZh(MonthStatus s) {
  switch (s) {
    case MonthStatus::kPayable: return "正常发放";
    case MonthStatus::kSuspended: return "暂停发放";
    case MonthStatus::kTerminated: return "终止发放";
    case MonthStatus::kStopped: return "停发";
  }
  return "";
}

std::string_view SexZh(Sex s) {
  switch (s) {
    case Sex::kMale: return "男";
    case Sex::kFemale: return "女";
    case Sex::kUnknown: break;
  }
  return "未知";
}

}  // namespace

Result<PersonView> BuildPersonView(Store& store, const Policy& policy, PersonKey key, Date as_of, int months) {
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(key));
  if (!person) {
    return NotFound(fmt::format("{} is not in the benefit registry", MaskIdNumber(IdNumber::FromKey(key).text())));
  }
  PersonView view;
  view.person = std::move(*person);
  view.as_of = as_of;
  if (auto r = store.FindRegion(view.person.region_code); r && *r) view.region_name = (*r)->name;
  ASSIGN_OR_RETURN(view.evidence, store.EvidenceOf(key));
  PersonFacts facts;
  facts.baseline_certified = view.person.baseline_certified;
  for (const EvidenceRecord& e : view.evidence) {
    facts.facts.push_back(Fact{e.id, e.kind, e.source, e.occurred_on, e.received_on, e.detail});
  }
  view.certification = DeriveCertification(policy, facts, as_of);
  ASSIGN_OR_RETURN(std::vector<EntitlementRecord> ents, store.EntitlementsOf(key));
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  const Month through = MonthOf(as_of);
  std::vector<EntitlementTerms> terms;
  for (const EntitlementRecord& e : ents) terms.push_back(e.terms);
  const PersonSchedule schedule =
      DerivePersonSchedule(policy, terms, facts, through - std::max(1, months) + 1, through, as_of);
  // Arrears are counted over the months tacit has run.
  const std::optional<Month> last_run = runs.empty() ? std::nullopt : std::optional<Month>(runs.back().month);
  const PersonSchedule ran =
      last_run ? DerivePersonSchedule(policy, terms, facts, runs.front().month, *last_run, as_of, Explain::kNo)
               : PersonSchedule{};
  auto is_month_payment = [](const PaymentRecord& p) { return p.kind == "regular" || p.kind == "back_pay"; };
  for (size_t i = 0; i < ents.size(); ++i) {
    EntitlementRecord& e = ents[i];
    EntitlementView ev;
    ASSIGN_OR_RETURN(ev.ledger, store.LedgerOf(e.terms.id));
    for (const OneOffDue& o : schedule.oneoffs) {
      if (o.entitlement_id != e.terms.id) continue;
      EntitlementView::OneOffRow row{o, 0};
      for (const PaymentRecord& p : ev.ledger.payments) {
        if (p.kind == o.kind) row.paid += p.amount;
      }
      ev.oneoffs.push_back(std::move(row));
    }
    for (const MonthDecision& d : schedule.months[i]) {
      // Months up to paid_through were paid by the previous system; without
      // it no run has included the entitlement yet.
      EntitlementView::MonthRow row{d, 0, !e.terms.paid_through || d.month <= *e.terms.paid_through};
      // What the previous system paid, as the monthly run counts it.
      if (e.terms.paid_through && d.month <= *e.terms.paid_through) row.paid = e.terms.AmountIn(d.month);
      for (const PaymentRecord& p : ev.ledger.payments) {
        if (p.month == d.month && is_month_payment(p)) row.paid += p.amount;
      }
      ev.months.push_back(std::move(row));
    }
    if (!ev.months.empty()) ev.current = ev.months.back().decision.status;
    for (const ReceivableRecord& r : ev.ledger.receivables) {
      ev.overpaid += r.amount;
      ev.recovered += r.recovered;
    }
    ev.outstanding = ev.overpaid - ev.recovered;
    // Arrears: months tacit has run whose due amount was not (yet) paid.
    if (last_run) {
      for (const MonthDecision& d : ran.months[i]) {
        if (d.status != MonthStatus::kPayable) continue;
        if (e.terms.paid_through && d.month <= *e.terms.paid_through) continue;
        Fen paid = 0;
        for (const PaymentRecord& p : ev.ledger.payments) {
          if (p.month == d.month && is_month_payment(p)) paid += p.amount;
        }
        if (d.due > paid) ev.arrears += d.due - paid;
      }
    }
    ev.entitlement = std::move(e);
    view.entitlements.push_back(std::move(ev));
  }
  ASSIGN_OR_RETURN(view.cases, store.ListCases("", key));
  ASSIGN_OR_RETURN(view.recoveries, store.RecoveriesOf(key));
  ASSIGN_OR_RETURN(view.face, store.FindFaceTemplate(key));
  if (view.face) {  // the sealed template and photo are not the view's business
    view.face->sealed_template.clear();
    view.face->sealed_photo.clear();
  }
  constexpr int64_t kDayMs = 86'400'000;
  const int64_t until = (static_cast<int64_t>(as_of.days()) + 1) * kDayMs;
  ASSIGN_OR_RETURN(std::vector<FaceAttemptRecord> attempts, store.FaceAttemptsOf(key, until - 31 * kDayMs));
  for (FaceAttemptRecord& a : attempts) {
    if (a.at_ms < until) view.face_attempts.push_back(std::move(a));
  }
  ASSIGN_OR_RETURN(view.messages, store.outreach().MessagesOf(key));
  if (view.messages.size() > 20) view.messages.resize(20);
  ASSIGN_OR_RETURN(view.visits, store.outreach().VisitTasksOf(key));
  ASSIGN_OR_RETURN(view.special, store.outreach().FindSpecialPerson(key));
  return view;
}

std::string PersonViewText(const PersonView& v, const Policy& policy) {
  std::ostringstream out;
  const PersonRecord& p = v.person;
  out << fmt::format("身份证号 {}  姓名 {}  性别 {}  出生 {}  电话 {}\n", p.id_number, MaskName(p.name), SexZh(p.sex),
                     p.birth_date.ToString(), p.phone.empty() ? "-" : MaskPhone(p.phone));
  out << fmt::format("居住地 {} {}{}\n", p.region_code, v.region_name, p.special_care ? "  [特殊人员: 行动不便]" : "");
  const CertificationState& c = v.certification;
  out << fmt::format("\n待遇资格认证 (as of {}): {} ({})\n", v.as_of.ToString(), CertStatusNameZh(c.status),
                     CertStatusName(c.status));
  if (c.last) {
    out << fmt::format("  最近认证 {}  方式 {}  依据 {}  有效期至 {}\n", c.last->on.ToString(), c.last->method,
                       c.last->evidence_id ? fmt::format("{} #{} ({})", policy.KindLabelZh(c.last->kind),
                                                         c.last->evidence_id, c.last->source)
                                           : std::string("原系统/导入基准"),
                       c.valid_through->ToString());
  }
  if (c.death_date) {
    out << fmt::format("  死亡日期 {}  依据 {} #{}\n", c.death_date->ToString(), policy.KindLabelZh(c.death_kind),
                       c.death_evidence_id);
  }
  out << fmt::format("\n证据时间线 ({} 条)\n", v.evidence.size());
  for (const EvidenceRecord& e : v.evidence) {
    out << fmt::format("  {}  {:<12} {:<18} 来源 {} 记录 {}  获知 {}  关联 {}\n", e.occurred_on.ToString(), e.kind,
                       policy.KindLabelZh(e.kind), e.source, e.ref, e.received_on.ToString(), e.link_method);
  }
  for (const EntitlementView& ev : v.entitlements) {
    const EntitlementTerms& t = ev.entitlement.terms;
    out << fmt::format("\n待遇 #{} {} ({})  发放地 {}  起始 {}  当前月发放标准 {} 元  状态 {}\n", t.id,
                       SchemeNameZh(t.scheme), SchemeName(t.scheme), t.paying_region, t.start.ToString(),
                       FormatYuan(t.AmountIn(MonthOf(v.as_of))), MonthStatusZh(ev.current));
    for (const auto& m : ev.months) {
      out << fmt::format("  {}  {:<10} 应发 {:>10}  已发 {:>10}  {}\n", m.decision.month.ToString(),
                         MonthStatusName(m.decision.status), FormatYuan(m.decision.due),
                         m.previous_system ? "(原系统)" : FormatYuan(m.paid), m.decision.explanation);
    }
    for (const auto& o : ev.oneoffs) {
      out << fmt::format("  一次性待遇 {} 应发 {} 元 已发 {} 元：{}\n", o.due.month.ToString(), FormatYuan(o.due.due),
                         FormatYuan(o.paid), o.due.explanation);
    }
    out << fmt::format("  多发待遇 {} 元 (已追回 {} 元, 待追回 {} 元)  待补发 {} 元\n", FormatYuan(ev.overpaid),
                       FormatYuan(ev.recovered), FormatYuan(ev.outstanding), FormatYuan(ev.arrears));
    for (const ReceivableRecord& r : ev.ledger.receivables) {
      out << fmt::format("    应追回 {} {} 元  规则 {}  证据 #{}  记于 {} 月度发放\n", r.month.ToString(),
                         FormatYuan(r.amount), r.reason, r.evidence_id, r.run_month.ToString());
    }
  }
  if (!v.recoveries.empty()) {
    out << fmt::format("\n追回记录 (recoveries, {} 笔)\n", v.recoveries.size());
    for (const RecoveryRecord& r : v.recoveries) {
      out << fmt::format("  {}  {} ({})  待遇 #{} {}  {} 元{}\n", r.on.ToString(), RecoveryMethodZh(r.method),
                         r.method, r.entitlement_id, r.month.ToString(), FormatYuan(r.amount),
                         r.note.empty() ? "" : "  说明 " + r.note);
    }
  }
  if (v.face || !v.face_attempts.empty()) {
    out << fmt::format("\n人脸识别认证 (face): {}\n",
                       v.face ? fmt::format("已采集 {} 由 {}", FaceDayText(v.face->enrolled_at_ms), v.face->enrolled_by)
                              : std::string("未采集 (not enrolled)"));
    for (const FaceAttemptRecord& a : v.face_attempts) {
      out << fmt::format("  {}  {}  {}  比对 {:.3f}\n", FaceDayText(a.at_ms), a.method, a.result, a.similarity);
    }
  }
  if (v.special && v.special->active) {
    out << fmt::format("\n特殊人员档案 (special persons file): {}  联系人 {} {}  {}\n", SpecialReasonZh(v.special->reason),
                       MaskName(v.special->contact_name), MaskPhone(v.special->contact_phone),
                       v.special->source == "registry" ? "来源 名册" : "来源 工作人员 " + v.special->set_by);
  }
  if (!v.messages.empty()) {
    out << fmt::format("\n提醒消息 (messages, {} 条)\n", v.messages.size());
    for (const OutreachMessageRecord& m : v.messages) {
      out << fmt::format("  {}  {}  {}  {}{}  {}\n", FaceDayText(m.created_ms), ChannelNameZh(m.channel), m.reason,
                         MessageStatusZh(m.status), m.failure.empty() ? "" : fmt::format(" ({})", FailureZh(m.failure)),
                         RenderMessageZh(m.template_name, ParamsFromJson(m.params)));
    }
  }
  if (!v.visits.empty()) {
    out << fmt::format("\n上门认证任务 (visits, {} 件)\n", v.visits.size());
    for (const VisitTaskRecord& t : v.visits) {
      out << fmt::format("  #{}  {}  期限 {}  {}{}{}\n", t.id, VisitReasonZh(t.reason), t.due_on.ToString(),
                         VisitStatusZh(t.status), t.assigned_to.empty() ? "" : "  " + t.assigned_to,
                         t.outcome.empty() ? "" : fmt::format("  结果 {}", VisitOutcomeZh(t.outcome)));
    }
  }
  if (!v.cases.empty()) {
    out << fmt::format("\n待核查事项 (cases, {} 件)\n", v.cases.size());
    for (const CaseRecord& k : v.cases) {
      out << fmt::format("  #{} {}  {}  涉及金额 {} 元  {}{}\n", k.id, k.type, CaseStatusZh(k.status),
                         FormatYuan(k.at_stake), k.summary,
                         k.decision.empty() ? "" : fmt::format("  决定 {}", CaseDecisionTextZh(k.decision)));
    }
  }
  return out.str();
}

std::string PersonViewJson(const PersonView& v, const Policy& policy, const PersonJsonOptions& options) {
  using nlohmann::json;
  const CertificationState& c = v.certification;
  json cert = {{"status", CertStatusName(c.status)},
               {"last_certified_on", c.last ? json(c.last->on.ToString()) : json(nullptr)},
               {"method", c.last ? json(c.last->method) : json(nullptr)},
               {"valid_through", c.valid_through ? json(c.valid_through->ToString()) : json(nullptr)},
               {"evidence_id", c.last ? json(c.last->evidence_id) : json(nullptr)},
               {"death_date", c.death_date ? json(c.death_date->ToString()) : json(nullptr)}};
  json ents = json::array();
  for (const EntitlementView& ev : v.entitlements) {
    const EntitlementTerms& t = ev.entitlement.terms;
    json months = json::array();
    for (const auto& m : ev.months) {
      months.push_back({{"month", m.decision.month.ToString()},
                        {"status", MonthStatusName(m.decision.status)},
                        {"due", FormatYuan(m.decision.due)},
                        {"paid", FormatYuan(m.paid)},
                        {"paid_by", m.previous_system ? "previous_system" : "tacit"},
                        {"withheld", FormatYuan(m.decision.withheld)},
                        {"rule", m.decision.rule},
                        {"reference", policy.FindRule(m.decision.rule) ? policy.FindRule(m.decision.rule)->reference
                                                                       : std::string()},
                        {"evidence_id", m.decision.evidence_id},
                        {"explanation", m.decision.explanation}});
    }
    json receivables = json::array();
    for (const ReceivableRecord& r : ev.ledger.receivables) {
      receivables.push_back({{"month", r.month.ToString()},
                             {"amount", FormatYuan(r.amount)},
                             {"recovered", FormatYuan(r.recovered)},
                             {"rule", r.reason},
                             {"evidence_id", r.evidence_id},
                             {"run_month", r.run_month.ToString()}});
    }
    json oneoffs = json::array();
    for (const auto& o : ev.oneoffs) {
      oneoffs.push_back({{"kind", o.due.kind},
                         {"month", o.due.month.ToString()},
                         {"due", FormatYuan(o.due.due)},
                         {"paid", FormatYuan(o.paid)},
                         {"rule", o.due.rule},
                         {"explanation", o.due.explanation}});
    }
    ents.push_back({{"id", t.id},
                    {"scheme", SchemeName(t.scheme)},
                    {"paying_region", t.paying_region},
                    {"start_month", t.start.ToString()},
                    {"monthly_amount", FormatYuan(t.AmountIn(MonthOf(v.as_of)))},
                    {"status", MonthStatusName(ev.current)},
                    {"months", months},
                    {"oneoffs", oneoffs},
                    {"overpaid", FormatYuan(ev.overpaid)},
                    {"recovered", FormatYuan(ev.recovered)},
                    {"outstanding", FormatYuan(ev.outstanding)},
                    {"arrears", FormatYuan(ev.arrears)},
                    {"receivables", receivables}});
  }
  json evidence = json::array();
  for (const EvidenceRecord& e : v.evidence) {
    evidence.push_back({{"id", e.id},
                        {"kind", e.kind},
                        {"class", policy.FindKind(e.kind) ? EvidenceClassName(policy.FindKind(e.kind)->cls) : "unknown"},
                        {"source", e.source},
                        {"ref", e.ref},
                        {"occurred_on", e.occurred_on.ToString()},
                        {"received_on", e.received_on.ToString()},
                        {"link_method", e.link_method},
                        {"link_score", e.link_score}});
  }
  json cases = json::array();
  for (const CaseRecord& k : v.cases) {
    cases.push_back({{"id", k.id},
                     {"type", k.type},
                     {"status", k.status},
                     {"summary", k.summary},
                     {"at_stake", FormatYuan(k.at_stake)},
                     {"decision", k.decision.empty() ? json(nullptr) : json(k.decision)}});
  }
  json recoveries = json::array();
  for (const RecoveryRecord& r : v.recoveries) {
    recoveries.push_back({{"id", r.id},
                          {"entitlement_id", r.entitlement_id},
                          {"receivable_id", r.receivable_id},
                          {"month", r.month.ToString()},
                          {"amount", FormatYuan(r.amount)},
                          {"method", r.method},
                          {"on", r.on.ToString()},
                          {"note", r.note},
                          {"recorded_at", r.recorded_at}});
  }
  json attempts = json::array();
  for (const FaceAttemptRecord& a : v.face_attempts) {
    attempts.push_back({{"at", FaceDayText(a.at_ms)}, {"method", a.method}, {"result", a.result},
                        {"similarity", a.similarity}});
  }
  json face = {{"enrolled", v.face.has_value()}, {"attempts_30_days", attempts}};
  if (v.face) {
    face["enrolled_on"] = FaceDayText(v.face->enrolled_at_ms);
    face["enrolled_by"] = v.face->enrolled_by;
  }
  json messages = json::array();
  for (const OutreachMessageRecord& m : v.messages) {
    messages.push_back({{"id", m.id}, {"created_on", FaceDayText(m.created_ms)}, {"channel", m.channel},
                        {"step", m.reason}, {"template", m.template_name}, {"status", m.status},
                        {"failure", m.failure}, {"provider_code", m.provider_code}, {"attempts", m.attempts},
                        {"deadline", m.deadline},
                        {"sent_on", m.sent_ms ? FaceDayText(m.sent_ms) : std::string()},
                        {"text", RenderMessageZh(m.template_name, ParamsFromJson(m.params))}});
  }
  json visits = json::array();
  for (const VisitTaskRecord& t : v.visits) {
    visits.push_back({{"id", t.id}, {"reason", t.reason}, {"status", t.status}, {"due_on", t.due_on.ToString()},
                      {"assigned_to", t.assigned_to}, {"outcome", t.outcome},
                      {"outcome_on", t.outcome_on ? t.outcome_on->ToString() : std::string()}});
  }
  json out = {{"id_number", options.mask_id_number ? MaskIdNumber(v.person.id_number) : v.person.id_number},
              {"name", MaskName(v.person.name)},
              {"sex", v.person.sex == Sex::kMale ? "M" : "F"},
              {"birth_date", v.person.birth_date.ToString()},
              {"region_code", v.person.region_code},
              {"region_name", v.region_name},
              {"special_care", v.person.special_care},
              {"as_of", v.as_of.ToString()},
              {"certification", cert},
              {"entitlements", ents},
              {"evidence", evidence},
              {"cases", cases},
              {"recoveries", recoveries},
              {"face", face},
              {"messages", messages},
              {"visits", visits}};
  if (v.special && v.special->active) {
    out["special"] = {{"reason", v.special->reason}, {"contact_name", MaskName(v.special->contact_name)},
                      {"contact_phone", MaskPhone(v.special->contact_phone)}, {"source", v.special->source}};
  }
  if (options.mask_id_number) {
    // The masked digits of an identity number are the birth date: shown
    // together they would be the whole number. A masked view gives the year.
    out.erase("birth_date");
    out["birth_year"] = v.person.birth_date.year();
  }
  if (!options.handle.empty()) out["handle"] = options.handle;
  return out.dump(2);
}

Result<std::string> ExplainMonthText(const PersonView& v, const Policy& policy, Month month) {
  std::ostringstream out;
  bool found = false;
  for (const EntitlementView& ev : v.entitlements) {
    const EntitlementTerms& t = ev.entitlement.terms;
    for (const auto& m : ev.months) {
      if (m.decision.month != month) continue;
      found = true;
      const MonthDecision& d = m.decision;
      out << fmt::format("{} ({}), 发放地 {}:\n  {}\n", SchemeNameZh(t.scheme), SchemeName(t.scheme), t.paying_region,
                         d.explanation);
      if (const RuleSpec* r = policy.FindRule(d.rule)) {
        out << fmt::format("  规则 {} {}；依据 {}\n", r->rule, r->label_zh, r->reference);
      }
      out << fmt::format("  应发 {} 元，已发 {}\n", FormatYuan(d.due),
                         m.previous_system ? std::string("(原系统发放)") : FormatYuan(m.paid) + " 元");
      if (d.evidence_id != 0) {
        for (const EvidenceRecord& e : v.evidence) {
          if (e.id != d.evidence_id) continue;
          out << fmt::format("  证据 #{}: {} 来源 {} 记录号 {}，发生 {}，获知 {}\n", e.id, policy.KindLabelZh(e.kind),
                             e.source, e.ref, e.occurred_on.ToString(), e.received_on.ToString());
        }
      } else {
        out << "  证据: 待遇名册 (原系统认证/导入基准)\n";
      }
    }
  }
  if (!found) {
    return NotFound(fmt::format("{} is not in the months shown as of {} (a future month, or before the entitlement began)",
                                month.ToString(), v.as_of.ToString()));
  }
  return out.str();
}

}  // namespace tacit
