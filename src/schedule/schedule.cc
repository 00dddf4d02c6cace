#include "tacit/schedule.h"

#include <fmt/format.h>

#include <algorithm>

namespace tacit {
namespace {

bool Known(const Fact& f, Date as_of) { return f.received_on <= as_of && f.occurred_on <= as_of; }

// The earliest known death-class fact from a trusted source, if any. A death
// reported by a source the policy does not trust never stops payment.
const Fact* FindDeath(const Policy& policy, const PersonFacts& facts, Date as_of) {
  const Fact* death = nullptr;
  for (const Fact& f : facts.facts) {
    if (!Known(f, as_of)) continue;
    const EvidenceKindSpec* spec = policy.FindKind(f.kind);
    if (spec == nullptr || spec->cls != EvidenceClass::kDeath) continue;
    if (!policy.IsTrustedSource(f.source)) continue;
    if (death == nullptr || f.occurred_on < death->occurred_on ||
        (f.occurred_on == death->occurred_on && f.evidence_id < death->evidence_id)) {
      death = &f;
    }
  }
  return death;
}

std::string MethodNameZh(std::string_view method) {
  if (method == "data") return "数据比对";
  if (method == "face") return "人脸识别";
  if (method == "biometric") return "生物特征";
  if (method == "visit") return "上门认证";
  if (method == "bank_terminal") return "银行终端";
  if (method == "overseas") return "境外认证";
  if (method == "legacy") return "原系统认证";
  return std::string(method);
}

std::string DescribeCert(const Policy& policy, const Certification& c) {
  if (c.evidence_id == 0) return fmt::format("{} 原系统认证/导入基准", c.on.ToString());
  return fmt::format("{} {}({})", c.on.ToString(), policy.KindLabelZh(c.kind), MethodNameZh(c.method));
}

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
  std::vector<Certification> certs;
  if (facts.baseline_certified) {
    // The baseline describes the previous system and is known whatever the
    // as-of date; a baseline dated after as_of (the import date, by default)
    // counts as of as_of, so a run as of an earlier day suspends nobody.
    certs.push_back(Certification{std::min(*facts.baseline_certified, as_of), "legacy", 0, "", ""});
  }
  const Fact* death = FindDeath(policy, facts, as_of);
  struct Signal {
    const Fact* fact;
    const EvidenceKindSpec* spec;
  };
  std::vector<Signal> signals;
  for (const Fact& f : facts.facts) {
    if (!Known(f, as_of)) continue;
    const EvidenceKindSpec* spec = policy.FindKind(f.kind);
    if (spec == nullptr || spec->cls != EvidenceClass::kAlive) continue;
    if (!policy.IsTrustedSource(f.source)) continue;
    // After a recorded death an alive signal certifies nothing: it is a
    // contradiction for a person to look at, not proof of life.
    if (death != nullptr && f.occurred_on > death->occurred_on) continue;
    signals.push_back({&f, spec});
  }
  std::sort(signals.begin(), signals.end(), [](const Signal& a, const Signal& b) {
    if (a.fact->occurred_on != b.fact->occurred_on) return a.fact->occurred_on < b.fact->occurred_on;
    return a.fact->evidence_id < b.fact->evidence_id;
  });
  // Sliding window: a signal certifies when the signals in the window ending on
  // its date reach the policy's weight. Each kind counts once per window (its
  // heaviest signal), so a card used twice for medical settlements does not
  // add up to proof of life; different kinds do.
  size_t begin = 0;
  for (size_t i = 0; i < signals.size(); ++i) {
    const Date d = signals[i].fact->occurred_on;
    const int window = std::max(1, policy.alive_window_days.At(d));
    while (begin < i && signals[begin].fact->occurred_on <= d - window) ++begin;
    int64_t sum = 0;
    for (size_t j = begin; j <= i; ++j) {
      bool heaviest_of_kind = true;
      for (size_t k = begin; k <= i; ++k) {
        if (k == j || signals[k].fact->kind != signals[j].fact->kind) continue;
        if (signals[k].spec->weight > signals[j].spec->weight ||
            (signals[k].spec->weight == signals[j].spec->weight && k < j)) {
          heaviest_of_kind = false;
          break;
        }
      }
      if (heaviest_of_kind) sum += signals[j].spec->weight;
    }
    if (sum >= policy.certify_weight.At(d)) {
      certs.push_back(Certification{d, signals[i].spec->method, signals[i].fact->evidence_id,
                                    signals[i].fact->kind, signals[i].fact->source});
    }
  }
  std::stable_sort(certs.begin(), certs.end(),
                   [](const Certification& a, const Certification& b) { return a.on < b.on; });
  return certs;
}

CertificationState DeriveCertification(const Policy& policy, const PersonFacts& facts, Date as_of) {
  CertificationState state;
  std::vector<Certification> certs = DeriveCertifications(policy, facts, as_of);
  if (!certs.empty()) {
    state.last = certs.back();
    state.valid_through = MonthOf(state.last->on) + policy.certification_cycle_months.At(state.last->on);
  }
  if (const Fact* death = FindDeath(policy, facts, as_of)) {
    state.death_date = death->occurred_on;
    state.death_evidence_id = death->evidence_id;
    state.death_kind = death->kind;
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

std::vector<MonthDecision> DeriveSchedule(const Policy& policy, const EntitlementTerms& terms,
                                          const PersonFacts& facts, Month from, Month through,
                                          Date as_of, Explain explain_mode) {
  const bool explain = explain_mode == Explain::kYes;
  std::vector<MonthDecision> out;
  if (from < terms.start) from = terms.start;
  if (through < from) return out;
  const std::vector<Certification> certs = DeriveCertifications(policy, facts, as_of);
  const Fact* death = FindDeath(policy, facts, as_of);
  // Plain values rather than optional<Month>: g++ 12 reports a spurious
  // maybe-uninitialized read through the optional.
  const bool has_death = death != nullptr;
  const Month death_month = has_death ? MonthOf(death->occurred_on) : Month();
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
      d.rule = "terminate.death";
      d.evidence_id = death->evidence_id;
      if (explain) d.explanation = fmt::format("{} 终止发放：{} {}记录显示死亡，死亡当月照发，次月起停发", month_text,
                                  death->occurred_on.ToString(), policy.KindLabelZh(death->kind));
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
    const Fen amount = terms.AmountIn(m);
    const std::string death_note = explain && has_death && m == death_month ? "（死亡当月照发）" : "";
    if (in_force != nullptr &&
        m <= MonthOf(in_force->on) + policy.certification_cycle_months.At(in_force->on)) {
      const Month valid_through = MonthOf(in_force->on) + policy.certification_cycle_months.At(in_force->on);
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.certified";
      d.evidence_id = in_force->evidence_id;
      if (explain) d.explanation = fmt::format("{} 正常发放 {} 元：{}，认证有效期至 {}{}", month_text, FormatYuan(amount),
                                  DescribeCert(policy, *in_force), valid_through.ToString(), death_note);
    } else if (baseline != nullptr && m < MonthOf(baseline->on)) {
      // Before the registry's baseline: certified under the previous system.
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.legacy";
      if (explain) d.explanation = fmt::format("{} 正常发放 {} 元：原系统认证期间（{} 前）{}", month_text,
                                               FormatYuan(amount), baseline->on.ToString(), death_note);
    } else if (later != nullptr && policy.back_pay_on_resume.At(later->on)) {
      d.status = MonthStatus::kPayable;
      d.due = amount;
      d.rule = "pay.back_pay";
      d.evidence_id = later->evidence_id;
      if (explain) d.explanation = fmt::format("{} 补发 {} 元：该月认证已过期暂停发放，{} 重新认证后恢复并补发{}", month_text,
                                  FormatYuan(amount), DescribeCert(policy, *later), death_note);
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
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace tacit
