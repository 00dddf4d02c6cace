#include "tacit/schedule.h"

#include <fmt/format.h>

#include <algorithm>

#include "schedule/timeline.h"

namespace tacit {
namespace {

using schedule_internal::Block;
using schedule_internal::KnownFact;
using schedule_internal::MethodNameZh;
using schedule_internal::Timeline;

std::string DescribeCert(const Policy& policy, const Certification& c) {
  if (c.evidence_id == 0) return fmt::format("{} 原系统认证/导入基准", c.on.ToString());
  return fmt::format("{} {}({})", c.on.ToString(), policy.KindLabelZh(c.kind), MethodNameZh(c.method));
}

std::string DescribeFact(const Policy& policy, const KnownFact& k) {
  return fmt::format("{} {}", k.fact->occurred_on.ToString(), policy.KindLabelZh(k.fact->kind));
}

bool IsEmployeeScheme(Scheme s) { return s == Scheme::kEnterprise || s == Scheme::kPublic; }

// When a resident pension duplicates an employee pension of the same person:
// the month detection falls in (the later of the two registrations), and the
// first month both were drawn.
struct Duplicate {
  bool found = false;
  Month overlap_from;
  Month detected;
  Date detected_on;
};

Duplicate FindDuplicate(const std::vector<EntitlementTerms>& all, const EntitlementTerms& e, Date as_of) {
  Duplicate d;
  if (e.scheme != Scheme::kResident) return d;
  for (const EntitlementTerms& other : all) {
    if (&other == &e || !IsEmployeeScheme(other.scheme)) continue;
    // An entitlement migrated without its registration date counts as learned
    // on the as-of date.
    const Date a = e.registered_on.days() == 0 ? as_of : e.registered_on;
    const Date b = other.registered_on.days() == 0 ? as_of : other.registered_on;
    const Date on = std::max(a, b);
    if (on > as_of) continue;
    if (!d.found || on < d.detected_on) {
      d.found = true;
      d.detected_on = on;
      d.detected = MonthOf(on);
      d.overlap_from = std::max(e.start, other.start);
    }
  }
  return d;
}

// The yearly increments not added in month m: adjustments whose effective month
// falls inside a sentence, probation, control, outside-execution or parole period.
Fen WithheldIncrements(const Policy& policy, const Timeline& t, const EntitlementTerms& e, Month m) {
  Fen withheld = 0;
  for (size_t i = 1; i < e.amounts.size(); ++i) {
    const AmountStep& step = e.amounts[i];
    if (step.from > m) break;
    if (!policy.withhold_adjustments_in_sentence.At(step.from.FirstDay())) continue;
    bool inside = false;
    for (const auto& p : t.withhold) inside = inside || (p.from <= step.from && (!p.through || step.from <= *p.through));
    if (inside) withheld += std::max<Fen>(0, step.monthly - e.amounts[i - 1].monthly);
  }
  return withheld;
}

Fen BasicIn(const EntitlementTerms& e, Month m) {
  Fen basic = 0;
  for (const AmountStep& s : e.amounts) {
    if (s.from <= m) basic = s.basic;
  }
  return basic;
}

// The block that decides month m: an unlifted stop first, then an unlifted
// suspension, then a lifted one (its months are paid under its lifted rule).
const Block* BlockFor(const Timeline& t, Month m) {
  const Block* stopped = nullptr;
  const Block* suspended = nullptr;
  const Block* lifted = nullptr;
  for (const Block& b : t.blocks) {
    if (!b.Covers(m)) continue;
    if (!b.lifted_rule.empty()) {
      if (lifted == nullptr) lifted = &b;
    } else if (b.status == MonthStatus::kStopped) {
      if (stopped == nullptr) stopped = &b;
    } else if (suspended == nullptr) {
      suspended = &b;
    }
  }
  return stopped ? stopped : suspended ? suspended : lifted;
}

Fen RoundDiv(int64_t a, int64_t b) { return (a + b / 2) / b; }

}  // namespace

std::string_view SchemeName(Scheme s) {
  switch (s) {
    case Scheme::kEnterprise: return "enterprise";
    case Scheme::kPublic: return "public";
    case Scheme::kResident: return "resident";
  }
  return "enterprise";
}

std::string_view SchemeNameZh(Scheme s) {
  switch (s) {
    case Scheme::kEnterprise: return "企业职工基本养老保险";
    case Scheme::kPublic: return "机关事业单位养老保险";
    case Scheme::kResident: return "城乡居民基本养老保险";
  }
  return "";
}

Result<Scheme> ParseScheme(std::string_view s) {
  if (s == "enterprise") return Scheme::kEnterprise;
  if (s == "public") return Scheme::kPublic;
  if (s == "resident") return Scheme::kResident;
  return InvalidArgument("expected scheme enterprise, public or resident");
}

std::string_view CertStatusName(CertStatus s) {
  switch (s) {
    case CertStatus::kCertified: return "certified";
    case CertStatus::kDue: return "due";
    case CertStatus::kLapsed: return "lapsed";
    case CertStatus::kDeceased: return "deceased";
    case CertStatus::kNone: return "none";
  }
  return "none";
}

std::string_view CertStatusNameZh(CertStatus s) {
  switch (s) {
    case CertStatus::kCertified: return "已认证";
    case CertStatus::kDue: return "即将到期";
    case CertStatus::kLapsed: return "认证过期";
    case CertStatus::kDeceased: return "已死亡";
    case CertStatus::kNone: return "未认证";
  }
  return "";
}

std::string_view MonthStatusName(MonthStatus s) {
  switch (s) {
    case MonthStatus::kPayable: return "payable";
    case MonthStatus::kSuspended: return "suspended";
    case MonthStatus::kTerminated: return "terminated";
    case MonthStatus::kStopped: return "stopped";
  }
  return "";
}

Fen EntitlementTerms::AmountIn(Month m) const {
  Fen amount = 0;
  for (const AmountStep& s : amounts) {
    if (s.from <= m) amount = s.monthly;
  }
  return amount;
}

std::vector<Certification> DeriveCertifications(const Policy& policy, const PersonFacts& facts,
                                                Date as_of) {
  const Timeline t = schedule_internal::BuildTimeline(policy, facts, as_of);
  return schedule_internal::CertificationsOf(policy, facts, t, as_of);
}

CertificationState DeriveCertification(const Policy& policy, const PersonFacts& facts, Date as_of) {
  const Timeline t = schedule_internal::BuildTimeline(policy, facts, as_of);
  CertificationState state;
  std::vector<Certification> certs = schedule_internal::CertificationsOf(policy, facts, t, as_of);
  if (!certs.empty()) {
    state.last = certs.back();
    state.valid_through = MonthOf(state.last->on) + policy.certification_cycle_months.At(state.last->on);
  }
  if (t.death != nullptr) {
    state.death_date = t.death_date;
    state.death_evidence_id = t.death->fact->evidence_id;
    state.death_kind = t.death->fact->kind;
    state.status = CertStatus::kDeceased;
    return state;
  }
  if (!state.last) {
    state.status = CertStatus::kNone;
  } else if (MonthOf(as_of) > *state.valid_through) {
    state.status = CertStatus::kLapsed;
  } else if (state.valid_through->LastDay() - as_of <= policy.due_soon_days.At(as_of)) {
    state.status = CertStatus::kDue;
  } else {
    state.status = CertStatus::kCertified;
  }
  return state;
}

namespace {

// One entitlement's months, given the person's timeline and certifications.
std::vector<MonthDecision> DeriveMonths(const Policy& policy, const std::vector<EntitlementTerms>& all,
                                        const EntitlementTerms& terms, const Timeline& t,
                                        const std::vector<Certification>& certs, Month from, Month through,
                                        Date as_of, bool explain) {
  std::vector<MonthDecision> out;
  if (from < terms.start) from = terms.start;
  if (through < from) return out;
  const bool has_death = t.death != nullptr;
  const Month death_month = has_death ? MonthOf(t.death_date) : Month();
  const Duplicate dup = FindDuplicate(all, terms, as_of);
  const bool recover_basic_only = policy.duplicate_recover_basic_only.At(as_of);
  // The previous system's certification (the registry baseline) vouches for
  // every month before it, whatever tacit's own certifications say.
  const Certification* baseline = nullptr;
  for (const Certification& c : certs) {
    if (c.evidence_id == 0) baseline = &c;
  }
  out.reserve(static_cast<size_t>(through - from + 1));

  for (Month m = from; m <= through; ++m) {
    MonthDecision d;
    d.month = m;
    const std::string month_text = explain ? m.ToString() : std::string();
    if (has_death && m > death_month) {
      d.status = MonthStatus::kTerminated;
      d.rule = t.death_declared ? "terminate.declared_dead" : "terminate.death";
      d.evidence_id = t.death->fact->evidence_id;
      if (explain) {
        d.explanation = t.death_declared
                            ? fmt::format("{} 终止发放：{} 人民法院宣告死亡，以判决之日为死亡日期，次月起终止", month_text,
                                          t.death_date.ToString())
                            : fmt::format("{} 终止发放：{} {}记录显示死亡，死亡当月照发，次月起停发", month_text,
                                          t.death_date.ToString(), policy.KindLabelZh(t.death->fact->kind));
      }
      out.push_back(std::move(d));
      continue;
    }
    if (t.fraud != nullptr && m > MonthOf(t.fraud->fact->occurred_on)) {
      d.status = MonthStatus::kTerminated;
      d.rule = "terminate.fraud";
      d.evidence_id = t.fraud->fact->evidence_id;
      if (explain) d.explanation = fmt::format("{} 终止发放：{} 经办机构认定骗取社会保险待遇，次月起终止", month_text,
                                               t.fraud->fact->occurred_on.ToString());
      out.push_back(std::move(d));
      continue;
    }
    if (dup.found && m > dup.detected) {
      d.status = MonthStatus::kTerminated;
      d.rule = "terminate.duplicate";
      if (explain) d.explanation = fmt::format("{} 终止发放：同时领取职工基本养老金与城乡居民基本养老金，{} 发现重复领取，保留职工养老保险待遇，次月起终止本待遇",
                                               month_text, dup.detected_on.ToString());
      out.push_back(std::move(d));
      continue;
    }
    const Fen full = terms.AmountIn(m);
    const Fen withheld = WithheldIncrements(policy, t, terms, m);
    Fen amount = std::max<Fen>(0, full - withheld);
    d.withheld = full - amount;
    std::string amount_note;
    if (explain && d.withheld > 0) {
      amount_note = fmt::format("（服刑、缓刑、管制、监外执行或假释期间的调整不予增加，少发 {} 元）", FormatYuan(d.withheld));
    }
    if (dup.found && m >= dup.overlap_from) {
      // Overlap months: the duplicated basic pension is not due (recovered where paid).
      const Fen basic = recover_basic_only ? std::min(amount, BasicIn(terms, m)) : amount;
      amount -= basic;
      d.withheld += basic;
      if (explain) amount_note += fmt::format("（与职工基本养老金重复领取期间，基础养老金 {} 元不予发放，已发的予以追回）", FormatYuan(basic));
    }
    const std::string death_note = explain && has_death && m == death_month ? "（死亡当月照发）" : "";

    if (const Block* b = BlockFor(t, m); b != nullptr && b->lifted_rule.empty()) {
      d.status = b->status;
      d.rule = b->rule;
      d.evidence_id = b->cause->fact->evidence_id;
      if (explain) {
        const std::string cause = DescribeFact(policy, *b->cause);
        if (b->rule == "stop.sentence") {
          d.explanation = fmt::format("{} 停发：{}，服刑期间停发基本养老金，刑满释放后次月起按服刑前标准发给，不予补发", month_text, cause);
        } else if (b->rule == "stop.parole_revoked") {
          d.explanation = fmt::format("{} 停发：{}，撤销假释当月起停发", month_text, cause);
        } else if (b->rule == "stop.declared_dead") {
          d.explanation = fmt::format("{} 停发：{}后失踪暂停发放，{} 被宣告死亡，暂停期间待遇不予补发", month_text, cause,
                                      t.death_date.ToString());
        } else if (b->rule == "suspend.custody") {
          d.explanation = fmt::format("{} 暂停发放：{}，羁押期间暂停发放；不定罪的予以补发", month_text, cause);
        } else {
          d.explanation = fmt::format("{} 暂停发放：{}，失踪满 {} 个月后暂停发放；重新出现并经核实后恢复并补发", month_text,
                                      cause, policy.missing_paid_months.At(b->cause->fact->occurred_on));
        }
      }
      out.push_back(std::move(d));
      continue;
    } else if (b != nullptr) {
      // A suspension lifted (acquittal, reappearance, declaration revoked):
      // its months are paid after all.
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = b->lifted_rule;
      d.evidence_id = b->lifted_by->fact->evidence_id;
      if (explain) d.explanation = fmt::format("{} 补发 {} 元：{}后暂停发放，{}，恢复并补发{}{}", month_text, FormatYuan(amount),
                                               DescribeFact(policy, *b->cause), DescribeFact(policy, *b->lifted_by),
                                               amount_note, death_note);
      out.push_back(std::move(d));
      continue;
    }

    // The certification in force: the latest one made in or before this month.
    const Certification* in_force = nullptr;
    const Certification* later = nullptr;
    for (const Certification& c : certs) {
      if (MonthOf(c.on) <= m) {
        in_force = &c;
      } else if (later == nullptr) {
        later = &c;
      }
    }
    if (in_force != nullptr &&
        m <= MonthOf(in_force->on) + policy.certification_cycle_months.At(in_force->on)) {
      const Month valid_through = MonthOf(in_force->on) + policy.certification_cycle_months.At(in_force->on);
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.certified";
      d.evidence_id = in_force->evidence_id;
      if (explain) d.explanation = fmt::format("{} 正常发放 {} 元：{}，认证有效期至 {}{}{}", month_text, FormatYuan(amount),
                                               DescribeCert(policy, *in_force), valid_through.ToString(), amount_note,
                                               death_note);
    } else if (baseline != nullptr && m < MonthOf(baseline->on)) {
      // Before the registry's baseline: certified under the previous system.
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.legacy";
      if (explain) d.explanation = fmt::format("{} 正常发放 {} 元：原系统认证期间（{} 前）{}{}", month_text,
                                               FormatYuan(amount), baseline->on.ToString(), amount_note, death_note);
    } else if (later != nullptr && policy.back_pay_on_resume.At(later->on)) {
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.back_pay";
      d.evidence_id = later->evidence_id;
      if (explain) d.explanation = fmt::format("{} 补发 {} 元：该月认证已过期暂停发放，{} 重新认证后恢复并补发{}{}", month_text,
                                               FormatYuan(amount), DescribeCert(policy, *later), amount_note, death_note);
    } else if (has_death && !t.death_declared && policy.lapse_arrears_to_heirs.At(t.death_date)) {
      // Alive but suspended for want of certification, and dead since: the
      // month is owed to the heirs.
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.arrears_heirs";
      d.evidence_id = t.death->fact->evidence_id;
      if (explain) d.explanation = fmt::format("{} 补发 {} 元（由继承人领取）：该月未认证暂停发放，{} 死亡，死亡前本人生存月份的待遇应予补发{}{}",
                                               month_text, FormatYuan(amount), t.death_date.ToString(), amount_note,
                                               death_note);
    } else {
      d.status = MonthStatus::kSuspended;
      d.rule = "suspend.certification_lapsed";
      if (in_force != nullptr) {
        const Month valid_through = MonthOf(in_force->on) + policy.certification_cycle_months.At(in_force->on);
        d.evidence_id = in_force->evidence_id;
        if (explain) d.explanation = fmt::format("{} 暂停发放：上次认证 {}，有效期至 {}，此后未取得认证信息；重新认证后恢复发放{}",
                                    month_text, DescribeCert(policy, *in_force), valid_through.ToString(),
                                    policy.back_pay_on_resume.At(as_of) ? "并补发" : "");
      } else {
        if (explain) d.explanation = fmt::format("{} 暂停发放：尚无资格认证信息；认证后恢复发放{}", month_text,
                                    policy.back_pay_on_resume.At(as_of) ? "并补发" : "");
      }
    }
    // A payable month paid at less than the amount in force names the rule
    // that took the difference away.
    if (d.status == MonthStatus::kPayable && d.withheld > 0) {
      d.rule = dup.found && m >= dup.overlap_from ? "recover.duplicate_basic" : "adjust.withheld_in_sentence";
    }
    out.push_back(std::move(d));
  }
  return out;
}

void DeriveOneOffs(const Policy& policy, const std::vector<EntitlementTerms>& all, const Timeline& t, Date as_of,
                   bool explain, std::vector<OneOffDue>& out) {
  for (const EntitlementTerms& e : all) {
    const Duplicate dup = FindDuplicate(all, e, as_of);
    if (dup.found) {
      if (e.account_balance) {
        const Fen refund = std::max<Fen>(0, *e.account_balance - e.account_subsidy.value_or(0));
        OneOffDue o{e.id, "account_refund", dup.detected + 1, refund, "oneoff.account_refund", 0, ""};
        if (explain) o.explanation = fmt::format("退还城乡居民基本养老保险个人账户余额 {} 元（账户 {} 元，扣除政府补贴 {} 元）",
                                                 FormatYuan(refund), FormatYuan(*e.account_balance),
                                                 FormatYuan(e.account_subsidy.value_or(0)));
        out.push_back(std::move(o));
      }
      continue;
    }
    if (t.death == nullptr || e.scheme != Scheme::kEnterprise || e.contribution_months <= 0) continue;
    const Month death_month = MonthOf(t.death_date);
    if (e.start > death_month) continue;
    if (t.fraud != nullptr && MonthOf(t.fraud->fact->occurred_on) < death_month) continue;
    const Date d = t.death_date;
    const Fen monthly_base = RoundDiv(policy.survivor_income_base_yearly_fen.At(d), 12);
    const Fen funeral = monthly_base * policy.survivor_funeral_grant_months.At(d);
    const int years = e.contribution_months / 12;
    const int months = std::min(policy.survivor_pension_max_months.At(d),
                                policy.survivor_pension_min_months.At(d) +
                                    std::max(0, years - policy.survivor_pension_threshold_years.At(d)));
    const Fen pension = monthly_base * months;
    const int64_t ev = t.death->fact->evidence_id;
    OneOffDue f{e.id, "funeral_grant", death_month + 1, funeral, "oneoff.funeral_grant", ev, ""};
    OneOffDue p{e.id, "survivor_pension", death_month + 1, pension, "oneoff.survivor_pension", ev, ""};
    if (explain) {
      f.explanation = fmt::format("丧葬补助金 {} 元：死亡时上年度城镇居民月人均可支配收入 {} 元 × {} 个月", FormatYuan(funeral),
                                  FormatYuan(monthly_base), policy.survivor_funeral_grant_months.At(d));
      p.explanation = fmt::format("抚恤金 {} 元：月人均可支配收入 {} 元 × {} 个月（累计缴费 {} 年）", FormatYuan(pension),
                                  FormatYuan(monthly_base), months, years);
    }
    out.push_back(std::move(f));
    out.push_back(std::move(p));
  }
}

}  // namespace

PersonSchedule DerivePersonSchedule(const Policy& policy, const std::vector<EntitlementTerms>& entitlements,
                                    const PersonFacts& facts, Month from, Month through, Date as_of,
                                    Explain explain_mode) {
  const bool explain = explain_mode == Explain::kYes;
  const Timeline t = schedule_internal::BuildTimeline(policy, facts, as_of);
  const std::vector<Certification> certs = schedule_internal::CertificationsOf(policy, facts, t, as_of);
  PersonSchedule out;
  out.months.reserve(entitlements.size());
  for (const EntitlementTerms& e : entitlements) {
    out.months.push_back(DeriveMonths(policy, entitlements, e, t, certs, from, through, as_of, explain));
  }
  DeriveOneOffs(policy, entitlements, t, as_of, explain, out.oneoffs);
  return out;
}

std::vector<MonthDecision> DeriveSchedule(const Policy& policy, const EntitlementTerms& terms,
                                          const PersonFacts& facts, Month from, Month through,
                                          Date as_of, Explain explain) {
  PersonSchedule s = DerivePersonSchedule(policy, {terms}, facts, from, through, as_of, explain);
  return std::move(s.months.front());
}

}  // namespace tacit
