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
  std::string rule;       // "pay.certified", "pay.back_pay", "suspend.certification_lapsed", "terminate.death"
  int64_t evidence_id = 0;  // the evidence behind the rule (0: the registry baseline)
  std::string explanation;  // one sentence in Chinese for staff and the person
};

// Whether to write MonthDecision::explanation (a sentence per month costs more
// than the decision itself; bulk runs that only need decisions skip it).
enum class Explain { kYes, kNo };

// Derives months [from, through] (clipped to the entitlement's start).
std::vector<MonthDecision> DeriveSchedule(const Policy& policy, const EntitlementTerms& terms,
                                          const PersonFacts& facts, Month from, Month through,
                                          Date as_of, Explain explain = Explain::kYes);

}  // namespace tacit

#endif  // TACIT_SCHEDULE_H_
