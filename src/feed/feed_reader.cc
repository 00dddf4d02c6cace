// ReadFeedFile / ReadFeedBytes: department bytes in, canonical rows and rejects
// out.
//
// The fast path (UTF-8 CSV, unquoted fields) allocates nothing per row: the
// scanner yields string_views into the mapped file, the mapping has been
// compiled to column indices once from the header, and dates are parsed in
// place. Rejects allocate, which is fine: they are rare and each is kept.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feed/canonical.h"
#include "feed/csv.h"
#include "feed/date_text.h"
#include "feed/file_bytes.h"
#include "feed/json_line.h"
#include "feed/text.h"
#include "tacit/feed.h"
#include "tacit/secrets.h"

namespace tacit {
namespace {

using feed_internal::BadLine;
using feed_internal::CsvRecord;
using feed_internal::CsvScanner;
using feed_internal::DateFormat;
using feed_internal::Field;
using feed_internal::FieldByName;
using feed_internal::FieldName;
using feed_internal::Index;
using feed_internal::IsValidUtf8;
using feed_internal::kFieldCount;
using feed_internal::TrimSpaces;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Where a canonical field's value comes from.
struct FieldSource {
  enum class From { kNothing, kColumn, kConstant };
  From from = From::kNothing;
  std::string column;  // the department's column (CSV header name or JSON key)
  int index = -1;      // the CSV column index, once the header is read
};

// One [detail] entry: a column folded into the detail object under a key.
struct DetailSource {
  std::string key_prefix;  // "\"funeral_home\":", JSON-escaped once
  std::string column;
  int index = -1;
};

struct DetailValue {
  std::string_view text;
  bool json_literal = false;  // a JSON number, boolean, object or array, copied as is
};

std::string JoinKeys(const std::map<std::string, std::string, std::less<>>& table) {
  std::string out;
  int n = 0;
  for (const auto& [code, value] : table) {
    if (n == 12) {
      out += ", ...";
      break;
    }
    if (n++ > 0) out += ", ";
    out += code;
  }
  return out;
}

class Reader {
 public:
  Reader(const Mapping& mapping, const FeedReadOptions& options, std::string_view file,
         const std::function<void(const FeedRow&)>& on_row,
         const std::function<void(const FeedReject&)>& on_reject)
      : mapping_(mapping), options_(options), file_(file), on_row_(on_row), on_reject_(on_reject) {
    for (const auto& [field, column] : mapping.columns) {
      if (auto f = FieldByName(field)) {
        sources_[Index(*f)].from = FieldSource::From::kColumn;
        sources_[Index(*f)].column = column;
      }
    }
    for (const auto& [field, value] : mapping.constants) {
      if (auto f = FieldByName(field)) {
        sources_[Index(*f)].from = FieldSource::From::kConstant;
        constants_[Index(*f)] = value;
      }
    }
    for (const auto& [key, column] : mapping.detail_columns) {
      DetailSource d;
      feed_internal::AppendJsonString(&d.key_prefix, key);
      d.key_prefix.push_back(':');
      d.column = column;
      detail_sources_.push_back(std::move(d));
    }
    detail_values_.resize(detail_sources_.size());
    kind_codes_.insert(mapping.kind_codes.begin(), mapping.kind_codes.end());
    sex_codes_.insert(mapping.sex_codes.begin(), mapping.sex_codes.end());
    occurred_format_ = DateFormatFor(Field::kOccurredOn);
    birth_format_ = DateFormatFor(Field::kBirthDate);
    for (int i = 0; i < kFieldCount; ++i) {
      if (sources_[i].from == FieldSource::From::kConstant) base_values_[i] = constants_[i];
    }
  }

  // For a file converted from GBK / GB18030: the lines that did not convert
  // (their bad bytes are U+FFFD in the text) and the file's bytes as received.
  // Both must outlive the reader.
  void SetBadLines(std::span<const BadLine> bad_lines, std::string_view original) {
    bad_lines_ = bad_lines;
    original_ = original;
  }

