#include <gtest/gtest.h>

#include <algorithm>

#include "linkage/test_util.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

RegistryIndex Index(const std::vector<RegistryPerson>& persons, BlockingOptions options = {}) {
  auto index = RegistryIndex::Build(persons, TestSimplifier(), options, kAsOf);
  EXPECT_TRUE(index) << index.error().ToString();
  return *index;
}

PreparedRecord Prep(const LinkFields& f) { return PrepareRecord(f, TestSimplifier(), kAsOf); }

bool Finds(const RegistryIndex& index, const LinkFields& f, uint32_t person,
           BlockingReport* report = nullptr) {
  const auto c = index.Candidates(Prep(f), report);
  return std::find(c.begin(), c.end(), person) != c.end();
}

// A registry where nobody shares anything with the person under test but by chance.
std::vector<RegistryPerson> Registry() {
  return {
      MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110105001001", 3, "13800138000"),
      MakePerson("李秀英", Sex::kFemale, D(1952, 7, 1), "120101001001", 8),
      MakePerson("欧阳锋", Sex::kMale, D(1945, 5, 20), "650102001001", 11),
  };
}

TEST(RegistryIndex, RefusesTwoPersonsWithOneKey) {
  auto persons = Registry();
  persons.push_back(persons[0]);
  const auto index = RegistryIndex::Build(persons, TestSimplifier(), {}, kAsOf);
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(index.error().message.find("王"), std::string::npos);  // no personal data
}

TEST(RegistryIndex, FindsPersonsByKey) {
  const auto persons = Registry();
  const auto index = Index(persons);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Find(persons[1].key), 1u);
  EXPECT_EQ(index.key(2), persons[2].key);
  EXPECT_FALSE(index.Find(12345));
}

TEST(Blocking, BirthDateFindsADifferentlyWrittenName) {
  const auto index = Index(Registry());
  LinkFields f;
  f.name = "汪建花";
  f.birth_date = D(1949, 3, 12);
  BlockingReport report;
  EXPECT_TRUE(Finds(index, f, 0, &report));
  EXPECT_EQ(report.rules[static_cast<int>(BlockingRule::kBirthDate)].pairs, 1);
}

TEST(Blocking, NameSoundAndYearFindASwappedBirthDate) {
  const auto index = Index(Registry());
  LinkFields f;
  f.name = "王建華";  // traditional
  f.birth_date = D(1949, 12, 3);
  EXPECT_TRUE(Finds(index, f, 0));
  f.name = "李秀瑛";  // same sound
  f.birth_date = D(1952, 1, 7);
  EXPECT_TRUE(Finds(index, f, 1));
}

TEST(Blocking, CountyAndSurnameFindARecordWithoutBirthDate) {
  const auto index = Index(Registry());
  LinkFields f;
  f.name = "歐陽峰";  // traditional compound surname, another given name
  f.region_code = "650102009009";
  EXPECT_TRUE(Finds(index, f, 2));
  f.name = "欧锋";  // 欧 alone is not the surname 欧阳
  EXPECT_FALSE(Finds(index, f, 2));
}

TEST(Blocking, PhoneFindsAPersonWhateverElseIsWrong) {
  const auto index = Index(Registry());
  LinkFields f;
  f.phone = "+86 138 0013 8000";
  EXPECT_TRUE(Finds(index, f, 0));
}

TEST(Blocking, AnyOneWrongDigitOfTheIdNumberStillMeetsIt) {
  const auto persons = Registry();
  const auto index = Index(persons);
  const std::string id = persons[1].fields.id_text;
  for (size_t pos = 0; pos < 18; ++pos) {
    LinkFields f;
    f.id_text = Mistype(id, pos);
    EXPECT_TRUE(Finds(index, f, 1)) << "position " << pos;
  }
}

TEST(Blocking, AnyAdjacentTranspositionOfTheIdNumberStillMeetsIt) {
  // A number whose adjacent digits all differ, so that every swap changes it.
  RegistryPerson p = MakePerson("赵四", Sex::kMale, D(1958, 10, 29), "130102001001", 47);
  p.fields.id_text = "130102195810294736";
  p.fields.id_text.back() = IdCheckCharacter(std::string_view(p.fields.id_text).substr(0, 17));
  auto persons = Registry();
  persons.push_back(p);
  const auto index = Index(persons);
  for (size_t pos = 0; pos + 1 < 18; ++pos) {
    LinkFields f;
    f.id_text = p.fields.id_text;
    std::swap(f.id_text[pos], f.id_text[pos + 1]);
    if (f.id_text == p.fields.id_text) continue;
    EXPECT_TRUE(Finds(index, f, 3)) << "swap at " << pos;
  }
}

