#include "tacit/casework.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace tacit {

std::string_view CaseDecisionName(CaseDecision d) {
  switch (d) {
    case CaseDecision::kFraud: return "fraud";
    case CaseDecision::kVoidEvidence: return "void_evidence";
    case CaseDecision::kDismiss: return "dismiss";
    case CaseDecision::kConfirmFace: return "confirm_face";
  }
  return "dismiss";
}

std::string_view CaseDecisionNameZh(CaseDecision d) {
  switch (d) {
    case CaseDecision::kFraud: return "认定骗取待遇";
    case CaseDecision::kVoidEvidence: return "撤销错误记录";
    case CaseDecision::kDismiss: return "核实无误, 不予处理";
    case CaseDecision::kConfirmFace: return "确认本人人脸认证";
  }
  return "";
}

Result<CaseDecision> ParseCaseDecision(std::string_view text) {
  if (text == "fraud") return CaseDecision::kFraud;
  if (text == "void_evidence") return CaseDecision::kVoidEvidence;
  if (text == "dismiss") return CaseDecision::kDismiss;
  if (text == "confirm_face") return CaseDecision::kConfirmFace;
  return InvalidArgument("decision: expected fraud (认定骗取待遇), void_evidence (撤销错误记录), dismiss (不予处理) or "
                         "confirm_face (确认本人人脸认证, face_review cases)");
}

std::string_view CaseDecisionTextZh(std::string_view decision) {
  auto d = ParseCaseDecision(decision);
  return d ? CaseDecisionNameZh(*d) : decision;
}

std::string_view CaseStatusZh(std::string_view status) {
  if (status == "open") return "待处理";
  if (status == "resolved") return "已处理";
  return status;
}

std::string_view RecoveryMethodZh(std::string_view method) {
  if (method == "lump") return "一次性退回";
  if (method == "instalment") return "分期退回";
  if (method == "offset") return "从待遇中抵扣";
  return method;
}

Result<std::optional<EvidenceRecord>> DecisionFact(const CaseRecord& c, const CaseResolution& r) {
  if (r.note.empty()) return InvalidArgument("note: a decision needs a note saying why it was taken (处理说明)");
  const bool wants_amount = r.decision == CaseDecision::kFraud;
  const bool wants_evidence = r.decision == CaseDecision::kVoidEvidence;
  if (r.amount && !wants_amount) {
    return InvalidArgument(fmt::format("amount: only a fraud decision states an amount, not {}",
                                       CaseDecisionName(r.decision)));
  }
  if (r.evidence_id != 0 && !wants_evidence) {
    return InvalidArgument(fmt::format("evidence: only a void_evidence decision names a record, not {}",
                                       CaseDecisionName(r.decision)));
  }
  EvidenceRecord fact;
  fact.source = std::string(kAgencySource);
  fact.ref = fmt::format("case-{}", c.id);
  fact.person = c.person;
  fact.occurred_on = r.on;
  fact.received_on = r.on;
  fact.link_method = std::string(kLinkExact);
  fact.link_score = 1.0;
  switch (r.decision) {
    case CaseDecision::kDismiss:
      return std::optional<EvidenceRecord>();
    case CaseDecision::kFraud:
      // The fine (2 to 5 times) is a multiple of this amount: staff state it.
      if (!r.amount || *r.amount <= 0) {
        return InvalidArgument("amount: a fraud decision states the amount obtained by deception (骗取金额), above 0");
      }
      fact.kind = std::string(kFraudKind);
      fact.detail = fmt::format(R"({{"case": {}, "amount_fen": {}}})", c.id, *r.amount);
      break;
    case CaseDecision::kVoidEvidence:
      if (std::find(c.evidence_ids.begin(), c.evidence_ids.end(), r.evidence_id) == c.evidence_ids.end()) {
        std::string ids;
        for (int64_t id : c.evidence_ids) ids += fmt::format("{}#{}", ids.empty() ? "" : ", ", id);
        return InvalidArgument(fmt::format("evidence: a void_evidence decision names one of the case's records ({})",
                                           ids.empty() ? "the case has none" : ids));
      }
      fact.kind = std::string(kEvidenceVoidedKind);
      fact.detail = fmt::format(R"({{"case": {}, "evidence_id": {}}})", c.id, r.evidence_id);
      break;
    case CaseDecision::kConfirmFace: {
      if (c.type != "face_review") {
        return InvalidArgument(fmt::format("decision: confirm_face decides face_review cases only, not {}", c.type));
      }
      // The person was seen alive on the day of the attempt, not the day of the
      // review: the key is "face_review:<YYYY-MM-DD>:<challenge>".
      const std::string_view key = c.key;
      const std::string_view rest = key.substr(std::min(key.size(), std::string_view("face_review:").size()));
      auto attempted = ParseDate(rest.substr(0, 10));
      if (attempted && *attempted <= r.on) fact.occurred_on = *attempted;
      const std::string challenge(rest.size() > 11 ? rest.substr(11) : std::string_view());
      fact.kind = "face_auth";
      fact.detail = fmt::format(R"({{"case": {}, "method": "face", "liveness": "challenge", "reviewed": true, )"
                                R"("challenge": "{}"}})",
                                c.id, challenge);
      break;
    }
  }
  return std::optional<EvidenceRecord>(std::move(fact));
}