  Status ReadCsv(std::string_view text);
  Status ReadJsonLines(std::string_view text);

  int64_t accepted() const { return accepted_; }
  int64_t rejected() const { return rejected_; }

 private:
  DateFormat DateFormatFor(Field f) const {
    auto it = mapping_.date_formats.find(std::string(FieldName(f)));
    if (it != mapping_.date_formats.end()) {
      if (auto parsed = feed_internal::ParseFeedDateFormat(it->second)) return *parsed;
    }
    return feed_internal::CanonicalDateFormat();
  }

  Status BindCanonicalHeader(std::span<const std::string_view> header, int64_t line);
  Status BindMappedHeader(std::span<const std::string_view> header, int64_t line);
  tl::unexpected<Error> HeaderError(int64_t line, const std::string& what) const {
    return InvalidArgument(fmt::format("{}: line {}: {}", file_, line, what));
  }

  // Lines that did not convert from the mapping's encoding: the header must,
  // and a data line is a reject with field "encoding".
  tl::unexpected<Error> EncodingError(const BadLine& bad) const;
  std::string EncodingReason(const BadLine& bad, int64_t record_line) const;
  // Rejects the unconverted lines before `line` that no record held. (None
  // are expected: such a line is never blank. A safety net, so that a bad line
  // is never passed over silently.)
  void RejectBadLinesBefore(int64_t line);
  // Rejects `rec` when one of its physical lines did not convert; raw is then
  // the record as received.
  bool RejectIfNotConverted(const CsvRecord& rec);
  // Lines first..last (1-based) of the file as received, without the last
  // line's terminator.
  std::string_view OriginalLines(int64_t first, int64_t last);

  // Checks values_ / detail_values_ and passes the row on, or rejects it.
  void Emit(int64_t line, std::string_view raw);
  void Reject(int64_t line, std::string_view raw, std::string_view field, std::string reason) {
    ++rejected_;
    if (on_reject_) {
      on_reject_(FeedReject{std::string(file_), line, std::string(field), std::move(reason),
                            std::string(raw)});
    }
  }
  bool KindKnown(std::string_view kind);
  bool SourceKnown(std::string_view source);
  std::optional<Sex> ParseSex(std::string_view text) const;
  std::string DateReason(Field f, const DateFormat& format) const;
  // Reads the JSON value for a canonical field into values_[i]; false (after
  // rejecting the row) when it is not usable.
  bool TakeJsonField(int i, const feed_internal::JsonValue& value, int64_t line,
                     std::string_view raw);

  const Mapping& mapping_;
  const FeedReadOptions& options_;
  std::string_view file_;
  std::span<const BadLine> bad_lines_;
  size_t next_bad_ = 0;                       // the first bad line not yet handled
  std::string_view original_;                 // the bytes as received (GBK / GB18030)
  std::vector<size_t> original_line_starts_;  // built when first needed
  const std::function<void(const FeedRow&)>& on_row_;
  const std::function<void(const FeedReject&)>& on_reject_;

  std::array<FieldSource, kFieldCount> sources_;
  std::array<std::string, kFieldCount> constants_;
  std::vector<DetailSource> detail_sources_;
  std::map<std::string, std::string, std::less<>> kind_codes_;
  std::map<std::string, std::string, std::less<>> sex_codes_;
  DateFormat occurred_format_;
  DateFormat birth_format_;
  std::vector<std::pair<std::string, bool>> kind_cache_;
  std::vector<std::pair<std::string, bool>> source_cache_;
  // Checks that a detail text is one JSON object, without allocating when it is
  // flat (the common case).
  feed_internal::JsonLineParser detail_checker_{{}};

  // Per row. base_values_ holds the constants; values_ starts as a copy.
  std::array<std::string_view, kFieldCount> base_values_;
  std::array<std::string_view, kFieldCount> values_;
  std::vector<DetailValue> detail_values_;
  bool detail_is_object_ = false;  // values_[kDetail] is known to be a JSON object
  std::string detail_out_;

