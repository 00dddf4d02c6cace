// Golden tests of the linkage model.
//
// 1. Scenario files, tests/golden/linkage/*.scenario (format in that folder's
//    README.md): a few registry persons over a fixed background, records, and
//    the expected outcome, person and reason for each, scored with the fixed
//    model tests/golden/linkage/model.json.
// 2. A synthetic province: EM trains on records made from registry persons
//    with the noise partner feeds carry, plus records of people outside the
//    registry; no link may be wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "linkage/test_util.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(TACIT_SOURCE_DIR) / "tests/golden/linkage";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, '|')) out.push_back(field == "-" ? "" : field);
  if (!line.empty() && line.back() == '|') out.emplace_back();
  return out;
}

constexpr std::string_view kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周",
                                          "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭"};
constexpr std::string_view kGiven[] = {"秀", "英", "华", "明", "国", "军", "兰", "丽", "芳",
                                       "建", "志", "玉", "红", "海", "平", "德", "文", "桂"};

// Persons who share nothing with the scenarios but by chance, in county 650102.
std::vector<RegistryPerson> Background(int n, uint64_t seed, std::string_view county = "650102") {
  std::mt19937_64 rng(seed);
  std::vector<RegistryPerson> out;
  for (int i = 0; i < n; ++i) {
    std::string name(kSurnames[rng() % std::size(kSurnames)]);
    name += kGiven[rng() % std::size(kGiven)];
    if (rng() % 3) name += kGiven[rng() % std::size(kGiven)];
    const Date birth = D(1935 + static_cast<int>(rng() % 30), 1 + static_cast<int>(rng() % 12),
                         1 + static_cast<int>(rng() % 28));
    char village[8];
    std::snprintf(village, sizeof village, "%03d%03d", static_cast<int>(rng() % 20), static_cast<int>(rng() % 30));
    out.push_back(MakePerson(name, rng() % 2 ? Sex::kMale : Sex::kFemale, birth,
                             std::string(county) + village, i % 1000));
    out.back().fields.id_text = MakeIdNumber(county, birth, i % 1000);
    out.back().key = ParseIdNumber(out.back().fields.id_text, kAsOf).id.key();
  }
  // Numbers must be distinct: drop repeats (same birth date and sequence).
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key == b.key; }),
            out.end());
  return out;
}

Sex ParseSex(const std::string& s) {
  return s == "M" ? Sex::kMale : s == "F" ? Sex::kFemale : Sex::kUnknown;
}

LinkFields Fields(const std::vector<std::string>& f) {
  LinkFields r;
  r.id_text = f.at(1);
  r.name = f.at(2);
  r.sex = ParseSex(f.at(3));
  if (!f.at(4).empty()) r.birth_date = *ParseDate(f.at(4));
  r.region_code = f.at(5);
  r.phone = f.at(6);
  return r;
}

class LinkageGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LinkageGolden, Scenario) {
  const fs::path path = kDir / (GetParam() + ".scenario");
  const auto model = ModelFromJson(ReadFile(kDir / "model.json"));
  ASSERT_TRUE(model) << model.error().ToString();
  std::vector<RegistryPerson> persons = Background(3000, 42);
  std::vector<LinkFields> records;
  struct Expect {
    int line;
    std::string outcome, person, reason;
  };
  std::vector<Expect> expects;
  Thresholds thresholds;
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::string line;
  int line_no = 0;
  bool has_header = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("#", 0) == 0) {
      has_header = true;
      continue;
    }
    if (line.empty()) continue;
    const auto f = Split(line);
    if (f[0] == "person") {
      ASSERT_EQ(f.size(), 7u) << path << ":" << line_no;
      RegistryPerson p;
      p.fields = Fields(f);
      const IdParse id = ParseIdNumber(p.fields.id_text, kAsOf);
      ASSERT_TRUE(id.ok()) << path << ":" << line_no << ": " << IdProblemName(id.problem);
      p.key = id.id.key();
      persons.push_back(p);
    } else if (f[0] == "record") {
      ASSERT_EQ(f.size(), 10u) << path << ":" << line_no;
      records.push_back(Fields(f));
      expects.push_back({line_no, f[7], f[8], f[9]});
    } else if (f[0] == "thresholds") {
      ASSERT_EQ(f.size(), 5u) << path << ":" << line_no;
      thresholds.upper = std::stod(f[1]);
      thresholds.lower = std::stod(f[2]);
      thresholds.min_margin_bits = std::stod(f[3]);
      thresholds.automatic = f[4] == "automatic";
    } else {
      FAIL() << path << ":" << line_no << ": unknown line kind " << f[0];
    }
  }
  ASSERT_TRUE(has_header) << path << " needs a header comment saying what it checks";
  ASSERT_FALSE(records.empty());
  auto index = RegistryIndex::Build(persons, TestSimplifier(), {}, kAsOf);
  ASSERT_TRUE(index) << index.error().ToString();
  const auto run = LinkRecordsWithModel(*index, records, *model, thresholds);
  ASSERT_TRUE(run) << run.error().ToString();
  for (size_t i = 0; i < expects.size(); ++i) {
    const LinkResult& r = run->results[i];
    std::string person;
    if (r.best && r.outcome != Outcome::kNoLink) person = persons[r.best->person].fields.id_text;
    const std::string explain = r.best ? ExplainScore(r.best->score) : "no candidate";
    EXPECT_EQ(std::string(OutcomeName(r.outcome)), expects[i].outcome)
        << path << ":" << expects[i].line << ": " << ReasonName(r.reason) << "; " << explain;
    EXPECT_EQ(person, expects[i].person) << path << ":" << expects[i].line;
    EXPECT_EQ(std::string(ReasonName(r.reason)), expects[i].reason)
        << path << ":" << expects[i].line << ": " << explain;
  }
}

