// Partner feeds: reading a department's file into canonical evidence rows.
//
// The canonical layout is CSV (or JSON Lines with the same field names):
//   source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail
// A Mapping (TOML, see docs/feeds.md) turns a department's own layout into it:
// other column names, constant fields, date formats, its own kind and sex codes,
// GBK encoding. Reading streams the file and calls back once per good row and
// once per rejected row; rejected rows carry file, line, field and reason, and
// go to the quarantine file beside the batch. A row is never silently dropped.
//
//   ASSIGN_OR_RETURN(Mapping m, LoadMapping("examples/mappings/railway.toml"));
//   FeedReadOptions opt{.mapping = &m, .is_known_kind = ..., .today = Today()};
//   auto summary = ReadFeedFile("rail-2026-05.csv", opt,
//       [&](const FeedRow& row) { ... }, [&](const FeedReject& r) { ... });
#ifndef TACIT_FEED_H_
#define TACIT_FEED_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/result.h"

namespace tacit {

enum class FeedFormat { kCsv, kJsonLines };

// How a department's layout maps onto the canonical one. Loaded from TOML.
struct Mapping {
  std::string name;                      // human label, e.g. "民政 火化记录"
  FeedFormat format = FeedFormat::kCsv;  // "csv" or "jsonl"
  std::string encoding = "UTF-8";        // "UTF-8" or "GBK" (GB18030 accepted)
  char delimiter = ',';
  // canonical field -> the department's column (CSV header name or JSON key).
  std::map<std::string, std::string> columns;
  // canonical field -> constant value, for fields the file does not carry
  // (typically source and kind).
  std::map<std::string, std::string> constants;
  // canonical date field (occurred_on, birth_date) -> format, see ParseDateFormat.
  // A format may end in " %H:%M:%S" or "T%H:%M:%S"; the time is ignored.
  std::map<std::string, std::string> date_formats;
  // The department's own kind codes -> canonical kinds ("火化" -> "cremation").
  std::map<std::string, std::string> kind_codes;
  // The department's own sex codes -> "M" / "F" ("男" -> "M", "1" -> "M").
  std::map<std::string, std::string> sex_codes;
  // Canonical fields whose values are copied into detail JSON from other columns:
  // detail key -> department column.
  std::map<std::string, std::string> detail_columns;
};

// Loads and checks a mapping file. Errors name the file and the key.
Result<Mapping> LoadMapping(const std::string& path);
// The identity mapping for canonical CSV or JSON Lines files.
Mapping CanonicalMapping(FeedFormat format);

// One good row, after mapping. The string_views are valid only during the
// callback. id_number is the raw text as sent (normalise with ParseIdNumber).
struct FeedRow {
  int64_t line = 0;  // 1-based physical line in the file (header is line 1 for CSV)
  std::string_view source;
  std::string_view kind;
  std::string_view id_number;
  std::string_view name;
  Sex sex = Sex::kUnknown;
  std::optional<Date> birth_date;
  std::string_view region_code;
  Date occurred_on;
  std::string_view ref;
  std::string_view detail;  // a JSON object as text, or empty
};

// One rejected row: where, which field, why. `raw` is the row as read (for the
// quarantine file, which is personal data and kept beside the batch, never logged).
struct FeedReject {
  std::string file;
  int64_t line = 0;
  std::string field;   // canonical field name, or "row" / "encoding"
  std::string reason;  // what was expected, in words a person can act on
  std::string raw;
};

struct FeedReadOptions {
  const Mapping* mapping = nullptr;  // nullptr: canonical, format from extension
  // Source to use when neither the file nor the mapping gives one (--source).
  std::string default_source;
  // Kinds the policy declares; a row with another kind is rejected.
  std::function<bool(std::string_view kind)> is_known_kind;
  Date today;  // occurred_on after today is rejected
};

struct FeedReadSummary {
  int64_t rows = 0;      // data rows read (good + rejected)
  int64_t accepted = 0;  // rows passed to on_row
  int64_t rejected = 0;  // rows passed to on_reject
  std::string sha256;    // hex SHA-256 of the file's bytes (the batch checksum)
};

// Reads one file. A file that cannot be opened, is not in the mapped encoding as
// a whole, or lacks required columns is an Error (nothing is passed on); a bad
// row is a reject and reading goes on. Required canonical fields: source (column,
// constant or default_source), kind, occurred_on, ref; id_number may be empty.
Result<FeedReadSummary> ReadFeedFile(const std::string& path, const FeedReadOptions& options,
                                     const std::function<void(const FeedRow&)>& on_row,
                                     const std::function<void(const FeedReject&)>& on_reject);

// Writes rejects as CSV (file,line,field,reason,raw) to `path`, replacing it.
Status WriteQuarantine(const std::string& path, const std::vector<FeedReject>& rejects);

}  // namespace tacit

#endif  // TACIT_FEED_H_