  int64_t accepted_ = 0;
  int64_t rejected_ = 0;
};

tl::unexpected<Error> Reader::EncodingError(const BadLine& bad) const {
  return InvalidArgument(fmt::format(
      "{}: line {}: not valid {} ({} at byte {} of the line), and the header cannot be read "
      "without it; check encoding in the mapping's [mapping] table (UTF-8, GBK or GB18030)",
      file_, bad.line, mapping_.encoding,
      bad.truncated ? "the file ends inside a multi-byte character" : "an invalid byte sequence",
      bad.offset + 1));
}

std::string Reader::EncodingReason(const BadLine& bad, int64_t record_line) const {
  const char* what =
      bad.truncated ? "the file ends inside a multi-byte character" : "an invalid byte sequence";
  const std::string where = bad.line == record_line
                                ? fmt::format("at byte {} of the line", bad.offset + 1)
                                : fmt::format("at byte {} of line {}, inside this quoted record",
                                              bad.offset + 1, bad.line);
  return fmt::format(
      "encoding: the row is not valid {} as the mapping declares ({} {}); the other rows are "
      "read; check the sending system's export, or encoding in the mapping",
      mapping_.encoding, what, where);
}

void Reader::RejectBadLinesBefore(int64_t line) {
  while (next_bad_ < bad_lines_.size() && bad_lines_[next_bad_].line < line) {
    const BadLine& bad = bad_lines_[next_bad_++];
    Reject(bad.line, bad.bytes, "encoding", EncodingReason(bad, bad.line));
  }
}

bool Reader::RejectIfNotConverted(const CsvRecord& rec) {
  if (next_bad_ >= bad_lines_.size()) return false;
  const int64_t last = rec.line + std::count(rec.raw.begin(), rec.raw.end(), '\n');
  if (bad_lines_[next_bad_].line > last) return false;
  const BadLine& first = bad_lines_[next_bad_];
  while (next_bad_ < bad_lines_.size() && bad_lines_[next_bad_].line <= last) ++next_bad_;
  Reject(rec.line,
         first.line == rec.line && last == rec.line ? first.bytes : OriginalLines(rec.line, last),
         "encoding", EncodingReason(first, rec.line));
  return true;
}

std::string_view Reader::OriginalLines(int64_t first, int64_t last) {
  if (original_line_starts_.empty()) {
    original_line_starts_.push_back(0);
    for (size_t i = 0; i < original_.size(); ++i) {
      if (original_[i] == '\n') original_line_starts_.push_back(i + 1);
    }
  }
  const auto line_count = static_cast<int64_t>(original_line_starts_.size());
  if (first < 1 || first > last || last > line_count) return {};
  const size_t begin = original_line_starts_[static_cast<size_t>(first - 1)];
  size_t end =
      last < line_count ? original_line_starts_[static_cast<size_t>(last)] - 1 : original_.size();
  if (end > begin && original_[end - 1] == '\r') --end;
  return original_.substr(begin, end - begin);
}

constexpr std::string_view kCutOffReason =
    "row: 文件末行不完整，文件可能被截断 (the last line has no line end: the file was probably cut off in this "
    "row); if the file is complete, end it with a line break and ingest it again";

// True when `raw` (a view into `text`) is the last line and no line break ends it.
bool EndsUnterminated(std::string_view text, std::string_view raw) {
  return !text.empty() && text.back() != '\n' && raw.data() + raw.size() == text.data() + text.size();
}

Status Reader::ReadCsv(std::string_view text) {
  CsvScanner scanner(text, mapping_.delimiter);
  CsvRecord rec;
  if (!scanner.Next(&rec)) {
    if (!bad_lines_.empty()) return EncodingError(bad_lines_.front());
    return InvalidArgument(
        fmt::format("{}: the file is empty; expected a header line naming the columns", file_));
  }
  // A line that did not convert, before or in the header, may have been the
  // header: reading on would take the wrong line for it.
  if (!bad_lines_.empty() &&
      bad_lines_.front().line <= rec.line + std::count(rec.raw.begin(), rec.raw.end(), '\n')) {
    return EncodingError(bad_lines_.front());
  }
  if (!rec.error.empty()) {
    return HeaderError(rec.line, fmt::format("the header line is not valid CSV: {}", rec.error));
  }
  if (!IsValidUtf8(rec.raw)) {
    return HeaderError(rec.line,
                       "the header line is not valid UTF-8; if the file is GBK, set encoding = "
                       "\"GBK\" in the mapping's [mapping] table");
  }
  if (mapping_.canonical) {
    RETURN_IF_ERROR(BindCanonicalHeader(rec.fields, rec.line));
  } else {
    RETURN_IF_ERROR(BindMappedHeader(rec.fields, rec.line));
  }
  const size_t columns = rec.fields.size();
  // A multi-line record that does not fit the header is a stray quote: only
  // its first line is rejected, and the rows after it are read.
  scanner.set_expected_fields(columns);
  while (scanner.Next(&rec)) {
    RejectBadLinesBefore(rec.line);
    if (RejectIfNotConverted(rec)) continue;
    // The file ends inside this row: a transfer that stopped may have cut a
    // value short (a reference, a date) and still left a row that reads as
    // valid. It is rejected; the complete file adds it later.
    if (EndsUnterminated(text, rec.raw)) {
      Reject(rec.line, rec.raw, "row", std::string(kCutOffReason));
      continue;
    }
    if (!rec.error.empty()) {
      Reject(rec.line, rec.raw, "row", fmt::format("row: {}", rec.error));
      continue;
    }
    if (!IsValidUtf8(rec.raw)) {
      Reject(rec.line, rec.raw, "encoding",
             fmt::format("encoding: the row is not valid UTF-8 (the mapping says {}); if the file "
                         "is GBK, set encoding = \"GBK\" in the mapping",
                         mapping_.encoding));
      continue;
    }
    if (rec.fields.size() != columns) {
      Reject(rec.line, rec.raw, "row",
             fmt::format("row: expected {} fields as in the header, found {} (check delimiters "
                         "and quoting)",
                         columns, rec.fields.size()));
      continue;
    }
    values_ = base_values_;
    for (int i = 0; i < kFieldCount; ++i) {
      if (sources_[i].index >= 0) values_[i] = rec.fields[static_cast<size_t>(sources_[i].index)];
    }
    for (size_t d = 0; d < detail_sources_.size(); ++d) {
      detail_values_[d] = {rec.fields[static_cast<size_t>(detail_sources_[d].index)], false};
    }
    detail_is_object_ = false;
    Emit(rec.line, rec.raw);
  }
  RejectBadLinesBefore(std::numeric_limits<int64_t>::max());
  return {};
}

Status Reader::BindCanonicalHeader(std::span<const std::string_view> header, int64_t line) {
  std::array<int, kFieldCount> index;
  index.fill(-1);
  std::vector<std::string_view> unknown;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string_view name = TrimSpaces(header[i]);
    const std::optional<Field> f = FieldByName(name);
    if (!f) {
      unknown.push_back(name);
      continue;
    }
    if (index[Index(*f)] >= 0) {
      return HeaderError(
          line, fmt::format("column '{}' appears more than once in the header", FieldName(*f)));
    }
    index[Index(*f)] = static_cast<int>(i);
  }
  std::vector<std::string_view> missing;
  for (Field f : {Field::kSource, Field::kKind, Field::kOccurredOn, Field::kRef}) {
    if (f == Field::kSource && !options_.default_source.empty()) continue;
    if (index[Index(f)] < 0) missing.push_back(FieldName(f));
  }
  if (!missing.empty()) {
    return HeaderError(
        line, fmt::format("the header of this canonical feed lacks the required column(s) {}; the "
                          "first line must be the header (source,kind,id_number,name,sex,"
                          "birth_date,region_code,occurred_on,ref,detail; source may be left out "
                          "when a default source is given)",
                          fmt::join(missing, ", ")));
  }
  if (!unknown.empty()) {
    // The required columns are there, so this line is a header, not data.
    std::string name(unknown.front().substr(0, 40));
    return HeaderError(line, fmt::format("'{}' is not a canonical column (expected some of: {}); "
                                         "a department layout needs a mapping file",
                                         name, feed_internal::FieldNameList()));
  }
  for (int i = 0; i < kFieldCount; ++i) {
    sources_[i].index = index[i];
    if (index[i] < 0) sources_[i].from = FieldSource::From::kNothing;
  }
  return {};
}

Status Reader::BindMappedHeader(std::span<const std::string_view> header, int64_t line) {
  std::vector<std::string> missing;
  std::string duplicated;
  const auto find = [&](const std::string& column) {
    int found = -1;
    for (size_t i = 0; i < header.size(); ++i) {
      if (TrimSpaces(header[i]) != column) continue;
      if (found >= 0) duplicated = column;
      found = static_cast<int>(i);
    }
    return found;
  };
  for (int i = 0; i < kFieldCount; ++i) {
    if (sources_[i].from != FieldSource::From::kColumn) continue;
    sources_[i].index = find(sources_[i].column);
    if (sources_[i].index < 0) {
      missing.push_back(
          fmt::format("'{}' ({})", sources_[i].column, feed_internal::kFieldNames[i]));
    }
  }
  for (DetailSource& d : detail_sources_) {
    d.index = find(d.column);
    if (d.index < 0) missing.push_back(fmt::format("'{}' ([detail])", d.column));
  }
  if (!missing.empty()) {
    return HeaderError(line, fmt::format("the header lacks column(s) {} named in mapping '{}'; "
                                         "the first line must be the header",
                                         fmt::join(missing, ", "), mapping_.name));
  }
  if (!duplicated.empty()) {
    return HeaderError(line,
                       fmt::format("column '{}' appears more than once in the header", duplicated));
  }
  return {};
}

Status Reader::ReadJsonLines(std::string_view text) {
  // One parser for the file, asked for each distinct key once.
  std::vector<std::string> keys;
  const auto key_index = [&](const std::string& key) {
    for (size_t k = 0; k < keys.size(); ++k) {
      if (keys[k] == key) return static_cast<int>(k);
    }
    keys.push_back(key);
    return static_cast<int>(keys.size() - 1);
  };
  for (FieldSource& source : sources_) {
    if (source.from == FieldSource::From::kColumn) source.index = key_index(source.column);
  }
  for (DetailSource& d : detail_sources_) d.index = key_index(d.column);
  feed_internal::JsonLineParser parser(std::move(keys));

  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    ++line;
    const size_t nl = text.find('\n', pos);
    const size_t line_end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view raw = text.substr(pos, line_end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    RejectBadLinesBefore(line);
    if (next_bad_ < bad_lines_.size() && bad_lines_[next_bad_].line == line) {
      const BadLine& bad = bad_lines_[next_bad_++];
      Reject(line, bad.bytes, "encoding", EncodingReason(bad, line));
      continue;
    }
    if (TrimSpaces(raw).empty()) continue;
    if (!IsValidUtf8(raw)) {
      Reject(line, raw, "encoding",
             "encoding: the line is not valid UTF-8 (JSON Lines must be UTF-8)");
      continue;
    }
    if (!parser.Parse(raw)) {
      // Only the position and the kind of mistake: never the text around it.
      Reject(line, raw, "row",
             nl == std::string_view::npos
                 ? std::string(kCutOffReason)
                 : fmt::format("row: not valid JSON: {} (at byte {} of the line)", parser.error(),
                               parser.error_offset() + 1));
      continue;
    }
    values_ = base_values_;
    detail_is_object_ = false;
    bool usable = true;
    for (int i = 0; i < kFieldCount && usable; ++i) {
      if (sources_[i].from != FieldSource::From::kColumn) continue;
      usable = TakeJsonField(i, parser.value(static_cast<size_t>(sources_[i].index)), line, raw);
    }
    if (!usable) continue;
    for (size_t d = 0; d < detail_sources_.size(); ++d) {
      const feed_internal::JsonValue& v =
          parser.value(static_cast<size_t>(detail_sources_[d].index));
      switch (v.type) {
        case feed_internal::JsonValueType::kMissing:
        case feed_internal::JsonValueType::kNull:
          detail_values_[d] = {};
          break;
        case feed_internal::JsonValueType::kString:
          detail_values_[d] = {v.text, false};
          break;
        default:
          detail_values_[d] = {v.text, true};
      }
    }
    Emit(line, raw);
  }
  RejectBadLinesBefore(std::numeric_limits<int64_t>::max());
  return {};
}

bool Reader::TakeJsonField(int i, const feed_internal::JsonValue& value, int64_t line,
                           std::string_view raw) {
  using feed_internal::JsonValueType;
  const Field f = static_cast<Field>(i);
  switch (value.type) {
    case JsonValueType::kMissing:
    case JsonValueType::kNull:
      return true;
    case JsonValueType::kString:
    case JsonValueType::kNumber:  // numbers and booleans: their JSON text
    case JsonValueType::kBool:
      values_[i] = value.text;
      return true;
    case JsonValueType::kObject:
      if (f == Field::kDetail) {
        values_[i] = value.text;
        detail_is_object_ = true;
        return true;
      }
      break;
    case JsonValueType::kArray:
      break;
  }
  Reject(line, raw, FieldName(f),
         fmt::format("{}: expected a string, found a JSON {}", FieldName(f),
                     value.type == JsonValueType::kObject ? "object" : "array"));
  return false;
}

bool Reader::SourceKnown(std::string_view source) {
  if (!options_.is_known_source) return true;
  for (const auto& [s, known] : source_cache_) {
    if (s == source) return known;
  }
  const bool known = options_.is_known_source(source);
  if (source_cache_.size() < 64) source_cache_.emplace_back(std::string(source), known);
  return known;
}

bool Reader::KindKnown(std::string_view kind) {
  if (!options_.is_known_kind) return true;
  for (const auto& [k, known] : kind_cache_) {
    if (k == kind) return known;
  }
  const bool known = options_.is_known_kind(kind);
  if (kind_cache_.size() < 64) kind_cache_.emplace_back(std::string(kind), known);
  return known;
}

std::optional<Sex> Reader::ParseSex(std::string_view text) const {
  if (text.empty()) return Sex::kUnknown;
  if (!sex_codes_.empty()) {
    auto it = sex_codes_.find(text);
    if (it == sex_codes_.end()) return std::nullopt;
    if (it->second == "M") return Sex::kMale;
    if (it->second == "F") return Sex::kFemale;
    return Sex::kUnknown;
  }
  if (text == "M" || text == "1" || text == "男") return Sex::kMale;
  if (text == "F" || text == "2" || text == "女") return Sex::kFemale;
  return std::nullopt;
}

std::string Reader::DateReason(Field f, const DateFormat& format) const {
  if (format.format.empty()) {
    return fmt::format(
        "{}: expected a date like 2026-05-03 (also 2026/5/3, 20260503 or "
        "2026年5月3日, optionally followed by a time like 14:30:00)",
        FieldName(f));
  }
  return fmt::format("{}: expected a date like {} (format {})", FieldName(f), format.example,
                     format.format);
}

void Reader::Emit(int64_t line, std::string_view raw) {
  for (std::string_view& v : values_) v = TrimSpaces(v);
  FeedRow row;
  row.line = line;

  row.source = values_[Index(Field::kSource)];
  if (row.source.empty()) row.source = options_.default_source;
  if (row.source.empty()) {
    return Reject(line, raw, "source",
                  "source: required value is empty (give it in the file, as [constants] source "
                  "in the mapping, or as the default source of the import)");
  }

  if (!SourceKnown(row.source)) {
    return Reject(line, raw, "source",
                  "source: not a partner source the policy declares (a partner sends only what it is "
                  "registered for; see [sources] in the policy)");
  }
  if (options_.registration != nullptr && row.source != options_.registration->source) {
    return Reject(line, raw, "source",
                  fmt::format("source: this partner is registered for source '{}' only (tacit partner add "
                              "--source); a row of another source is not accepted from it",
                              options_.registration->source));
  }

  std::string_view kind = values_[Index(Field::kKind)];
  if (kind.empty()) return Reject(line, raw, "kind", "kind: required value is empty");
  const bool kind_from_column = sources_[Index(Field::kKind)].from == FieldSource::From::kColumn;
  bool kind_from_mapping = !kind_from_column;
  if (kind_from_column && !kind_codes_.empty()) {
    auto it = kind_codes_.find(kind);
    if (it == kind_codes_.end()) {
      return Reject(line, raw, "kind",
                    fmt::format("kind: the department's code is not in the [kinds] table of "
                                "mapping '{}' (known codes: {})",
                                mapping_.name, JoinKeys(kind_codes_)));
    }
    kind = it->second;
    kind_from_mapping = true;
  }
  if (!KindKnown(kind)) {
    // A kind from the mapping is safe to name; one from the row is not echoed.
    return Reject(line, raw, "kind",
                  kind_from_mapping
                      ? fmt::format("kind: '{}' (from mapping '{}') is not a kind the policy "
                                    "declares",
                                    kind, mapping_.name)
                      : std::string("kind: not a kind the policy declares for partner feeds (expected a canonical "
                                    "kind such as cremation or travel; see docs/feeds.md)"));
  }
  if (options_.registration != nullptr) {
    const std::vector<std::string>& kinds = options_.registration->kinds;
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      return Reject(line, raw, "kind",
                    fmt::format("kind: not a kind this partner is registered for (registered: {}; tacit partner "
                                "add --kinds)",
                                fmt::join(kinds, ", ")));
    }
  }
  row.kind = kind;

