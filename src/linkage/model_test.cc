#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "linkage/test_util.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

TEST(InitialModel, LevelsAreDistributionsWithMatchesAgreeing) {
  const Model m = InitialModel("health");
  EXPECT_EQ(m.source, "health");
  for (int c = 0; c < kComparisonCount; ++c) {
    ASSERT_EQ(static_cast<int>(m.levels[c].size()), kLevelCount[c] - 1);
    double ms = 0, us = 0;
    for (const auto& p : m.levels[c]) {
      ms += p.m;
      us += p.u;
    }
    EXPECT_NEAR(ms, 1, 1e-12);
    EXPECT_NEAR(us, 1, 1e-12);
    EXPECT_GT(m.levels[c].front().m, m.levels[c].back().m);
    EXPECT_LT(m.levels[c].front().u, m.levels[c].back().u);
  }
}

// Draws a level from a distribution.
int Draw(std::mt19937_64& rng, const std::vector<double>& p) {
  double x = std::uniform_real_distribution<double>(0, 1)(rng);
  for (size_t i = 0; i < p.size(); ++i) {
    if ((x -= p[i]) < 0) return static_cast<int>(i);
  }
  return static_cast<int>(p.size()) - 1;
}

TEST(EstimateByEm, RecoversKnownParametersFromSyntheticPairs) {
  // Two comparisons with three levels would not identify the model; use all
  // six with known m and u, 10% matches.
  Model truth = InitialModel("t");
  truth.levels[0] = {{.80, .01}, {.05, .005}, {.05, .005}, {.04, .01}, {.03, .07}, {.03, .90}};
  truth.levels[1] = {{.85, .02}, {.05, .01}, {.05, .07}, {.05, .90}};
  truth.levels[2] = {{.97, .5}, {.03, .5}};
  truth.levels[3] = {{.40, .02}, {.15, .03}, {.10, .05}, {.05, .10}, {.15, .20}, {.10, .20}, {.05, .40}};
  truth.levels[4] = {{.50, .01}, {.20, .02}, {.10, .01}, {.20, .96}};
  truth.levels[5] = {{.60, .05}, {.40, .95}};
  std::mt19937_64 rng(7);
  std::vector<ComparisonVector> vectors;
  for (int i = 0; i < 200000; ++i) {
    const bool match = i % 10 == 0;
    ComparisonVector v;
    for (int c = 0; c < kComparisonCount; ++c) {
      std::vector<double> p;
      for (const auto& l : truth.levels[c]) p.push_back(match ? l.m : l.u);
      v[c] = static_cast<uint8_t>(Draw(rng, p));
    }
    vectors.push_back(v);
  }
  const std::vector<int64_t> counts(vectors.size(), 1);
  Model model = InitialModel("t");
  for (int c = 0; c < kComparisonCount; ++c) {
    for (size_t l = 0; l < model.levels[c].size(); ++l) model.levels[c][l].u = truth.levels[c][l].u;
  }
  model.lambda = 0.3;
  TrainingOptions options;
  options.max_iterations = 500;
  EstimateByEm(vectors, counts, options, &model);
  EXPECT_TRUE(model.training.converged);
  EXPECT_NEAR(model.lambda, 0.1, 0.01);
  for (int c = 0; c < kComparisonCount; ++c) {
    for (size_t l = 0; l < model.levels[c].size(); ++l) {
      EXPECT_NEAR(model.levels[c][l].m, truth.levels[c][l].m, 0.03) << c << "/" << l;
      EXPECT_EQ(model.levels[c][l].u, truth.levels[c][l].u);  // fixed
    }
  }
}

TEST(EstimateByEm, MissingLevelsAreLeftOut) {
  Model model = InitialModel("t");
  const Model before = model;
  ComparisonVector all_missing;
  for (int c = 0; c < kComparisonCount; ++c) all_missing[c] = static_cast<uint8_t>(kLevelCount[c] - 1);
  const std::vector<ComparisonVector> vectors = {all_missing};
  const std::vector<int64_t> counts = {100};
  EstimateByEm(vectors, counts, {}, &model);
  // Nothing observed: every m becomes uniform-ish but stays a distribution.
  for (int c = 0; c < kComparisonCount; ++c) {
    double s = 0;
    for (const auto& p : model.levels[c]) s += p.m;
    EXPECT_NEAR(s, 1, 1e-9);
  }
  EXPECT_EQ(model.levels[0][0].u, before.levels[0][0].u);
}

TEST(EstimateByEm, NoPairsLeaveTheModelAsItWas) {
  Model model = InitialModel("t");
  EstimateByEm({}, {}, {}, &model);
  EXPECT_EQ(model.training.iterations, 0);
  EXPECT_EQ(ModelToJson(model), ModelToJson(InitialModel("t")));
}

TEST(ModelJson, RoundTrips) {
  Model m = InitialModel("public_security");
  m.lambda = 0.0123;
  m.levels[4][1] = {0.25, 1e-7};
  m.tf_birth_date = false;
  m.training = {12345, 1000000, 17, true};
  const std::string json = ModelToJson(m);
  const auto back = ModelFromJson(json);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->source, "public_security");
  EXPECT_EQ(back->lambda, 0.0123);
  EXPECT_EQ(back->levels[4][1].u, 1e-7);
  EXPECT_FALSE(back->tf_birth_date);
  EXPECT_EQ(back->training.iterations, 17);
  EXPECT_EQ(ModelToJson(*back), json);
  EXPECT_NE(json.find("\"month_day_swapped\""), std::string::npos);
}