TEST(Blocking, ARecordWithNothingInCommonHasNoCandidate) {
  const auto index = Index(Registry());
  LinkFields f;
  f.name = "孙悟空";
  f.birth_date = D(1960, 1, 1);
  EXPECT_TRUE(index.Candidates(Prep(f), nullptr).empty());
}

TEST(Blocking, OversizedBlocksAreSkippedAndReported) {
  std::vector<RegistryPerson> persons;
  for (int i = 0; i < 5; ++i) {
    persons.push_back(MakePerson("张" + std::string(i % 2 ? "甲" : "乙") + std::to_string(i),
                                 Sex::kMale, D(1950, 1, 1), "140105001001", 10 + i));
  }
  BlockingOptions options;
  options.max_block_size = 3;
  const auto index = Index(persons, options);
  LinkFields f;
  f.name = "张三";
  f.birth_date = D(1950, 1, 1);
  f.region_code = "150105001001";
  BlockingReport report;
  EXPECT_TRUE(index.Candidates(Prep(f), &report).empty());
  const auto& birth = report.rules[static_cast<int>(BlockingRule::kBirthDate)];
  EXPECT_EQ(birth.capped_records, 1);
  EXPECT_EQ(birth.capped_pairs, 5);
  EXPECT_EQ(birth.pairs, 0);
}

TEST(Blocking, PairsAreDistinctAcrossRulesAndCounted) {
  const auto persons = Registry();
  const auto index = Index(persons);
  LinkFields f = persons[0].fields;  // meets person 0 through every rule
  f.id_text = Mistype(f.id_text, 8);
  LinkFields none;
  none.name = "孙悟空";
  const std::vector<PreparedRecord> records = {Prep(f), Prep(none)};
  const Blocking b = BlockPairs(index, records);
  ASSERT_EQ(b.pairs.size(), 1u);
  EXPECT_EQ(b.pairs[0].record, 0u);
  EXPECT_EQ(b.pairs[0].person, 0u);
  EXPECT_EQ(b.report.comparisons, 1);
  EXPECT_EQ(b.report.records, 2);
  EXPECT_EQ(b.report.records_without_candidates, 1);
  for (int r = 0; r < kBlockingRuleCount; ++r) {
    EXPECT_GE(b.report.rules[r].pairs, 1) << BlockingRuleName(static_cast<BlockingRule>(r));
  }
}

TEST(RegistryIndex, TermFrequencyOfNamesAndBirthDates) {
  std::vector<RegistryPerson> persons;
  for (int i = 0; i < 8; ++i) {
    persons.push_back(MakePerson("王秀英", Sex::kFemale, D(1950, 1, 1 + i), "140105001001", i));
  }
  persons.push_back(MakePerson("慕容复", Sex::kMale, D(1950, 1, 1), "140105001001", 99));
  persons.push_back(MakePerson("王秀英", Sex::kFemale, D(1951, 2, 2), "140105001001", 98));
  const auto index = Index(persons);
  EXPECT_NEAR(index.NameFrequency(0), 0.9, 1e-6);
  EXPECT_NEAR(index.NameFrequency(8), 0.1, 1e-6);
  EXPECT_NEAR(index.BirthDateFrequency(0), 0.2, 1e-6);
  EXPECT_NEAR(index.BirthDateFrequency(1), 0.1, 1e-6);
}

TEST(RegistryIndex, TwinsShareNameSexBirthDateAndCounty) {
  const std::vector<RegistryPerson> persons = {
      MakePerson("王秀英", Sex::kFemale, D(1950, 1, 1), "140105001001", 1),
      MakePerson("王秀英", Sex::kFemale, D(1950, 1, 1), "140105002002", 2),  // same county
      MakePerson("王秀英", Sex::kFemale, D(1950, 1, 1), "140106001001", 3),  // other county
      MakePerson("王秀英", Sex::kMale, D(1950, 1, 1), "140105001001", 4),    // other sex
  };
  const auto index = Index(persons);
  EXPECT_TRUE(index.HasTwin(0));
  EXPECT_TRUE(index.HasTwin(1));
  EXPECT_FALSE(index.HasTwin(2));
  EXPECT_FALSE(index.HasTwin(3));
}

TEST(RegistryIndex, RefusesABlockSizeBelowOne) {
  BlockingOptions options;
  options.max_block_size = 0;
  EXPECT_FALSE(RegistryIndex::Build(Registry(), TestSimplifier(), options, kAsOf));
}

}  // namespace
}  // namespace tacit::linkage
