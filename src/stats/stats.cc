#include "tacit/stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
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

// Overpayments per entitlement id: outstanding and recovered so far.
struct Receivables {
  std::unordered_map<int64_t, Fen> outstanding, recovered;
};

Result<Receivables> LoadReceivables(Store& store, const std::string& region) {
  Receivables out;
  ASSIGN_OR_RETURN(std::vector<ReceivableRecord> receivables, store.OpenOrRecoveredReceivables(region));
  for (const ReceivableRecord& r : receivables) {
    if (r.amount != r.recovered) out.outstanding[r.entitlement_id] += r.amount - r.recovered;
    if (r.recovered != 0) out.recovered[r.entitlement_id] += r.recovered;
  }
  return out;
}

// The months a pass derives: `first` through `month`, the trend's points
// being the first `trend.size()` of them.
struct Window {
  Month first, month;
  Date as_of;
};

// What one recipient adds: their own counts to `person`, their view in each
// scheme they draw from to `schemes`, and each trend month to `trend`
// (indexed from window.first). The one derivation behind live statistics and
// snapshots.
void AddPerson(const Policy& policy, const PersonBundle& b, const Receivables& money, const Window& w,
               StatsCounts& person, std::map<Scheme, StatsCounts>& schemes, std::vector<StatsTrendPoint>& trend) {
  const int trend_months = static_cast<int>(trend.size());
  PersonFacts facts;
  facts.baseline_certified = b.person.baseline_certified;
  facts.facts = b.facts;
  const CertificationState cert = DeriveCertification(policy, facts, w.as_of);
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
  std::map<Scheme, StatsCounts> own;  // this person's view per scheme
  std::vector<EntitlementTerms> terms;
  for (const EntitlementRecord& e : b.entitlements) terms.push_back(e.terms);
  const PersonSchedule schedule = DerivePersonSchedule(policy, terms, facts, w.first, w.month, w.as_of, Explain::kNo);
  for (size_t i = 0; i < b.entitlements.size(); ++i) {
    const EntitlementRecord& e = b.entitlements[i];
    StatsCounts ent;
    ent.entitlements = 1;
    for (const MonthDecision& d : schedule.months[i]) {
      const int k = d.month.index() - w.first.index();
      if (d.month == w.month) {
        switch (d.status) {
          case MonthStatus::kPayable: ent.payable = 1; break;
          case MonthStatus::kSuspended: ent.suspended = 1; break;
          case MonthStatus::kTerminated: ent.terminated = 1; break;
          case MonthStatus::kStopped: ent.stopped = 1; break;
        }
      }
      if (k < 0 || k >= trend_months) continue;
      StatsTrendPoint& point = trend[static_cast<size_t>(k)];
      switch (d.status) {
        case MonthStatus::kPayable: ++point.payable; break;
        case MonthStatus::kSuspended: ++point.suspended; break;
        case MonthStatus::kTerminated: ++point.terminated; break;
        case MonthStatus::kStopped: ++point.stopped; break;
      }
    }
    if (auto it = money.outstanding.find(e.terms.id); it != money.outstanding.end()) {
      ent.overpaid_outstanding = it->second;
    }
    if (auto it = money.recovered.find(e.terms.id); it != money.recovered.end()) ent.overpaid_recovered = it->second;
    person.Add(ent);
    own[e.terms.scheme].Add(ent);
  }
  // By scheme, a person counts once per scheme they draw from, however many
  // entitlements (paying regions) they hold in it.
  for (auto& [scheme, view] : own) {
    view.recipients = 1;
    view.certified = person.certified;
    view.certified_by_method = person.certified_by_method;
    view.due = person.due;
    view.lapsed = person.lapsed;
    view.uncertified = person.uncertified;
    view.deceased = person.deceased;
    schemes[scheme].Add(view);
  }
  // A person counts in the trend from the month their first entitlement began.
  Month first_start = b.entitlements.front().terms.start;
  for (const EntitlementRecord& e : b.entitlements) first_start = std::min(first_start, e.terms.start);
  for (int k = 0; k < trend_months; ++k) {
    StatsTrendPoint& point = trend[static_cast<size_t>(k)];
    point.month = w.first + k;
    if (point.month < first_start) continue;
    const Date end = std::min(w.as_of, point.month.LastDay());
    const CertStatus then = k + 1 == trend_months && end == w.as_of ? cert.status
                                                                    : DeriveCertification(policy, facts, end).status;
    if (then == CertStatus::kCertified || then == CertStatus::kDue) ++point.certified;
    if (then == CertStatus::kLapsed) ++point.lapsed;
    if (then == CertStatus::kDeceased) ++point.deceased;
  }
}

