#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tacit/report.h"

namespace tacit {
namespace {

std::string Methods(const StatsCounts& c) {
  std::string s;
  for (const auto& [method, n] : c.certified_by_method) {
    if (!s.empty()) s += " ";
    s += fmt::format("{}={}", method, n);
  }
  return s.empty() ? "-" : s;
}

void Row(std::ostringstream& out, std::string_view key, std::string_view name, const StatsCounts& c) {
  out << fmt::format("{:<14}{:<22}{:>11}{:>11}{:>9}{:>9}{:>9}{:>10}{:>10}{:>11}{:>12}{:>9}{:>15}  {}\n", key, name, c.recipients,
                     c.certified, c.due, c.lapsed, c.uncertified, c.deceased, c.payable, c.suspended, c.terminated, c.stopped,
                     FormatYuan(c.overpaid_outstanding), Methods(c));
}

nlohmann::json CountsJson(const StatsCounts& c) {
  return {{"recipients", c.recipients},
          {"entitlements", c.entitlements},
          {"certified", c.certified},
          {"certified_by_method", c.certified_by_method},
          {"due", c.due},
          {"lapsed", c.lapsed},
          {"uncertified", c.uncertified},
          {"deceased", c.deceased},
          {"payable", c.payable},
          {"suspended", c.suspended},
          {"terminated", c.terminated},
          {"stopped", c.stopped},
          {"overpaid_outstanding", FormatYuan(c.overpaid_outstanding)},
          {"overpaid_recovered", FormatYuan(c.overpaid_recovered)}};
}

}  // namespace

std::string StatsText(const StatsReport& r) {
  std::ostringstream out;
  out << fmt::format("待遇资格认证统计  区划 {} {}  月份 {}  截至 {}\n\n", r.region.empty() ? "-" : r.region,
                     r.region_name, r.month.ToString(), r.as_of.ToString());
  if (r.snapshot) {
    out << fmt::format("统计快照 (snapshot) #{}, 生成于 (taken at) {}{}\n", r.snapshot->id, r.snapshot->taken_at,
                       r.snapshot->current ? "" : "；此后数据有变动，实时统计请加 --live (data changed since: --live)");
  }
  out << "(recipients 领取人数, certified 已认证, due 60日内到期, lapsed 认证过期, none 未认证, deceased 已死亡;\n"
         " payable/suspended/terminated/stopped 本月正常/暂停/终止/停发的待遇数; overpaid 多发待遇未追回额)\n\n";
  out << fmt::format("{:<14}{:<22}{:>11}{:>11}{:>9}{:>9}{:>9}{:>10}{:>10}{:>11}{:>12}{:>9}{:>15}  {}\n", "code", "name",
                     "recipients", "certified", "due", "lapsed", "none", "deceased", "payable", "suspended",
                     "terminated", "stopped", "overpaid", "by method");
  Row(out, r.region.empty() ? "total" : r.region, "合计", r.total);
  out << "\n按下级区划 (by region)\n";
  for (const StatsGroup& g : r.by_region) Row(out, g.key, g.name, g.counts);
  out << "\n按险种 (by scheme)\n";
  for (const StatsGroup& g : r.by_scheme) Row(out, g.key, g.name, g.counts);
  return out.str();
}

std::string StatsJson(const StatsReport& r) {
  nlohmann::json by_region = nlohmann::json::array(), by_scheme = nlohmann::json::array();
  for (const StatsGroup& g : r.by_region) {
    by_region.push_back({{"code", g.key}, {"name", g.name}, {"counts", CountsJson(g.counts)}});
  }
  for (const StatsGroup& g : r.by_scheme) {
    by_scheme.push_back({{"scheme", g.key}, {"name", g.name}, {"counts", CountsJson(g.counts)}});
  }
  nlohmann::json out = {{"region", r.region},
                        {"region_name", r.region_name},
                        {"month", r.month.ToString()},
                        {"as_of", r.as_of.ToString()},
                        {"total", CountsJson(r.total)},
                        {"by_region", by_region},
                        {"by_scheme", by_scheme}};
  if (r.snapshot) {
    out["snapshot"] = {{"id", r.snapshot->id}, {"taken_at", r.snapshot->taken_at}, {"current", r.snapshot->current}};
  }
  if (!r.trend.empty()) {
    nlohmann::json trend = nlohmann::json::array();
    for (const StatsTrendPoint& t : r.trend) {
      trend.push_back({{"month", t.month.ToString()}, {"payable", t.payable}, {"suspended", t.suspended},
                       {"terminated", t.terminated}, {"stopped", t.stopped}, {"certified", t.certified},
                       {"lapsed", t.lapsed}, {"deceased", t.deceased}});
    }
    out["trend"] = trend;
  }
  return out.dump(2);
}

}  // namespace tacit
