// The review queue and the linkage job as staff read them.
#include <fmt/format.h>

#include "tacit/id_number.h"
#include "tacit/link_job.h"

namespace tacit {
namespace {

std::string_view StatusZh(std::string_view status) {
  if (status == "open") return "待复核";
  if (status == "accepted") return "已确认关联";
  if (status == "rejected") return "已否定";
  if (status == "linked") return "已自动关联";
  if (status == "none") return "未关联";
  return status;
}

std::string_view ReasonZh(std::string_view reason) {
  if (reason == "above_upper") return "匹配概率高于自动关联阈值";
  if (reason == "between_thresholds") return "匹配概率介于两个阈值之间";
  if (reason == "not_automatic") return "该类记录影响待遇, 不自动关联, 须人工复核";
  if (reason == "small_margin") return "与次优候选人差距过小";
  if (reason == "region_differs") return "居住地不一致 (同名同生日者可能另有其人)";
  if (reason == "indistinguishable") return "名册中另有同名、同性别、同出生日期、同县的人员";
  if (reason == "below_lower") return "匹配概率低于关联阈值";
  if (reason == "no_candidate") return "未找到候选人";
  if (reason == "valid_id_not_in_registry") return "身份号码有效但不在名册中 (系他人)";
  return reason;
}

std::string_view ComparisonZh(std::string_view c) {
  if (c == "name") return "姓名";
  if (c == "birth_date") return "出生日期";
  if (c == "sex") return "性别";
  if (c == "region") return "居住地";
  if (c == "id_number") return "身份号码";
  if (c == "phone") return "电话";
  return c;
}

std::string SexZh(Sex s) { return s == Sex::kMale ? "男" : s == Sex::kFemale ? "女" : "-"; }
std::string SexZh(std::string_view s) { return s == "M" ? "男" : s == "F" ? "女" : "-"; }
std::string OrDash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

}  // namespace

std::string ReviewListText(const std::vector<ReviewItem>& items, const Policy& policy) {
  std::string out = fmt::format("{:<10} {:<10} {:<16} {:<14} {:<11} {:>9}  {:<20} {:<8} {}\n", "记录 (id)", "状态",
                                "来源 (source)", "种类 (kind)", "发生日期", "匹配概率", "候选人 (candidate)", "姓名",
                                "原因 (reason)");
  for (const ReviewItem& i : items) {
    out += fmt::format("{:<10} {:<10} {:<16} {:<14} {:<11} {:>9.5f}  {:<20} {:<8} {}\n", i.attempt.evidence_id,
                       StatusZh(i.attempt.status), i.record.source, policy.KindLabelZh(i.record.kind),
                       i.record.occurred_on.ToString(), i.attempt.probability, MaskIdNumber(i.candidate.id_number),
                       MaskName(i.candidate.name), ReasonZh(i.attempt.reason));
  }
  out += fmt::format("共 {} 项 (items)。查看: tacit review show <记录>; 处理: tacit review accept|reject <记录> --note ...\n",
                     items.size());
  return out;
}

std::string ReviewItemText(const ReviewItem& i, const Policy& policy) {
  const LinkAttempt& a = i.attempt;
  const EvidenceRecord& e = i.record;
  std::string out = fmt::format("关联复核 (link review) 记录 #{}  状态 {}\n", a.evidence_id, StatusZh(a.status));
  out += fmt::format("  记录: 来源 {} 种类 {} ({}) 发生 {} 接收 {} 编号 {}\n", e.source, policy.KindLabelZh(e.kind),
                     e.kind, e.occurred_on.ToString(), e.received_on.ToString(), e.ref);
  out += fmt::format("  结论: {} — {}; 匹配概率 {:.6f}, 匹配权重 {:+.1f} bit", a.outcome == "link" ? "关联" : a.outcome == "review" ? "待复核" : "不关联",
                     ReasonZh(a.reason), a.probability, a.weight_bits);
  if (a.second != 0) out += fmt::format("; 次优候选人权重 {:+.1f} bit (相差 {:.1f} bit)", a.second_bits, a.weight_bits - a.second_bits);
  out += "\n\n";
  auto level_of = [&](std::string_view comparison) -> std::pair<std::string, std::string> {
    for (const ReviewItem::Line& l : i.lines) {
      if (l.comparison == comparison) return {l.level, fmt::format("{:+.1f}", l.bits)};
    }
    return {"-", ""};
  };
  out += fmt::format("  {:<10} {:<24} {:<24} {:<20} {}\n", "", "部门记录 (partner)", "名册人员 (candidate)",
                     "比对结果 (level)", "权重 (bit)");
  auto row = [&](std::string_view comparison, const std::string& partner, const std::string& candidate) {
    const auto [level, bits] = level_of(comparison);
    out += fmt::format("  {:<10} {:<24} {:<24} {:<20} {}\n", ComparisonZh(comparison), partner, candidate, level, bits);
  };
  row("name", OrDash(e.name), i.candidate.name);
  row("birth_date", e.birth_date ? e.birth_date->ToString() : "-", i.candidate.birth_date.ToString());
  row("sex", SexZh(e.sex), SexZh(i.candidate.sex));
  row("region", OrDash(e.region_code), i.candidate.region_code);
  row("id_number", OrDash(e.id_text), i.candidate.id_number);
  row("phone", "-", i.candidate.phone.empty() ? "-" : MaskPhone(i.candidate.phone));
  if (i.second) {
    out += fmt::format("\n  次优候选人 (runner-up): {} {}\n", MaskIdNumber(i.second->id_number), MaskName(i.second->name));
  }
  out += fmt::format("\n  模型 (model) #{}: 来源 {} 训练于 {}, {} 条记录, 比对 {} 对\n", i.model.id, i.model.source,
                     i.model.trained_at, i.model.records, i.model.comparisons);
  if (!a.decided_by.empty()) {
    out += fmt::format("  复核: {} 于 {}: {}\n", a.decided_by, a.decided_at, a.note);
  }
  return out;
}

std::string LinkJobReportText(const LinkJobReport& r) {
  if (r.records == 0) return "概率关联 (link): 没有待关联的记录 (nothing to link)\n";
  std::string out = fmt::format(
      "概率关联 (link): {} 条无可用身份号码的记录, 名册 {} 人: 自动关联 {}, 待人工复核 {}, 未关联 {}; 比对 {} 对\n",
      r.records, r.registry_persons, r.linked, r.review, r.no_link, r.comparisons);
  for (const LinkSourceReport& s : r.sources) {
    out += fmt::format("  {:<18} 模型 #{:<4} {} 条: 关联 {}, 复核 {}, 未关联 {}; 比对 {} 对{}{}\n", s.source, s.model_id,
                       s.records, s.linked, s.review, s.no_link, s.comparisons,
                       s.capped_records > 0 ? fmt::format(", {} 条记录的超大分块被跳过", s.capped_records) : "",
                       s.pooled      ? " (样本不足, 采用全部来源合并训练的模型)"
                       : s.converged ? ""
                                     : " (样本不足, 模型用初始参数)");
  }
  out += fmt::format("  用时: 名册准备 {:.1f} s, 关联 {:.1f} s, 保存 {:.1f} s\n", r.index_seconds, r.link_seconds,
                     r.save_seconds);
  if (r.review > 0) out += "  待复核: tacit review list\n";
  return out;
}

}  // namespace tacit