  row.id_number = values_[Index(Field::kIdNumber)];
  row.name = values_[Index(Field::kName)];

  const std::optional<Sex> sex = ParseSex(values_[Index(Field::kSex)]);
  if (!sex) {
    return Reject(line, raw, "sex",
                  sex_codes_.empty()
                      ? std::string("sex: expected M or F (also 男/女 or 1/2), or empty")
                      : fmt::format("sex: expected one of {} ([sex] in mapping '{}'), or empty",
                                    JoinKeys(sex_codes_), mapping_.name));
  }
  row.sex = *sex;

  if (std::string_view b = values_[Index(Field::kBirthDate)]; !b.empty()) {
    const std::optional<Date> d = feed_internal::ParseFeedDate(b, birth_format_);
    if (!d) return Reject(line, raw, "birth_date", DateReason(Field::kBirthDate, birth_format_));
    if (*d > options_.today) {
      return Reject(
          line, raw, "birth_date",
          fmt::format("birth_date: the date is after today ({})", options_.today.ToString()));
    }
    row.birth_date = *d;
  }

  row.region_code = values_[Index(Field::kRegionCode)];

  const std::string_view occurred = values_[Index(Field::kOccurredOn)];
  if (occurred.empty()) {
    return Reject(line, raw, "occurred_on", "occurred_on: required value is empty");
  }
  const std::optional<Date> on = feed_internal::ParseFeedDate(occurred, occurred_format_);
  if (!on)
    return Reject(line, raw, "occurred_on", DateReason(Field::kOccurredOn, occurred_format_));
  if (*on > options_.today) {
    return Reject(line, raw, "occurred_on",
                  fmt::format("occurred_on: the date is after today ({}); check the date or the "
                              "sending system's clock",
                              options_.today.ToString()));
  }
  row.occurred_on = *on;

