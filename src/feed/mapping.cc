// LoadMapping: reads a department mapping from TOML and checks it whole, so that
// a mistake in a mapping is found when it is loaded, not row by row.

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "feed/canonical.h"
#include "feed/date_text.h"
#include "feed/text.h"
#include "tacit/feed.h"

namespace tacit {
namespace {

using feed_internal::Field;
using feed_internal::FieldByName;
using feed_internal::FieldName;
using feed_internal::FieldNameList;

constexpr std::string_view kTables[] = {"mapping", "columns", "constants", "dates",
                                        "kinds",   "sex",     "detail"};
constexpr std::string_view kMappingKeys[] = {"name", "format", "encoding", "delimiter"};
constexpr Field kConstantFields[] = {Field::kSource, Field::kKind, Field::kRegionCode};
constexpr Field kDateFields[] = {Field::kOccurredOn, Field::kBirthDate};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Builds the errors of one mapping file: "path:line: [table] key: problem".
class Loader {
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  Result<Mapping> Load() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) {
      return NotFound(fmt::format("mapping file {} not found", path_));
    }
    toml::table root;
    try {
      root = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
      return NotToml(e);
    } catch (const std::exception& e) {
      return Unavailable(fmt::format("cannot read mapping file {}: {}", path_, e.what()));
    }
    return FromTable(root);
  }

