// Statistics (统计) for a region and its administrative levels: recipients,
// certification by status and method, payment status in a month, and
// overpayments outstanding. Every figure is derived from stored facts with the
// same derivation the monthly run uses, as of a date.
//
//   ASSIGN_OR_RETURN(StatsReport r, ComputeStats(store, policy, {.region = "1401", .month = m, .as_of = d}));
#ifndef TACIT_STATS_H_
#define TACIT_STATS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/regions.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit {

struct StatsCounts {
  int64_t recipients = 0;    // persons with at least one entitlement
  int64_t entitlements = 0;
  int64_t certified = 0;     // certification valid on as_of (due ones included)
  std::map<std::string, int64_t> certified_by_method;  // data, face, visit, legacy, ...
  int64_t due = 0;           // valid, but expiring within the policy's due_soon_days
  int64_t lapsed = 0;        // expired: payment suspended
  int64_t uncertified = 0;   // no certification at all
  int64_t deceased = 0;
  int64_t payable = 0;       // entitlements payable in the month
  int64_t suspended = 0;     // entitlements suspended in the month
  int64_t terminated = 0;    // entitlements terminated in the month
  int64_t stopped = 0;       // entitlements stopped in the month (停发: a sentence being served)
  Fen overpaid_outstanding = 0;
  Fen overpaid_recovered = 0;  // recovered so far on overpayments (追回), settled ones included

  void Add(const StatsCounts& o);
};

struct StatsGroup {
  std::string key;   // region code or scheme name
  std::string name;  // region name or scheme name in Chinese
  StatsCounts counts;
};

struct StatsOptions {
  std::string region;  // 2/4/6/9/12-digit prefix; empty: everything
  Month month;
  Date as_of;
  // The level by_region groups at; unset: one level below `region`. Must be
  // below the region's own level.
  std::optional<RegionLevel> by_level;
  // When set (and not after `month`): also the month-by-month trend from this
  // month through `month`, in the same pass over the persons.
  std::optional<Month> trend_from;
};

// One month of the trend: entitlements by decision as known on as_of, and
// persons certified or lapsed at the end of that month (or on as_of).
struct StatsTrendPoint {
  Month month;
  int64_t payable = 0, suspended = 0, terminated = 0, stopped = 0;
  int64_t certified = 0, lapsed = 0, deceased = 0;
};

struct StatsReport {
  std::string region;
  std::string region_name;
  Month month;
  Date as_of;
  StatsCounts total;
  std::vector<StatsGroup> by_region;  // one level below `region`, by code
  std::vector<StatsGroup> by_scheme;
  std::vector<StatsTrendPoint> trend;  // oldest first; empty unless trend_from was set
};

Result<StatsReport> ComputeStats(Store& store, const Policy& policy, const StatsOptions& options);

}  // namespace tacit

#endif  // TACIT_STATS_H_
