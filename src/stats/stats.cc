#include "tacit/stats.h"

#include <fmt/format.h>

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

  std::unordered_map<int64_t, Fen> outstanding;
  ASSIGN_OR_RETURN(std::vector<ReceivableRecord> open, store.OpenReceivables());
  for (const ReceivableRecord& r : open) outstanding[r.entitlement_id] += r.amount - r.recovered;

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
        DerivePersonSchedule(policy, terms, facts, options.month, options.month, options.as_of, Explain::kNo);
    for (size_t i = 0; i < b.entitlements.size(); ++i) {
      const EntitlementRecord& e = b.entitlements[i];
      StatsCounts ent;
      ent.entitlements = 1;
      const std::vector<MonthDecision>& months = schedule.months[i];
      if (!months.empty()) {
        switch (months[0].status) {
          case MonthStatus::kPayable: ent.payable = 1; break;
          case MonthStatus::kSuspended: ent.suspended = 1; break;
          case MonthStatus::kTerminated: ent.terminated = 1; break;
          case MonthStatus::kStopped: ent.stopped = 1; break;
        }
      }
      if (auto it = outstanding.find(e.terms.id); it != outstanding.end()) ent.overpaid_outstanding = it->second;
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
