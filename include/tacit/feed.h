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
//   ASSIGN_OR_RETURN(Mapping m, LoadMapping("examples/mappings/railway_travel.toml"));
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

// The format of a file named `path`: JSON Lines for .jsonl and .ndjson (any case),
// CSV otherwise.
FeedFormat FeedFormatForPath(std::string_view path);

// How a department's layout maps onto the canonical one. Loaded from TOML.
// Field-by-field reference with defaults: docs/feeds.md.
struct Mapping {
  std::string name;  // human label, e.g. "民政 火化记录"; default: the file's stem
  // "csv" or "jsonl"; unset: from the feed file's extension (FeedFormatForPath).
  std::optional<FeedFormat> format;
  std::string encoding = "UTF-8";  // "UTF-8", "GBK" or "GB18030"
  char delimiter = ',';            // CSV only; one ASCII character
  // True for CanonicalMapping(): the CSV header may carry any subset of the
  // canonical columns (but no others) and names them; a department mapping
  // instead requires every column it names to be in the header.
  bool canonical = false;
  // canonical field -> the department's column (CSV header name or JSON key).
  std::map<std::string, std::string> columns;
  // canonical field -> constant value, for fields the file does not carry.
  // Allowed for source, kind and region_code only.
  std::map<std::string, std::string> constants;
  // canonical date field (occurred_on, birth_date) -> format, see ParseDateFormat.
  // A format may end in " %H:%M:%S" or "T%H:%M:%S" (or without seconds); a
  // trailing time in the text is checked and ignored.
  std::map<std::string, std::string> date_formats;
  // The department's own kind codes -> canonical kinds ("火化" -> "cremation").
  // When not empty, a kind column value not in the table is a reject.
  std::map<std::string, std::string> kind_codes;
  // The department's own sex codes -> "M" / "F" / "" (unknown) ("男" -> "M").
  // Empty: the canonical codes M, F, 男, 女, 1, 2 are accepted.
  std::map<std::string, std::string> sex_codes;
  // Other columns folded into the detail JSON object as strings:
  // detail key -> department column. Empty values are left out.
  std::map<std::string, std::string> detail_columns;
};

// Loads and checks a mapping file. Errors (kNotFound for a missing file,
// kInvalidArgument otherwise) name the file, the key and what was expected.
// Never throws.
Result<Mapping> LoadMapping(const std::string& path);
// The same for TOML text already in memory (a mapping pushed over the API, the
// fuzz target); `origin` stands for the file in errors and gives the default
// name (its stem). Errors: kInvalidArgument as LoadMapping's.
Result<Mapping> ParseMapping(std::string_view toml_text, std::string_view origin);
// The identity mapping for canonical CSV or JSON Lines files (canonical = true).
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

// One rejected row: where, which field, why. `raw` is the row as read, without
// its line terminator (UTF-8 after conversion for GBK files; a row with field
// "encoding" keeps the bytes as received, which are not UTF-8), for the quarantine
// file, which is personal data and kept beside the batch, never logged. `reason`
// never contains a value from the row.
struct FeedReject {
  std::string file;
  int64_t line = 0;
  std::string field;   // canonical field name, or "row" / "encoding"
  std::string reason;  // what was expected, in words a person can act on
  std::string raw;
};

// What the sending partner department is registered for (`tacit partner add
// NAME --source S --kinds K1,K2`): a partner sends only its own source and
// those kinds (个人信息保护法 第六条: no more than what the purpose needs).
struct FeedRegistration {
  std::string source;
  std::vector<std::string> kinds;
};

struct FeedReadOptions {
  const Mapping* mapping = nullptr;  // nullptr: canonical, format from extension
  // Source to use when neither the file nor the mapping gives one (--source).
  std::string default_source;
  // Kinds the policy declares; a row with another kind is rejected.
  // Unset: every kind is accepted. Called at most once per distinct kind value
  // of a file (results are cached while reading).
  std::function<bool(std::string_view kind)> is_known_kind;
  // Partner sources the policy declares; a row from another source is rejected.
  // Unset: every source is accepted. Cached like is_known_kind.
  std::function<bool(std::string_view source)> is_known_source;
  // The sender's registration, for a file a partner sent itself; nullptr for
  // the agency's own imports (no restriction). A row from another source, or
  // of a kind the registration does not list, is rejected (field source or
  // kind; the reason names the registration, never the row's value), after the
  // policy's own checks of the same field.
  const FeedRegistration* registration = nullptr;
  Date today;  // occurred_on (and birth_date) after today is rejected
  // Called once with the hex SHA-256 of the file's bytes before anything else
  // is read. Returning false skips the file (e.g. this batch was ingested
  // before): the summary then has the checksum and no rows. Unset: read on.
  std::function<bool(std::string_view sha256)> on_checksum;
};

