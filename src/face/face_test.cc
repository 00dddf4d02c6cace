#include "tacit/face.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tacit {
namespace {

TEST(FaceSimilarity, CosineOfTheVectors) {
  const std::vector<float> a = {1, 0, 0}, b = {0, 1, 0}, c = {2, 0, 0}, d = {-1, 0, 0};
  EXPECT_DOUBLE_EQ(FaceSimilarity(a, c), 1.0);
  EXPECT_DOUBLE_EQ(FaceSimilarity(a, b), 0.0);
  EXPECT_DOUBLE_EQ(FaceSimilarity(a, d), -1.0);
  EXPECT_NEAR(FaceSimilarity(std::vector<float>{1, 1}, std::vector<float>{1, 0}), std::sqrt(0.5), 1e-12);
}

TEST(FaceSimilarity, EmptyOrMismatchedIsZero) {
  EXPECT_EQ(FaceSimilarity({}, {}), 0);
  EXPECT_EQ(FaceSimilarity(std::vector<float>{1, 0}, std::vector<float>{1, 0, 0}), 0);
  EXPECT_EQ(FaceSimilarity(std::vector<float>{0, 0}, std::vector<float>{1, 0}), 0);
}

TEST(DecideFace, ThresholdAndReviewBand) {
  EXPECT_EQ(DecideFace(0.95, 0.92, 0.02), FaceDecision::kMatch);
  EXPECT_EQ(DecideFace(0.92, 0.92, 0.02), FaceDecision::kMatch);
  EXPECT_EQ(DecideFace(0.91, 0.92, 0.02), FaceDecision::kReview);
  EXPECT_EQ(DecideFace(0.90, 0.92, 0.02), FaceDecision::kReview);
  EXPECT_EQ(DecideFace(0.89, 0.92, 0.02), FaceDecision::kNoMatch);
  EXPECT_EQ(DecideFace(0.91, 0.92, 0.0), FaceDecision::kNoMatch);
}

TEST(FaceTemplate, RoundTripsAndNamesItsModel) {
  const std::vector<float> e = {0.5f, -0.25f, 1e-7f, 0.125f};
  const std::string sha = "793091796f0cb19f6b19707c8fcc583cda31edecefdb60161a0974abac244487";
  const std::string bytes = EncodeFaceTemplate(e, sha);
  EXPECT_EQ(bytes.size(), 1 + 16 + 4 * e.size());
  auto back = DecodeFaceTemplate(bytes, sha);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, e);
  auto other = DecodeFaceTemplate(bytes, "3dcddbee429dfee747f366faa901558892bb9265f233f1618134ff3512143511");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kFailedPrecondition);
  auto cut = DecodeFaceTemplate(bytes.substr(0, bytes.size() - 1), sha);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, ErrorCode::kDataLoss);
  EXPECT_FALSE(DecodeFaceTemplate("", sha));
}

TEST(FaceProblem, EveryProblemHasANameAndAdvice) {
  for (int k = 0; k <= static_cast<int>(FaceProblem::kNotFrontal); ++k) {
    const auto p = static_cast<FaceProblem>(k);
    EXPECT_FALSE(FaceProblemName(p).empty());
    EXPECT_FALSE(FaceProblemAdviceZh(p).empty());
  }
}

}  // namespace
}  // namespace tacit
