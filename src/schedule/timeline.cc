#include "schedule/timeline.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tacit::schedule_internal {
namespace {

std::optional<Date> DateField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  auto d = ParseDate(it->get<std::string>());
  if (!d) return std::nullopt;
  return *d;
}

std::string TextField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int64_t IntField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

bool Known(const Fact& f, Date as_of) { return f.received_on <= as_of && f.occurred_on <= as_of; }

bool Before(const KnownFact& a, const KnownFact& b) {
  if (a.fact->occurred_on != b.fact->occurred_on) return a.fact->occurred_on < b.fact->occurred_on;
  return a.fact->evidence_id < b.fact->evidence_id;
}

// The first fact of one of `classes` on or after `from` (facts are sorted).
const KnownFact* FirstAfter(const Timeline& t, Date from, std::initializer_list<EvidenceClass> classes,
                            const KnownFact* not_this = nullptr) {
  for (const KnownFact& k : t.facts) {
    if (&k == not_this || k.fact->occurred_on < from) continue;
    for (EvidenceClass c : classes) {
      if (k.spec->cls == c) return &k;
    }
  }
  return nullptr;
}

Date DeathDateOf(const KnownFact& k) {
  return k.detail.death_date && *k.detail.death_date <= k.fact->occurred_on ? *k.detail.death_date
                                                                           : k.fact->occurred_on;
}

}  // namespace