  Result<Mapping> Parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& e) {
      return NotToml(e);
    }
    return FromTable(root);
  }

 private:
  tl::unexpected<Error> NotToml(const toml::parse_error& e) const {
    return InvalidArgument(fmt::format("{}:{}:{}: not valid TOML: {}", path_, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }

  Result<Mapping> FromTable(const toml::table& root) {
    Mapping m;
    m.name = std::filesystem::path(path_).stem().string();
    for (auto&& [key, node] : root) {
      const std::string_view table(key.str());
      if (std::find(std::begin(kTables), std::end(kTables), table) == std::end(kTables)) {
        return Fail(node, fmt::format("unknown table [{}] (expected [mapping], [columns], "
                                      "[constants], [dates], [kinds], [sex] or [detail])",
                                      table));
      }
      if (!node.is_table()) {
        return Fail(node, fmt::format("'{}' must be a table, written [{}]", table, table));
      }
    }
    RETURN_IF_ERROR(ReadMappingTable(root, &m));
    RETURN_IF_ERROR(ReadStringTable(root, "columns", &m.columns, /*fields=*/true));
    RETURN_IF_ERROR(ReadStringTable(root, "constants", &m.constants, /*fields=*/true));
    RETURN_IF_ERROR(ReadStringTable(root, "dates", &m.date_formats, /*fields=*/true));
    RETURN_IF_ERROR(ReadStringTable(root, "kinds", &m.kind_codes, /*fields=*/false));
    RETURN_IF_ERROR(ReadStringTable(root, "sex", &m.sex_codes, /*fields=*/false));
    RETURN_IF_ERROR(ReadStringTable(root, "detail", &m.detail_columns, /*fields=*/false));
    RETURN_IF_ERROR(Check(root, m));
    return m;
  }

  tl::unexpected<Error> Fail(const toml::node& node, const std::string& what) const {
    const auto line = node.source().begin.line;
    if (line > 0) return InvalidArgument(fmt::format("{}:{}: {}", path_, line, what));
    return InvalidArgument(fmt::format("{}: {}", path_, what));
  }
  tl::unexpected<Error> Fail(const std::string& what) const {
    return InvalidArgument(fmt::format("{}: {}", path_, what));
  }

  Status ReadMappingTable(const toml::table& root, Mapping* m) {
    const toml::table* t = root["mapping"].as_table();
    if (t == nullptr) return {};
    for (auto&& [key, node] : *t) {
      const std::string_view k(key.str());
      if (std::find(std::begin(kMappingKeys), std::end(kMappingKeys), k) ==
          std::end(kMappingKeys)) {
        return Fail(node, fmt::format("[mapping] unknown key '{}' (expected name, format, "
                                      "encoding or delimiter)",
                                      k));
      }
      const std::optional<std::string_view> value = node.value<std::string_view>();
      if (!value) return Fail(node, fmt::format("[mapping] {}: expected a string", k));
      if (k == "name") {
        if (value->empty()) return Fail(node, "[mapping] name: expected a non-empty string");
        m->name = std::string(*value);
      } else if (k == "format") {
        const std::string f = Lower(*value);
        if (f == "csv") {
          m->format = FeedFormat::kCsv;
        } else if (f == "jsonl") {
          m->format = FeedFormat::kJsonLines;
        } else {
          return Fail(node, "[mapping] format: expected \"csv\" or \"jsonl\"");
        }
      } else if (k == "encoding") {
        const std::string e = Lower(*value);
        if (e == "utf-8" || e == "utf8") {
          m->encoding = "UTF-8";
        } else if (e == "gbk" || e == "cp936") {
          m->encoding = "GBK";
        } else if (e == "gb18030") {
          m->encoding = "GB18030";
        } else {
          return Fail(node, "[mapping] encoding: expected \"UTF-8\", \"GBK\" or \"GB18030\"");
        }
      } else if (k == "delimiter") {
        if (value->size() != 1 || static_cast<unsigned char>((*value)[0]) >= 0x80 ||
            (*value)[0] == '"' || (*value)[0] == '\n' || (*value)[0] == '\r') {
          return Fail(node,
                      "[mapping] delimiter: expected one ASCII character other than a "
                      "quote or a line break, e.g. \",\", \"|\" or \"\\t\"");
        }
        m->delimiter = (*value)[0];
        delimiter_given_ = true;
      }
    }
    return {};
  }

  // Reads [table] as string -> string. With `fields`, every key must be a
  // canonical field name.
  Status ReadStringTable(const toml::table& root, std::string_view table,
                         std::map<std::string, std::string>* out, bool fields) {
    const toml::table* t = root[table].as_table();
    if (t == nullptr) return {};
    for (auto&& [key, node] : *t) {
      const std::string_view k(key.str());
      if (k.empty()) return Fail(node, fmt::format("[{}] has an empty key", table));
      if (fields && !FieldByName(k)) {
        return Fail(
            node, fmt::format("[{}] key '{}' is not a canonical field (expected one of: {})", table,
                              k, FieldNameList()));
      }
      const std::optional<std::string_view> value = node.value<std::string_view>();
      if (!value) {
        return Fail(node, fmt::format("[{}] {}: expected a string in double quotes", table, k));
      }
      if (!feed_internal::IsValidUtf8(*value)) {
        return Fail(node, fmt::format("[{}] {}: the value is not valid UTF-8", table, k));
      }
      const bool may_be_empty = table == "sex";
      if (value->empty() && !may_be_empty) {
        return Fail(node, fmt::format("[{}] {}: expected a non-empty string", table, k));
      }
      (*out)[std::string(k)] = std::string(*value);
      lines_[std::string(table) + "." + std::string(k)] = &node;
    }
    return {};
  }

  // Fails at the line of [table] key when known.
  tl::unexpected<Error> FailAt(std::string_view table, std::string_view key,
                               const std::string& what) const {
    auto it = lines_.find(std::string(table) + "." + std::string(key));
    if (it != lines_.end()) return Fail(*it->second, what);
    return Fail(what);
  }

  Status Check(const toml::table& root, const Mapping& m) const {
    (void)root;
    const auto has_column = [&](Field f) { return m.columns.count(std::string(FieldName(f))) > 0; };
    const auto has_constant = [&](Field f) {
      return m.constants.count(std::string(FieldName(f))) > 0;
    };
    for (const auto& [field, value] : m.constants) {
      const Field f = *FieldByName(field);
      if (std::find(std::begin(kConstantFields), std::end(kConstantFields), f) ==
          std::end(kConstantFields)) {
        return FailAt("constants", field,
                      fmt::format("[constants] {}: a constant is allowed only for source, kind "
                                  "and region_code",
                                  field));
      }
      if (has_column(f)) {
        return FailAt("constants", field,
                      fmt::format("[constants] {}: the field is also in [columns]; give one or "
                                  "the other",
                                  field));
      }
      if (f == Field::kKind && !feed_internal::IsCanonicalKindShape(value)) {
        return FailAt("constants", field,
                      "[constants] kind: expected a canonical kind (lower-case letters, digits "
                      "and '_', e.g. \"cremation\")");
      }
    }
    if (!has_column(Field::kKind) && !has_constant(Field::kKind)) {
      return Fail(
          "kind: give [columns] kind (with [kinds] for the department's codes) or "
          "[constants] kind");
    }
    if (!has_column(Field::kOccurredOn)) {
      return Fail("[columns] occurred_on is required: the column with the date the event happened");
    }
    if (!has_column(Field::kRef)) {
      return Fail("[columns] ref is required: the column with the department's record reference");
    }
    for (const auto& [field, format] : m.date_formats) {
      const Field f = *FieldByName(field);
      if (std::find(std::begin(kDateFields), std::end(kDateFields), f) == std::end(kDateFields)) {
        return FailAt("dates", field,
                      fmt::format("[dates] {}: only occurred_on and birth_date are dates", field));
      }
      if (!has_column(f)) {
        return FailAt("dates", field,
                      fmt::format("[dates] {}: the field has no column in [columns]", field));
      }
      if (!feed_internal::ParseFeedDateFormat(format)) {
        return FailAt("dates", field,
                      fmt::format("[dates] {}: unsupported date format; expected one of {}", field,
                                  feed_internal::SupportedDateFormatList()));
      }
    }
    if (!m.kind_codes.empty() && !has_column(Field::kKind)) {
      return Fail("[kinds] translates the kind column, but [columns] has no kind");
    }
    for (const auto& [code, kind] : m.kind_codes) {
      if (!feed_internal::IsCanonicalKindShape(kind)) {
        return FailAt("kinds", code,
                      fmt::format("[kinds] \"{}\": expected a canonical kind (lower-case letters, "
                                  "digits and '_', e.g. \"hospital_admission\")",
                                  code));
      }
    }
    if (!m.sex_codes.empty() && !has_column(Field::kSex)) {
      return Fail("[sex] translates the sex column, but [columns] has no sex");
    }
    for (const auto& [code, sex] : m.sex_codes) {
      if (sex != "M" && sex != "F" && !sex.empty()) {
        return FailAt("sex", code,
                      fmt::format("[sex] \"{}\": expected \"M\", \"F\" or \"\" (unknown)", code));
      }
    }
    if (m.format == FeedFormat::kJsonLines && delimiter_given_) {
      return Fail("[mapping] delimiter applies only to format = \"csv\"");
    }
    return {};
  }

  std::string path_;
  bool delimiter_given_ = false;
  std::map<std::string, const toml::node*> lines_;
};

}  // namespace

FeedFormat FeedFormatForPath(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot == std::string_view::npos) return FeedFormat::kCsv;
  const std::string ext = Lower(base.substr(dot + 1));
  return ext == "jsonl" || ext == "ndjson" ? FeedFormat::kJsonLines : FeedFormat::kCsv;
}

Result<Mapping> LoadMapping(const std::string& path) { return Loader(path).Load(); }

Result<Mapping> ParseMapping(std::string_view toml_text, std::string_view origin) {
  return Loader(std::string(origin)).Parse(toml_text);
}

Mapping CanonicalMapping(FeedFormat format) {
  Mapping m;
  m.name = "canonical";
  m.format = format;
  m.canonical = true;
  for (std::string_view field : feed_internal::kFieldNames) {
    m.columns.emplace(field, field);
  }
  return m;
}

}  // namespace tacit
