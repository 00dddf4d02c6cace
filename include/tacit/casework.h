// Casework (经办核查): how staff work the cases the monthly run opens and the
// money claimed back from overpayments (多发待遇追回).
//
// A case is a contradiction in a person's facts that no rule may settle alone
// (an alive signal after a recorded death, death dates that disagree, a face
// certification after a death). Staff decide it, and a decision that changes
// money becomes a fact of source `agency` (ref `case-N`), so the schedule stays
// a function of facts (DESIGN.md §3) and the next monthly run acts on it:
//
//   fraud          kind `fraud`, detail {"case": N, "amount_fen": F}: benefits
//                  obtained by deception, F the amount obtained (社会保险法 第八十八条)
//   void_evidence  kind `evidence_voided`, detail {"case": N, "evidence_id": E}:
//                  record E of the case is wrong (社会保险经办条例 第三十二条 核查)
//   dismiss        no fact: the contradiction was checked and changes nothing
//   confirm_face   a face_review case only (a liveness challenge passed in
//                  the review band): the reviewer compared the person and
//                  confirms; kind `face_auth` dated the day of the attempt
//                  (the case key is "face_review:<YYYY-MM-DD>:<challenge>"),
//                  detail {"case": N, "method": "face", "liveness": "challenge",
//                  "reviewed": true, "challenge": "<id>"}
//
//   CaseResolution r{.decision = CaseDecision::kDismiss, .note = "同名同号核实无误", .by = "王经办",
//                    .on = Today()};
//   ASSIGN_OR_RETURN(CaseRecord c, ResolveCaseWith(store, policy, 7, r));
//
// Recoveries are recorded through Store::RecordRecovery, which allocates money
// paid back to the oldest overpaid months first.
#ifndef TACIT_CASEWORK_H_
#define TACIT_CASEWORK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

enum class CaseDecision { kFraud, kVoidEvidence, kDismiss, kConfirmFace };
// "fraud", "void_evidence", "dismiss", "confirm_face".
std::string_view CaseDecisionName(CaseDecision d);
// 认定骗取待遇, 撤销错误记录, 核实无误不予处理, 确认本人人脸认证.
std::string_view CaseDecisionNameZh(CaseDecision d);
// Errors: kInvalidArgument for another word.
Result<CaseDecision> ParseCaseDecision(std::string_view text);

// The Chinese word for a decision as stored ("fraud" -> 认定骗取待遇); the text
// itself when it is not one of the three.
std::string_view CaseDecisionTextZh(std::string_view decision);
// 待处理 (open), 已处理 (resolved).
std::string_view CaseStatusZh(std::string_view status);
// 一次性退回 (lump), 分期退回 (instalment), 从待遇中抵扣 (offset).
std::string_view RecoveryMethodZh(std::string_view method);

// Evidence kinds the decisions become.
inline constexpr std::string_view kFraudKind = "fraud";
inline constexpr std::string_view kEvidenceVoidedKind = "evidence_voided";

struct CaseResolution {
  CaseDecision decision = CaseDecision::kDismiss;
  std::string note;              // why (处理说明); required
  std::string by;                // who decided (经办人)
  int64_t evidence_id = 0;       // void_evidence: the record found wrong, one of the case's
  std::optional<Fen> amount;     // fraud: the amount obtained by deception, above 0
  Date on;                       // the decision's date: the fact's occurred_on and received_on
};

// The fact a decision on `c` becomes, or nullopt for a dismissal. Pure.
// Errors: kInvalidArgument when the note is empty, a fraud decision has no
// amount above 0, a void_evidence decision names no evidence of the case, or
// an amount or evidence id is given to a decision that takes none.
Result<std::optional<EvidenceRecord>> DecisionFact(const CaseRecord& c, const CaseResolution& r);

// Resolves case `id` in one unit of work: the decision, its fact, and the
// person's summary index when the policy classes the fact's kind as an alive
// signal or a death. Returns the case as resolved.
// Errors: kNotFound, kFailedPrecondition (resolved already), those of DecisionFact.
// REQUIRES: no unit of work is open on `store` (this call opens its own).
// What a record adds to the per-person summary index, as ingest keeps it: an
// alive signal or a death by the policy's class of its kind, else nothing.
// For records that reach a person after ingest (a case decision, a link).
std::optional<PersonSignal> SignalOf(const Policy& policy, std::string_view kind, Date occurred_on, PersonKey person);

// `in_unit`, when given, is called inside that unit of work after the decision
// is written and before it commits: what it records (the server's audit entry)
// is committed with the decision or not at all, and an error from it undoes both.
Result<CaseRecord> ResolveCaseWith(Store& store, const Policy& policy, int64_t id, const CaseResolution& r,
                                   const std::function<Status()>& in_unit = {});

// Cases by status ("open", "resolved", "" for all) of persons whose residence
// code starts with `region_prefix` (empty: everywhere), oldest first.
Result<std::vector<CaseRecord>> CasesInRegion(Store& store, std::string_view status,
                                              std::string_view region_prefix);

}  // namespace tacit

#endif  // TACIT_CASEWORK_H_