std::optional<PersonSignal> SignalOf(const Policy& policy, std::string_view kind, Date occurred_on, PersonKey person) {
  const EvidenceKindSpec* spec = policy.FindKind(kind);
  if (spec == nullptr) return std::nullopt;
  if (spec->cls == EvidenceClass::kAlive) return PersonSignal{person, occurred_on, std::nullopt};
  if (spec->cls == EvidenceClass::kDeath) return PersonSignal{person, std::nullopt, occurred_on};
  return std::nullopt;
}

Result<CaseRecord> ResolveCaseWith(Store& store, const Policy& policy, int64_t id, const CaseResolution& r,
                                   const std::function<Status()>& in_unit) {
  ASSIGN_OR_RETURN(std::optional<CaseRecord> c, store.FindCase(id));
  if (!c) return NotFound(fmt::format("case #{} does not exist", id));
  if (c->status != "open") {
    return FailedPrecondition(fmt::format("case #{} was resolved already ({} on {}); a decision is not taken twice",
                                          id, c->decision, c->resolved_at));
  }
  ASSIGN_OR_RETURN(std::optional<EvidenceRecord> fact, DecisionFact(*c, r));
  // A decision is knowledge like any other: it cannot be dated before a monthly
  // run that was made without it.
  ASSIGN_OR_RETURN(std::vector<CycleRunRecord> runs, store.ListCycleRuns());
  if (fact && !runs.empty() && r.on < runs.back().as_of) {
    return FailedPrecondition(fmt::format(
        "--on {} is before the knowledge cut-off of the monthly run of {} ({}): date the decision on or after it",
        r.on.ToString(), runs.back().month.ToString(), runs.back().as_of.ToString()));
  }
  const std::optional<PersonSignal> signal =
      fact ? SignalOf(policy, fact->kind, fact->occurred_on, c->person) : std::nullopt;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.ResolveCase(id, std::string(CaseDecisionName(r.decision)), r.note, r.by, fact));
  if (signal) RETURN_IF_ERROR(store.UpdatePersonSummary({*signal}));
  if (in_unit) RETURN_IF_ERROR(in_unit());
  RETURN_IF_ERROR(unit->Commit());
  ASSIGN_OR_RETURN(std::optional<CaseRecord> resolved, store.FindCase(id));
  if (!resolved) return Internal(fmt::format("case #{} vanished after it was resolved", id));
  return *resolved;
}

Result<std::vector<CaseRecord>> CasesInRegion(Store& store, std::string_view status,
                                              std::string_view region_prefix) {
  ASSIGN_OR_RETURN(std::vector<CaseRecord> cases, store.ListCases(status));
  if (region_prefix.empty()) return cases;
  std::unordered_map<PersonKey, bool> inside;  // per person: cases cluster on few people
  std::vector<CaseRecord> out;
  for (CaseRecord& c : cases) {
    auto it = inside.find(c.person);
    if (it == inside.end()) {
      ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(c.person));
      it = inside.emplace(c.person, p && p->region_code.starts_with(region_prefix)).first;
    }
    if (it->second) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tacit
