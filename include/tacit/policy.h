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

// What an evidence kind says about a person: its effect in the rules. A kind of
// any class with a positive weight from a trusted source is also proof of life.
enum class EvidenceClass {
  kAlive,               // real-name proof of life: certifies (with enough weight)
  kDeath,               // the person died: terminate from the month after the death month
  kNeutral,             // recorded and shown, no effect on certification or money
  kMissing,             // reported missing (失踪): paid N months, then suspended
  kDeclaredDead,        // court declaration of death: death date = judgment date
  kDeclarationRevoked,  // the court revokes a declaration (the person reappeared)
  kReappeared,          // the agency verified that a missing person reappeared
  kCustody,             // criminal custody before judgment (在押未定罪)
  kSentence,            // judgment: detail.type prison / criminal_detention / control / probation / outside_execution
  kAcquitted,           // not guilty: custody months back-paid
  kRelease,             // 刑满释放
  kParole,              // 假释 (detail.until)
  kParoleRevoked,       // 撤销假释: stop from the month of revocation
  kAbroad,              // residence abroad: certification through overseas review
  kFraud,               // staff confirmed benefits obtained by deception: stop
  kEvidenceVoided,      // staff found a record wrong (detail.evidence_id): ignore it
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

// A rule the derivation can apply, with the legal basis it is cited under.
struct RuleSpec {
  std::string rule;       // "terminate.death"
  std::string label_zh;   // 死亡终止发放
  std::string reference;  // 劳社厅发〔2001〕8号 ...
};

// Working days: weekends and public holidays are days off, except the
// weekends the State Council's holiday notice makes working days (调休).
struct HolidayCalendar {
  std::vector<Date> holidays;  // sorted
  std::vector<Date> workdays;  // sorted: weekend days that are working days
  bool IsWorkingDay(Date d) const;
  // The date `n` working days after `d` (n >= 0; d itself does not count).
  Date AddWorkingDays(Date d, int n) const;
};

// The methods a signed attestation names (tacit/attestation.h), in the order
// of its AttestMethod; the policy lists them in attestation_liveness_methods.
inline constexpr std::string_view kAttestationMethodNames[] = {"face",      "fingerprint",   "finger_vein",
                                                               "palm_vein", "bank_terminal", "home_visit"};

// The rule ids the derivation emits; the policy must cite each.
const std::vector<std::string_view>& KnownRules();

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
  // The run for month M uses facts received up to this day of month M-1 (payroll lock).
  Dated<int> payroll_lock_day;
  // Whether the month custody (or a served sentence) begins is still paid.
  Dated<bool> custody_month_paid;
  // A missing person is paid for this many months counting the month of
  // disappearance as month 1; suspended from the next.
  Dated<int> missing_paid_months;
  // Months a person was alive but suspended for want of certification are owed
  // (to the heirs) once a death is known.
  Dated<bool> lapse_arrears_to_heirs;
  // A yearly adjustment whose effective month falls inside a sentence,
  // probation, control, outside-execution or parole period is not added.
  Dated<bool> withhold_adjustments_in_sentence;
  // Sentence types served in custody (payment stopped while serving), comma-separated.
  Dated<std::string> custodial_sentence_types;
  // Certification methods that count for a person living abroad, comma-separated.
  Dated<std::string> abroad_methods;
  // Two basic pensions: only the basic part of the terminated one is recovered.
  Dated<bool> duplicate_recover_basic_only;
  // Back pay owed is first set off against open overpayments of the same person.
  Dated<bool> offset_overpayments;
  // Fine range for benefits obtained by deception, as multiples of the amount.
  Dated<int> fraud_fine_min_multiple;
  Dated<int> fraud_fine_max_multiple;
  // Death reporting deadlines by reporter, and whether they count calendar or working days.
  Dated<int> death_report_days_family;
  Dated<int> death_report_days_unit;
  Dated<std::string> death_report_day_count;  // "calendar" or "working"
  // Survivor benefits of an enterprise-scheme member (人社部发〔2021〕18号):
  // the base is the province's urban per-capita disposable income of the year
  // before the death, in fen per year.
  Dated<int> survivor_income_base_yearly_fen;
  Dated<int> survivor_funeral_grant_months;    // funeral grant = base/12 × this
  Dated<int> survivor_pension_min_months;      // 抚恤金 months for up to threshold years
  Dated<int> survivor_pension_threshold_years;
  Dated<int> survivor_pension_max_months;
  // Probabilistic linkage of records without a usable identity number: a
  // proposed link at or above the upper probability is made automatically for
  // records of the automatic classes (comma-separated); a record of any other
  // class, or between the two probabilities, or whose best candidate leads the
  // second by fewer bits than the margin, goes to review; below the lower, no link.
  Dated<double> link_upper_probability;
  Dated<double> link_lower_probability;
  Dated<double> link_margin_bits;
  Dated<std::string> link_automatic_classes;
  // How closely the residence codes must agree for an automatic link
  // (comma-separated linkage region levels: same_village, same_township,
  // same_county, other_township, same_city, same_province, different, missing);
  // a proposed link at another level goes to review.
  Dated<std::string> link_automatic_regions;
  // Whether a record of this class may be linked automatically (on `on`).
  bool LinksAutomatically(EvidenceClass cls, Date on) const;
  // Signed certification results from external systems (tacit/attestation.h):
  // the lowest match score and the lowest liveness score (0 to 1, as the
  // attestor's system reports them) with which a result certifies, read at the
  // date certified; and the methods whose results must report a liveness score
  // (comma-separated kAttestationMethodNames).
  Dated<double> attestation_min_score;
  Dated<double> attestation_min_liveness;
  Dated<std::string> attestation_liveness_methods;
  // Face self-certification (tacit/face.h, tacit/face_auth.h): the match
  // threshold on cosine similarity and the review band below it; the image
  // quality asked of camera frames and (stricter) of enrolment photos; the
  // liveness challenge (actions drawn from the list, how many, how long,
  // the similarity every frame must keep); attempt limits per person and day,
  // per device and hour, the cool-down after repeated failures, the failures
  // after which a case sends the person to another method; whether
  // enrolment photos are kept (sealed).
  Dated<double> face_match_threshold;
  Dated<double> face_review_band;
  Dated<double> face_frame_min_similarity;
  Dated<int> face_min_face_px;
  Dated<int> face_enrol_min_face_px;
  Dated<double> face_enrol_max_yaw;
  Dated<double> face_enrol_max_pitch;
  Dated<int> face_min_brightness;
  Dated<int> face_max_brightness;
  Dated<double> face_min_sharpness;
  Dated<std::string> face_liveness_actions;
  Dated<int> face_liveness_action_count;
  Dated<int> face_challenge_seconds;
  Dated<int> face_max_attempts_per_day;
  Dated<int> face_device_max_attempts_per_hour;
  Dated<int> face_cooldown_failures;
  Dated<int> face_cooldown_minutes;
  Dated<int> face_failures_before_case;
  Dated<bool> face_keep_enrolment_photo;
  // Outreach (tacit/outreach.h): reminder steps (days before the deadline,
  // comma-separated), channel order, visit tasks, quiet hours (Beijing time,
  // "HH:MM"), the daily cap per person, retries, message lifetime, the
  // response window of the statistics, visit deadlines, the zero-report day.
  Dated<std::string> outreach_remind_days;
  Dated<std::string> outreach_channel_order;
  Dated<int> outreach_notice_days;
  Dated<int> outreach_visit_days;
  Dated<int> outreach_special_visit_days;
  Dated<std::string> outreach_quiet_start;
  Dated<std::string> outreach_quiet_end;
  Dated<int> outreach_daily_cap;
  Dated<int> outreach_retry_max;
  Dated<int> outreach_retry_base_s;
  Dated<int> outreach_retry_cap_s;
  Dated<int> outreach_message_ttl_days;
  Dated<int> outreach_response_days;
  Dated<int> visit_due_days;
  Dated<int> zero_report_day;

  HolidayCalendar calendar;
  std::vector<RuleSpec> rules;

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
  // Whether any parameter takes a new value on a day in (after, through]: a
  // derivation as of `through` may then differ from one as of `after` even
  // with the same facts.
  bool HasStepBetween(Date after, Date through) const;
  // The rule as the policy cites it; nullptr for an unknown rule id.
  const RuleSpec* FindRule(std::string_view rule) const;
  // Whether `list` (a comma-separated parameter value) contains `item`.
  static bool ListHas(std::string_view list, std::string_view item);
  // The items of a comma-separated list parameter, spaces trimmed, empty ones left out.
  static std::vector<std::string_view> ListItems(std::string_view list);
};

// Minutes after midnight of a time of day "HH:MM" (00:00 to 23:59), or -1.
int ParseClockMinutes(std::string_view hhmm);

// Parses and checks a policy. Errors name the origin, the key and what was
// expected. Every parameter must have a reference.
Result<Policy> ParsePolicy(std::string_view toml_text, std::string_view origin);
// The compiled-in default policy (policy/default.toml).
std::string_view DefaultPolicyText();

}  // namespace tacit

#endif  // TACIT_POLICY_H_
