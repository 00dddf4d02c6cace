// Contradictions in a person's facts, for staff to decide (never silently), and
// the death reporting deadline.
#include <fmt/format.h>

#include "schedule/timeline.h"
#include "tacit/schedule.h"

namespace tacit {
namespace {

using schedule_internal::KnownFact;
using schedule_internal::Timeline;

std::string Key(std::string_view type, std::initializer_list<int64_t> ids) {
  std::string k(type);
  for (int64_t id : ids) k += fmt::format(":{}", id);
  return k;
}

bool IsActiveCertification(std::string_view method) {
  return method == "face" || method == "biometric" || method == "bank_terminal" || method == "overseas";
}

}  // namespace

Date DeathReportDeadline(const Policy& policy, Date death_date, std::string_view reporter) {
  const int days = reporter == "family" || reporter.empty() ? policy.death_report_days_family.At(death_date)
                                                             : policy.death_report_days_unit.At(death_date);
  if (policy.death_report_day_count.At(death_date) == "working") {
    return policy.calendar.AddWorkingDays(death_date, days);
  }
  return death_date + days;
}

std::vector<Finding> FindContradictions(const Policy& policy, const std::vector<EntitlementTerms>& entitlements,
                                        const PersonFacts& facts, Date as_of) {
  std::vector<Finding> out;
  const Timeline t = schedule_internal::BuildTimeline(policy, facts, as_of);
  if (t.death != nullptr && !t.death_declared) {
    const int64_t death_id = t.death->fact->evidence_id;
    // Proof of life dated after the death: the death record or the signal is
    // wrong; an active certification (face, fingerprint...) after a death is
    // a fraud suspicion. One finding per death and kind of contradiction.
    const KnownFact* passive = nullptr;
    const KnownFact* active = nullptr;
    for (const KnownFact& k : t.facts) {
      if (k.spec->weight <= 0 || k.fact->occurred_on <= t.death_date) continue;
      if (IsActiveCertification(k.spec->method)) {
        if (active == nullptr) active = &k;
      } else if (passive == nullptr) {
        passive = &k;
      }
    }
    if (active != nullptr) {
      out.push_back(Finding{
          "auth_after_death", Key("auth_after_death", {death_id, active->fact->evidence_id}),
          {death_id, active->fact->evidence_id},
          fmt::format("{} 已有{}记录（死亡日期 {}），{} 仍完成{}：疑似冒领待遇，请核查", t.death->fact->occurred_on.ToString(),
                      policy.KindLabelZh(t.death->fact->kind), t.death_date.ToString(),
                      active->fact->occurred_on.ToString(), policy.KindLabelZh(active->fact->kind)),
          "fraud"});
    }
    if (passive != nullptr) {
      out.push_back(Finding{
          "alive_after_death", Key("alive_after_death", {death_id, passive->fact->evidence_id}),
          {death_id, passive->fact->evidence_id},
          fmt::format("死亡日期 {}（{}），其后 {} 有{}记录：死亡记录或该记录有误，请核实", t.death_date.ToString(),
                      policy.KindLabelZh(t.death->fact->kind), passive->fact->occurred_on.ToString(),
                      policy.KindLabelZh(passive->fact->kind)),
          "void_evidence"});
    }
    for (const KnownFact* other : t.other_deaths) {
      out.push_back(Finding{
          "death_dates_disagree", Key("death_dates_disagree", {death_id, other->fact->evidence_id}),
          {death_id, other->fact->evidence_id},
          fmt::format("两条死亡记录日期不一致：{} {} 与 {} {}；按较早日期停发，请核实后撤销错误记录",
                      policy.KindLabelZh(t.death->fact->kind), t.death_date.ToString(),
                      policy.KindLabelZh(other->fact->kind),
                      (other->detail.death_date ? *other->detail.death_date : other->fact->occurred_on).ToString()),
          "void_evidence"});
    }
  }
  // Reports of death past their deadline: the overpayment they caused may be
  // claimed from whoever was obliged to report.
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kDeath || !k.detail.death_date || k.detail.reporter.empty()) continue;
    const Date deadline = DeathReportDeadline(policy, *k.detail.death_date, k.detail.reporter);
    if (k.fact->occurred_on <= deadline) continue;
    out.push_back(Finding{
        "death_reported_late", Key("death_reported_late", {k.fact->evidence_id}), {k.fact->evidence_id},
        fmt::format("死亡日期 {}，{} 于 {} 报告，超过报告期限 {}（{}）", k.detail.death_date->ToString(),
                    k.detail.reporter == "family" ? "家属" : k.detail.reporter == "unit" ? "单位" : "村(居)委会",
                    k.fact->occurred_on.ToString(), deadline.ToString(),
                    policy.death_report_day_count.At(*k.detail.death_date) == "working" ? "工作日" : "自然日"),
        "dismiss"});
  }
  // Proof of life while reported missing: the person may have reappeared.
  for (const KnownFact* missing : t.open_missing) {
    for (const KnownFact& k : t.facts) {
      if (k.spec->weight <= 0 || k.fact->occurred_on <= missing->fact->occurred_on) continue;
      out.push_back(Finding{
          "alive_while_missing", Key("alive_while_missing", {missing->fact->evidence_id, k.fact->evidence_id}),
          {missing->fact->evidence_id, k.fact->evidence_id},
          fmt::format("{} 报告失踪，{} 有{}记录：请核实本人是否重新出现（核实后录入重新出现）",
                      missing->fact->occurred_on.ToString(), k.fact->occurred_on.ToString(),
                      policy.KindLabelZh(k.fact->kind)),
          "dismiss"});
      break;
    }
  }
  // Two basic pensions: the rule acts on its own; staff see it and record the
  // refund of the resident account.
  for (const EntitlementTerms& e : entitlements) {
    if (e.scheme != Scheme::kResident) continue;
    for (const EntitlementTerms& other : entitlements) {
      if (other.scheme != Scheme::kEnterprise && other.scheme != Scheme::kPublic) continue;
      out.push_back(Finding{"duplicate_pension", Key("duplicate_pension", {e.id, other.id}), {},
                            fmt::format("同时领取{}与{}：保留职工养老保险待遇，终止城乡居民养老保险待遇并追回重复期间的基础养老金",
                                        SchemeNameZh(other.scheme), SchemeNameZh(e.scheme)),
                            "dismiss"});
    }
  }
  return out;
}

}  // namespace tacit
