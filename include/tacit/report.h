// Views for people to read: one person's whole file, and statistics, rendered as
// text (Chinese, for staff at a terminal) or JSON (for programs). Identity
// numbers appear only where the reader asked for that person; names and phones
// are masked.
//
//   ASSIGN_OR_RETURN(PersonView v, BuildPersonView(store, policy, key, Today(), 24));
//   std::cout << PersonViewText(v);
#ifndef TACIT_REPORT_H_
#define TACIT_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/stats.h"
#include "tacit/store.h"

namespace tacit {

struct EntitlementView {
  EntitlementRecord entitlement;
  MonthStatus current = MonthStatus::kPayable;  // status of the latest month shown
  struct MonthRow {
    MonthDecision decision;
    Fen paid = 0;  // what tacit's ledger paid for the month (all runs)
    // Before tacit's first monthly run the previous system paid: tacit's ledger
    // has nothing for such a month, and the monthly run assumes it was paid.
    bool previous_system = false;
  };
  std::vector<MonthRow> months;  // oldest first
  struct OneOffRow {
    OneOffDue due;
    Fen paid = 0;  // paid of this kind (all runs)
  };
  std::vector<OneOffRow> oneoffs;  // survivor benefits, account refund
  EntitlementLedger ledger;
  Fen overpaid = 0;    // receivables recorded (reversals netted)
  Fen recovered = 0;   // claimed back so far (the sum of its recoveries)
  Fen outstanding = 0; // overpaid - recovered: still to be claimed back (below 0: a refund owed)
  Fen arrears = 0;     // due since tacit's first run but not yet paid
};

struct PersonView {
  PersonRecord person;
  Date as_of;
  CertificationState certification;
  std::vector<EvidenceRecord> evidence;  // oldest first
  std::vector<EntitlementView> entitlements;
  std::string region_name;
  std::vector<CaseRecord> cases;            // open and resolved, oldest first
  std::vector<RecoveryRecord> recoveries;   // oldest first
  // Face self-certification: whether a face is enrolled (when, by whom) and
  // the attempts of the 30 days before as_of (results and scores only).
  std::optional<FaceTemplateRecord> face;
  std::vector<FaceAttemptRecord> face_attempts;  // oldest first
  // Outreach: the messages sent or queued (newest first, at most 20; the
  // address never), the visit tasks, the special-persons entry (contact masked
  // when shown).
  std::vector<OutreachMessageRecord> messages;
  std::vector<VisitTaskRecord> visits;
  std::optional<SpecialPersonRecord> special;
};

// One case for staff: the case, its person and its records (the evidence it
// names and the fact its decision became).
struct CaseView {
  CaseRecord c;
  PersonRecord person;
  std::string region_name;
  std::vector<EvidenceRecord> evidence;  // the case's evidence_ids that are stored, in that order
  std::optional<EvidenceRecord> decision_fact;
};

// Builds the view as of `as_of`, with the last `months` months of each schedule.
// Errors: kNotFound when the person is not in the registry.
Result<PersonView> BuildPersonView(Store& store, const Policy& policy, PersonKey key, Date as_of, int months);

std::string PersonViewText(const PersonView& view, const Policy& policy);
// {"id_number", "name" (masked), "certification": {...}, "entitlements": [...], "evidence": [...],
// "cases": [...], "recoveries": [...]}; amounts as strings with two decimals.
struct PersonJsonOptions {
  // For readers who did not ask to reveal it (the API): the identity number
  // masked, and the birth year instead of the birth date (the masked digits).
  bool mask_id_number = false;
  std::string handle;           // the person's opaque handle, added when set
};
std::string PersonViewJson(const PersonView& view, const Policy& policy, const PersonJsonOptions& options = {});

// `tacit explain`: for each entitlement, the month's decision as a sentence a
// clerk can read out, the rule with its legal reference, and the evidence
// behind it (source and the source's own record id). Errors: kNotFound when the
// view does not hold the month.
Result<std::string> ExplainMonthText(const PersonView& view, const Policy& policy, Month month);
// Errors: kNotFound when there is no such case.
Result<CaseView> BuildCaseView(Store& store, int64_t id);
// A table of cases for a list: identity numbers and names masked.
std::string CaseListText(const std::vector<CaseRecord>& cases);
// One case in full (the identity number too: the reader asked for this case).
std::string CaseViewText(const CaseView& view, const Policy& policy);
// The same options as a person's: the API masks the identity number and adds the handle.
std::string CaseViewJson(const CaseView& view, const Policy& policy, const PersonJsonOptions& options = {});

// A person's recoveries and what is still outstanding (identity number masked).
std::string RecoveriesText(PersonKey person, const std::vector<RecoveryRecord>& recoveries, Fen outstanding);

std::string StatsText(const StatsReport& report);
std::string StatsJson(const StatsReport& report);

}  // namespace tacit

#endif  // TACIT_REPORT_H_
