// The schedule: for each entitlement and month, payable, suspended or terminated,
// with the amount due, the rule and the evidence behind it.
//
// A schedule is a pure function of (entitlement terms, the person's facts with
// the dates they were learned, the policy, the months asked for, the as-of date).
// Nothing is edited in place: when new facts arrive the schedule is derived again
// and the ledger compares it with what was paid (DESIGN.md §3). Facts learned
// after `as_of` do not exist for the derivation, so a run can be replayed exactly.
//
//   PersonFacts facts{.baseline_certified = d, .facts = {...}};
//   CertificationState c = DeriveCertification(policy, facts, as_of);
//   std::vector<MonthDecision> months =
//       DeriveSchedule(policy, terms, facts, Month::Of(2026, 1), Month::Of(2026, 12), as_of);
#ifndef TACIT_SCHEDULE_H_
#define TACIT_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/policy.h"

namespace tacit {

// 企业职工基本养老保险 / 机关事业单位养老保险 / 城乡居民基本养老保险
enum class Scheme { kEnterprise = 1, kPublic = 2, kResident = 3 };
std::string_view SchemeName(Scheme s);    // "enterprise"
std::string_view SchemeNameZh(Scheme s);  // "企业职工基本养老保险"
Result<Scheme> ParseScheme(std::string_view s);

// The monthly amount from a month on (the yearly rise is a new step).
struct AmountStep {
  Month from;
  Fen monthly = 0;
  Fen basic = 0;  // the basic-pension part of monthly
};

struct EntitlementTerms {
  int64_t id = 0;
  Scheme scheme = Scheme::kEnterprise;
  std::string paying_region;  // 6-digit county code
  Month start;
  std::vector<AmountStep> amounts;  // ordered by from, at least one
  // Months up to and including this one were paid by the previous system
  // (registry column paid_through; set to the month before the first run that
  // includes the entitlement when the registry gives none).
  std::optional<Month> paid_through;
  // Contribution months (含视同缴费) for the survivor benefits of an
  // enterprise-scheme member; 0 when the registry does not say.
  int contribution_months = 0;
  // The day tacit first learned of this entitlement (its first registry import):
  // when a second basic pension of the same person became known.
  Date registered_on;
  // A resident-scheme personal account and the subsidies in it, for the refund
  // when the entitlement is terminated as a duplicate; unknown when absent.
  std::optional<Fen> account_balance;
  std::optional<Fen> account_subsidy;
  // The month of the latest monthly run when these terms last changed (nullopt:
  // unchanged since before any run): the next run derives it in full.
  std::optional<Month> changed_after_run;