std::vector<std::string> Scenarios() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() == ".scenario") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Files, LinkageGolden, ::testing::ValuesIn(Scenarios()),
                         [](const auto& p) { return p.param; });

TEST(LinkageGoldenModel, TheFixtureModelIsTheTestsFixedModel) {
  const auto model = ModelFromJson(ReadFile(kDir / "model.json"));
  ASSERT_TRUE(model) << model.error().ToString();
  Model fixed = FixedModel();
  fixed.source = model->source;
  fixed.training = model->training;
  EXPECT_EQ(ModelToJson(*model), ModelToJson(fixed));
}

// Traditional and same-sound variants the synthetic feeds use.
const std::map<std::string, std::string> kTraditional = {
    {"华", "華"}, {"陈", "陳"}, {"刘", "劉"}, {"张", "張"}, {"杨", "楊"}, {"黄", "黃"},
    {"赵", "趙"}, {"吴", "吳"}, {"丽", "麗"}, {"国", "國"}, {"兰", "蘭"}, {"红", "紅"},
    {"军", "軍"}, {"志", "誌"}};
const std::map<std::string, std::string> kSameSound = {
    {"英", "瑛"}, {"华", "桦"}, {"明", "铭"}, {"兰", "岚"}, {"丽", "莉"}, {"芳", "方"},
    {"军", "君"}, {"红", "虹"}, {"海", "亥"}, {"平", "萍"}, {"玉", "钰"}, {"文", "雯"}};

// Replaces the first character of `name` found in `table` (given name first).
std::string Vary(const std::string& name, const std::map<std::string, std::string>& table) {
  for (size_t pos = name.size(); pos >= 3; pos -= 3) {  // three-byte characters
    const std::string c = name.substr(pos - 3, 3);
    if (auto it = table.find(c); it != table.end()) {
      return name.substr(0, pos - 3) + it->second + name.substr(pos);
    }
  }
  return name;
}

TEST(LinkageGoldenModel, TrainsOnASyntheticProvinceWithoutAWrongLink) {
  std::vector<RegistryPerson> persons = Background(12000, 7, "650102");
  for (auto& p : Background(12000, 8, "650103")) persons.push_back(p);
  std::mt19937_64 rng(11);
  std::vector<LinkFields> records;
  std::vector<int> truth;  // registry index, or -1
  for (int i = 0; i < 3000; ++i) {
    if (i % 5 == 4) {  // someone outside the registry
      RegistryPerson other = Background(1, 1000 + i, "650104")[0];
      other.fields.id_text.clear();
      records.push_back(other.fields);
      truth.push_back(-1);
      continue;
    }
    const int who = static_cast<int>(rng() % persons.size());
    LinkFields f = persons[who].fields;
    f.phone.clear();
    switch (rng() % 6) {
      case 0: f.id_text.clear(); break;
      case 1: f.id_text = Mistype(f.id_text, rng() % 17); break;
      case 2: f.id_text.clear(); f.name = Vary(f.name, kTraditional); break;
      case 3: f.id_text.clear(); f.name = Vary(f.name, kSameSound); break;
      case 4: {
        f.id_text.clear();
        const Date b = *f.birth_date;
        if (b.day() <= 12 && b.day() != b.month()) f.birth_date = D(b.year(), b.day(), b.month());
        break;
      }
      case 5: f.id_text = Mistype(f.id_text, 6 + rng() % 8); f.birth_date.reset(); break;
    }
    records.push_back(f);
    truth.push_back(who);
  }
  auto index = RegistryIndex::Build(persons, TestSimplifier(), {}, kAsOf);
  ASSERT_TRUE(index);
  TrainingOptions options;
  options.random_pairs = 300000;
  const auto run = LinkRecords(*index, records, "synthetic", options, Thresholds{});
  ASSERT_TRUE(run) << run.error().ToString();
  int links = 0, wrong = 0, true_links = 0, reviews = 0, should_link = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const LinkResult& r = run->results[i];
    should_link += truth[i] >= 0;
    if (r.outcome == Outcome::kReview) ++reviews;
    if (r.outcome != Outcome::kLink) continue;
    ++links;
    if (static_cast<int>(r.best->person) != truth[i]) {
      ++wrong;
      ADD_FAILURE() << "record " << i << " linked to the wrong person: " << ExplainScore(r.best->score);
    } else {
      ++true_links;
    }
  }
  EXPECT_EQ(wrong, 0);
  // Twins of the background (same name, sex, birth date, county) and the
  // persons outside the registry account for the records not linked.
  EXPECT_GT(true_links, should_link * 85 / 100) << "links " << links << " reviews " << reviews;
  const Model& m = run->model;
  EXPECT_TRUE(m.training.converged);
  EXPECT_GT(m.levels[0][0].m, m.levels[0][5].m);  // names mostly agree among matches
  EXPECT_GT(m.levels[1][0].m, m.levels[1][3].m);
  EXPECT_GT(m.levels[4][1].m, m.levels[4][3].m / 10);  // mistyped numbers were seen
  EXPECT_GT(run->blocking.comparisons, 0);
  std::printf("synthetic province: %zu records, %lld comparisons, %d links, %d reviews, λ %.4f\n",
              records.size(), static_cast<long long>(run->blocking.comparisons), links, reviews,
              m.lambda);
}

}  // namespace
}  // namespace tacit::linkage
