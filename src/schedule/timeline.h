// The person's legal situation as known on an as-of date, read once from the
// facts and shared by the month derivation and the contradiction finder.
// Internal to the schedule module.
#ifndef TACIT_SRC_SCHEDULE_TIMELINE_H_
#define TACIT_SRC_SCHEDULE_TIMELINE_H_

#include <optional>
#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/schedule.h"

namespace tacit::schedule_internal {

// What the derivation reads from a fact's detail JSON.
struct Detail {
  std::string type;      // sentence type
  std::string reporter;  // death report: family / unit / village_committee
  std::string modality;  // biometric: fingerprint / finger_vein / palm_vein
  std::optional<Date> death_date;
  std::optional<Date> until;
  int64_t evidence_id = 0;  // evidence_voided: the record found wrong
  int64_t amount_fen = 0;   // fraud: the amount obtained by deception
};
Detail ParseDetail(const std::string& json);

struct KnownFact {
  const Fact* fact;
  const EvidenceKindSpec* spec;  // never null
  Detail detail;
};

// A run of months with one effect, e.g. "stopped while serving a sentence".
struct Block {
  Month from;
  std::optional<Month> through;  // open-ended when absent
  MonthStatus status;
  std::string rule;
  const KnownFact* cause = nullptr;
  // When the block was lifted and its months became payable after all (an
  // acquittal, a reappearance): the rule the months are paid under and why.
  std::string lifted_rule;
  const KnownFact* lifted_by = nullptr;

  bool Covers(Month m) const { return from <= m && (!through || m <= *through); }
};

// A period in which yearly adjustments are not added.
struct WithholdPeriod {
  Month from;
  std::optional<Month> through;
  const KnownFact* cause = nullptr;
};

struct Timeline {
  // Trusted facts known on as_of, not voided by staff, oldest first.
  std::vector<KnownFact> facts;
  // The death in force: a real death record, else a declaration not revoked.
  const KnownFact* death = nullptr;
  Date death_date;
  bool death_declared = false;  // the death is a court's declaration
  // Real death records whose date differs from the one in force.
  std::vector<const KnownFact*> other_deaths;
  const KnownFact* fraud = nullptr;
  std::optional<Date> abroad_since;
  const KnownFact* abroad = nullptr;
  // Blocks in priority order (first that covers a month decides it).
  std::vector<Block> blocks;
  std::vector<WithholdPeriod> withhold;
  // Missing episodes not ended by a reappearance.
  std::vector<const KnownFact*> open_missing;
};

Timeline BuildTimeline(const Policy& policy, const PersonFacts& facts, Date as_of);

// Certifications from the timeline's facts (the public DeriveCertifications
// builds a timeline and calls this).
std::vector<Certification> CertificationsOf(const Policy& policy, const PersonFacts& facts, const Timeline& t,
                                            Date as_of);

std::string MethodNameZh(std::string_view method);

}  // namespace tacit::schedule_internal

#endif  // TACIT_SRC_SCHEDULE_TIMELINE_H_