TEST(ModelJson, RefusesWhatIsNotAModel) {
  EXPECT_FALSE(ModelFromJson("not json"));
  EXPECT_FALSE(ModelFromJson("[]"));
  EXPECT_FALSE(ModelFromJson(R"({"format":"other","version":1})"));
  std::string json = ModelToJson(InitialModel("x"));
  const auto lambda = json.find("\"lambda\"");
  const std::string wrong_type = json.substr(0, lambda) + R"("lambda": "high", "x")" +
                                 json.substr(json.find(',', lambda));
  const auto e1 = ModelFromJson(wrong_type);
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error().code, ErrorCode::kInvalidArgument);
  std::string no_level = json;
  const auto at = no_level.find("\"same_sound\"");
  no_level.replace(at, 12, "\"samesound\"");
  const auto e2 = ModelFromJson(no_level);
  ASSERT_FALSE(e2);
  EXPECT_NE(e2.error().message.find("comparisons.name.same_sound"), std::string::npos);
}

class ScoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 王秀英 is common (20 of 100 persons), 慕容雪 rare.
    for (int i = 0; i < 20; ++i) {
      persons_.push_back(MakePerson("王秀英", Sex::kFemale, D(1950, 1 + i % 12, 1 + i), "140105001001", i));
    }
    for (int i = 0; i < 79; ++i) {
      persons_.push_back(MakePerson("赵" + std::to_string(i), Sex::kMale, D(1940 + i % 20, 2, 3),
                                    "140106001001", 100 + i));
    }
    persons_.push_back(MakePerson("慕容雪", Sex::kFemale, D(1950, 1, 1), "140105001001", 500));
    auto index = RegistryIndex::Build(persons_, TestSimplifier(), {}, kAsOf);
    ASSERT_TRUE(index);
    index_ = std::make_unique<RegistryIndex>(*index);
  }
  Score ScoreOf(const LinkFields& f, uint32_t person) const {
    return ScorePair(model_, *index_, PrepareRecord(f, TestSimplifier(), kAsOf), person);
  }
  std::vector<RegistryPerson> persons_;
  std::unique_ptr<RegistryIndex> index_;
  Model model_ = InitialModel("t");
};

TEST_F(ScoreTest, WeightIsThePriorPlusEveryContribution) {
  LinkFields f = persons_[99].fields;
  f.id_text.clear();
  f.phone.clear();
  const Score s = ScoreOf(f, 99);
  double sum = s.prior_bits;
  for (const auto& c : s.contributions) sum += c.bits + c.tf_bits;
  EXPECT_NEAR(s.weight, sum, 1e-9);
  EXPECT_NEAR(s.probability, 1 / (1 + std::exp2(-s.weight)), 1e-12);
  EXPECT_NEAR(s.prior_bits, std::log2(model_.lambda / (1 - model_.lambda)), 1e-12);
  const auto& id = s.contributions[static_cast<int>(Comparison::kIdNumber)];
  EXPECT_EQ(id.level, static_cast<uint8_t>(IdLevel::kMissing));
  EXPECT_EQ(id.bits, 0);
}

TEST_F(ScoreTest, ACommonNameWeighsLessThanARareOne) {
  LinkFields common = persons_[0].fields, rare = persons_[99].fields;
  common.id_text.clear();
  rare.id_text.clear();
  const Score c = ScoreOf(common, 0), r = ScoreOf(rare, 99);
  const auto& cn = c.contributions[0];
  const auto& rn = r.contributions[0];
  EXPECT_EQ(cn.level, static_cast<uint8_t>(NameLevel::kExact));
  EXPECT_EQ(cn.bits, rn.bits);  // same level, same m/u
  EXPECT_LT(cn.tf_bits, rn.tf_bits);
  EXPECT_NEAR(rn.tf_bits - cn.tf_bits, std::log2(20.0), 1e-5);
}

TEST_F(ScoreTest, ExplanationNamesLevelsAndBitsButNoValues) {
  LinkFields f = persons_[99].fields;
  f.name = "慕容雪";
  f.id_text = Mistype(f.id_text, 3);
  const std::string text = ExplainScore(ScoreOf(f, 99));
  EXPECT_NE(text.find("name exact"), std::string::npos) << text;
  EXPECT_NE(text.find("id_number one_digit"), std::string::npos) << text;
  EXPECT_NE(text.find("(tf "), std::string::npos) << text;
  EXPECT_EQ(text.find("慕容"), std::string::npos);
  EXPECT_EQ(text.find(persons_[99].fields.id_text.substr(0, 6)), std::string::npos);
}

TEST_F(ScoreTest, TrainingIsDeterministicForASeed) {
  std::vector<PreparedRecord> records;
  for (int i = 0; i < 100; i += 3) {
    LinkFields f = persons_[i].fields;
    f.id_text = Mistype(f.id_text, 10);
    records.push_back(PrepareRecord(f, TestSimplifier(), kAsOf));
  }
  const Blocking b = BlockPairs(*index_, records);
  TrainingOptions options;
  options.random_pairs = 5000;
  const Model a = TrainModel(*index_, records, b, "s", options);
  const Model again = TrainModel(*index_, records, b, "s", options);
  EXPECT_EQ(ModelToJson(a), ModelToJson(again));
  EXPECT_EQ(a.training.pairs, b.report.comparisons);
  EXPECT_EQ(a.training.random_pairs, 5000);
  options.seed = 2;
  EXPECT_NE(ModelToJson(TrainModel(*index_, records, b, "s", options)), ModelToJson(a));
}

}  // namespace
}  // namespace tacit::linkage