  // The amount in force in month m (0 before the first step).
  Fen AmountIn(Month m) const;
};

// One piece of evidence as the derivation sees it.
struct Fact {
  int64_t evidence_id = 0;
  std::string kind;
  std::string source;
  Date occurred_on;
  Date received_on;
  std::string detail;  // the record's detail JSON object, or empty
};

struct PersonFacts {
  // The last certification under the previous system (or the import date, as the
  // policy says); nullopt when there is none.
  std::optional<Date> baseline_certified;
  std::vector<Fact> facts;  // any order
};

// One certification: "alive and entitled as of `on`".
struct Certification {
  Date on;
  std::string method;  // "data", "face", ..., "legacy" for the baseline
  int64_t evidence_id = 0;  // 0 for the baseline
  std::string kind;         // the evidence kind that completed it
  std::string source;
};

enum class CertStatus { kCertified, kDue, kLapsed, kDeceased, kNone };
std::string_view CertStatusName(CertStatus s);    // "certified", "due", "lapsed", "deceased", "none"
std::string_view CertStatusNameZh(CertStatus s);  // 已认证, 即将到期, 认证过期, 已死亡, 未认证

struct CertificationState {
  CertStatus status = CertStatus::kNone;
  std::optional<Certification> last;  // the latest known certification
  std::optional<Month> valid_through;  // last month covered by `last`
  std::optional<Date> death_date;
  int64_t death_evidence_id = 0;
  std::string death_kind;
};

// Every certification known on `as_of`, oldest first: the baseline, then each
// date on which trusted alive signals reached the policy's weight.
std::vector<Certification> DeriveCertifications(const Policy& policy, const PersonFacts& facts,
                                                Date as_of);
CertificationState DeriveCertification(const Policy& policy, const PersonFacts& facts, Date as_of);

// payable: due this month. suspended: held, owed later when the reason is lifted
// (a new certification, acquittal, reappearance). stopped: not owed and never
// back-paid, though the entitlement goes on (a prison sentence being served).
// terminated: the entitlement has ended (death, duplicate pension, fraud).
enum class MonthStatus { kPayable, kSuspended, kTerminated, kStopped };
std::string_view MonthStatusName(MonthStatus s);  // "payable", "suspended", "terminated", "stopped"

struct MonthDecision {
  Month month;
  MonthStatus status = MonthStatus::kPayable;
  Fen due = 0;            // what the fund owes for this month as of as_of
  Fen withheld = 0;       // increments not added (sentence periods) or basic part recovered (duplicate)
  std::string rule;       // "pay.certified", "pay.back_pay", "suspend.certification_lapsed", "terminate.death"
  int64_t evidence_id = 0;  // the evidence behind the rule (0: the registry baseline)
  std::string explanation;  // one sentence in Chinese for staff and the person
};

// Whether to write MonthDecision::explanation (a sentence per month costs more
// than the decision itself; bulk runs that only need decisions skip it).
enum class Explain { kYes, kNo };

// A one-off amount the fund owes because of an event (survivor benefits after a
// death, the refund of a terminated resident account). Like a month, it is
// derived again on every run and compared with what was paid; when the event
// is undone (a declaration of death revoked) its due becomes 0.
struct OneOffDue {
  int64_t entitlement_id = 0;
  std::string kind;  // payment kind: "funeral_grant", "survivor_pension", "account_refund"
  Month month;       // the month it falls due
  Fen due = 0;
  std::string rule;  // "oneoff.funeral_grant", ...
  int64_t evidence_id = 0;
  std::string explanation;
};

struct PersonSchedule {
  // One schedule per entitlement, in the order the entitlements were given.
  std::vector<std::vector<MonthDecision>> months;
  std::vector<OneOffDue> oneoffs;
};

// Derives months [from, through] (clipped to each entitlement's start) of every
// entitlement of one person together: the two-pensions rule looks across them.
// One-offs are derived whatever their month.
PersonSchedule DerivePersonSchedule(const Policy& policy, const std::vector<EntitlementTerms>& entitlements,
                                    const PersonFacts& facts, Month from, Month through, Date as_of,
                                    Explain explain = Explain::kYes);

// One entitlement on its own (no cross-entitlement rule).
std::vector<MonthDecision> DeriveSchedule(const Policy& policy, const EntitlementTerms& terms,
                                          const PersonFacts& facts, Month from, Month through,
                                          Date as_of, Explain explain = Explain::kYes);

// Something in a person's facts that staff must look at: the derivation never
// decides a contradiction silently. `key` identifies the finding across runs.
struct Finding {
  std::string type;  // alive_after_death, auth_after_death, death_dates_disagree, alive_while_missing,
                     // death_reported_late, duplicate_pension
  std::string key;
  std::vector<int64_t> evidence_ids;
  std::string summary;     // Chinese, without identity numbers or names
  std::string suggestion;  // the decision the engine suggests: void_evidence, fraud, dismiss
};
std::vector<Finding> FindContradictions(const Policy& policy, const std::vector<EntitlementTerms>& entitlements,
                                        const PersonFacts& facts, Date as_of);

// The day a death report was due (by reporter: "family" or "unit" /
// "village_committee"), counted in calendar or working days as the policy says
// for the date of death.
Date DeathReportDeadline(const Policy& policy, Date death_date, std::string_view reporter);

}  // namespace tacit

#endif  // TACIT_SCHEDULE_H_
