#include <gtest/gtest.h>

#include "linkage/test_util.h"
#include "tacit/linkage.h"

namespace tacit::linkage {
namespace {

class DecideTest : public ::testing::Test {
 protected:
  void Build(std::vector<RegistryPerson> persons) {
    persons_ = std::move(persons);
    auto index = RegistryIndex::Build(persons_, TestSimplifier(), {}, kAsOf);
    ASSERT_TRUE(index) << index.error().ToString();
    index_ = std::make_unique<RegistryIndex>(*index);
  }
  LinkResult Link(const LinkFields& f, Thresholds t = {}) {
    const std::vector<LinkFields> records = {f};
    auto run = LinkRecordsWithModel(*index_, records, model_, t);
    EXPECT_TRUE(run) << run.error().ToString();
    return run->results.at(0);
  }
  // A record for person i without the identity number.
  LinkFields Without(uint32_t i) {
    LinkFields f = persons_[i].fields;
    f.id_text.clear();
    f.phone.clear();
    return f;
  }
  std::vector<RegistryPerson> persons_;
  std::unique_ptr<RegistryIndex> index_;
  // Without term frequencies: a four-person registry would make every name
  // and date "common"; these tests are about the decision rules.
  Model model_ = [] {
    Model m = FixedModel();
    m.tf_name = false;
    m.tf_birth_date = false;
    return m;
  }();
};

std::vector<RegistryPerson> Town() {
  return {
      MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110105001001", 3),
      MakePerson("李秀英", Sex::kFemale, D(1952, 7, 1), "110105001001", 8),
      MakePerson("欧阳锋", Sex::kMale, D(1945, 5, 20), "110105001001", 11),
      MakePerson("刘德明", Sex::kMale, D(1949, 3, 12), "110106001001", 13),
  };
}

TEST_F(DecideTest, AllFieldsAgreeingLinks) {
  Build(Town());
  const LinkResult r = Link(Without(0));
  EXPECT_EQ(r.outcome, Outcome::kLink) << ReasonName(r.reason);
  EXPECT_EQ(r.reason, Reason::kAboveUpper);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->person, 0u);
  ASSERT_TRUE(r.second);  // 刘德明 shares the birth date
  EXPECT_EQ(r.second->person, 3u);
  EXPECT_EQ(r.candidates, 2);
}

TEST_F(DecideTest, AValidNumberNotInTheRegistryIsNeverLinkedByName) {
  Build(Town());
  LinkFields f = Without(0);
  f.id_text = MakeIdNumber("110105", D(1949, 3, 12), 999);  // valid, nobody's
  const LinkResult r = Link(f);
  EXPECT_EQ(r.outcome, Outcome::kNoLink);
  EXPECT_EQ(r.reason, Reason::kValidIdNotInRegistry);
  EXPECT_FALSE(r.best);
}

TEST_F(DecideTest, DecideItselfEnforcesTheValidNumberRule) {
  Build(Town());
  LinkFields f = Without(0);
  f.id_text = MakeIdNumber("110105", D(1949, 3, 12), 999);
  const PreparedRecord rec = PrepareRecord(f, TestSimplifier(), kAsOf);
  std::vector<ScoredCandidate> c = {{0, ScorePair(model_, *index_, rec, 0)}};
  ASSERT_GT(c[0].score.probability, 0.999);
  const LinkResult r = Decide(0, rec, c, *index_, {});
  EXPECT_EQ(r.outcome, Outcome::kNoLink);
  EXPECT_EQ(r.reason, Reason::kValidIdNotInRegistry);
  // The same number as the registry's is a link, as the exact path would make.
  f.id_text = persons_[0].fields.id_text;
  const PreparedRecord same = PrepareRecord(f, TestSimplifier(), kAsOf);
  c = {{0, ScorePair(model_, *index_, same, 0)}};
  EXPECT_EQ(Decide(0, same, c, *index_, {}).outcome, Outcome::kLink);
}

TEST_F(DecideTest, AMistypedNumberLinksWithTheRestAgreeing) {
  Build(Town());
  LinkFields f = Without(1);
  f.id_text = Mistype(persons_[1].fields.id_text, 12);
  f.birth_date.reset();
  const LinkResult r = Link(f);
  EXPECT_EQ(r.outcome, Outcome::kLink) << ReasonName(r.reason);
  EXPECT_EQ(r.best->person, 1u);
}

TEST_F(DecideTest, TwinsGoToReview) {
  auto persons = Town();
  persons.push_back(MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110105009009", 77));
  Build(persons);
  const LinkResult r = Link(Without(0));
  EXPECT_EQ(r.outcome, Outcome::kReview);
  EXPECT_EQ(r.reason, Reason::kIndistinguishable);
}

TEST_F(DecideTest, ANearIdNumberSetsATwinApart) {
  auto persons = Town();
  persons.push_back(MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110105009009", 77));
  Build(persons);
  LinkFields f = Without(0);
  f.id_text = Mistype(persons_[0].fields.id_text, 15);
  const LinkResult r = Link(f);
  EXPECT_EQ(r.outcome, Outcome::kLink) << ReasonName(r.reason);
  EXPECT_EQ(r.best->person, 0u);
}

TEST_F(DecideTest, ACloseSecondGoesToReview) {
  // Same name and birth date, one in the record's county, one in the next:
  // both score high and the lead is a few bits only.
  std::vector<RegistryPerson> persons = Town();
  persons.push_back(MakePerson("王建华", Sex::kMale, D(1949, 3, 12), "110106001001", 77));
  Build(persons);
  LinkFields f = Without(0);
  f.region_code.clear();
  Thresholds t;
  t.upper = 0.999;
  const LinkResult r = Link(f, t);
  ASSERT_GE(r.best->score.probability, t.upper);
  EXPECT_EQ(r.outcome, Outcome::kReview);
  EXPECT_EQ(r.reason, Reason::kSmallMargin);
}

TEST_F(DecideTest, ThresholdsDecideBetweenLinkReviewAndNothing) {
  Build(Town());
  LinkFields f = Without(0);
  f.name = "汪建花";  // two characters differ
  f.region_code.clear();
  Thresholds t;
  t.upper = 0.9999;
  t.lower = 0.2;
  LinkResult r = Link(f, t);
  const double p = r.best->score.probability;
  ASSERT_GT(p, 0.2);
  ASSERT_LT(p, 0.9999);
  EXPECT_EQ(r.outcome, Outcome::kReview);
  EXPECT_EQ(r.reason, Reason::kBetweenThresholds);
  t.lower = std::min(1.0, p + 1e-6);
  t.upper = std::max(t.upper, t.lower);
  r = Link(f, t);
  EXPECT_EQ(r.outcome, Outcome::kNoLink);
  EXPECT_EQ(r.reason, Reason::kBelowLower);
}

TEST_F(DecideTest, AdverseEvidenceIsNeverLinkedAutomatically) {
  Build(Town());
  Thresholds t;
  t.automatic = false;
  const LinkResult r = Link(Without(0), t);
  EXPECT_EQ(r.outcome, Outcome::kReview);
  EXPECT_EQ(r.reason, Reason::kNotAutomatic);
}

TEST_F(DecideTest, NoCandidateNoLink) {
  Build(Town());
  LinkFields f;
  f.name = "孙悟空";
  const LinkResult r = Link(f);
  EXPECT_EQ(r.outcome, Outcome::kNoLink);
  EXPECT_EQ(r.reason, Reason::kNoCandidate);
  EXPECT_EQ(r.candidates, 0);
}

TEST_F(DecideTest, ThresholdsOutOfRangeAreRefused) {
  Build(Town());
  const std::vector<LinkFields> records = {Without(0)};
  Thresholds t;
  t.lower = 0.99;
  t.upper = 0.9;
  EXPECT_FALSE(LinkRecordsWithModel(*index_, records, model_, t));
  t = {};
  t.min_margin_bits = -1;
  EXPECT_FALSE(LinkRecords(*index_, records, "s", {}, t));
}

TEST(Names, OutcomesAndReasons) {
  EXPECT_EQ(OutcomeName(Outcome::kReview), "review");
  EXPECT_EQ(ReasonName(Reason::kValidIdNotInRegistry), "valid_id_not_in_registry");
  EXPECT_EQ(BlockingRuleName(BlockingRule::kIdMasked), "id_number_masked");
}

}  // namespace
}  // namespace tacit::linkage
