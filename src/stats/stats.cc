#include "tacit/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace tacit {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The length of the codes one level below a prefix of length `n`.
size_t ChildLength(size_t n) {
  switch (n) {
    case 0: return 2;
    case 2: return 4;
    case 4: return 6;
    case 6: return 9;
    case 9: return 12;
    default: return 12;
  }
}

}  // namespace

void StatsCounts::Add(const StatsCounts& o) {
  recipients += o.recipients;
  entitlements += o.entitlements;
  certified += o.certified;
  for (const auto& [k, v] : o.certified_by_method) certified_by_method[k] += v;
  due += o.due;
  lapsed += o.lapsed;
  uncertified += o.uncertified;
  deceased += o.deceased;
  payable += o.payable;
  suspended += o.suspended;
  terminated += o.terminated;
  stopped += o.stopped;
  overpaid_outstanding += o.overpaid_outstanding;
  overpaid_recovered += o.overpaid_recovered;
}

Result<StatsReport> ComputeStats(Store& store, const Policy& policy, const StatsOptions& options) {
  const std::string& region = options.region;
  if (!region.empty() && (!AllDigits(region) || (region.size() != 2 && region.size() != 4 && region.size() != 6 &&
                                                 region.size() != 9 && region.size() != 12))) {
    return InvalidArgument("--region: expected a 2, 4, 6, 9 or 12-digit administrative code");
  }
  StatsReport report;
  report.region = region;
  report.month = options.month;
  report.as_of = options.as_of;
  if (!region.empty()) {
    ASSIGN_OR_RETURN(std::optional<Region> r, store.FindRegion(region));
    report.region_name = r ? r->name : "";
  } else {
    report.region_name = "全国 (all regions)";
  }

  std::unordered_map<int64_t, Fen> outstanding, recovered;
  ASSIGN_OR_RETURN(std::vector<ReceivableRecord> receivables, store.OpenOrRecoveredReceivables(region));
  for (const ReceivableRecord& r : receivables) {
    if (r.amount != r.recovered) outstanding[r.entitlement_id] += r.amount - r.recovered;
    if (r.recovered != 0) recovered[r.entitlement_id] += r.recovered;
  }
  const Month first = options.trend_from.value_or(options.month);
  if (first > options.month) return InvalidArgument("trend: the first month is after the month");
  const int trend_months = options.trend_from ? options.month.index() - first.index() + 1 : 0;
  report.trend.resize(static_cast<size_t>(trend_months));
  for (int k = 0; k < trend_months; ++k) report.trend[static_cast<size_t>(k)].month = first + k;

  size_t child_len = ChildLength(region.size());
  if (options.by_level) {
    child_len = static_cast<size_t>(RegionCodeLength(*options.by_level));
    if (child_len <= region.size()) {
      return InvalidArgument("--by: expected a level below the region's own (city, county, township or village)");
    }
  }
  std::map<std::string, StatsCounts> by_region;
  std::map<Scheme, StatsCounts> by_scheme;
  RETURN_IF_ERROR(store.ForEachPerson(region, [&](const PersonBundle& b) -> Status {
    if (b.entitlements.empty()) return {};
    PersonFacts facts;
    facts.baseline_certified = b.person.baseline_certified;
    facts.facts = b.facts;
    const CertificationState cert = DeriveCertification(policy, facts, options.as_of);
    StatsCounts person;
    person.recipients = 1;
    switch (cert.status) {
      case CertStatus::kCertified:
      case CertStatus::kDue:
        person.certified = 1;
        person.certified_by_method[cert.last->method] = 1;
        person.due = cert.status == CertStatus::kDue ? 1 : 0;
        break;
      case CertStatus::kLapsed: person.lapsed = 1; break;
      case CertStatus::kDeceased: person.deceased = 1; break;
      case CertStatus::kNone: person.uncertified = 1; break;
    }
    const std::string child = b.person.region_code.substr(0, std::min(child_len, b.person.region_code.size()));
    std::map<Scheme, StatsCounts> schemes;  // this person's view per scheme
    std::vector<EntitlementTerms> terms;
    for (const EntitlementRecord& e : b.entitlements) terms.push_back(e.terms);
    const PersonSchedule schedule =
        DerivePersonSchedule(policy, terms, facts, first, options.month, options.as_of, Explain::kNo);
    for (size_t i = 0; i < b.entitlements.size(); ++i) {
      const EntitlementRecord& e = b.entitlements[i];
      StatsCounts ent;
      ent.entitlements = 1;
      for (const MonthDecision& d : schedule.months[i]) {
        const int k = d.month.index() - first.index();
        if (d.month == options.month) {
          switch (d.status) {
            case MonthStatus::kPayable: ent.payable = 1; break;
            case MonthStatus::kSuspended: ent.suspended = 1; break;
            case MonthStatus::kTerminated: ent.terminated = 1; break;
            case MonthStatus::kStopped: ent.stopped = 1; break;
          }
        }
        if (k < 0 || k >= trend_months) continue;
        StatsTrendPoint& point = report.trend[static_cast<size_t>(k)];
        switch (d.status) {
          case MonthStatus::kPayable: ++point.payable; break;
          case MonthStatus::kSuspended: ++point.suspended; break;
          case MonthStatus::kTerminated: ++point.terminated; break;
          case MonthStatus::kStopped: ++point.stopped; break;
        }
      }
      if (auto it = outstanding.find(e.terms.id); it != outstanding.end()) ent.overpaid_outstanding = it->second;
      if (auto it = recovered.find(e.terms.id); it != recovered.end()) ent.overpaid_recovered = it->second;
      person.Add(ent);
      schemes[e.terms.scheme].Add(ent);
    }
    // By scheme, a person counts once per scheme they draw from, however many
    // entitlements (paying regions) they hold in it.
    for (auto& [scheme, view] : schemes) {
      view.recipients = 1;
      view.certified = person.certified;
      view.certified_by_method = person.certified_by_method;
      view.due = person.due;
      view.lapsed = person.lapsed;
      view.uncertified = person.uncertified;
      view.deceased = person.deceased;
      by_scheme[scheme].Add(view);
    }
    // A person counts in the trend from the month their first entitlement began.
    Month first_start = b.entitlements.front().terms.start;
    for (const EntitlementRecord& e : b.entitlements) first_start = std::min(first_start, e.terms.start);
    for (int k = 0; k < trend_months; ++k) {
      StatsTrendPoint& point = report.trend[static_cast<size_t>(k)];
      if (point.month < first_start) continue;
      const Date end = std::min(options.as_of, point.month.LastDay());
      const CertStatus then = k + 1 == trend_months && end == options.as_of ? cert.status
                                                                            : DeriveCertification(policy, facts, end).status;
      if (then == CertStatus::kCertified || then == CertStatus::kDue) ++point.certified;
      if (then == CertStatus::kLapsed) ++point.lapsed;
      if (then == CertStatus::kDeceased) ++point.deceased;
    }
    report.total.Add(person);
    by_region[child].Add(person);
    return {};
  }));

  for (auto& [code, counts] : by_region) {
    ASSIGN_OR_RETURN(std::optional<Region> r, store.FindRegion(code));
    report.by_region.push_back(StatsGroup{code, r ? r->name : "", counts});
  }
  for (auto& [scheme, counts] : by_scheme) {
    report.by_scheme.push_back(StatsGroup{std::string(SchemeName(scheme)), std::string(SchemeNameZh(scheme)), counts});
  }
  return report;
}

}  // namespace tacit