Detail ParseDetail(const std::string& json) {
  Detail d;
  if (json.empty()) return d;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return d;
  d.type = TextField(j, "type");
  d.reporter = TextField(j, "reporter");
  d.modality = TextField(j, "modality");
  d.death_date = DateField(j, "death_date");
  d.until = DateField(j, "until");
  d.evidence_id = IntField(j, "evidence_id");
  d.amount_fen = IntField(j, "amount_fen");
  return d;
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

Timeline BuildTimeline(const Policy& policy, const PersonFacts& facts, Date as_of) {
  Timeline t;
  // Staff decisions that a record is wrong take it out of every derivation.
  std::vector<int64_t> voided;
  for (const Fact& f : facts.facts) {
    if (!Known(f, as_of) || !policy.IsTrustedSource(f.source)) continue;
    const EvidenceKindSpec* spec = policy.FindKind(f.kind);
    if (spec != nullptr && spec->cls == EvidenceClass::kEvidenceVoided) {
      const int64_t id = ParseDetail(f.detail).evidence_id;
      if (id != 0) voided.push_back(id);
    }
  }
  for (const Fact& f : facts.facts) {
    if (!Known(f, as_of) || !policy.IsTrustedSource(f.source)) continue;
    if (std::find(voided.begin(), voided.end(), f.evidence_id) != voided.end()) continue;
    const EvidenceKindSpec* spec = policy.FindKind(f.kind);
    if (spec == nullptr || spec->cls == EvidenceClass::kNeutral || spec->cls == EvidenceClass::kEvidenceVoided) {
      continue;
    }
    t.facts.push_back(KnownFact{&f, spec, spec->cls == EvidenceClass::kAlive ? Detail{} : ParseDetail(f.detail)});
  }
  std::sort(t.facts.begin(), t.facts.end(), Before);

  // Death: the earliest real death record; else the earliest declaration of
  // death that no later court decision revoked.
  const KnownFact* real_death = nullptr;
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kDeath) continue;
    if (real_death == nullptr || DeathDateOf(k) < DeathDateOf(*real_death)) real_death = &k;
  }
  if (real_death != nullptr) {
    t.death = real_death;
    t.death_date = DeathDateOf(*real_death);
    for (const KnownFact& k : t.facts) {
      if (k.spec->cls == EvidenceClass::kDeath && &k != real_death && MonthOf(DeathDateOf(k)) != MonthOf(t.death_date)) {
        t.other_deaths.push_back(&k);
      }
    }
  }
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kDeclaredDead) continue;
    const KnownFact* revocation = FirstAfter(t, k.fact->occurred_on, {EvidenceClass::kDeclarationRevoked});
    if (revocation == nullptr && t.death == nullptr) {
      t.death = &k;
      t.death_date = k.fact->occurred_on;
      t.death_declared = true;
    }
  }

  for (const KnownFact& k : t.facts) {
    if (k.spec->cls == EvidenceClass::kFraud && t.fraud == nullptr) t.fraud = &k;
    if (k.spec->cls == EvidenceClass::kAbroad && !t.abroad_since) {
      t.abroad_since = k.fact->occurred_on;
      t.abroad = &k;
    }
  }

  // Custody before judgment, and what ended it.
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kCustody) continue;
    const Date on = k.fact->occurred_on;
    const Month start = MonthOf(on) + (policy.custody_month_paid.At(on) ? 1 : 0);
    const KnownFact* end = FirstAfter(
        t, on, {EvidenceClass::kAcquitted, EvidenceClass::kSentence, EvidenceClass::kRelease}, &k);
    if (end != nullptr && end->spec->cls == EvidenceClass::kSentence &&
        Policy::ListHas(policy.custodial_sentence_types.At(end->fact->occurred_on), end->detail.type)) {
      // A custodial sentence: the custody months are part of the stop (no
      // back pay), from the month after custody began.
      Block b{start, std::nullopt, MonthStatus::kStopped, "stop.sentence", end};
      const KnownFact* release =
          FirstAfter(t, end->fact->occurred_on, {EvidenceClass::kRelease, EvidenceClass::kParole}, end);
      if (release != nullptr) b.through = MonthOf(release->fact->occurred_on);
      t.blocks.push_back(b);
      t.withhold.push_back(WithholdPeriod{start, b.through, end});
      continue;
    }
    Block b{start, std::nullopt, MonthStatus::kSuspended, "suspend.custody", &k};
    if (end != nullptr) {
      // Acquitted, not prosecuted, released, or a sentence not served in
      // custody: the custody months are paid after all.
      b.through = MonthOf(end->fact->occurred_on);
      b.lifted_rule = "pay.back_pay_custody";
      b.lifted_by = end;
    }
    t.blocks.push_back(b);
  }
  // Sentences not preceded by custody, and non-custodial sentences.
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kSentence) continue;
    const Date on = k.fact->occurred_on;
    const bool custodial = Policy::ListHas(policy.custodial_sentence_types.At(on), k.detail.type);
    if (custodial) {
      bool covered = false;
      for (const Block& b : t.blocks) covered = covered || (b.rule == "stop.sentence" && b.cause == &k);
      if (covered) continue;
      const Month start = MonthOf(on) + (policy.custody_month_paid.At(on) ? 1 : 0);
      Block b{start, std::nullopt, MonthStatus::kStopped, "stop.sentence", &k};
      const KnownFact* release = FirstAfter(t, on, {EvidenceClass::kRelease, EvidenceClass::kParole}, &k);
      if (release != nullptr) b.through = MonthOf(release->fact->occurred_on);
      t.blocks.push_back(b);
      t.withhold.push_back(WithholdPeriod{start, b.through, &k});
    } else {
      // 管制, 缓刑, 监外执行: paid, without the adjustments of the period.
      std::optional<Month> through;
      if (k.detail.until) through = MonthOf(*k.detail.until);
      t.withhold.push_back(WithholdPeriod{MonthOf(on), through, &k});
    }
  }
  // Parole: paid without the period's adjustments; revoked → stopped from the
  // month of revocation until release.
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls == EvidenceClass::kParole) {
      std::optional<Month> through;
      if (k.detail.until) through = MonthOf(*k.detail.until);
      t.withhold.push_back(WithholdPeriod{MonthOf(k.fact->occurred_on), through, &k});
    } else if (k.spec->cls == EvidenceClass::kParoleRevoked) {
      Block b{MonthOf(k.fact->occurred_on), std::nullopt, MonthStatus::kStopped, "stop.parole_revoked", &k};
      const KnownFact* release = FirstAfter(t, k.fact->occurred_on, {EvidenceClass::kRelease}, &k);
      if (release != nullptr) b.through = MonthOf(release->fact->occurred_on);
      t.blocks.push_back(b);
      t.withhold.push_back(WithholdPeriod{b.from, b.through, &k});
    }
  }
  // Missing: paid for N months counting the month of disappearance, then
  // suspended until a verified reappearance (back pay) or a declaration of
  // death (the suspended months are not owed).
  std::optional<Date> episode_end;
  for (const KnownFact& k : t.facts) {
    if (k.spec->cls != EvidenceClass::kMissing) continue;
    const Date on = k.fact->occurred_on;
    if (episode_end && on <= *episode_end) continue;  // the same episode reported again
    const KnownFact* end =
        FirstAfter(t, on, {EvidenceClass::kReappeared, EvidenceClass::kDeclarationRevoked}, &k);
    const Month start = MonthOf(on) + policy.missing_paid_months.At(on);
    Block b{start, std::nullopt, MonthStatus::kSuspended, "suspend.missing", &k};
    if (end != nullptr) {
      episode_end = end->fact->occurred_on;
      b.through = MonthOf(end->fact->occurred_on);
      b.lifted_by = end;
      b.lifted_rule = end->spec->cls == EvidenceClass::kDeclarationRevoked ? "pay.back_pay_declaration_revoked"
                                                                          : "pay.back_pay_reappeared";
    } else {
      episode_end = as_of;
      t.open_missing.push_back(&k);
      if (t.death_declared) {
        // Declared dead: the suspended months up to the judgment are not owed.
        b.status = MonthStatus::kStopped;
        b.rule = "stop.declared_dead";
        b.through = MonthOf(t.death_date);
        b.lifted_by = t.death;
      }
    }
    t.blocks.push_back(b);
  }
  return t;
}

