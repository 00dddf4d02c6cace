// The reports: each a ReportBook built from the library calls the API and the
// command line already make (ComputeStats, DeriveCertification and the
// outreach plan's deadline, the visit tasks, the ledger's outstanding
// receivables), never a second derivation of the same figures.
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <unordered_map>

#include "tacit/id_number.h"
#include "tacit/outreach.h"
#include "tacit/region_names.h"
#include "tacit/reports.h"
#include "tacit/stats.h"

namespace tacit {
namespace {

const std::vector<ReportKind> kKinds = {
    {"stats", "月度统计", "月度统计"},
    {"due", "即将到期/待认证名单", "待认证名单"},
    {"visits", "上门认证任务", "上门认证任务"},
    {"overpayments", "多发待遇待追回名单", "多发待遇待追回名单"},
};

// The certification methods in the order staff read them; others follow by name.
const std::vector<std::pair<std::string_view, std::string_view>> kMethods = {
    {"data", "数据比对"},        {"face", "人脸识别"},     {"biometric", "其他生物特征"},
    {"visit", "上门认证"},       {"bank_terminal", "银行终端"}, {"overseas", "境外认证"},
    {"legacy", "原系统/导入基准"},
};

std::string MethodZh(std::string_view method) {
  for (const auto& [m, zh] : kMethods) {
    if (m == method) return std::string(zh);
  }
  return std::string(method);
}

ReportCell Text(std::string s) { return ReportCell::Text(std::move(s)); }
ReportCell Int(int64_t n) { return ReportCell::Integer(n); }

// ---- stats: 月度统计 -------------------------------------------------------------

std::vector<std::string> MethodsOf(const StatsReport& r) {
  std::vector<std::string> out;
  for (const auto& [m, zh] : kMethods) {
    if (r.total.certified_by_method.contains(std::string(m))) out.emplace_back(m);
  }
  for (const auto& [m, n] : r.total.certified_by_method) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

ReportTable StatsTable(const StatsReport& r, const std::vector<std::string>& methods, std::string sheet,
                       std::string title, std::string key_header, std::string name_header,
                       const std::vector<StatsGroup>& groups) {
  ReportTable t;
  t.sheet_name = std::move(sheet);
  t.title = std::move(title);
  t.headers = {std::move(key_header), std::move(name_header), "领取人数", "待遇数", "已认证"};
  for (const std::string& m : methods) t.headers.push_back("其中:" + MethodZh(m));
  for (const char* h : {"即将到期", "认证过期", "未认证", "已死亡", "本月正常发放", "本月暂停发放", "本月终止发放",
                        "本月停发", "多发待遇未追回(元)"}) {
    t.headers.emplace_back(h);
  }
  auto row = [&](std::string key, std::string name, const StatsCounts& c) {
    std::vector<ReportCell> cells = {Text(std::move(key)), Text(std::move(name)), Int(c.recipients),
                                     Int(c.entitlements), Int(c.certified)};
    for (const std::string& m : methods) {
      auto it = c.certified_by_method.find(m);
      cells.push_back(Int(it == c.certified_by_method.end() ? 0 : it->second));
    }
    for (int64_t n : {c.due, c.lapsed, c.uncertified, c.deceased, c.payable, c.suspended, c.terminated, c.stopped}) {
      cells.push_back(Int(n));
    }
    cells.push_back(ReportCell::Money(c.overpaid_outstanding));
    t.rows.push_back(std::move(cells));
  };
  row(r.region, "合计", r.total);
  for (const StatsGroup& g : groups) row(g.key, g.name, g.counts);
  return t;
}

Result<std::vector<ReportTable>> StatsTables(Store& store, const Policy& policy, const ReportOptions& o) {
  ASSIGN_OR_RETURN(StatsReport r, ComputeStats(store, policy, {.region = o.region, .month = o.month, .as_of = o.as_of}));
  const std::vector<std::string> methods = MethodsOf(r);
  std::vector<ReportTable> tables;
  tables.push_back(StatsTable(r, methods, "按区划统计", "月度统计 — 按下级区划", "区划代码", "区划名称", r.by_region));
  tables.push_back(StatsTable(r, methods, "按险种统计", "月度统计 — 按险种", "险种", "险种名称", r.by_scheme));
  return tables;
}

// ---- due: 即将到期/待认证名单 --------------------------------------------------------

Result<std::vector<ReportTable>> DueTables(Store& store, const Policy& policy, const ReportOptions& o) {
  struct Row {
    CertStatus status;
    std::optional<Date> deadline;
    std::string region;
    PersonKey key;
    std::vector<ReportCell> cells;
  };
  std::vector<Row> rows;
  RegionNames names(store, RegionNames::Missing::kNearestAncestor);
  RETURN_IF_ERROR(store.ForEachPerson(o.region, [&](const PersonBundle& b) -> Status {
    if (b.entitlements.empty()) return {};  // as ComputeStats: recipients only
    PersonFacts facts;
    facts.baseline_certified = b.person.baseline_certified;
    facts.facts = b.facts;
    const CertificationState cert = DeriveCertification(policy, facts, o.as_of);
    if (cert.status != CertStatus::kDue && cert.status != CertStatus::kLapsed && cert.status != CertStatus::kNone) {
      return {};
    }
    std::optional<Date> deadline;
    if (cert.valid_through) deadline = CertificationDeadline(*cert.valid_through);
    ASSIGN_OR_RETURN(std::string region_name, names.Of(b.person.region_code));
    std::vector<ReportCell> cells = {
        Text(MaskIdNumber(b.person.id_number)),
        Text(MaskName(b.person.name)),
        Text(b.person.region_code),
        Text(region_name),
        Text(std::string(CertStatusNameZh(cert.status))),
        cert.last ? ReportCell::Day(cert.last->on) : ReportCell::Empty(),
        cert.last ? Text(MethodZh(cert.last->method)) : ReportCell::Empty(),
        cert.valid_through ? Text(cert.valid_through->ToString()) : ReportCell::Empty(),
        deadline ? ReportCell::Day(*deadline) : ReportCell::Empty(),
        deadline ? Int(*deadline - o.as_of) : ReportCell::Empty(),
        Text(b.person.phone.empty() ? std::string() : MaskPhone(b.person.phone)),
    };
    rows.push_back({cert.status, deadline, b.person.region_code, b.person.key, std::move(cells)});
    return {};
  }));
  // Most urgent first: never certified, then by deadline (lapsed ones are past
  // it), then by village.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const Date da = a.deadline.value_or(Date::FromDays(INT32_MIN));
    const Date db = b.deadline.value_or(Date::FromDays(INT32_MIN));
    return std::tie(da, a.region, a.key) < std::tie(db, b.region, b.key);
  });
  ReportTable t;
  t.sheet_name = "待认证名单";
  t.title = fmt::format("即将到期/待认证名单 ({} 日内到期、认证过期、未认证)", policy.due_soon_days.At(o.as_of));
  t.headers = {"身份证号", "姓名", "区划代码", "区划名称", "认证状态", "上次认证日期",
               "认证方式", "有效期至", "认证截止日", "剩余天数", "联系电话"};
  for (Row& r : rows) t.rows.push_back(std::move(r.cells));
  return std::vector<ReportTable>{std::move(t)};
}

// ---- visits: 上门认证任务 -----------------------------------------------------------

Result<std::vector<ReportTable>> VisitTables(Store& store, const ReportOptions& o) {
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> tasks, store.outreach().ListVisitTasks(o.region, "active"));
  RegionNames names(store, RegionNames::Missing::kNearestAncestor);
  ReportTable t;
  t.sheet_name = "上门认证任务";
  t.title = "上门认证任务 (待分派、已分派)";
  t.headers = {"任务编号", "身份证号", "姓名", "区划代码", "区划名称", "原因",
               "创建日期", "到期日", "是否逾期", "负责人", "状态"};
  for (const VisitTaskRecord& v : tasks) {
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(v.person));
    ASSIGN_OR_RETURN(std::string region_name, names.Of(v.region));
    t.rows.push_back({Int(v.id),
                      Text(MaskIdNumber(IdNumber::FromKey(v.person).text())),
                      Text(p ? MaskName(p->name) : std::string()),
                      Text(v.region),
                      Text(region_name),
                      Text(std::string(VisitReasonZh(v.reason))),
                      v.created_ms > 0 ? ReportCell::Day(BeijingDate(v.created_ms)) : ReportCell::Empty(),
                      ReportCell::Day(v.due_on),
                      Text(v.due_on < o.as_of ? "是" : "否"),
                      Text(v.assigned_to),
                      Text(std::string(VisitStatusZh(v.status)))});
  }
  return std::vector<ReportTable>{std::move(t)};
}