struct FeedReadSummary {
  int64_t rows = 0;      // data rows read (good + rejected)
  int64_t accepted = 0;  // rows passed to on_row
  int64_t rejected = 0;  // rows passed to on_reject
  std::string sha256;    // hex SHA-256 of the file's bytes (the batch checksum)
};

// Reads one file. A file that cannot be opened (kNotFound / kUnavailable), is
// UTF-16, has a header line not in the mapped encoding, or lacks required
// columns (kInvalidArgument) is an Error, and then nothing has been passed on;
// a bad row is a reject and reading goes on (a data row that is not valid
// GBK / GB18030 as the mapping declares is a reject with field "encoding").
// Required canonical fields: source (column, constant or default_source), kind,
// occurred_on, ref; id_number may be empty and is not checked here. The
// callbacks run on the calling thread, in file order. Thread-compatible:
// concurrent calls on different files are fine.
Result<FeedReadSummary> ReadFeedFile(const std::string& path, const FeedReadOptions& options,
                                     const std::function<void(const FeedRow&)>& on_row,
                                     const std::function<void(const FeedReject&)>& on_reject);

// As ReadFeedFile, for bytes already in memory (a message from a stream, a
// test). `name` stands for the file in rejects and errors, and gives the format
// by its extension when the mapping has none.
Result<FeedReadSummary> ReadFeedBytes(std::string_view name, std::string_view bytes,
                                      const FeedReadOptions& options,
                                      const std::function<void(const FeedRow&)>& on_row,
                                      const std::function<void(const FeedReject&)>& on_reject);

// Records pushed as JSON (one object, or an array of objects), as JSON Lines
// text for ReadFeedBytes: one line per array element in order (line n holds
// element n-1), or one line for a single object.
struct PushedRecords {
  std::string lines;
  size_t count = 0;     // elements (1 for a single object)
  bool single = false;  // the body was one object, not an array
};

// Frames the body only: whitespace between tokens (line breaks included)
// becomes spaces, and the elements themselves are not checked here, so a bad
// element becomes a reject of its own line when the lines are read, like a bad
// line of a file. Errors (kInvalidArgument, naming the byte offset, never the
// text): the body is neither an object nor an array; the array is broken (an
// unclosed bracket or string, mismatched brackets, an empty element, text
// after its end); a raw line break inside a string; more than `max_records`
// elements.
Result<PushedRecords> FrameJsonRecords(std::string_view body, size_t max_records);

// Where the rejects of `path` go: a quarantine/ directory beside it, so that a
// glob over the feed directory (feeds/*.csv) never picks them up as feeds:
// "feeds/rail-05.csv" -> "feeds/quarantine/rail-05.csv.quarantine.csv".
std::string QuarantinePathFor(const std::string& path);

// `value` as one RFC 4180 CSV field: quoted when it holds a comma, a quote, a
// line break or leading/trailing blanks, with quotes doubled.
std::string CsvField(std::string_view value);

// Writes rejects as CSV (header file,line,field,reason,raw; RFC 4180 quoting;
// UTF-8; LF line ends) to `path`, replacing it atomically (write to a temporary
// file beside it, then rename). Errors name the path.
Status WriteQuarantine(const std::string& path, const std::vector<FeedReject>& rejects);

// Reads back a file WriteQuarantine wrote, rejects in file order. Errors:
// kNotFound (no such file), kUnavailable (cannot be read), kDataLoss (not a
// quarantine file: wrong header, a malformed record, a line that is not a
// number); each names the path and, where there is one, the line.
Result<std::vector<FeedReject>> ReadQuarantine(const std::string& path);

}  // namespace tacit

#endif  // TACIT_FEED_H_