std::vector<Certification> CertificationsOf(const Policy& policy, const PersonFacts& facts, const Timeline& t,
                                            Date as_of) {
  std::vector<Certification> certs;
  if (facts.baseline_certified) {
    // The baseline describes the previous system and is known whatever the
    // as-of date; a baseline dated after as_of (the import date, by default)
    // counts as of as_of, so a run as of an earlier day suspends nobody.
    certs.push_back(Certification{std::min(*facts.baseline_certified, as_of), "legacy", 0, "", ""});
  }
  // Proof of life: any trusted record with a weight (an alive signal, a border
  // crossing, a release, a verified reappearance). After a real death it
  // certifies nothing: it is a contradiction for staff, not proof of life. A
  // person living abroad certifies only by the methods the policy allows.
  std::vector<const KnownFact*> signals;
  for (const KnownFact& k : t.facts) {
    if (k.spec->weight <= 0 || k.spec->cls == EvidenceClass::kDeath) continue;
    const Date on = k.fact->occurred_on;
    if (t.death != nullptr && !t.death_declared && on > t.death_date) continue;
    if (t.abroad_since && on >= *t.abroad_since && !Policy::ListHas(policy.abroad_methods.At(on), k.spec->method)) {
      continue;
    }
    signals.push_back(&k);
  }
  // Sliding window: a signal certifies when the signals in the window ending on
  // its date reach the policy's weight. Each kind counts once per window (its
  // heaviest signal), so a card used twice for medical settlements does not
  // add up to proof of life; different kinds do.
  size_t begin = 0;
  for (size_t i = 0; i < signals.size(); ++i) {
    const Date d = signals[i]->fact->occurred_on;
    const int window = std::max(1, policy.alive_window_days.At(d));
    while (begin < i && signals[begin]->fact->occurred_on <= d - window) ++begin;
    int64_t sum = 0;
    for (size_t j = begin; j <= i; ++j) {
      bool heaviest_of_kind = true;
      for (size_t k = begin; k <= i; ++k) {
        if (k == j || signals[k]->fact->kind != signals[j]->fact->kind) continue;
        if (signals[k]->spec->weight > signals[j]->spec->weight ||
            (signals[k]->spec->weight == signals[j]->spec->weight && k < j)) {
          heaviest_of_kind = false;
          break;
        }
      }
      if (heaviest_of_kind) sum += signals[j]->spec->weight;
    }
    if (sum >= policy.certify_weight.At(d)) {
      certs.push_back(Certification{d, signals[i]->spec->method, signals[i]->fact->evidence_id,
                                    signals[i]->fact->kind, signals[i]->fact->source});
    }
  }
  std::stable_sort(certs.begin(), certs.end(),
                   [](const Certification& a, const Certification& b) { return a.on < b.on; });
  return certs;
}

}  // namespace tacit::schedule_internal
