// The policy: every rule parameter, with the dates it is in force and its legal
// reference. Loaded from TOML (policy/default.toml is compiled in; `tacit init
// --policy FILE` loads another). Rules read parameters through the policy for the
// date they apply to, never from constants in code. See docs/policy.md.
//
//   ASSIGN_OR_RETURN(Policy p, ParsePolicy(text, "policy.toml"));
//   int cycle = p.certification_cycle_months.At(date);   // 12
//   const EvidenceKindSpec* k = p.FindKind("travel");     // alive signal, weight 100
#ifndef TACIT_POLICY_H_
#define TACIT_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/result.h"

namespace tacit {

// A parameter whose value changes over time, like OpenFisca's dated parameters.
template <typename T>
struct Dated {
  struct Step {
    Date since;
    T value;
  };
  std::string name;         // "certification.cycle_months"
  std::string description;  // what it means
  std::string reference;    // legal basis, e.g. "社会保险经办条例 (2023) 第二十五条"
  std::vector<Step> steps;  // ordered by since, at least one

  // The value in force on `on`: the last step with since <= on; the first step's
  // value before it (a policy always covers the past it is applied to).
  const T& At(Date on) const {
    const Step* chosen = &steps.front();
    for (const Step& s : steps) {
      if (s.since <= on) chosen = &s;
    }
    return chosen->value;
  }
};

// What an evidence kind says about a person.
enum class EvidenceClass {
  kAlive,   // real-name proof of life: certifies (with enough weight)
  kDeath,   // the person died: terminate from the month after the death month
  kNeutral, // recorded and shown, no effect on certification or money yet
};
std::string_view EvidenceClassName(EvidenceClass c);

struct EvidenceKindSpec {
  std::string kind;      // canonical name: "travel", "cremation", ...
  std::string label_zh;  // 铁路实名乘车
  EvidenceClass cls = EvidenceClass::kNeutral;
  // Alive signals: a signal certifies when, with the other signals of the
  // preceding `alive_window_days`, it reaches `certify_weight`.
  int weight = 0;
  // Certification method recorded for alive signals: "data", "face", "biometric",
  // "visit", "bank_terminal", "overseas".
  std::string method = "data";
  std::string reference;  // legal basis for its effect
};

// A partner department and whether its records are real-name (实名) and trusted.
struct SourceSpec {
  std::string source;    // "railway"
  std::string label_zh;  // 国铁集团
  bool trusted = true;   // untrusted sources never certify
};

struct Policy {
  std::string name;
  std::string version;
  std::string text;  // the TOML as loaded, kept with the store for audits

  // Certification is valid through the Nth month after the month certified;
  // payment is suspended from the (N+1)th month.
  Dated<int> certification_cycle_months;
  // Sum of alive-signal weights (within the window) that certifies.
  Dated<int> certify_weight;
  Dated<int> alive_window_days;
  // Whether months suspended for a lapsed certification are paid on resumption.
  Dated<bool> back_pay_on_resume;
  // When the registry gives no last certification: "import_date" (nobody is
  // suspended on switch-on) or "none" (certification due at once).
  Dated<std::string> default_last_certified;
  // How many months back a cycle run looks for overpayments and arrears.
  Dated<int> ledger_lookback_months;
  // Days before the certification deadline that count as "due" in statistics.
  Dated<int> due_soon_days;

  std::vector<EvidenceKindSpec> kinds;
  std::vector<SourceSpec> sources;

  const EvidenceKindSpec* FindKind(std::string_view kind) const;
  // The Chinese part of a kind's label ("火化 (cremation)" -> "火化"); the kind
  // itself when the policy does not declare it.
  std::string_view KindLabelZh(std::string_view kind) const;
  // The partner source the policy declares, or nullptr: feeds from a source
  // the policy does not declare are refused (a partner sends only what it is
  // registered for).
  const SourceSpec* FindSource(std::string_view source) const;
  // Declared and trusted. Untrusted sources' records are kept and shown but
  // never certify anyone nor stop anyone's payment.
  bool IsTrustedSource(std::string_view source) const;
};

// Parses and checks a policy. Errors name the origin, the key and what was
// expected. Every parameter must have a reference.
Result<Policy> ParsePolicy(std::string_view toml_text, std::string_view origin);
// The compiled-in default policy (policy/default.toml).
std::string_view DefaultPolicyText();

}  // namespace tacit

#endif  // TACIT_POLICY_H_
