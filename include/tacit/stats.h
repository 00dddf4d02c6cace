// Statistics (统计) for a region and its administrative levels: recipients,
// certification by status and method, payment status in a month, and
// overpayments outstanding. Every figure is derived from stored facts with the
// same derivation the monthly run uses, as of a date.
//
//   ASSIGN_OR_RETURN(StatsReport r, ComputeStats(store, policy, {.region = "1401", .month = m, .as_of = d}));
//
// A statistics snapshot (统计快照) keeps the same figures pre-aggregated per
// village for one month and as-of date (TakeStatsSnapshot); ComputeStats
// answers from it when it can (StatsOptions::snapshot), summing the villages
// under the region instead of deriving every person again.
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
  // Whether a statistics snapshot of the same month and as-of date may answer.
  enum class Snapshot {
    kIfCurrent,  // only when nothing that changes a figure was written since it was taken (exact)
    kAny,        // also one the store has moved on from (the report says so)
    kLive,       // never: derive every person now
  };
  Snapshot snapshot = Snapshot::kIfCurrent;
};

// Which snapshot answered, when one did.
struct StatsSnapshotUse {
  int64_t id = 0;
  std::string taken_at;
  bool current = true;  // nothing that changes a figure was written since
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
  std::optional<StatsSnapshotUse> snapshot;  // unset: derived live
};

Result<StatsReport> ComputeStats(Store& store, const Policy& policy, const StatsOptions& options);

struct StatsSnapshotOptions {
  Month month;
  Date as_of;
  int trend_months = 12;  // the trend kept: this many months through `month` (1–24)
  std::string taken_at;   // UTC text; empty: now
};

// Derives every recipient once (as ComputeStats does for the whole store),
// stores the figures per village and scheme as the snapshot of (month,
// as_of), replacing an earlier one of the same pair, and answers what was
// stored. The store's fingerprint is read before the persons, so a write
// during the pass leaves the snapshot marked as not current.
Result<StatsSnapshotRecord> TakeStatsSnapshot(Store& store, const Policy& policy, const StatsSnapshotOptions& options);

}  // namespace tacit

#endif  // TACIT_STATS_H_