  row.ref = values_[Index(Field::kRef)];
  if (row.ref.empty()) return Reject(line, raw, "ref", "ref: required value is empty");

  const std::string_view detail = values_[Index(Field::kDetail)];
  if (!detail.empty() && !detail_is_object_ && !detail_checker_.Parse(detail)) {
    return Reject(line, raw, "detail",
                  "detail: expected a JSON object like {\"key\": \"value\"}, or empty");
  }
  row.detail = detail;
  if (!detail_sources_.empty()) {
    bool open = false;  // detail_out_ holds an object still missing its '}'
    bool need_comma = false;
    for (size_t d = 0; d < detail_sources_.size(); ++d) {
      const DetailValue& v = detail_values_[d];
      const std::string_view text = v.json_literal ? v.text : TrimSpaces(v.text);
      if (text.empty()) continue;
      if (!open) {
        open = true;
        detail_out_.clear();
        if (detail.empty()) {
          detail_out_.push_back('{');
        } else {
          // Reopen the row's own object: drop its '}' and append to it.
          std::string_view body = detail.substr(0, detail.rfind('}'));
          while (!body.empty() && (body.back() == ' ' || body.back() == '\t' ||
                                   body.back() == '\n' || body.back() == '\r')) {
            body.remove_suffix(1);
          }
          detail_out_.append(body);
          need_comma = body.back() != '{';
        }
      }
      if (need_comma) detail_out_.push_back(',');
      detail_out_.append(detail_sources_[d].key_prefix);
      if (v.json_literal) {
        detail_out_.append(text);
      } else {
        feed_internal::AppendJsonString(&detail_out_, text);
      }
      need_comma = true;
    }
    if (open) {
      detail_out_.push_back('}');
      row.detail = detail_out_;
    }
  }