// ---- overpayments: 多发待遇待追回名单 --------------------------------------------------

Result<std::vector<ReportTable>> OverpaymentTables(Store& store, const Policy& policy, const ReportOptions& o) {
  ASSIGN_OR_RETURN(std::vector<ReceivableRecord> open, store.OpenReceivables());
  std::unordered_map<int64_t, std::vector<const ReceivableRecord*>> by_entitlement;
  for (const ReceivableRecord& r : open) by_entitlement[r.entitlement_id].push_back(&r);
  RegionNames names(store, RegionNames::Missing::kNearestAncestor);
  ReportTable t;
  t.sheet_name = "多发待遇";
  t.title = "多发待遇待追回名单";
  t.headers = {"身份证号", "姓名", "区划代码", "区划名称", "险种", "多发起始月",
               "多发截止月", "月数", "多发金额(元)", "已追回(元)", "未追回(元)", "原因"};
  Fen total_amount = 0, total_recovered = 0, total_outstanding = 0;
  int64_t persons = 0;
  RETURN_IF_ERROR(store.ForEachPerson(
      o.region,
      [&](const PersonBundle& b) -> Status {
        std::set<std::string> schemes, reasons;
        std::set<Month> months;
        Fen amount = 0, recovered = 0;
        for (const EntitlementRecord& e : b.entitlements) {
          auto it = by_entitlement.find(e.terms.id);
          if (it == by_entitlement.end()) continue;
          schemes.insert(std::string(SchemeNameZh(e.terms.scheme)));
          for (const ReceivableRecord* r : it->second) {
            months.insert(r->month);
            amount += r->amount;
            recovered += r->recovered;
            const RuleSpec* rule = policy.FindRule(r->reason);
            reasons.insert(rule ? rule->label_zh : r->reason);
          }
        }
        if (months.empty()) return {};
        // What the person owes, as the ledger states it (the recoveries
        // endpoint shows the same figure).
        ASSIGN_OR_RETURN(Fen outstanding, store.OutstandingOf(b.person.key));
        if (outstanding <= 0) return {};
        ASSIGN_OR_RETURN(std::string region_name, names.Of(b.person.region_code));
        auto join = [](const std::set<std::string>& items) {
          std::string s;
          for (const std::string& i : items) s += (s.empty() ? "" : "、") + i;
          return s;
        };
        t.rows.push_back({Text(MaskIdNumber(b.person.id_number)), Text(MaskName(b.person.name)),
                          Text(b.person.region_code), Text(region_name), Text(join(schemes)),
                          Text(months.begin()->ToString()), Text(months.rbegin()->ToString()),
                          Int(static_cast<int64_t>(months.size())), ReportCell::Money(amount),
                          ReportCell::Money(recovered), ReportCell::Money(outstanding), Text(join(reasons))});
        ++persons;
        total_amount += amount;
        total_recovered += recovered;
        total_outstanding += outstanding;
        return {};
      },
      Store::Facts::kWithout));
  t.rows.push_back({Text(fmt::format("合计 {} 人", persons)), ReportCell::Empty(), ReportCell::Empty(),
                    ReportCell::Empty(), ReportCell::Empty(), ReportCell::Empty(), ReportCell::Empty(),
                    ReportCell::Empty(), ReportCell::Money(total_amount), ReportCell::Money(total_recovered),
                    ReportCell::Money(total_outstanding), ReportCell::Empty()});
  return std::vector<ReportTable>{std::move(t)};
}

