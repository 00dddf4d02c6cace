// Cases and recoveries as staff read them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tacit/casework.h"
#include "tacit/report.h"

namespace tacit {
namespace {

std::string MaskedId(PersonKey key) { return MaskIdNumber(IdNumber::FromKey(key).text()); }

nlohmann::json EvidenceJson(const EvidenceRecord& e, const Policy& policy) {
  const EvidenceKindSpec* spec = policy.FindKind(e.kind);
  return {{"id", e.id},
          {"kind", e.kind},
          {"class", spec ? EvidenceClassName(spec->cls) : "unknown"},
          {"source", e.source},
          {"ref", e.ref},
          {"occurred_on", e.occurred_on.ToString()},
          {"received_on", e.received_on.ToString()},
          {"detail", e.detail}};
}

std::string EvidenceLine(const EvidenceRecord& e, const Policy& policy) {
  return fmt::format("#{} {}  {} {}  来源 {} 记录 {}  获知 {}", e.id, e.occurred_on.ToString(), e.kind,
                     policy.KindLabelZh(e.kind), e.source, e.ref, e.received_on.ToString());
}

}  // namespace

Result<CaseView> BuildCaseView(Store& store, int64_t id) {
  ASSIGN_OR_RETURN(std::optional<CaseRecord> c, store.FindCase(id));
  if (!c) return NotFound(fmt::format("case #{} does not exist", id));
  CaseView view;
  view.c = std::move(*c);
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(view.c.person));
  if (person) {
    view.person = std::move(*person);
    if (auto r = store.FindRegion(view.person.region_code); r && *r) view.region_name = (*r)->name;
  } else {
    view.person.key = view.c.person;
    view.person.id_number = IdNumber::FromKey(view.c.person).text();
  }
  ASSIGN_OR_RETURN(std::vector<EvidenceRecord> all, store.EvidenceOf(view.c.person));
  for (int64_t want : view.c.evidence_ids) {
    for (const EvidenceRecord& e : all) {
      if (e.id == want) view.evidence.push_back(e);
    }
  }
  for (const EvidenceRecord& e : all) {
    if (view.c.decision_evidence_id != 0 && e.id == view.c.decision_evidence_id) view.decision_fact = e;
  }
  return view;
}

std::string CaseListText(const std::vector<CaseRecord>& cases) {
  if (cases.empty()) return "没有待核查事项 (no cases)\n";
  std::ostringstream out;
  out << fmt::format("{:<6} {:<24} {:<18} {:<10} {:>14}  {:<6}  {}\n", "编号", "类型 (type)", "身份证号", "立案日期",
                     "涉及金额(元)", "状态", "摘要");
  Fen at_stake = 0;
  for (const CaseRecord& c : cases) {
    out << fmt::format("{:<6} {:<24} {:<18} {:<10} {:>14}  {:<6}  {}\n", fmt::format("#{}", c.id), c.type,
                       MaskedId(c.person), c.opened_at.substr(0, 10), FormatYuan(c.at_stake),
                       CaseStatusZh(c.status), c.summary);
    at_stake += c.at_stake;
  }
  out << fmt::format("共 {} 件, 涉及金额合计 {} 元\n", cases.size(), FormatYuan(at_stake));
  return out.str();
}

// The fine range for benefits obtained by deception (社会保险法 第八十八条):
// the engine gives the range, staff decide. From the decision's amount.
struct FineRange {
  Fen amount = 0, low = 0, high = 0;
};
std::optional<FineRange> FineOf(const CaseView& v, const Policy& policy) {
  if (!v.decision_fact || v.c.decision != "fraud") return std::nullopt;
  const nlohmann::json d = nlohmann::json::parse(v.decision_fact->detail, nullptr, false);
  if (!d.is_object() || !d.contains("amount_fen") || !d["amount_fen"].is_number_integer()) return std::nullopt;
  const Fen amount = d["amount_fen"].get<Fen>();
  const Date on = v.decision_fact->occurred_on;
  return FineRange{amount, amount * policy.fraud_fine_min_multiple.At(on), amount * policy.fraud_fine_max_multiple.At(on)};
}