  ++accepted_;
  if (on_row_) on_row_(row);
}

}  // namespace

Result<FeedReadSummary> ReadFeedBytes(std::string_view name, std::string_view bytes,
                                      const FeedReadOptions& options,
                                      const std::function<void(const FeedRow&)>& on_row,
                                      const std::function<void(const FeedReject&)>& on_reject) {
  FeedReadSummary summary;
  summary.sha256 = Sha256Hex(bytes);
  if (options.on_checksum && !options.on_checksum(summary.sha256)) return summary;
  const FeedFormat path_format = FeedFormatForPath(name);
  const Mapping canonical = CanonicalMapping(path_format);
  const Mapping& mapping = options.mapping != nullptr ? *options.mapping : canonical;
  const FeedFormat format = mapping.format.value_or(path_format);

  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
    return InvalidArgument(fmt::format(
        "{}: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 or GBK",
        name));
  }
  feed_internal::ConvertedText converted;
  std::string_view text = bytes;
  // A UTF-8 byte order mark settles the encoding whatever the mapping says: no
  // GBK text starts with those three bytes.
  const bool convert = mapping.encoding != "UTF-8" && !bytes.starts_with(kUtf8Bom);
  if (convert) {
    ASSIGN_OR_RETURN(converted, feed_internal::ConvertToUtf8(bytes, mapping.encoding));
    text = converted.utf8;
  }
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());

  Reader reader(mapping, options, name, on_row, on_reject);
  if (convert) reader.SetBadLines(converted.bad_lines, bytes);
  if (format == FeedFormat::kJsonLines) {
    RETURN_IF_ERROR(reader.ReadJsonLines(text));
  } else {
    RETURN_IF_ERROR(reader.ReadCsv(text));
  }
  summary.accepted = reader.accepted();
  summary.rejected = reader.rejected();
  summary.rows = summary.accepted + summary.rejected;
  return summary;
}

Result<FeedReadSummary> ReadFeedFile(const std::string& path, const FeedReadOptions& options,
                                     const std::function<void(const FeedRow&)>& on_row,
                                     const std::function<void(const FeedReject&)>& on_reject) {
  ASSIGN_OR_RETURN(feed_internal::FileBytes file, feed_internal::FileBytes::Open(path));
  return ReadFeedBytes(path, file.bytes(), options, on_row, on_reject);
}

}  // namespace tacit
