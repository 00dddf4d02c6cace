#include "tacit/casework.h"
#include "store/test_store_location.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace tacit {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 27);

CaseRecord OpenCase(int64_t id, std::vector<int64_t> evidence) {
  CaseRecord c;
  c.id = id;
  c.person = 42;
  c.type = "alive_after_death";
  c.key = "k";
  c.evidence_ids = std::move(evidence);
  return c;
}

TEST(DecisionFact, FraudBecomesAFactWithTheAmountObtained) {
  CaseResolution r{CaseDecision::kFraud, "冒领", "王经办", 0, 624100, kToday};
  auto fact = DecisionFact(OpenCase(7, {3, 5}), r);
  ASSERT_TRUE(fact) << fact.error().ToString();
  ASSERT_TRUE(fact->has_value());
  const EvidenceRecord& e = **fact;
  EXPECT_EQ(e.source, "agency");
  EXPECT_EQ(e.ref, "case-7");
  EXPECT_EQ(e.kind, "fraud");
  EXPECT_EQ(e.person, 42u);
  EXPECT_EQ(e.occurred_on, kToday);
  EXPECT_EQ(e.received_on, kToday);
  EXPECT_EQ(e.link_method, "exact");
  EXPECT_EQ(e.detail, R"({"case": 7, "amount_fen": 624100})");
}

TEST(DecisionFact, VoidingNamesOneOfTheCasesRecords) {
  CaseResolution r{CaseDecision::kVoidEvidence, "火化记录录错人", "", 5, std::nullopt, kToday};
  auto fact = DecisionFact(OpenCase(7, {3, 5}), r);
  ASSERT_TRUE(fact && *fact);
  EXPECT_EQ((*fact)->kind, "evidence_voided");
  EXPECT_EQ((*fact)->detail, R"({"case": 7, "evidence_id": 5})");
  r.evidence_id = 4;
  auto other = DecisionFact(OpenCase(7, {3, 5}), r);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("#3, #5"), std::string::npos) << other.error().message;
  r.evidence_id = 0;
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3, 5}), r));
}

TEST(DecisionFact, ADismissalIsNoFactAndEveryDecisionNeedsANote) {
  CaseResolution r{CaseDecision::kDismiss, "核实无误", "", 0, std::nullopt, kToday};
  auto fact = DecisionFact(OpenCase(7, {3}), r);
  ASSERT_TRUE(fact);
  EXPECT_FALSE(fact->has_value());
  r.note.clear();
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), r));
  // What a decision does not take is refused rather than ignored.
  CaseResolution with_amount{CaseDecision::kDismiss, "x", "", 0, 100, kToday};
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), with_amount));
  CaseResolution fraud_with_evidence{CaseDecision::kFraud, "x", "", 3, 100, kToday};
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), fraud_with_evidence));
  CaseResolution fraud_without_amount{CaseDecision::kFraud, "x", "", 0, std::nullopt, kToday};
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), fraud_without_amount));
  CaseResolution fraud_zero{CaseDecision::kFraud, "x", "", 0, 0, kToday};
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), fraud_zero));
}

TEST(DecisionFact, AConfirmedFaceReviewCertifiesFromTheDayOfTheAttempt) {
  CaseRecord c = OpenCase(9, {});
  c.type = "face_review";
  c.key = "face_review:2026-11-02:0123456789abcdef0123456789abcdef";
  CaseResolution r{CaseDecision::kConfirmFace, "电话核实为本人", "rev", 0, std::nullopt, kToday};
  auto fact = DecisionFact(c, r);
  ASSERT_TRUE(fact && fact->has_value()) << (fact ? "" : fact.error().message);
  EXPECT_EQ((*fact)->kind, "face_auth");
  EXPECT_EQ((*fact)->occurred_on, *ParseDate("2026-11-02"));
  EXPECT_EQ((*fact)->received_on, kToday);
  EXPECT_NE((*fact)->detail.find("0123456789abcdef0123456789abcdef"), std::string::npos);
  // Only a face review can be confirmed that way.
  EXPECT_FALSE(DecisionFact(OpenCase(7, {3}), r));
}

TEST(CaseDecision, NamesRoundTrip) {
  for (CaseDecision d : {CaseDecision::kFraud, CaseDecision::kVoidEvidence, CaseDecision::kDismiss,
                         CaseDecision::kConfirmFace}) {
    EXPECT_EQ(*ParseCaseDecision(CaseDecisionName(d)), d);
  }
  EXPECT_FALSE(ParseCaseDecision("approve"));
  EXPECT_EQ(CaseDecisionTextZh("fraud"), "认定骗取待遇");
  EXPECT_EQ(RecoveryMethodZh("instalment"), "分期退回");
}

class CaseworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = std::filesystem::path(::testing::TempDir()) /
                     ("casework_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store_ = std::move(*OpenTestStore(dir));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    std::vector<RegistryRow> rows;
    for (const auto& [id17, region] : {std::pair{"14010519500101123", "140105001001"},
                                       std::pair{"14020219520202223", "140202001001"}}) {
      std::string id = id17;
      id += IdCheckCharacter(id);
      IdParse p = ParseIdNumber(id, kToday);
      RegistryRow r;
      r.person.key = p.id.key();
      r.person.id_number = p.id.text();
      r.person.name = "张三";
      r.person.sex = p.id.sex();
      r.person.birth_date = p.id.birth_date();
      r.person.region_code = region;
      r.paying_region = std::string(region).substr(0, 6);
      r.start = Month::Of(2015, 1);
      r.monthly = 300000;
      rows.push_back(r);
      persons_.push_back(p.id.key());
    }
    ASSERT_TRUE(store_->ImportRegistry(rows, Month::Of(2026, 11)));
    std::vector<CaseRecord> cases;
    for (size_t i = 0; i < persons_.size(); ++i) {
      CaseRecord c;
      c.person = persons_[i];
      c.type = "alive_after_death";
      c.key = "alive_after_death:" + std::to_string(i);
      c.evidence_ids = {int64_t(i) + 1};
      c.opened_in = Month::Of(2026, 11);
      cases.push_back(c);
    }
    ASSERT_TRUE(store_->OpenCases(cases));
    ids_ = {cases[0].id, cases[1].id};
  }

  std::unique_ptr<Store> store_;
  Policy policy_;
  std::vector<PersonKey> persons_;
  std::vector<int64_t> ids_;
};

TEST_F(CaseworkTest, AResolvedFraudCaseCarriesItsFactAndCannotBeDecidedAgain) {
  CaseResolution r{CaseDecision::kFraud, "冒领已故人员待遇", "王经办", 0, 624100, kToday};
  auto c = ResolveCaseWith(*store_, policy_, ids_[0], r);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->status, "resolved");
  EXPECT_EQ(c->decision, "fraud");
  EXPECT_EQ(c->resolved_by, "王经办");
  const auto evidence = *store_->EvidenceOf(persons_[0]);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].id, c->decision_evidence_id);
  EXPECT_EQ(evidence[0].ref, "case-" + std::to_string(ids_[0]));
  // Neutral in the default policy: the summary index is not touched.
  EXPECT_FALSE(store_->PersonSummary(persons_[0])->has_value());

  auto again = ResolveCaseWith(*store_, policy_, ids_[0], r);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  auto missing = ResolveCaseWith(*store_, policy_, 999, r);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // A refused decision leaves the case open.
  CaseResolution bad{CaseDecision::kVoidEvidence, "x", "", 77, std::nullopt, kToday};
  EXPECT_FALSE(ResolveCaseWith(*store_, policy_, ids_[1], bad));
  EXPECT_EQ((*store_->FindCase(ids_[1]))->status, "open");
}

TEST_F(CaseworkTest, AFactClassedAsADeathReachesThePersonSummary) {
  // A province may class a decision kind as it likes; the summary index follows
  // the class as it does at ingest.
  std::string text(DefaultPolicyText());
  const std::string neutral =
      "label = \"证据撤销 (a record found wrong by staff; detail.evidence_id)\"\nclass = \"evidence_voided\"";
  ASSERT_NE(text.find(neutral), std::string::npos);
  text.replace(text.find(neutral), neutral.size(), "label = \"证据撤销\"\nclass = \"death\"");
  const Policy policy = *ParsePolicy(text, "test");
  CaseResolution r{CaseDecision::kVoidEvidence, "x", "", 1, std::nullopt, kToday};
  ASSERT_TRUE(ResolveCaseWith(*store_, policy, ids_[0], r));
  auto summary = store_->PersonSummary(persons_[0]);
  ASSERT_TRUE(summary && *summary);
  EXPECT_EQ((*summary)->death, kToday);
}

TEST_F(CaseworkTest, CasesAreListedByRegionPrefix) {
  EXPECT_EQ(CasesInRegion(*store_, "", "")->size(), 2u);
  auto taiyuan = CasesInRegion(*store_, "open", "1401");
  ASSERT_TRUE(taiyuan);
  ASSERT_EQ(taiyuan->size(), 1u);
  EXPECT_EQ((*taiyuan)[0].person, persons_[0]);
  EXPECT_EQ(CasesInRegion(*store_, "open", "1402")->size(), 1u);
  EXPECT_TRUE(CasesInRegion(*store_, "resolved", "14")->empty());
  EXPECT_TRUE(CasesInRegion(*store_, "", "15")->empty());
}

}  // namespace
}  // namespace tacit
