#include "tacit/policy.h"

#include <gtest/gtest.h>

namespace tacit {
namespace {

TEST(Policy, DefaultPolicyLoadsWithEveryParameterCited) {
  auto p = ParsePolicy(DefaultPolicyText(), "default.toml");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->certification_cycle_months.At(Date::FromCivil(2026, 1, 1)), 12);
  EXPECT_FALSE(p->certification_cycle_months.reference.empty());
  const EvidenceKindSpec* travel = p->FindKind("travel");
  ASSERT_NE(travel, nullptr);
  EXPECT_EQ(travel->cls, EvidenceClass::kAlive);
  EXPECT_EQ(p->FindKind("cremation")->cls, EvidenceClass::kDeath);
  EXPECT_EQ(p->FindKind("no_such_kind"), nullptr);
}

TEST(Policy, DatedParameterPicksTheValueInForce) {
  std::string text(DefaultPolicyText());
  const std::string old = "values = [ { since = \"2018-01-01\", value = 12 } ]";
  text.replace(text.find(old), old.size(),
               "values = [ { since = \"2018-01-01\", value = 12 }, { since = \"2027-01-01\", value = 6 } ]");
  auto p = ParsePolicy(text, "p.toml");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->certification_cycle_months.At(Date::FromCivil(2026, 12, 31)), 12);
  EXPECT_EQ(p->certification_cycle_months.At(Date::FromCivil(2027, 1, 1)), 6);
}

TEST(Policy, ErrorsNameTheKeyAndWhatWasExpected) {
  std::string text(DefaultPolicyText());
  text.replace(text.find("class = \"death\""), 15, "class = \"dead\"");
  auto p = ParsePolicy(text, "p.toml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("p.toml:"), std::string::npos);
  EXPECT_NE(p.error().message.find("kinds.death"), std::string::npos);
  EXPECT_NE(p.error().message.find("expected class"), std::string::npos);

  auto bad = ParsePolicy("[meta\nname=1", "broken.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("broken.toml:1"), std::string::npos);
}

TEST(Policy, ParameterWithoutLegalReferenceIsRefused) {
  std::string text(DefaultPolicyText());
  const size_t at = text.find("reference = ", text.find("[parameters.due_soon_days]"));
  text.replace(at, text.find('\n', at) - at, "");
  auto p = ParsePolicy(text, "p.toml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("due_soon_days"), std::string::npos);
}

}  // namespace
}  // namespace tacit