// "2026-11-20 16:00" in Beijing time (UTC+8, no daylight saving).
std::string BeijingDateTime(int64_t unix_ms) {
  const int64_t s = unix_ms / 1000 + 8 * 3600;
  const int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  const int64_t of_day = s - days * 86400;
  return fmt::format("{} {:02}:{:02}", Date::FromDays(static_cast<int32_t>(days)).ToString(), of_day / 3600,
                     of_day % 3600 / 60);
}

}  // namespace

const std::vector<ReportKind>& ReportKinds() { return kKinds; }

const ReportKind* FindReportKind(std::string_view name) {
  for (const ReportKind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Date ReportAsOf(Month month, Date today) { return month < MonthOf(today) ? month.LastDay() : today; }

Result<ReportBook> BuildReport(Store& store, const Policy& policy, std::string_view name,
                               const ReportOptions& options) {
  const ReportKind* kind = FindReportKind(name);
  if (kind == nullptr) {
    return NotFound(fmt::format("没有该报表 (no report named {}; known: stats, due, visits, overpayments)", name));
  }
  if (!options.region.empty() && !RegionLevelOf(options.region)) {
    return InvalidArgument("--region: expected a 2, 4, 6, 9 or 12-digit administrative code");
  }
  ReportBook book;
  book.name = std::string(kind->name);
  book.title = std::string(kind->title_zh);
  book.region = options.region;
  if (options.region.empty()) {
    book.region_name = "全部区划";
  } else {
    ASSIGN_OR_RETURN(std::optional<Region> r, store.FindRegion(options.region));
    book.region_name = r ? r->name : "";
  }
  book.month = options.month;
  book.as_of = options.as_of;
  book.generated_at = BeijingDateTime(options.generated_ms);
  if (kind->name == "stats") {
    ASSIGN_OR_RETURN(book.tables, StatsTables(store, policy, options));
  } else if (kind->name == "due") {
    ASSIGN_OR_RETURN(book.tables, DueTables(store, policy, options));
  } else if (kind->name == "visits") {
    ASSIGN_OR_RETURN(book.tables, VisitTables(store, options));
  } else {
    ASSIGN_OR_RETURN(book.tables, OverpaymentTables(store, policy, options));
  }
  return book;
}

std::string ReportFileName(const ReportBook& book, std::string_view extension) {
  return fmt::format("tacit-{}-{}-{}.{}", book.name, book.region.empty() ? "all" : book.region,
                     book.month.ToString(), extension);
}

std::string ReportFileNameZh(const ReportBook& book, std::string_view extension) {
  const ReportKind* kind = FindReportKind(book.name);
  std::string region = book.region.empty() ? "全部区划" : book.region + book.region_name;
  // A file name never holds a path separator, whatever a division is called.
  std::replace(region.begin(), region.end(), '/', '-');
  return fmt::format("{}-{}-{}.{}", kind ? kind->file_zh : book.name, region, book.month.ToString(), extension);
}

}  // namespace tacit