std::string CaseViewText(const CaseView& v, const Policy& policy) {
  const CaseRecord& c = v.c;
  std::ostringstream out;
  out << fmt::format("待核查事项 #{}  类型 {}  状态 {} ({})\n", c.id, c.type, CaseStatusZh(c.status), c.status);
  out << fmt::format("人员 {} {}  居住地 {} {}\n", v.person.id_number,
                     v.person.name.empty() ? "-" : MaskName(v.person.name), v.person.region_code, v.region_name);
  out << fmt::format("立案 {} ({} 月度发放发现)  涉及金额 {} 元\n", c.opened_at, c.opened_in.ToString(),
                     FormatYuan(c.at_stake));
  out << fmt::format("摘要 {}\n", c.summary);
  if (!c.suggestion.empty()) out << fmt::format("建议 {} ({})\n", CaseDecisionTextZh(c.suggestion), c.suggestion);
  out << fmt::format("相关证据 ({} 条)\n", c.evidence_ids.size());
  for (int64_t id : c.evidence_ids) {
    bool found = false;
    for (const EvidenceRecord& e : v.evidence) {
      if (e.id != id) continue;
      out << "  " << EvidenceLine(e, policy) << "\n";
      found = true;
    }
    if (!found) out << fmt::format("  #{} (未找到该记录 not stored)\n", id);
  }
  if (c.status == "open") {
    out << fmt::format("处理: tacit case resolve {} --decision fraud|void_evidence|dismiss --note 说明\n", c.id);
    return out.str();
  }
  out << fmt::format("处理决定 {} ({})  经办人 {}  时间 {}\n", CaseDecisionTextZh(c.decision), c.decision,
                     c.resolved_by.empty() ? "-" : c.resolved_by, c.resolved_at);
  out << fmt::format("  说明 {}\n", c.note);
  if (v.decision_fact) {
    const EvidenceRecord& f = *v.decision_fact;
    out << fmt::format("  决定已记为事实 {}  {}\n", EvidenceLine(f, policy), f.detail);
  }
  if (auto fine = FineOf(v, policy)) {
    out << fmt::format("  骗取金额 {} 元, 应退回; 罚款区间 {}–{} 元 ({}–{} 倍, 由经办机构决定; {}); 涉嫌犯罪的移送司法机关\n",
                       FormatYuan(fine->amount), FormatYuan(fine->low), FormatYuan(fine->high),
                       policy.fraud_fine_min_multiple.At(v.decision_fact->occurred_on),
                       policy.fraud_fine_max_multiple.At(v.decision_fact->occurred_on),
                       policy.fraud_fine_min_multiple.reference);
  }
  return out.str();
}

std::string CaseViewJson(const CaseView& v, const Policy& policy, const PersonJsonOptions& options) {
  using nlohmann::json;
  const CaseRecord& c = v.c;
  json evidence = json::array();
  for (const EvidenceRecord& e : v.evidence) evidence.push_back(EvidenceJson(e, policy));
  auto text_or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json out = {{"id", c.id},
              {"type", c.type},
              {"status", c.status},
              {"key", c.key},
              {"person",
               {{"id_number", options.mask_id_number ? MaskIdNumber(v.person.id_number) : v.person.id_number},
                {"name", MaskName(v.person.name)},
                {"region_code", v.person.region_code},
                {"region_name", v.region_name}}},
              {"summary", c.summary},
              {"suggestion", c.suggestion},
              {"evidence_ids", c.evidence_ids},
              {"evidence", evidence},
              {"at_stake", FormatYuan(c.at_stake)},
              {"opened_at", c.opened_at},
              {"opened_in", c.opened_in.ToString()},
              {"decision", text_or_null(c.decision)},
              {"note", text_or_null(c.note)},
              {"resolved_by", text_or_null(c.resolved_by)},
              {"resolved_at", text_or_null(c.resolved_at)},
              {"decision_evidence_id", c.decision_evidence_id ? json(c.decision_evidence_id) : json(nullptr)},
              {"decision_fact", v.decision_fact ? EvidenceJson(*v.decision_fact, policy) : json(nullptr)}};
  if (!options.handle.empty()) out["person"]["handle"] = options.handle;
  if (auto fine = FineOf(v, policy)) {
    out["fraud"] = {{"amount", FormatYuan(fine->amount)},
                    {"fine_min", FormatYuan(fine->low)},
                    {"fine_max", FormatYuan(fine->high)},
                    {"referral", true},
                    {"reference", policy.fraud_fine_min_multiple.reference}};
  }
  return out.dump(2);
}

std::string RecoveriesText(PersonKey person, const std::vector<RecoveryRecord>& recoveries, Fen outstanding) {
  std::ostringstream out;
  Fen total = 0;
  for (const RecoveryRecord& r : recoveries) total += r.amount;
  out << fmt::format("追回记录 (recoveries) {}: {} 笔, 合计 {} 元\n", MaskedId(person), recoveries.size(),
                     FormatYuan(total));
  for (const RecoveryRecord& r : recoveries) {
    out << fmt::format("  {}  {:<12} {:<12} 待遇 #{}  {}  {:>12} 元{}\n", r.on.ToString(), RecoveryMethodZh(r.method),
                       fmt::format("({})", r.method), r.entitlement_id, r.month.ToString(), FormatYuan(r.amount),
                       r.note.empty() ? "" : "  说明 " + r.note);
  }
  out << fmt::format("待追回余额 (outstanding) {} 元\n", FormatYuan(outstanding));
  return out.str();
}

}  // namespace tacit