// ---- A snapshot cell's payload --------------------------------------------------
// "1|c0,c1,...,c12|method=n,method=n|p.s.t.x.c.l.d,p.s.t.x.c.l.d,..." : the
// format's version, the counters of StatsCounts in declaration order, the
// certifications by method, and the trend months from the snapshot's first
// (only in the cells of all schemes).

constexpr int kCounters = 13;

std::array<int64_t*, kCounters> Counters(StatsCounts& c) {
  return {&c.recipients, &c.entitlements, &c.certified, &c.due, &c.lapsed, &c.uncertified, &c.deceased, &c.payable,
          &c.suspended, &c.terminated, &c.stopped, &c.overpaid_outstanding, &c.overpaid_recovered};
}

std::array<int64_t*, 7> TrendCounters(StatsTrendPoint& p) {
  return {&p.payable, &p.suspended, &p.terminated, &p.stopped, &p.certified, &p.lapsed, &p.deceased};
}

Result<std::string> PackCell(StatsCounts counts, std::vector<StatsTrendPoint> trend) {
  std::string out = "1|";
  bool first = true;
  for (int64_t* v : Counters(counts)) {
    if (!first) out += ',';
    first = false;
    out += std::to_string(*v);
  }
  out += '|';
  first = true;
  for (const auto& [method, n] : counts.certified_by_method) {
    if (method.find_first_of(",=|") != std::string::npos) {
      return Internal("statistics snapshot: a certification method with ',', '=' or '|' in its name");
    }
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}={}", method, n);
  }
  out += '|';
  for (size_t k = 0; k < trend.size(); ++k) {
    if (k != 0) out += ',';
    first = true;
    for (int64_t* v : TrendCounters(trend[k])) {
      if (!first) out += '.';
      first = false;
      out += std::to_string(*v);
    }
  }
  return out;
}

// Splits at `sep`; an empty text gives no parts.
std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  size_t at = 0;
  while (true) {
    const size_t next = text.find(sep, at);
    out.push_back(text.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  return out;
}

bool ParseInt(std::string_view text, int64_t& v) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// Adds a packed cell to `counts` and its trend months (from the snapshot's
// first, `skip` of them left out) to `trend`.
Status AddPacked(std::string_view payload, size_t skip, StatsCounts& counts, std::vector<StatsTrendPoint>& trend) {
  const Status malformed = Internal("statistics snapshot: a malformed cell (take the snapshot again)");
  const std::vector<std::string_view> parts = Split(payload, '|');
  if (parts.size() != 4 || parts[0] != "1") return malformed;
  const std::vector<std::string_view> values = Split(parts[1], ',');
  if (values.size() != kCounters) return malformed;
  StatsCounts cell;
  const std::array<int64_t*, kCounters> fields = Counters(cell);
  for (int i = 0; i < kCounters; ++i) {
    if (!ParseInt(values[static_cast<size_t>(i)], *fields[static_cast<size_t>(i)])) return malformed;
  }
  for (std::string_view pair : Split(parts[2], ',')) {
    const size_t eq = pair.find('=');
    int64_t n = 0;
    if (eq == std::string_view::npos || !ParseInt(pair.substr(eq + 1), n)) return malformed;
    cell.certified_by_method[std::string(pair.substr(0, eq))] += n;
  }
  counts.Add(cell);
  const std::vector<std::string_view> months = Split(parts[3], ',');
  for (size_t k = skip; k < months.size() && k - skip < trend.size(); ++k) {
    const std::vector<std::string_view> v = Split(months[k], '.');
    if (v.size() != 7) return malformed;
    StatsTrendPoint& point = trend[k - skip];
    const std::array<int64_t*, 7> into = TrendCounters(point);
    for (size_t i = 0; i < 7; ++i) {
      int64_t n = 0;
      if (!ParseInt(v[i], n)) return malformed;
      *into[i] += n;
    }
  }
  return {};
}

Status CheckRegion(const std::string& region) {
  if (!region.empty() && (!AllDigits(region) || (region.size() != 2 && region.size() != 4 && region.size() != 6 &&
                                                 region.size() != 9 && region.size() != 12))) {
    return InvalidArgument("--region: expected a 2, 4, 6, 9 or 12-digit administrative code");
  }
  return {};
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
  RETURN_IF_ERROR(CheckRegion(region));
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

  // A snapshot of the same month and as-of date answers when the options
  // allow it and it holds the trend asked for.
  std::optional<StatsSnapshotRecord> snapshot;
  if (options.snapshot != StatsOptions::Snapshot::kLive) {
    ASSIGN_OR_RETURN(snapshot, store.FindStatsSnapshot(options.month, options.as_of));
    if (snapshot && first < snapshot->trend_from) snapshot.reset();
  }
  bool current = false;
  if (snapshot) {
    ASSIGN_OR_RETURN(std::string fingerprint, store.StatsFingerprint());
    current = fingerprint == snapshot->fingerprint;
    if (!current && options.snapshot == StatsOptions::Snapshot::kIfCurrent) snapshot.reset();
  }
  if (snapshot) {
    const size_t skip = static_cast<size_t>(first.index() - snapshot->trend_from.index());
    RETURN_IF_ERROR(store.ForEachStatsCell(snapshot->id, region, [&](const StatsCellRecord& c) -> Status {
      if (c.scheme.empty()) {
        StatsCounts person;
        if (Status added = AddPacked(c.payload, skip, person, report.trend); !added) return added;
        report.total.Add(person);
        by_region[c.region_code.substr(0, std::min(child_len, c.region_code.size()))].Add(person);
        return {};
      }
      const Result<Scheme> scheme = ParseScheme(c.scheme);
      if (!scheme) return Internal("statistics snapshot: a cell of an unknown scheme (take the snapshot again)");
      std::vector<StatsTrendPoint> none;
      return AddPacked(c.payload, 0, by_scheme[*scheme], none);
    }));
    report.snapshot = StatsSnapshotUse{snapshot->id, snapshot->taken_at, current};
  } else {
    ASSIGN_OR_RETURN(const Receivables money, LoadReceivables(store, region));
    const Window window{first, options.month, options.as_of};
    RETURN_IF_ERROR(store.ForEachPerson(region, [&](const PersonBundle& b) -> Status {
      if (b.entitlements.empty()) return {};
      StatsCounts person;
      AddPerson(policy, b, money, window, person, by_scheme, report.trend);
      report.total.Add(person);
      by_region[b.person.region_code.substr(0, std::min(child_len, b.person.region_code.size()))].Add(person);
      return {};
    }));
  }

  for (auto& [code, counts] : by_region) {
    ASSIGN_OR_RETURN(std::optional<Region> r, store.FindRegion(code));
    report.by_region.push_back(StatsGroup{code, r ? r->name : "", counts});
  }
  for (auto& [scheme, counts] : by_scheme) {
    report.by_scheme.push_back(StatsGroup{std::string(SchemeName(scheme)), std::string(SchemeNameZh(scheme)), counts});
  }
  return report;
}

Result<StatsSnapshotRecord> TakeStatsSnapshot(Store& store, const Policy& policy, const StatsSnapshotOptions& options) {
  if (options.trend_months < 1 || options.trend_months > 24) {
    return InvalidArgument("--trend-months: expected 1 to 24");
  }
  StatsSnapshotRecord snapshot;
  snapshot.month = options.month;
  snapshot.as_of = options.as_of;
  snapshot.trend_from = options.month - (options.trend_months - 1);
  // Read first: whatever is written from now on makes the snapshot not current.
  ASSIGN_OR_RETURN(snapshot.fingerprint, store.StatsFingerprint());
  ASSIGN_OR_RETURN(const Receivables money, LoadReceivables(store, ""));
  struct Village {
    StatsCounts all;
    std::map<Scheme, StatsCounts> schemes;
    std::vector<StatsTrendPoint> trend;
  };
  std::map<std::string, Village> villages;
  const Window window{snapshot.trend_from, options.month, options.as_of};
  RETURN_IF_ERROR(store.ForEachPerson("", [&](const PersonBundle& b) -> Status {
    if (b.entitlements.empty()) return {};
    Village& v = villages[b.person.region_code];
    v.trend.resize(static_cast<size_t>(options.trend_months));
    StatsCounts person;
    AddPerson(policy, b, money, window, person, v.schemes, v.trend);
    v.all.Add(person);
    ++snapshot.persons;
    return {};
  }));
  std::vector<StatsCellRecord> cells;
  for (auto& [code, v] : villages) {
    ASSIGN_OR_RETURN(std::string all, PackCell(v.all, v.trend));
    cells.push_back(StatsCellRecord{code, "", std::move(all)});
    for (auto& [scheme, counts] : v.schemes) {
      ASSIGN_OR_RETURN(std::string packed, PackCell(counts, {}));
      cells.push_back(StatsCellRecord{code, std::string(SchemeName(scheme)), std::move(packed)});
    }
  }
  snapshot.taken_at = options.taken_at.empty() ? NowUtcText() : options.taken_at;
  RETURN_IF_ERROR(store.SaveStatsSnapshot(snapshot, cells));
  return snapshot;
}

}  // namespace tacit
